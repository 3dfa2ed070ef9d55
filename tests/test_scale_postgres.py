"""Two recorders writing the same decisions into PostgreSQL at once: no duplicate case, no lost item.

Harder than the deployment ever is: each recorder writes *every* decision (as two groups would),
in its own thread and connection pool, so each insert of an item, a case and its clocks races
with the other's. Primary keys and the case row lock decide; the loser retries, finds the item
stored and skips it (idempotent on item id).
"""
from __future__ import annotations

import json
import threading
from collections import Counter
from pathlib import Path

import pytest

from pipeline.scaled import Recorder
from yuqing.bus.inprocess import InProcessBus
from yuqing.model import Item
from pipeline.engine import decision_to_json
from yuqing.store.sql import SqlStore

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[1]


def test_two_recorders_at_once_store_each_item_once_and_each_case_once(postgres_url, cfg, engine, clock):
    items = [json.loads(line) for line in (ROOT / "tests/eval/written3.jsonl").read_text(encoding="utf-8").splitlines()
             if line.strip()]
    bus = InProcessBus(partitions=4)
    events = set()
    for d in items:
        d.pop("expect", None)
        dec = engine.process(Item.model_validate(d), now=clock.now())
        bus.publish("decisions", dec.case.event_id, decision_to_json(dec, clock.now()))
        events.add(dec.case.event_id)
    SqlStore(postgres_url, clock=clock).close()          # the schema, once
    stores = [SqlStore(postgres_url, clock=clock) for _ in range(2)]
    recorders = [Recorder(None, s, bus, "decisions", group=f"g{k}", config=cfg, clock=clock,
                          retries=5, retry_seconds=0.01) for k, s in enumerate(stores)]
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def work(r: Recorder) -> None:
        try:
            start.wait()
            while r.run_once(timeout=0.05, max_messages=10):
                pass
        except BaseException as exc:        # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(r,)) for r in recorders]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    stats = Counter()
    for r in recorders:
        stats.update(r.stats)
    # every item was written by exactly one of them; the other found it stored
    assert stats["items/recorded"] == len(items), stats
    assert stats["items/recorded"] + stats["items/skipped/already_stored"] == 2 * len(items), stats
    with stores[0].reader() as r:
        assert r.items.count() == len(items)
        cases = r.cases.list(statuses=None)
        assert len({c.event_id for c in cases}) == len(cases)
        assert {c.event_id for c in cases} == events
        numbers = [c.number for c in cases if c.number]
        assert len(numbers) == len(set(numbers))
        opened = Counter((e.case_id, e.kind) for e in r.case_events.all() if e.kind in ("opened", "emergency"))
        assert opened and all(n == 1 for n in opened.values()), opened
        assert not r.dead_letters.list(None)
    for s in stores:
        s.close()
