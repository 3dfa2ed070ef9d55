"""The pipeline worker: items from the bus → engine → store, committed after the store write.

At-least-once: a message is committed only once its item and case are stored, and an item
already in the store is skipped, so a redelivery after a crash changes nothing. On start the
worker replays the recent items from the store into the engine, so events keep growing across
restarts (the grouping window decides how far back).
"""
from __future__ import annotations

import logging
from collections import Counter
from datetime import timedelta
from typing import Callable

from pydantic import ValidationError

from pipeline.dedup import canonical_url, content_fingerprint
from pipeline.engine import Decision, Engine
from yuqing.model import Item
from yuqing.seams import Bus
from yuqing.store.sql import SqlStore
from yuqing.timeutil import Clock, SystemClock

log = logging.getLogger("yuqing.worker")
OnChange = Callable[[Decision, dict], None]


class Worker:
    def __init__(self, engine: Engine, store: SqlStore, bus: Bus, topic: str, *, group: str = "pipeline",
                 clock: Clock | None = None, on_change: OnChange | None = None):
        self.engine, self.store, self.bus, self.topic, self.group = engine, store, bus, topic, group
        self.clock = clock or SystemClock()
        self.on_change = on_change
        self.consumer = bus.consumer(topic, group)
        self.stats: Counter = Counter()

    def restore(self) -> int:
        """Replay recent stored items into the engine (no writes) so open events continue."""
        since = self.clock.now() - timedelta(hours=self.engine.rules.grouping.window_hours)
        n = 0
        for row in self.store.recent_items(since):
            item = Item(id=row.id, url=row.url, platform=row.platform, source=row.source, author=row.author,
                        title=row.title, content=row.content, published_at=row.published_at, metrics=row.metrics)
            self.engine.process(item)
            n += 1
        log.info("restored %d recent items into the engine", n)
        return n

    def handle(self, value: dict) -> Decision | None:
        try:
            item = Item.model_validate(value)
        except ValidationError as exc:
            self.stats["items/dropped/invalid"] += 1
            log.error("invalid item %r dropped: %s", value.get("id"), exc.errors()[:3])
            self.store.record("item.rejected", actor="pipeline",
                              details={"id": value.get("id"), "url": value.get("url"),
                                       "errors": [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]})
            return None
        if self.store.has_item(item.id):
            self.stats["items/skipped/already_stored"] += 1
            return None
        dec = self.engine.process(item)
        changes = self.store.save_decision(
            dec, url_key=canonical_url(item.url), fingerprint=content_fingerprint(item.title, item.content),
            policy=self._policy())
        self.stats["items/routed"] += 1
        if dec.duplicate_of:
            self.stats[f"items/duplicate/{dec.duplicate_reason}"] += 1
        if self.on_change is not None:
            try:
                self.on_change(dec, changes)
            except Exception:   # alerts are retried by the scheduler's sweep; routing is done
                log.exception("on_change failed for %s", dec.case.event_id)
        return dec

    def _policy(self) -> dict:
        """The escalation policy in force now, frozen onto a case when its clocks start."""
        pol = self.engine.clock_policy
        return {"clocks": pol.model_dump(mode="json"),
                "escalation_chain": [s.model_dump() for s in self.engine.district.escalation_chain]}

    def run_once(self, timeout: float = 1.0, max_messages: int = 100) -> int:
        msgs = self.consumer.poll(timeout=timeout, max_messages=max_messages)
        done = []
        for m in msgs:
            try:
                self.handle(m.value)
            except Exception:
                # Not committed: redelivered to the next consumer of the group. Stop here to keep order.
                log.exception("processing %s failed; will be redelivered", m.value.get("id"))
                self.stats["items/failed"] += 1
                self.consumer.commit(done)
                # Rejoin the group: positions go back to the committed offsets (as a Kafka seek).
                self.consumer.close()
                self.consumer = self.bus.consumer(self.topic, self.group)
                return len(done)
            done.append(m)
        self.consumer.commit(done)
        return len(done)

    def close(self) -> None:
        self.consumer.close()
