"""The pipeline in three stages, for several workers (`yuqing worker --stage …`; README, "At scale").

    raw items ──▶ analyse (N, group "analyse") ──▶ analysed items ──▶ decide (exactly 1, group "decide")
      key: item id          stateless                key: item id         events, grouping, routing
                                                                         │ decisions, key: event id
    store ◀── record (N, group "record"): item, case, clocks, log, case events ◀┘  ──▶ case-events topic

Why this cut (measured by benchmarks/bench_split.py): per-item analysis is stateless and about a
quarter of a worker's CPU; grouping and routing need every earlier item of the district but take
another quarter only; the store write is the largest part and is per event. So analysis and the
store write scale out, and the one stateful step runs in one process whose state is a function of
the store (it is rebuilt from the store after a restart, as `Worker.restore` does).

Nothing lost, nothing twice, in every stage: offsets are committed only after what the stage
produced is durable (published and flushed, or stored); a redelivered message changes nothing
(the decider skips items it has decided or the store holds; the recorder skips stored items:
idempotent on item id); a message that keeps failing is a dead letter and the partition moves on.

Same cases as one worker and as `yuqing route`: the decider merges the analysed partitions in
publish-time order (each partition keeps its raw partition's order, key = item id), taking an item
only when every partition has one waiting or the stream is quiet (nothing left upstream). So the
decisions do not depend on which analysis worker was faster.
"""
from __future__ import annotations

import logging
import time
from collections import deque
from datetime import datetime
from typing import Any

from pipeline.engine import context_from_json, context_to_json, decision_from_json, decision_to_json
from pipeline.dedup import canonical_url, content_fingerprint
from pipeline.record import record_decision
from pipeline.worker import Rejected, Worker, parse_item
from yuqing.seams import Message

log = logging.getLogger("yuqing.worker")


def _flush(bus) -> None:
    flush = getattr(bus, "flush", None)
    if flush is not None:
        flush()


class _Batched(Worker):
    """Publishes without waiting per message (where the bus can), flushes, then commits the batch."""

    def __init__(self, *args, out_topic: str, **kw):
        super().__init__(*args, **kw)
        self.out_topic = out_topic
        if hasattr(self.bus, "sync"):
            self.bus.sync = False        # acknowledged together by flush(), before the commit

    def restore(self) -> int:            # stateless stages
        return 0

    def _reconnect(self) -> None:
        self.consumer.close()
        self.consumer = self.bus.consumer(self.topic, self.group)

    def process_batch(self, msgs: list[Message]) -> int:
        try:
            for m in msgs:
                self.process_message(m)
            _flush(self.bus)
        except Exception:
            # nothing committed: the batch comes again from the committed offsets
            self._reconnect()
            raise
        self.consumer.commit(msgs)
        return len(msgs)

    def run_once(self, timeout: float = 1.0, max_messages: int = 100) -> int:
        return self.process_batch(self.consumer.poll(timeout=timeout, max_messages=max_messages))


class Analyser(_Batched):
    """Raw item → analysed item (stateless: run as many as the raw topic has partitions)."""

    def handle(self, value: Any):
        item = parse_item(value)
        ctx = self.engine.analyse(item)
        self.bus.publish(self.out_topic, item.id, context_to_json(ctx))
        self.stats["items/analysed"] += 1
        return None


class Recorder(_Batched):
    """Decision → store (item, case, clocks, log, case events) → case-events topic; per event in order."""

    def __init__(self, *args, case_topic: str | None = None, **kw):
        super().__init__(*args, out_topic=case_topic or "", **kw)
        self.config = kw.get("config")

    def _policy(self) -> dict | None:
        """As Worker._policy, from the config: a recorder loads no analysis models."""
        if self.engine is not None:
            return super()._policy()
        if self.config is None:
            return None
        from yuqing.clocks.due import ClockPolicy
        pol = self.config.get("clocks") or ClockPolicy.default()
        return {"clocks": pol.model_dump(mode="json"),
                "escalation_chain": [s.model_dump() for s in self.config.district.escalation_chain]}

    def handle(self, value: Any):
        try:
            dec, now = decision_from_json(value)
        except (KeyError, TypeError, ValueError) as exc:
            raise Rejected(f"invalid decision: {type(exc).__name__}: {exc}") from None
        it = dec.item
        with self.store.transaction() as tx:
            changes = record_decision(tx, dec, now=now, url_key=canonical_url(it.url),
                                      fingerprint=content_fingerprint(it.title, it.content), policy=self._policy())
        if changes.get("already_stored"):
            self.stats["items/skipped/already_stored"] += 1
            return None
        self.stats["items/recorded"] += 1
        self._index(dec)
        changed = {k: v for k, v in changes.items() if k in ("new_case", "emergency_started", "unit_changed") and v}
        if self.out_topic and (changed or (changes["level_from"] and changes["level_from"] != changes["level_to"])):
            try:   # a copy for other consumers: the store's case-event outbox is what the notifier reads
                self.bus.publish(self.out_topic, dec.case.event_id,
                                 {"case": dec.case.event_id, "item": it.id, "at": now.isoformat(),
                                  "severity": dec.case.severity, "emergency": dec.case.emergency,
                                  "first_responsible": dec.case.first_responsible,
                                  "level_from": changes["level_from"], **changed})
            except Exception:
                log.exception("case-events topic %s: publish failed", self.out_topic)
        return dec


class Decider(_Batched):
    """Analysed item → event → case decision (the single writer of event state: run exactly one)."""

    def __init__(self, *args, raw_topic: str, raw_group: str = "analyse", record_group: str = "record",
                 record_wait: float = 60.0, **kw):
        super().__init__(*args, **kw)
        if hasattr(self.bus, "sync"):
            # Each decision acknowledged before the next is sent: decisions go to several partitions,
            # and a batch cut by a crash could otherwise keep a later decision and lose an earlier
            # one; this way what survives is a prefix in decision order, and the state rebuilt from
            # the store after a restart is exactly the state the decider had reached.
            self.bus.sync = True
        self.raw_topic, self.raw_group, self.record_group = raw_topic, raw_group, record_group
        self.record_wait = record_wait
        self.buffer: dict[int, deque[Message]] = {}
        self.decided: set[str] = set()
        self._all: set[int] | None = None
        self._quiet = 0

    # ---- state: rebuilt from the store once the recorders have written every decision made
    def restore(self) -> int:
        deadline = time.monotonic() + self.record_wait
        caught_up = getattr(self.bus, "caught_up", None) or (lambda t, g: self.bus.lag(t, g) == 0)
        while not caught_up(self.out_topic, self.record_group):
            if time.monotonic() > deadline:
                log.warning("decider: decisions not yet recorded after %.0f s; restoring anyway", self.record_wait)
                break
            time.sleep(0.1)
        self.decided.clear()
        return super(_Batched, self).restore()

    def handle(self, value: Any):
        try:
            ctx = context_from_json(value)
        except (KeyError, TypeError, ValueError) as exc:
            raise Rejected(f"invalid analysed item: {type(exc).__name__}: {exc}") from None
        item = ctx.item
        if item.id in self.decided:
            self.stats["items/skipped/already_decided"] += 1
            return None
        with self.store.reader() as r:
            if r.items.exists(item.id):
                self.stats["items/skipped/already_stored"] += 1
                return None
        now = self.clock.now()
        dec = self.engine.place(item, ctx, now=now)
        try:
            self.bus.publish(self.out_topic, dec.case.event_id, decision_to_json(dec, now))
        except Exception:
            self.engine.dirty = True     # the engine holds a decision nobody will record
            raise
        self.decided.add(item.id)
        self.stats["items/decided"] += 1
        return dec

    # ---- order: a merge of the partitions by publish time
    def partitions(self) -> set[int]:
        if self._all is None:
            n = getattr(self.bus, "partitions", None)
            if hasattr(self.bus, "topic_partitions"):     # the topic's own count, not the setting's
                n = self.bus.topic_partitions(self.topic)
            self._all = set(range(int(n or 1)))
        return self._all

    @staticmethod
    def _order(m: Message) -> tuple:
        it = m.value.get("item") if isinstance(m.value, dict) else None
        try:
            return (datetime.fromisoformat(it["published_at"]).timestamp(), str(it.get("id")))
        except (TypeError, KeyError, ValueError, AttributeError):
            return (float("-inf"), "")   # unreadable: first out, to the dead letters

    def run_once(self, timeout: float = 1.0, max_messages: int = 100) -> int:
        if self.engine.dirty:
            self.restore()
        held = set(self.consumer.assignment()) if hasattr(self.consumer, "assignment") else self.partitions()
        upstream_done = self.bus.lag(self.raw_topic, self.raw_group) == 0     # asked before the poll
        msgs = self.consumer.poll(timeout=timeout, max_messages=max_messages)
        if held and held != self.partitions():
            log.warning("decider holds partitions %s of %s: another decider shares its group; not deciding",
                        sorted(held), sorted(self.partitions()))
            self.buffer.clear()
            return 0
        for m in msgs:
            self.buffer.setdefault(m.partition, deque()).append(m)
        # quiet: nothing upstream and nothing fetched, twice running (one empty poll can be a slow fetch)
        self._quiet = self._quiet + 1 if upstream_done and not msgs else 0
        quiet = self._quiet >= 2
        out: list[Message] = []
        while len(out) < max_messages:
            live = [p for p in self.partitions() if self.buffer.get(p)]
            if not live or (len(live) < len(self.partitions()) and not quiet):
                break
            out.append(self.buffer[min(live, key=lambda p: self._order(self.buffer[p][0]))].popleft())
        try:
            return self.process_batch(out)
        except Exception:
            self.buffer.clear()          # they come again from the committed offsets
            raise
