"""A program that cannot run, or fails at once: trace says what ``python`` says, byte for
byte, and exits as it does. Nothing is masked: a frame of mpscope's own in a traceback,
or its own wording, is a difference.

The start method changes nothing here, so these run with the platform's default only.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.trace.running import PLATFORM_DEFAULT, Result, both, traced

PROGRAMS = {
    "syntax_error.py": "import multiprocessing\n\ndef broken(:\n    pass\n",
    "bad_indent.py": "if True:\nprint('not indented')\n",
    "imports_nothing.py": "import multiprocessing\nimport no_such_module_for_mpscope_tests\n",
    "raises_at_import.py": (
        "import multiprocessing\n\n\ndef helper():\n    return {}['missing']\n\n\nhelper()\n"
    ),
    "raises_after_a_child.py": (
        "import multiprocessing\n\n\ndef noop():\n    print('child ran', flush=True)\n\n\n"
        "if __name__ == '__main__':\n"
        "    p = multiprocessing.Process(target=noop)\n    p.start()\n    p.join()\n"
        "    raise RuntimeError('main gives up')\n"
    ),
    "exits_with_text.py": "import sys\nsys.exit('goodbye from the program')\n",
    "exits_with_none.py": "import sys\nprint('done')\nsys.exit(None)\n",
}


def _same(untraced: Result, t: Result) -> None:
    assert t.returncode == untraced.returncode, f"{untraced.describe()}\n\n{t.describe()}"
    assert t.stderr == untraced.stderr, f"{untraced.describe()}\n\n{t.describe()}"
    assert t.stdout == untraced.stdout, f"{untraced.describe()}\n\n{t.describe()}"


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_a_failing_program_fails_as_under_python(name: str, tmp_path: Path) -> None:
    (tmp_path / name).write_text(PROGRAMS[name])
    # the path as a person types it, relative to the working directory
    untraced, t = both(name, PLATFORM_DEFAULT, tmp_path)
    assert untraced.returncode != 0 or name == "exits_with_none.py", untraced.describe()
    _same(untraced, t)


@pytest.mark.parametrize(
    "target",
    ["no_such_file.py", "no/such/dir/prog.py"],
    ids=["missing-file", "missing-dir"],
)
def test_a_program_that_is_not_there(target: str, tmp_path: Path) -> None:
    untraced, t = both(target, PLATFORM_DEFAULT, tmp_path)
    assert untraced.returncode == 2, untraced.describe()
    _same(untraced, t)


def test_a_directory_is_refused_clearly(tmp_path: Path) -> None:
    """``python DIR`` runs a folder's ``__main__.py``; trace runs files only and says so
    (its own wording and exit code: this is the one case where it differs from python)."""
    t = traced(".", PLATFORM_DEFAULT, tmp_path)
    assert t.returncode == 2, t.describe()
    assert str(tmp_path) in t.err()
    assert "Traceback" not in t.err()
    assert t.stdout == b""


@pytest.mark.parametrize(
    "module", ["no_such_module_for_mpscope_tests", "json.no_such_submodule", "json.tool.x"]
)
def test_a_module_that_is_not_there(module: str, tmp_path: Path) -> None:
    untraced, t = both(module, PLATFORM_DEFAULT, tmp_path, module=True)
    assert untraced.returncode == 1, untraced.describe()
    assert untraced.stderr.startswith(sys.executable.encode())  # python names itself
    _same(untraced, t)


def test_a_module_that_raises_at_import(tmp_path: Path) -> None:
    (tmp_path / "breaks_on_import.py").write_text("import multiprocessing\nraise KeyError('at import')\n")
    untraced, t = both("breaks_on_import", PLATFORM_DEFAULT, tmp_path, module=True)
    assert untraced.returncode == 1, untraced.describe()
    _same(untraced, t)
