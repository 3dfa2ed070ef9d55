"""The seams between stages: one Protocol each, with an embedded and an at-scale implementation.

| seam        | embedded (default)                  | at scale                          |
|-------------|-------------------------------------|-----------------------------------|
| Bus         | yuqing.bus.inprocess, yuqing.bus.sqlite | yuqing.bus.kafka (kafka-python) |
| Store       | yuqing.store on SQLite              | yuqing.store on PostgreSQL        |
| SearchIndex | yuqing.search.fts5 (SQLite FTS5)    | yuqing.search.elastic             |
| Channel     | responders.channels.inbox, email    | wecom, dingtalk, feishu, sms      |
| Source      | crawlers.kinds.* (a registry)       | the same, more processes          |
| Stage       | pipeline stages (STAGES setting)    | the same, in several workers      |

Each implementation is built by the composition package (`yuqing.app`) from settings and
config; a component switched off by its settings raises `NotConfigured` (after Scrapy).
Shared contract tests (`tests/contracts/`) run against every implementation.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Iterable, Iterator, Protocol, runtime_checkable


class NotConfigured(Exception):
    """A component switched off by its settings (after Scrapy): logged, not fatal."""


class StoreError(RuntimeError):
    """The store could not read or write (database down, locked, constraint broken)."""


# ---------------------------------------------------------------------------------------- bus
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
        """Same key → same partition → kept in order. Durable once it returns (where the bus is)."""

    def consumer(self, topic: str, group: str) -> Consumer:
        """Consumers of one group share the partitions; each group sees every message."""

    def close(self) -> None: ...


# ---------------------------------------------------------------------------------------- search
@dataclass
class SearchDoc:
    """One item as the search index holds it (text fields are crawled data: never markup)."""
    id: str
    title: str
    content: str
    published_at: datetime
    platform: str = "unknown"
    source: str | None = None
    event_id: str | None = None
    unit: str | None = None          # the event's first-responsible unit when indexed
    level: str | None = None         # the event's severity when indexed (无 … 特别重大)
    category: str | None = None
    places: list[str] = field(default_factory=list)
    negative: bool = False
    sentiment: float | None = None


@dataclass
class SearchQuery:
    text: str = ""                   # words to find (Chinese: matched as substrings/n-grams)
    since: datetime | None = None
    until: datetime | None = None
    platforms: list[str] | None = None
    units: list[str] | None = None
    levels: list[str] | None = None
    categories: list[str] | None = None
    negative: bool | None = None
    limit: int = 50
    offset: int = 0


@dataclass
class SearchHit:
    id: str
    score: float
    title: str
    snippet: str                     # plain text
    highlights: list[tuple[int, int]]  # (start, end) character spans in `snippet` that matched
    published_at: datetime
    platform: str
    source: str | None
    event_id: str | None
    unit: str | None
    level: str | None


@dataclass
class SearchResult:
    total: int
    hits: list[SearchHit]


class SearchIndex(Protocol):
    def index(self, docs: Iterable[SearchDoc]) -> int:
        """Add or replace documents by id (idempotent); returns how many were written."""

    def search(self, query: SearchQuery) -> SearchResult:
        """Matching documents, best first (newest first when there is no text)."""

    def aggregate(self, by: str, query: SearchQuery | None = None, *, interval: str = "day",
                  tz: str = "Asia/Shanghai") -> list[tuple[str, int]]:
        """Counts per bucket: by = day | level | unit | platform | category | negative.
        Days are local dates (YYYY-MM-DD in `tz`); buckets sorted by key."""

    def close(self) -> None: ...


# ---------------------------------------------------------------------------------------- channels
@dataclass(frozen=True)
class Recipient:
    level: int | None      # escalation-chain level; None for a co-responsible or referred unit
    unit: str
    role: str


@dataclass
class AlertMessage:
    """What every channel renders from. Every text is Chinese, for people: no internal codes."""
    alert_id: int
    key: str                        # unique per alert: an idempotency key for receivers
    kind: str                       # vocabulary alert kind (yuqing.vocab.ALERT_KINDS)
    kind_label: str                 # its Chinese name
    recipient: Recipient
    subject: str                    # one line
    body: str                       # full plain text with line breaks (inbox, email)
    short: str                      # one SMS (≤ 70 characters)
    lines: list[tuple[str, str]] = field(default_factory=list)   # (label, value) facts for cards
    link: str | None = None         # the case on the dashboard
    severity: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class SendResult:
    """After Alertmanager's notifiers: did it go, and if not, is trying again worth it."""
    ok: bool
    retryable: bool = False
    error: str | None = None
    status: str = ""                # e.g. "HTTP 200 errcode 0", "250 OK"

    @classmethod
    def sent(cls, status: str = "") -> "SendResult":
        return cls(True, False, None, status)

    @classmethod
    def failed(cls, error: str, *, retryable: bool, status: str = "") -> "SendResult":
        return cls(False, retryable, error, status)


@runtime_checkable
class Channel(Protocol):
    """One way of reaching people. A channel module defines its config model (`Config`, the
    section of the same name in channels.yaml), a factory `from_config(config, settings)` that
    raises NotConfigured when it cannot work, and registers itself (responders.channels)."""
    name: str                       # registry key, e.g. "wecom"
    label: str                      # Chinese name shown to people, e.g. "企业微信"
    rate_per_minute: int | None     # the receiver's limit per address (None: none known)

    def address(self, recipient: Recipient) -> str | None:
        """Where this recipient is reached on this channel; None when it has no address here."""

    def send(self, message: AlertMessage, address: str) -> SendResult:
        """Render within the channel's limits and deliver one message."""


# ---------------------------------------------------------------------------------------- sources
@dataclass
class CrawlStats:
    source: str
    pages: int = 0
    items: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    not_modified: int = 0
    failed: bool = False               # the source itself could not be read (not one bad page)


class Source(Protocol):
    """One configured source of a registered kind (RSS, HTML list, JSON API, file import …)."""
    key: str
    kind: str

    def crawl(self, emit: Callable[[dict[str, Any]], None]) -> CrawlStats:
        """Fetch what is new since the last crawl and hand each item (route input format) to emit."""


# ---------------------------------------------------------------------------------------- stages
class Stage(Protocol):
    """An analysis stage (after Scrapy's item pipelines): built by `from_config(config, settings)`
    (raise NotConfigured to switch off), declared with an order in STAGES, run on every item."""
    name: str

    def process(self, ctx: Any) -> None:
        """Read ctx.norm / ctx.item, write to ctx.analysis and append to ctx.reasons."""


# ---------------------------------------------------------------------------------------- store
class UnitOfWork(Protocol):
    """One transaction over the repositories: all writes commit together or not at all."""
    items: Any
    cases: Any
    clocks: Any
    alerts: Any
    actions: Any
    case_events: Any
    firings: Any
    dead_letters: Any
    users: Any
    sources: Any          # crawl sources: run statistics and the pages each has seen


class Store(Protocol):
    """The system's state. Repositories per aggregate, reached through a unit of work; records
    are plain dataclasses (yuqing.records), never database rows."""
    url: str

    def transaction(self) -> "contextlib.AbstractContextManager[UnitOfWork]":  # noqa: F821
        """A unit of work that commits on exit, rolls back on an exception."""

    def reader(self) -> "contextlib.AbstractContextManager[UnitOfWork]":  # noqa: F821
        """A read-only unit of work (nothing is written)."""

    def close(self) -> None: ...

