"""The worker stages in one process on the durable SQLite bus: fast checks of what the Kafka tests
(tests/test_scale_kafka.py) check with real processes."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from pipeline.engine import Engine, context_from_json, context_to_json, decision_from_json, decision_to_json
from pipeline.scaled import Analyser, Decider, Recorder
from yuqing.bus.sqlite import SqliteBus
from yuqing.model import Item
from yuqing.store.sql import SqlStore
from yuqing.timeutil import SHANGHAI, ManualClock

ROOT = Path(__file__).resolve().parents[1]


def _items() -> list[dict]:
    out = []
    for line in (ROOT / "tests/eval/written.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            d.pop("expect", None)
            out.append(d)
    # the decider takes items in publish order; `route` in file order: the same for this file
    return sorted(out, key=lambda d: (d["published_at"], d["id"]))


def test_an_analysed_item_and_a_decision_survive_json(engine):
    it = Item.model_validate(_items()[0])
    ctx = engine.analyse(it)
    back = context_from_json(json.loads(json.dumps(context_to_json(ctx), ensure_ascii=False)))
    assert back.analysis == ctx.analysis and back.norm.text == ctx.norm.text
    assert (back.incident, back.complaint, back.instruments) == (ctx.incident, ctx.complaint, ctx.instruments)
    dec = engine.place(it, back, now=it.published_at)
    same, now = decision_from_json(json.loads(json.dumps(decision_to_json(dec, it.published_at))))
    assert same.case == dec.case and same.item == dec.item and now == it.published_at


def test_two_analysers_a_decider_and_a_recorder_decide_as_route(tmp_path, cfg, engine):
    items = _items()
    # received after the whole stream, as a live worker receives it (a "now" before an item's
    # publish time would make it an item from the future)
    clock = ManualClock(datetime(2026, 12, 31, tzinfo=SHANGHAI))
    bus = SqliteBus(str(tmp_path / "bus.db"), partitions=4, session_timeout=2)
    store = SqlStore(f"sqlite:///{tmp_path}/s.db", clock=clock)
    for d in items:
        bus.publish("raw", d["id"], d)
    bus.publish("raw", "bad", {"id": "bad", "content": None})           # invalid: a dead letter
    analysers = [Analyser(engine, store, bus, "raw", group="analyse", out_topic="an", clock=clock) for _ in range(2)]
    decider = Decider(Engine(cfg), store, bus, "an", group="decide", out_topic="dec", raw_topic="raw",
                      clock=clock, record_wait=1)
    recorder = Recorder(None, store, bus, "dec", group="record", case_topic="ce", config=cfg, clock=clock)
    decider.restore()
    for _ in range(200):
        for a in analysers:
            a.run_once(0.05, 20)          # small batches: the two take turns at the partitions
        decider.run_once(0.05)
        recorder.run_once(0.05)
        with store.reader() as r:
            if r.items.count() >= len(items):
                break
    assert all(a.stats["items/analysed"] for a in analysers)      # both did work
    ref = {}
    engine.reset()
    for d in items:
        dec = engine.process(Item.model_validate(d))
        ref[d["id"]] = dec.case.event_id
    with store.reader() as r:
        stored = {i.id: i.event_id for i in r.items.of_events(sorted(set(ref.values())))}
        assert stored == ref
        assert [d.payload.get("id") for d in r.dead_letters.list(None)] == ["bad"]
        assert r.cases.list(statuses=None)
    # a redelivered decision changes nothing (idempotent on item id)
    c = bus.consumer("dec", "again")
    again = Recorder(None, store, bus, "dec", group="again", config=cfg, clock=clock)
    c.close()
    while again.run_once(0.05):
        pass
    assert again.stats["items/recorded"] == 0 and again.stats["items/skipped/already_stored"] == len(items)
    # the case-events topic carries a copy of each case change, keyed by event id
    ce = bus.consumer("ce", "check")
    msgs = ce.poll(0.2, 1000)
    assert msgs and all(m.key == m.value["case"] for m in msgs) and any(m.value.get("new_case") for m in msgs)
