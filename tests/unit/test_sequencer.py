"""The sequencer keeps causal order however batches of several processes interleave."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.events import keys
from app.runs.sequencer import Released, Sequencer


def make_streams(pairs: int, seed_data: st.DataObject) -> dict[int, list[tuple]]:
    """Two processes ping-ponging ``pairs`` items: producer puts, consumer gets, and the
    consumer answers each item with a put of its own that the producer gets."""
    prod, cons = 100, 200
    p_events, c_events = [], []
    t = 0.0
    for i in range(pairs):
        t += 1
        key = f"{prod}.{i}"
        p_events.append(("queue.put", t, "q", 1, {"msg": key}, key, None))
        t += 1
        c_events.append(("queue.get", t, "q", 2, {"msg": key}, None, key))
        reply = f"{cons}.{i}"
        t += 1
        c_events.append(("queue.put", t, "r", 3, {"msg": reply}, reply, None))
        t += 1
        p_events.append(("queue.get", t, "r", 4, {"msg": reply}, None, reply))
    return {prod: p_events, cons: c_events}


def batches(events: list, cuts: list[int]) -> list[list]:
    out, start = [], 0
    for cut in sorted(set(c % (len(events) + 1) for c in cuts)):
        if cut > start:
            out.append(events[start:cut])
            start = cut
    out.append(events[start:])
    return [b for b in out if b]


@settings(max_examples=300, deadline=None)
@given(pairs=st.integers(1, 12), data=st.data())
def test_any_arrival_order_gives_a_causal_order(pairs: int, data: st.DataObject) -> None:
    streams = make_streams(pairs, data)
    released: list[Released] = []
    seq = Sequencer(released.extend)
    # Split each process's events into batches, then deliver batches in a random
    # interleaving that keeps each process's own batches in order.
    queues = {
        pid: batches(evs, data.draw(st.lists(st.integers(0, 100), max_size=8)))
        for pid, evs in streams.items()
    }
    while any(queues.values()):
        pid = data.draw(st.sampled_from([p for p, q in queues.items() if q]))
        seq.push(pid, pid, f"p{pid}", queues[pid].pop(0))
    seq.close_stream(100)
    seq.close_stream(200)
    seq.finish()
    order = [ev for _, _, ev in released]
    assert len(order) == sum(len(e) for e in streams.values())
    made = set()
    for ev in order:
        if ev[6] is not None:
            assert ev[6] in made, f"{ev[0]} of {ev[6]} released before its put"
        if ev[5] is not None:
            made.add(ev[5])
    for pid, evs in streams.items():
        assert [ev for p, _, ev in released if p == pid] == evs


def test_a_get_waits_for_a_put_still_in_the_producers_batch() -> None:
    released: list[Released] = []
    seq = Sequencer(released.extend)
    seq.push(2, 200, "p2", [("queue.get", 2.0, "q", 1, None, None, "100.1")])
    assert released == []
    seq.push(1, 100, "p1", [("queue.put", 1.0, "q", 1, None, "100.1", None)])
    assert [ev[0] for _, _, ev in released] == ["queue.put", "queue.get"]


def test_a_killed_producer_does_not_hold_the_consumer_back_forever() -> None:
    released: list[Released] = []
    seq = Sequencer(released.extend)
    seq.push(1, 100, "p1", [("proc.start", 0.5, None, None, None, None, None)])
    seq.push(2, 200, "p2", [("queue.get", 2.0, "q", 1, None, None, "100.7")])
    assert len(released) == 1
    seq.close_stream(1)  # p1 died with the put in its unsent batch
    assert [ev[0] for _, _, ev in released] == ["proc.start", "queue.get"]


def test_ready_events_of_several_processes_come_out_in_time_order() -> None:
    released: list[Released] = []
    seq = Sequencer(released.extend)
    seq.push(
        1,
        100,
        "a",
        [
            ("stdout", 1.0, None, None, None, None, None),
            ("stdout", 3.0, None, None, None, None, None),
        ],
    )
    seq.push(2, 200, "b", [("stdout", 0.5, None, None, None, None, None)])
    assert [ev[1] for _, _, ev in released] == [1.0, 3.0, 0.5]  # b arrived late: no waiting for it
    released.clear()
    seq2 = Sequencer(released.extend)
    seq2.push(
        2,
        200,
        "b",
        [
            ("queue.get", 0.1, None, None, None, None, "100.1"),
            ("stdout", 2.0, None, None, None, None, None),
        ],
    )
    seq2.push(
        1,
        100,
        "a",
        [
            ("queue.put", 0.05, None, None, None, "100.1", None),
            ("stdout", 1.0, None, None, None, None, None),
            ("stdout", 3.0, None, None, None, None, None),
        ],
    )
    assert [ev[1] for _, _, ev in released] == [0.05, 0.1, 1.0, 2.0, 3.0]


def test_a_result_whose_manager_server_died_is_released_when_the_server_is_gone() -> None:
    # The caller's result waits for the server's serving of the call; a reply key names the
    # server (app/events/keys.py), so once the server's connection has closed without it,
    # the result goes out then, not only when the whole run is over.
    released: list[Released] = []
    seq = Sequencer(released.extend)
    call = keys.message(100, 1)
    seq.push(1, 100, "main", [("manager.call", 1.0, "records", 5, None, call, None)])
    seq.push(2, 300, "manager", [("proc.start", 0.5, None, None, None, None, None)])
    seq.push(1, 100, "main", [("manager.result", 2.0, "records", 5, None, None, keys.reply(300, call))])
    assert [ev[0] for _, _, ev in released] == ["manager.call", "proc.start"]
    seq.close_stream(2)
    assert [ev[0] for _, _, ev in released] == ["manager.call", "proc.start", "manager.result"]
