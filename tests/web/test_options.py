"""Reading an embed's query (app/web/options.py): lenient, and says what it ignored."""

from __future__ import annotations

import re
from pathlib import Path

from app.api.models import RunCreate
from app.runs.service import MAX_SCHEDULE
from app.web.options import PACE_MAX_MS, EmbedOptions, read_query

EMBED_CODE = Path(__file__).resolve().parents[2] / "static" / "js" / "embed-code.js"
PARAMS = ["mylist"]


def test_defaults() -> None:
    q = read_query([], PARAMS)
    assert q.options == EmbedOptions()
    assert q.options.as_json() == {
        "autoplay": False,
        "controls": True,
        "source": False,
        "theme": "auto",
        "pace_ms": 300,
        "start_method": "fork",
        "schedule": [],
    }
    assert q.params == {}
    assert q.notes == []


def test_flags_read_the_usual_spellings() -> None:
    for raw, want in [("1", True), ("true", True), ("YES", True), ("on", True), ("", True)]:
        assert read_query([("autoplay", raw)], PARAMS).options.autoplay is want
    for raw in ("0", "false", "No", "off"):
        assert read_query([("controls", raw)], PARAMS).options.controls is False


def test_bad_values_fall_back_to_the_default_and_say_so() -> None:
    q = read_query([("autoplay", "perhaps"), ("pace_ms", "2001"), ("start_method", "thread")], PARAMS)
    assert q.options == EmbedOptions()
    assert q.notes == [
        "autoplay='perhaps' is not 1 or 0; using 0.",
        "pace_ms='2001' is not a whole number from 0 to 2000; using 300.",
        "start_method='thread' is not one of fork, spawn, forkserver; using fork.",
    ]


def test_long_values_are_cut_short_in_notes() -> None:
    (note,) = read_query([("theme", "x" * 1000)], PARAMS).notes
    assert len(note) < 120
    assert "…" in note


def test_parameters_are_json_or_text() -> None:
    q = read_query([("mylist", "[1, 2]"), ("pace_ms", "0")], PARAMS)
    assert q.params == {"mylist": [1, 2]}
    assert read_query([("mylist", "hello")], PARAMS).params == {"mylist": "hello"}


def test_the_last_of_a_repeated_option_counts() -> None:
    assert read_query([("pace_ms", "10"), ("pace_ms", "20")], PARAMS).options.pace_ms == 20


def test_a_recorded_run_takes_display_options_only() -> None:
    q = read_query([("theme", "light"), ("pace_ms", "0"), ("mylist", "[1]")], None)
    assert q.options == EmbedOptions(theme="light")
    assert q.params == {}
    assert len(q.notes) == 2


def test_a_schedule_is_process_names_separated_by_commas() -> None:
    q = read_query([("schedule", "main,main, p1,p2")], PARAMS)
    assert q.options.schedule == ("main", "main", "p1", "p2")
    assert q.options.as_json()["schedule"] == ["main", "main", "p1", "p2"]
    assert q.notes == []
    assert read_query([("schedule", "")], PARAMS).options.schedule == ()


def test_a_schedule_that_cannot_be_one_is_ignored_and_said_so() -> None:
    q = read_query([("schedule", "main,,p1")], PARAMS)
    assert q.options.schedule == ()
    assert q.notes == ["schedule='main,,p1' is not process names separated by commas; the run goes freely."]
    (note,) = read_query([("schedule", ",".join(["p1"] * (MAX_SCHEDULE + 1)))], PARAMS).notes
    assert note == f"schedule has {MAX_SCHEDULE + 1} steps, more than {MAX_SCHEDULE}; the run goes freely."
    (note,) = read_query([("schedule", "x" * 201)], PARAMS).notes
    assert "is not process names" in note
    # A recorded run replays nothing: it keeps the schedule it ran with.
    assert "is ignored: a recorded run keeps" in read_query([("schedule", "main")], None).notes[0]


def test_the_bounds_match_the_api() -> None:
    schema = RunCreate.model_json_schema()["properties"]["pace_ms"]
    assert (schema["minimum"], schema["maximum"]) == (0, PACE_MAX_MS)


def test_the_dialog_knows_the_same_defaults() -> None:
    """The Embed dialog leaves options at their defaults out of the snippet."""
    match = re.search(r"EMBED_DEFAULTS = Object\.freeze\((\{.*?\})\)", EMBED_CODE.read_text(), re.S)
    assert match
    js = dict(re.findall(r"(\w+): (true|false|\"\w+\")", match.group(1)))
    defaults = EmbedOptions()
    assert js == {
        "autoplay": str(defaults.autoplay).lower(),
        "controls": str(defaults.controls).lower(),
        "source": str(defaults.source).lower(),
        "theme": f'"{defaults.theme}"',
    }
