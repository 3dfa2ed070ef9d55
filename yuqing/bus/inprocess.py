"""An in-process bus with Kafka's semantics: keyed partitions, consumer groups, commits.

A consumer gets messages from its group's committed offset on; what it polled but did not
commit is delivered again to the next consumer of the group (at-least-once), as with Kafka.
"""
from __future__ import annotations

import threading
import zlib
from collections import defaultdict
from typing import Any, Iterable

from yuqing.seams import Message


class InProcessBus:
    def __init__(self, partitions: int = 4):
        self.partitions = partitions
        self._logs: dict[str, list[list[Message]]] = {}
        self._committed: dict[tuple[str, str], list[int]] = {}
        self._members: dict[tuple[str, str], list["InProcessConsumer"]] = defaultdict(list)
        self._cond = threading.Condition()

    def _topic(self, topic: str) -> list[list[Message]]:
        if topic not in self._logs:
            self._logs[topic] = [[] for _ in range(self.partitions)]
        return self._logs[topic]

    def partition_of(self, key: str) -> int:
        return zlib.crc32(key.encode("utf-8")) % self.partitions

    def publish(self, topic: str, key: str, value: dict[str, Any]) -> None:
        with self._cond:
            part = self.partition_of(key)
            log = self._topic(topic)[part]
            log.append(Message(topic, key, value, part, len(log)))
            self._cond.notify_all()

    def consumer(self, topic: str, group: str) -> "InProcessConsumer":
        with self._cond:
            self._topic(topic)
            self._committed.setdefault((topic, group), [0] * self.partitions)
            c = InProcessConsumer(self, topic, group)
            self._members[(topic, group)].append(c)
            self._rebalance(topic, group)
            return c

    def _rebalance(self, topic: str, group: str) -> None:
        members = self._members[(topic, group)]
        for i, c in enumerate(members):
            c.assigned = [p for p in range(self.partitions) if p % len(members) == i]
            c.position = {p: self._committed[(topic, group)][p] for p in c.assigned}

    def _leave(self, c: "InProcessConsumer") -> None:
        with self._cond:
            members = self._members[(c.topic, c.group)]
            if c in members:
                members.remove(c)
                if members:
                    self._rebalance(c.topic, c.group)

    def lag(self, topic: str, group: str) -> int:
        with self._cond:
            logs = self._topic(topic)
            committed = self._committed.get((topic, group), [0] * self.partitions)
            return sum(len(logs[p]) - committed[p] for p in range(self.partitions))

    def close(self) -> None:
        pass


class InProcessConsumer:
    def __init__(self, bus: InProcessBus, topic: str, group: str):
        self.bus, self.topic, self.group = bus, topic, group
        self.assigned: list[int] = []
        self.position: dict[int, int] = {}

    def poll(self, timeout: float = 1.0, max_messages: int = 100) -> list[Message]:
        with self.bus._cond:
            def ready() -> list[Message]:
                out: list[Message] = []
                logs = self.bus._logs[self.topic]
                for p in self.assigned:
                    pos = self.position[p]
                    take = logs[p][pos: pos + max_messages - len(out)]
                    out += take
                    self.position[p] = pos + len(take)
                    if len(out) >= max_messages:
                        break
                return out
            got = ready()
            if not got and timeout > 0:
                self.bus._cond.wait(timeout)
                got = ready()
            return got

    def commit(self, messages: Iterable[Message]) -> None:
        with self.bus._cond:
            committed = self.bus._committed[(self.topic, self.group)]
            for m in messages:
                committed[m.partition] = max(committed[m.partition], m.offset + 1)

    def close(self) -> None:
        self.bus._leave(self)
