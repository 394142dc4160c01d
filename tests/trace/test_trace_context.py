"""What a traced program sees of itself is what ``python`` gives it: ``sys.argv`` as
typed, ``__file__``, ``sys.path[0]`` (the real folder: symlinks resolved), the working
directory and the default start method, in main and in a child.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.trace.checks import check_run
from tests.trace.running import METHODS, PROGRAMS, both

# Arguments that look like trace's own options belong to the program all the same.
ARGS = ["two words", "ünïcode", "--start-method", "spawn", "-m", "--save", "x.ndjson", "--quiet"]


@pytest.mark.parametrize("method", METHODS)
def test_a_script_by_a_relative_path_through_a_symlink(method: str, tmp_path: Path) -> None:
    (tmp_path / "link").symlink_to(PROGRAMS, target_is_directory=True)
    # argv[0] stays as typed, __file__ is it joined to the working directory, sys.path[0]
    # is the real folder (the symlink resolved)
    plain, traced = both("link/show_context.py", method, tmp_path, ARGS)
    assert plain.returncode == 0, plain.describe()
    assert f"path0 {PROGRAMS}\n" in plain.text()  # the test's own premise
    assert traced.returncode == 0, traced.describe()
    assert traced.stdout == plain.stdout, traced.describe()
    assert traced.stderr == plain.stderr == b""
    check_run(traced, method, procs=2)


@pytest.mark.parametrize("method", METHODS)
def test_a_path_with_dots_stays_as_python_joins_it(method: str, tmp_path: Path) -> None:
    """``python ../progs/./show_context.py``: python does not normalise the main module's
    ``__file__`` (the working directory and the path as typed, joined); a spawned child's
    is normalised by multiprocessing itself, in both runs alike."""
    (tmp_path / "link").symlink_to(PROGRAMS, target_is_directory=True)
    work = tmp_path / "work"
    work.mkdir()
    plain, traced = both("../link/./show_context.py", method, tmp_path, cwd=work)
    assert f"file {work}/../link/./show_context.py\n" in plain.text()  # the premise
    assert traced.returncode == 0, traced.describe()
    assert traced.stdout == plain.stdout, traced.describe()


# The loader and spec python -m gives a module are objects: their addresses differ from
# one process to the next, nothing else does.
_ADDRESS = re.compile(rb" at 0x[0-9a-f]+")


@pytest.mark.parametrize("method", METHODS)
def test_a_module_run_with_dash_m(method: str, tmp_path: Path) -> None:
    plain, traced = both("show_context", method, tmp_path, ARGS, cwd=PROGRAMS, module=True)
    assert plain.returncode == 0, plain.describe()
    assert b"name __main__ spec ModuleSpec(name='show_context'" in plain.stdout
    assert traced.returncode == 0, traced.describe()
    assert _ADDRESS.sub(b"", traced.stdout) == _ADDRESS.sub(b"", plain.stdout), traced.describe()
    assert traced.stderr == plain.stderr == b""
    check_run(traced, method, procs=2)
