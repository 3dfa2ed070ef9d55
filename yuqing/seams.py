"""The seams between stages: one Protocol each, one embedded and one at-scale implementation.

| seam     | embedded (default)            | at scale                       |
|----------|-------------------------------|--------------------------------|
| Bus      | yuqing.bus.inprocess          | Kafka (kafka-python)           |
| Store    | yuqing.store.sql on SQLite    | yuqing.store.sql on PostgreSQL |
| Notifier | responders.channels.inbox     | responders.channels.email      |
| Source   | crawlers (Scrapy spiders)     | the same, more processes       |
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Protocol


@dataclass(frozen=True)
class Message:
    topic: str
    key: str
    value: dict[str, Any]
    partition: int
    offset: int


class Consumer(Protocol):
    def poll(self, timeout: float = 1.0, max_messages: int = 100) -> list[Message]:
        """Messages not yet committed by this consumer's group, in order per partition."""

    def commit(self, messages: Iterable[Message]) -> None:
        """Mark messages done. Call after the store write: at-least-once delivery."""

    def close(self) -> None: ...


class Bus(Protocol):
    def publish(self, topic: str, key: str, value: dict[str, Any]) -> None:
        """Same key → same partition → kept in order."""

    def consumer(self, topic: str, group: str) -> Consumer:
        """Consumers of one group share the partitions; each group sees every message."""

    def close(self) -> None: ...


class Notifier(Protocol):
    name: str

    def send(self, alert: Any, address: str | None) -> tuple[bool, str | None]:
        """Deliver one alert; returns (retryable, error) — error None means delivered."""


class Source(Protocol):
    def crawl_once(self, on_item: Callable[[dict[str, Any]], None]) -> Any:
        """Fetch what is new and hand each item (route input format) to on_item."""


class NotConfigured(Exception):
    """A component switched off by its settings (after Scrapy): logged, not fatal."""
