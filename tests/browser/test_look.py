"""Themes, reduced motion and a phone-width screen."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Dashboard, watched_page
from tests.serving import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.timeout(60)]


def background(d: Dashboard) -> str:
    return str(d.evaluate("() => getComputedStyle(document.body).backgroundColor"))


def test_light_and_dark_themes(dashboard: Dashboard) -> None:
    d = dashboard
    d.open(scenario="queue", pace_ms=0)
    theme = d.page.locator("#theme")
    expect(theme).to_have_text("Theme: auto")
    auto = background(d)
    theme.click()
    expect(theme).to_have_text("Theme: light")
    light = background(d)
    theme.click()
    expect(theme).to_have_text("Theme: dark")
    dark = background(d)
    assert light != dark
    assert auto == light  # the context prefers light
    # The choice is kept for the next visit.
    d.open(scenario="queue", pace_ms=0)
    expect(theme).to_have_text("Theme: dark")
    assert background(d) == dark


@pytest.fixture
def variant(browser: Any, server: LiveServer, request: Any) -> Iterator[Dashboard]:
    """A dashboard in a browser context with the options the test names."""
    with watched_page(browser, **request.param) as (page, console):
        yield Dashboard(page, server, console)


@pytest.mark.parametrize(
    "variant", [{"reduced_motion": "reduce", "viewport": {"width": 1280, "height": 900}}], indirect=True
)
def test_reduced_motion_turns_animation_off(variant: Dashboard) -> None:
    d = variant
    d.open(scenario="queue", pace_ms=0)
    d.run()
    d.seek(8)  # items in the queue, one of them lit
    names = d.evaluate(
        "() => [...document.querySelectorAll('.item, .lit')].map((el) => getComputedStyle(el).animationName)"
    )
    assert names
    assert set(names) == {"none"}


# Every jump forward of one to four events (the player flies the tokens of up to four; a
# live run draws its batches so): the viewer draws it in one frame, and this callback,
# run right after the viewer's own, pauses every animation there. Then the page's width
# is measured with every token at the start of its flight. Returns the number of token
# flights seen and the widest page, with the jump that made it.
JUMP_AND_FREEZE = """async (count) => {
  const slider = document.querySelector('#timeline-slider');
  const show = async (index) => {
    slider.value = String(index);
    slider.dispatchEvent(new Event('input', { bubbles: true }));
    await new Promise((done) => requestAnimationFrame(done));
    const running = document.getAnimations().filter((a) => a.playState === 'running');
    running.forEach((a) => a.pause());
    const width = document.documentElement.scrollWidth;
    const flying = running.filter((a) => a.effect?.target?.matches('[data-token]')).length;
    running.forEach((a) => a.finish());
    return [flying, width];
  };
  let flights = 0;
  let widest = [0, null];
  for (let by = 1; by <= 4; by++) {
    for (let from = -1; from + by < count; from++) {
      await show(from);
      const [flying, width] = await show(from + by);
      flights += flying;
      const start = from < 0 ? 'the start' : `event ${from + 1}`;
      if (width > widest[0]) widest = [width, `${start} to event ${from + by + 1}`];
    }
  }
  return [flights, widest];
}"""


@pytest.mark.parametrize(
    "variant",
    [
        {
            "viewport": {"width": 375, "height": 740},
            "is_mobile": True,
            "has_touch": True,
            "color_scheme": "dark",
        }
    ],
    indirect=True,
)
def test_phone_width(variant: Dashboard) -> None:
    d = variant
    d.open(scenario="manager", pace_ms=0)
    d.run()
    # Nothing wider than the screen: the page never scrolls sideways, not even while a
    # token flies (drawn translated and enlarged on its way).
    count = d.evaluate("() => +document.querySelector('#timeline-slider').max") + 1
    flights, (width, where) = d.evaluate(JUMP_AND_FREEZE, count)
    assert flights > 0  # the manager's calls and replies did fly
    assert width <= 375, f"{width} px wide, jumping from {where}"
    d.seek(count - 1)
    expect(d.page.locator(".proc-box[data-proc='manager'] .manager-object .held .record")).to_have_count(4)
    # Panels stack in one column, in reading order: the replay bar under the stage.
    tops = d.evaluate(
        "() => ['.setup', '.stage', '.player', '.code'].map((s) => document.querySelector(s).offsetTop)"
    )
    assert tops == sorted(tops)
    # Touch-sized replay buttons.
    height = d.evaluate("() => document.querySelector('#ctl-back').getBoundingClientRect().height")
    assert height >= 40
