"""The pipeline worker: items from the bus → engine → store, committed after the store write.

Nothing lost, nothing twice:
- **at least once**: a message is committed only after its item, case, clocks and case events are
  stored in one unit of work; an item already stored is skipped, so a redelivery after a crash
  changes nothing;
- **a bad message never stalls the stream**: it is retried a few times with backoff (a database
  hiccup heals), then kept as a dead letter with its error and payload (and published to the
  dead-letter topic), and the partition moves on; operators are told by the notifier;
- **restarts continue exactly**: `restore` replays the stored items of the events still open into
  the engine with their stored event ids, so no event gets another id after a restart; when a
  failure left the engine half-changed, it is rebuilt the same way before the next attempt.
"""
from __future__ import annotations

import logging
import time
import traceback
from collections import Counter
from datetime import timedelta
from typing import Any

from pydantic import ValidationError

from pipeline.dedup import canonical_url, content_fingerprint
from pipeline.engine import Decision, Engine
from pipeline.record import record_decision
from yuqing.model import Item
from yuqing.records import Action, DeadLetter
from yuqing.seams import Bus, Message, SearchDoc, Store
from yuqing.timeutil import Clock, SystemClock

log = logging.getLogger("yuqing.worker")


class Rejected(Exception):
    """An item that can never be processed (invalid): no retry, straight to the dead letters."""


def describe_invalid(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(item)'}: "
                     f"{'missing required field' if e['type'] == 'missing' else e['msg']}" for e in exc.errors())


def parse_item(value: Any) -> Item:
    if not isinstance(value, dict):
        raise Rejected(f"not a JSON object but {type(value).__name__}")
    if "__undecodable__" in value:          # the bus could not read it (yuqing.bus.kafka.UNDECODABLE)
        raise Rejected(str(value.get("error") or "not JSON in UTF-8"))
    try:
        return Item.model_validate(value)
    except ValidationError as exc:
        raise Rejected(f"invalid item: {describe_invalid(exc)}") from None


class Worker:
    def __init__(self, engine: Engine, store: Store, bus: Bus, topic: str, *, group: str = "pipeline",
                 clock: Clock | None = None, dead_topic: str | None = None, retries: int = 3,
                 retry_seconds: float = 0.2, search: Any = None, config: Any = None):
        self.engine, self.store, self.bus, self.topic, self.group = engine, store, bus, topic, group
        self.clock = clock or SystemClock()
        self.dead_topic = dead_topic
        self.retries, self.retry_seconds = max(int(retries), 0), retry_seconds
        self.search = search
        self.consumer = bus.consumer(topic, group)
        self.stats: Counter = Counter()

    # ------------------------------------------------------------------ state
    def restore(self) -> int:
        """Rebuild the engine from the store: the items of events active within the grouping
        window, each re-added to its stored event (membership is not decided again)."""
        self.engine.reset()
        since = self.clock.now() - timedelta(hours=self.engine.rules.grouping.window_hours)
        with self.store.reader() as r:
            open_events = [c.event_id for c in r.cases.list(statuses=None, updated_since=since)]
            rows = r.items.of_events(open_events)
        for row in rows:
            item = Item(id=row.id, url=row.url, platform=row.platform, source=row.source, author=row.author,
                        title=row.title, content=row.content, published_at=row.published_at, metrics=row.metrics)
            self.engine.replay(item, row.event_id, row.duplicate_of, now=row.received_at)
        log.info("restored %d items of %d open events into the engine", len(rows), len(open_events))
        return len(rows)

    # ------------------------------------------------------------------ one item
    def handle(self, value: Any) -> Decision | None:
        """Process one message value once; raises on failure (the caller retries)."""
        item = parse_item(value)
        with self.store.reader() as r:
            stored = r.items.exists(item.id)
        if stored:
            self.stats["items/skipped/already_stored"] += 1
            return None
        now = self.clock.now()
        dec = self.engine.process(item, now=now)
        try:
            with self.store.transaction() as tx:
                record_decision(tx, dec, now=now, url_key=canonical_url(item.url),
                                fingerprint=content_fingerprint(item.title, item.content), policy=self._policy())
        except Exception:
            self.engine.dirty = True      # the engine holds an item the store does not: rebuild it
            raise
        self.stats["items/routed"] += 1
        if dec.duplicate_of:
            self.stats[f"items/duplicate/{dec.duplicate_reason}"] += 1
        self._index(dec)
        return dec

    def _index(self, dec: Decision) -> None:
        """Search is a derived view: a failure here is logged, never loses the item."""
        if self.search is None:
            return
        it, a, c = dec.item, dec.analysis, dec.case
        try:
            self.search.index([SearchDoc(id=it.id, title=it.title or "", content=it.content,
                                         published_at=it.published_at, platform=it.platform, source=it.source,
                                         event_id=c.event_id, unit=c.first_responsible, level=c.severity,
                                         category=a.category, places=[p.name for p in a.places],
                                         negative=a.negative, sentiment=a.sentiment)])
        except Exception:
            log.exception("search index: item %s not indexed (rebuild with `yuqing search reindex`)", it.id)

    def _policy(self) -> dict:
        """The escalation policy in force now, frozen onto a case when its clocks start."""
        pol = self.engine.clock_policy
        return {"clocks": pol.model_dump(mode="json"),
                "escalation_chain": [s.model_dump() for s in self.engine.district.escalation_chain]}

    def process_message(self, m: Message) -> Decision | None:
        """Handle with retries and backoff; after the last, a dead letter. Never raises for the item."""
        attempts, first_failed = 0, None
        while True:
            attempts += 1
            try:
                return self.handle(m.value)
            except Rejected as exc:
                self.stats["items/dead/invalid"] += 1
                return self._dead(m, str(exc), "", attempts, first_failed)
            except Exception as exc:
                first_failed = first_failed or self.clock.now()
                trace = traceback.format_exc(limit=8)
                log.warning("item %r failed (attempt %d): %s: %s", _id(m.value), attempts, type(exc).__name__, exc)
                if getattr(self.engine, "dirty", False):
                    self.restore()
                if attempts > self.retries:
                    if not self._store_works():
                        raise             # the store is down, not the item bad: wait, keep it
                    self.stats["items/dead/failed"] += 1
                    return self._dead(m, f"{type(exc).__name__}: {exc}", trace, attempts, first_failed)
                time.sleep(self.retry_seconds * (2 ** (attempts - 1)))

    def _store_works(self) -> bool:
        try:
            with self.store.reader() as r:
                r.items.exists("")
            return True
        except Exception:
            return False

    def _dead(self, m: Message, error: str, trace: str, attempts: int, first_failed) -> None:
        now = self.clock.now()
        payload = m.value if isinstance(m.value, dict) else {"value": m.value}
        log.error("item %r moved to the dead letters after %d attempt(s): %s", _id(m.value), attempts, error)
        with self.store.transaction() as tx:
            if tx.dead_letters.find(m.topic, m.partition, m.offset) is not None:
                return None              # written before a crash: this is the replayed message
            dl = tx.add(DeadLetter(topic=m.topic, key=m.key, partition=m.partition, offset=m.offset, payload=payload,
                                   error=error[:4000], trace=trace[:8000], attempts=attempts,
                                   first_failed_at=first_failed or now, last_failed_at=now))
            tx.actions.append(Action(at=now, actor="pipeline", action="item.dead_lettered",
                                     details={"dead_letter": dl.id, "item": _id(m.value), "error": error[:300]}))
        if self.dead_topic:
            try:
                self.bus.publish(self.dead_topic, m.key or "", {"payload": payload, "error": error[:4000],
                                                                 "source_topic": m.topic, "offset": m.offset})
            except Exception:       # the store has it: the topic is a copy for other consumers
                log.exception("dead-letter topic %s: publish failed", self.dead_topic)
        return None

    # ------------------------------------------------------------------ the loop
    def run_once(self, timeout: float = 1.0, max_messages: int = 100) -> int:
        msgs = self.consumer.poll(timeout=timeout, max_messages=max_messages)
        done = 0
        for m in msgs:
            try:
                self.process_message(m)
            except Exception:
                # Not committed: positions go back to the committed offsets (as a Kafka seek), so
                # this message and those after it come again once the store is back.
                self.consumer.close()
                self.consumer = self.bus.consumer(self.topic, self.group)
                raise
            self.consumer.commit([m])     # after the store write (or the dead letter) only
            done += 1
        return done

    def close(self) -> None:
        self.consumer.close()


def _id(value: Any) -> Any:
    return value.get("id") if isinstance(value, dict) else None
