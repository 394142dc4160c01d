"""A traced program of two files in real Chromium: the program pane's tabs, and each
process's mark in the file its line is in.

``python -m app trace --port 0 main.py`` runs a program whose two children run a function
of its ``helpers.py``; its own dashboard serves the run. The pane lists main.py and
helpers.py, follows the file of the event on screen, shows a child's mark on its line of
helpers.py, shows main's line when main.py is picked, and follows again on request; a
run of one file (a scenario's, on the test server) shows no tabs at all.
"""

from __future__ import annotations

import json
import os
import re
import selectors
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import AT_END, watched_page
from tests.conftest import shm_entries, shm_left_since
from tests.serving import LiveServer
from tests.trace.running import marked_pids

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

ROOT = Path(__file__).resolve().parents[2]

MAIN = """\
import multiprocessing as mp

from helpers import square

if __name__ == "__main__":
    q = mp.Queue()
    first = mp.Process(target=square, args=(q, 3))
    second = mp.Process(target=square, args=(q, 4))
    first.start()
    second.start()
    print("got", sorted([q.get(), q.get()]))
    first.join()
    second.join()
"""

HELPERS = """\
\"\"\"What the program's children do.\"\"\"


def square(q, n):
    result = n * n
    q.put(result)
"""


def line_of(text: str, fragment: str) -> int:
    """The 1-based line of ``text`` that holds ``fragment`` (the only one)."""
    found = [n for n, line in enumerate(text.splitlines(), 1) if fragment in line]
    assert len(found) == 1, (fragment, found)
    return found[0]


@dataclass(frozen=True)
class Traced:
    base: str  # the command's own dashboard
    run_id: str
    events: list[dict[str, Any]]

    @property
    def page_url(self) -> str:
        return f"{self.base}/runs/{self.run_id}"


def _read_until(process: subprocess.Popen[bytes], pattern: str, within_s: float) -> re.Match[str]:
    """Read the command's stderr until ``pattern`` shows in it, or fail at the deadline."""
    assert process.stderr is not None
    seen = bytearray()
    deadline = time.monotonic() + within_s
    with selectors.DefaultSelector() as sel:
        sel.register(process.stderr, selectors.EVENT_READ)
        while not (found := re.search(pattern, seen.decode(errors="replace"))):
            left = deadline - time.monotonic()
            chunk = os.read(process.stderr.fileno(), 65536) if left > 0 and sel.select(left) else None
            if not chunk:  # the deadline, or the command closed its stderr (it ended)
                pytest.fail(f"no {pattern!r} within {within_s} s; stderr={bytes(seen)!r}")
            seen.extend(chunk)
    return found


@pytest.fixture(scope="module")
def traced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Traced]:
    """The two-file program traced by the real command, ended, its dashboard still serving."""
    folder = tmp_path_factory.mktemp("two-files")
    (folder / "main.py").write_text(MAIN)
    (folder / "helpers.py").write_text(HELPERS)
    mark = f"mpscope-test-{uuid.uuid4()}"
    before = shm_entries()
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "trace", "--port", "0", "main.py"],
        cwd=folder,
        env={**os.environ, "PYTHONPATH": str(ROOT), "MPSCOPE_TEST_MARK": mark},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own group, which the SIGINT at the end is sent to
    )
    try:
        found = _read_until(process, r"replay it at (http://127\.0\.0\.1:\d+)/runs/([\w-]+)", 60)
        base, run_id = found.group(1), found.group(2)
        text = httpx.get(f"{base}/api/runs/{run_id}/events", params={"format": "ndjson"}, timeout=10).text
        events = [json.loads(line) for line in text.splitlines() if line.strip()]
        yield Traced(base, run_id, events)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)  # a finished run's dashboard ends on Ctrl-C
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        assert process.stderr is not None
        process.stderr.close()
        deadline = time.monotonic() + 5
        while (left := marked_pids(mark)) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not left, f"processes outlived the trace command: {left}"
        # The run's own semaphores carry its id; the other worker's runs make entries too.
        left_by_run = {name for name in shm_left_since(before) if run_id in name}
        assert not left_by_run, "the traced run left /dev/shm entries"
    assert process.returncode == 0, process.returncode


# Where each process is after events 0..index: (file, line) of its last event with a line,
# the file None for main.py; processes that exited are nowhere. The truth the page is held to.
def places_at(events: list[dict[str, Any]], index: int) -> dict[str, tuple[str | None, int]]:
    places: dict[str, tuple[str | None, int]] = {}
    for event in events[: index + 1]:
        if event["kind"] == "proc.exit":
            places.pop(event["proc"], None)
        elif event.get("line") is not None:
            places[event["proc"]] = (event.get("file"), event["line"])
    return places


TABS = "#source-files [role=tab]"
SHOWN = "() => [...document.querySelectorAll('#source .src-line code')].map((c) => c.textContent).join('\\n')"


def shows(page: Any, text: str) -> None:
    """Wait until the pane shows exactly ``text``'s lines."""
    want = "\n".join(line or " " for line in text.removesuffix("\n").split("\n"))
    page.wait_for_function(f"(want) => ({SHOWN})() === want", arg=want)


MARKS = """() => Object.fromEntries(
  [...document.querySelectorAll('#source .src-line')].flatMap((li) =>
    [...li.querySelectorAll('.marks .chip')].map((chip) => [chip.textContent, Number(li.dataset.line)])))"""


def marks(page: Any) -> dict[str, int]:
    """The processes marked in the pane, each with its line."""
    found: dict[str, int] = page.evaluate(MARKS)
    return found


def seek(page: Any, index: int) -> None:
    page.locator("#timeline-slider").fill(str(index))
    at = "(want) => document.querySelector('#position').textContent.startsWith(want)"
    page.wait_for_function(at, arg=f"event {index + 1} of ")


def test_the_run_brings_each_file_once_and_marks_lines_in_it(traced: Traced) -> None:
    files = [e for e in traced.events if e["kind"] == "run.file"]
    # Each child announces the file the first time it runs its code; the text is the file's.
    assert sorted(e["proc"] for e in files) == ["first", "second"]
    assert {(e["path"], e["text"]) for e in files} == {("helpers.py", HELPERS)}
    puts = [e for e in traced.events if e["kind"] == "queue.put"]
    assert {(e["proc"], e.get("file"), e["line"]) for e in puts} == {
        (child, "helpers.py", line_of(HELPERS, "q.put(")) for child in ("first", "second")
    }


def test_the_reducer_keeps_the_files_and_each_process_s_file(js: Any, traced: Traced) -> None:
    events = traced.events
    put = next(i for i, e in enumerate(events) if e["kind"] == "queue.put")
    # A second text for the same path (a process sending the file again) does not replace it.
    again = {**next(e for e in events if e["kind"] == "run.file"), "text": "changed\n"}
    folded = js.evaluate(
        """async ([events, put, again]) => {
          const { reduceAll, reduce } = await import('/static/js/reducer.js');
          const at = reduceAll(events.slice(0, put + 1));
          const end = reduceAll(events);
          const pick = (s) => ({ files: s.files, lastFile: s.lastFile,
            procs: Object.fromEntries(Object.values(s.procs).map((p) => [p.name, [p.file, p.line]])) });
          return { at: pick(at), end: pick(end), again: reduce(end, again).files };
        }""",
        [events, put, again],
    )
    who = events[put]["proc"]
    assert folded["at"]["files"] == {"helpers.py": HELPERS}
    assert folded["at"]["lastFile"] == "helpers.py"
    assert folded["at"]["procs"][who] == ["helpers.py", line_of(HELPERS, "q.put(")]
    main_file, main_line = places_at(events, put)["main"]
    assert folded["at"]["procs"]["main"] == [main_file, main_line]
    # At the end every process has exited: no line, no file; the last line was main's.
    assert set(map(tuple, folded["end"]["procs"].values())) == {(None, None)}
    assert folded["end"]["lastFile"] is None
    assert folded["again"] == {"helpers.py": HELPERS}


def test_the_pane_shows_each_file_with_its_processes_marks(browser: Any, traced: Traced) -> None:
    events = traced.events
    put = next(i for i, e in enumerate(events) if e["kind"] == "queue.put")
    child = events[put]["proc"]
    with watched_page(browser, viewport={"width": 1280, "height": 900}) as (page, _console):
        page.goto(traced.page_url)
        page.wait_for_selector("body[data-ready='true']")
        page.wait_for_function(AT_END)
        tabs = page.locator(TABS)
        expect(tabs).to_have_count(2)
        assert [t.strip() for t in tabs.locator(".file-name").all_inner_texts()] == ["main.py", "helpers.py"]
        # At the end the last line was main's: the pane follows it to main.py.
        shows(page, MAIN)
        expect(page.locator(f"{TABS}[aria-selected=true] .file-name")).to_have_text("main.py")
        expect(page.locator(".follow-run")).to_have_attribute("aria-pressed", "true")
        assert marks(page) == {}  # every process has ended

        # At the child's put the pane follows the event into helpers.py, the child marked
        # on the put's line and each tab naming the processes in its file.
        seek(page, put)
        shows(page, HELPERS)
        places = places_at(events, put)
        in_helpers = {p: line for p, (f, line) in places.items() if f == "helpers.py"}
        assert in_helpers[child] == line_of(HELPERS, "q.put(")
        assert marks(page) == in_helpers
        current = page.locator("#source .src-line.current")
        expect(current).to_have_attribute("data-line", str(in_helpers[child]))
        helpers_tab = page.locator(f"{TABS}[data-file='helpers.py']")
        expect(helpers_tab).to_have_attribute("aria-selected", "true")
        assert sorted(helpers_tab.locator(".chip").all_inner_texts()) == sorted(in_helpers)
        assert page.locator("#source").get_attribute("role") == "tabpanel"
        # The child's box on the stage says where it is, file and line.
        where = page.locator(f".proc-box[data-proc='{child}'] .where")
        expect(where).to_have_text(f"at helpers.py line {in_helpers[child]}")

        # Picking main.py pins it: main's line is marked there; following stops.
        page.locator(f"{TABS}[data-file='']").click()
        shows(page, MAIN)
        in_main = {p: line for p, (f, line) in places.items() if f is None}
        assert "main" in in_main
        assert marks(page) == in_main
        expect(page.locator(".follow-run")).to_have_attribute("aria-pressed", "false")
        # A step keeps the picked file, whatever file the next event is in.
        seek(page, put + 1)
        shows(page, MAIN)

        # The keyboard: the arrow keys move between the tabs and show the file.
        page.locator(f"{TABS}[aria-selected=true]").focus()
        page.keyboard.press("ArrowRight")
        shows(page, HELPERS)
        expect(helpers_tab).to_be_focused()
        expect(page.locator("#position")).to_contain_text(f"event {put + 2} of")  # no replay step
        page.keyboard.press("Home")
        shows(page, MAIN)

        # Follow the run again: the file of the event on screen.
        page.locator(".follow-run").click()
        expect(page.locator(".follow-run")).to_have_attribute("aria-pressed", "true")
        seek(page, put)
        shows(page, HELPERS)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_tabs_pass_axe(browser: Any, traced: Traced, scheme: str) -> None:
    put = next(i for i, e in enumerate(traced.events) if e["kind"] == "queue.put")
    # The theme is "auto" until a person picks one: the system's scheme decides.
    size = {"width": 1280, "height": 900}
    with watched_page(browser, viewport=size, color_scheme=scheme) as (page, _console):
        page.goto(traced.page_url)
        page.wait_for_selector("body[data-ready='true']")
        page.wait_for_function(AT_END)
        seek(page, put)  # a process's chip on a tab, and one on its line
        shows(page, HELPERS)
        expect(page.locator(f"{TABS} .chip")).not_to_have_count(0)
        page.locator(f"{TABS}[data-file='']").click()  # pinned: the toggle not pressed
        shows(page, MAIN)
        assert_accessible(page, review=True)


def test_a_run_of_one_file_shows_no_tabs(browser: Any, server: LiveServer) -> None:
    r = httpx.post(f"{server.url}/api/runs", json={"scenario": "queue", "pace_ms": 0}, timeout=10)
    assert r.status_code == 201, r.text
    run_id = r.json()["id"]
    source = httpx.get(f"{server.url}/api/runs/{run_id}", timeout=10).json()["source"]
    with watched_page(browser, viewport={"width": 1280, "height": 900}) as (page, _console):
        page.goto(f"{server.url}/runs/{run_id}")
        page.wait_for_selector("body[data-ready='true']")
        page.wait_for_function(AT_END)
        shows(page, source)
        expect(page.locator("#source-files")).to_be_hidden()
        assert page.locator(TABS).count() == 0
        assert page.locator("#source").get_attribute("role") == "region"
