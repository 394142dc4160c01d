"""A process's console says "no output yet" only while the process may still print."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import recorded

pytestmark = pytest.mark.browser

# Renders the console of `proc` at each of `steps` ([seq, exited] pairs) with the page's
# own stylesheet, and reports what a reader sees: the text and the placeholder CSS adds.
SHOW = """async ({ lines, steps, withOption }) => {
  if (!document.querySelector('link[href="/static/css/dashboard.css"]')) {
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = '/static/css/dashboard.css';
    const loaded = new Promise((resolve, reject) => { link.onload = resolve; link.onerror = reject; });
    document.head.append(link);
    await loaded;
  }
  const { ConsoleView } = await import('/static/js/views/console.js');
  const box = document.createElement('div');
  document.body.append(box);
  const view = new ConsoleView(box);
  const seen = [];
  for (const [seq, exited] of steps) {
    const upTo = lines.filter((line) => line.seq <= seq);
    if (withOption) view.render(upTo, seq, { exited });
    else view.render(upTo, seq);
    const before = getComputedStyle(view.el, '::before').content;
    seen.push({ text: view.el.textContent, placeholder: before === 'none' ? null : before });
  }
  box.remove();
  return seen;
}"""


def console_lines(log: str, proc: str) -> list[dict[str, Any]]:
    return [
        {"seq": e["seq"], "text": e["text"], "stream": e["kind"]}
        for e in recorded(log)
        if e["kind"] in ("stdout", "stderr") and e["proc"] == proc
    ]


def test_a_process_that_exited_without_printing_printed_nothing(js: Any) -> None:
    events = recorded("queue")
    assert console_lines("queue", "p1") == []  # p1 only puts into the queue
    exit_seq = next(e["seq"] for e in events if e["kind"] == "proc.exit" and e["proc"] == "p1")
    steps = [[exit_seq - 1, False], [exit_seq, True], [exit_seq - 1, False]]  # and stepping back
    seen = js.evaluate(SHOW, {"lines": [], "steps": steps, "withOption": True})
    assert seen == [
        {"text": "", "placeholder": '"no output yet"'},
        {"text": "printed nothing", "placeholder": None},
        {"text": "", "placeholder": '"no output yet"'},
    ]


def test_output_is_shown_as_printed_whether_or_not_the_process_exited(js: Any) -> None:
    lines = console_lines("queue", "p2")
    last = lines[-1]["seq"]
    printed = "".join(line["text"] for line in lines)
    seen = js.evaluate(SHOW, {"lines": lines, "steps": [[last, False], [last, True]], "withOption": True})
    assert seen == [{"text": printed, "placeholder": None}] * 2


def test_a_call_without_the_option_reads_as_not_exited(js: Any) -> None:
    seen = js.evaluate(SHOW, {"lines": [], "steps": [[5, True]], "withOption": False})
    assert seen == [{"text": "", "placeholder": '"no output yet"'}]
