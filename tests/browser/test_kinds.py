"""The page and the schema agree on the event kinds (app/events/schema.py is their source).

The generated static/js/kinds.js, the reducer's handlers and the Python schema name the
same kinds, every kind, with all of its fields set, is narrated by its own template, and
every template of every kind is reached by some event (no guard or earlier template hides
it), in the same words by static/js/narrate.js and app/events/narration.py.
"""

from __future__ import annotations

import ast
import itertools
import json
import types
import typing
from typing import Any

import msgspec
import pytest

from app.events import schema
from app.events.narration import PLACEHOLDER, narrate, parse, sentence

pytestmark = pytest.mark.browser

PAGE_KINDS = """async () => {
  const { KINDS } = await import('/static/js/kinds.js');
  const { HANDLED_KINDS } = await import('/static/js/reducer.js');
  return { kinds: Object.keys(KINDS), handled: [...HANDLED_KINDS] };
}"""

NARRATE = """async (events) => {
  const { narrate } = await import('/static/js/narrate.js');
  return events.map(narrate);
}"""


def sample(tp: Any, name: str) -> Any:
    """A simple JSON value of type ``tp``; strings are the field's name, so a misplaced
    field shows in the sentence."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated:
        return sample(args[0], name)
    if origin is typing.Literal:
        return args[0]
    if origin in (typing.Union, types.UnionType):
        return sample(next(a for a in args if a is not type(None)), name)
    if tp is Any:
        return name
    if tp is bool:  # before int: a bool is an int
        return True
    if tp is int:
        return 3
    if tp is float:
        return 0.5
    if tp is str:
        return name
    if origin is list:  # two items, so that how they are joined shows
        return [sample(args[0] if args else Any, name)] * 2
    if origin is tuple:
        return [sample(a, name) for a in args]
    if origin is dict:
        return {"k": sample(args[1] if args else Any, name)}
    raise TypeError(f"no sample for {name}: {tp!r}; add one here")


def synthetic(kind: str) -> dict[str, Any]:
    """An event of ``kind`` with every one of its fields set."""
    fields = msgspec.structs.fields(schema.KINDS[kind])
    event = {"kind": kind} | {f.encode_name: sample(f.type, f.name) for f in fields}
    schema.decode(json.dumps(event))  # a valid event, or the samples are wrong
    return event


def test_page_reducer_and_schema_name_the_same_kinds(js: Any) -> None:
    page = js.evaluate(PAGE_KINDS)
    assert set(page["kinds"]) == set(schema.KINDS), "static/js/kinds.js is not the schema's"
    assert set(page["handled"]) == set(schema.KINDS), "static/js/reducer.js has no handler for some kinds"


def test_every_kind_is_narrated_alike_with_all_its_fields(js: Any) -> None:
    events = [synthetic(kind) for kind in schema.KINDS]
    from_js = dict(zip(schema.KINDS, js.evaluate(NARRATE, events), strict=True))
    fallbacks = [e["kind"] for e in events if from_js[e["kind"]] == f"{e['proc']} {e['kind']}"]
    assert fallbacks == [], "kinds narrated by the fallback, not a template"
    assert from_js == {e["kind"]: narrate(e) for e in events}


def spelled_as(name: str, shown: str) -> Any:
    """A field value that a guard's alternative ``shown`` matches: ``True``, ``0``, ``''``
    are Python literals; anything else is the text itself; an empty one is no ``args``."""
    if shown == "" and name == "args":
        return []
    try:
        return ast.literal_eval(shown)
    except (ValueError, SyntaxError):
        return shown


def reaching(kind: str, template: str) -> list[dict[str, Any]]:
    """Events of ``kind`` with only the fields ``template`` names (so that no template
    before it applies by accident), one for each combination of its guard's alternatives."""
    types_of = {f.name: f.type for f in msgspec.structs.fields(schema.KINDS[kind])}
    common = {f.name: sample(f.type, f.name) for f in msgspec.structs.fields(schema.Event)}
    guard, text = parse(template)
    base = {"kind": kind, **common}
    for name, _ in PLACEHOLDER.findall(text):
        base[name] = sample(types_of.get(name, str), name)
    names = list(guard)
    return [
        {**base, **{n: spelled_as(n, alt) for n, alt in zip(names, alts, strict=True)}}
        for alts in itertools.product(*(guard[n] for n in names))
    ]


def test_every_template_is_reached_and_narrated_alike(js: Any) -> None:
    cases = [
        (kind, template, event)
        for kind, templates in schema.TEMPLATES.items()
        for template in templates
        for event in reaching(kind, template)
    ]
    events = json.loads(json.dumps([event for _, _, event in cases]))
    from_js = js.evaluate(NARRATE, events)
    hidden = []
    for (kind, template, _), event, said in zip(cases, events, from_js, strict=True):
        expected = sentence(event, template)
        assert expected is not None, f"{kind}: {template!r} does not apply to the event built for it"
        if narrate(event) != expected:
            hidden.append((kind, template, narrate(event)))
        assert said == narrate(event), (kind, template)
    assert hidden == [], "templates an earlier one always wins over"
    assert len(cases) > sum(len(t) for t in schema.TEMPLATES.values())  # alternatives were tried
