"""How ``python -m app trace`` splits its own options from the program's arguments."""

from __future__ import annotations

import pytest

from app.cli.trace import parser, split_argv


@pytest.mark.parametrize(
    ("argv", "ours", "program"),
    [
        (["prog.py"], [], ["prog.py"]),
        (["--no-serve", "prog.py", "--no-serve", "-v"], ["--no-serve"], ["prog.py", "--no-serve", "-v"]),
        (
            ["--save", "x.ndjson", "--port", "9000", "p.py", "a"],
            ["--save", "x.ndjson", "--port", "9000"],
            ["p.py", "a"],
        ),
        (["--save=x.ndjson", "p.py"], ["--save=x.ndjson"], ["p.py"]),
        (["--quiet", "-m", "pkg.mod", "--quiet"], ["--quiet", "-m", "pkg.mod"], ["--quiet"]),
        (["-mpkg", "x"], ["-mpkg"], ["x"]),
        (["--", "--odd-name.py", "a"], [], ["--odd-name.py", "a"]),
        (["--start-method", "spawn"], ["--start-method", "spawn"], []),
    ],
)
def test_the_program_starts_at_the_first_word_that_is_not_ours(
    argv: list[str], ours: list[str], program: list[str]
) -> None:
    assert split_argv(argv) == (ours, program)


def test_options_parse_and_bad_ones_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    opts = parser().parse_args(["--no-serve", "--start-method", "forkserver", "-m", "pkg"])
    assert (opts.no_serve, opts.start_method, opts.module) == (True, "forkserver", "pkg")
    with pytest.raises(SystemExit) as exc:
        parser().parse_args(["--start-method", "thread"])
    assert exc.value.code == 2
    assert "invalid choice: 'thread'" in capsys.readouterr().err
