"""What the store keeps, as plain dataclasses: the records every stage reads and writes.

The store (yuqing.store) maps these classes onto its tables; nobody else knows there is a
database. Inside a unit of work (`Store.transaction()`), changing a record's attribute is a
write that commits with the unit; outside one, records are read-only snapshots.
Times are timezone-aware (UTC from the store; show them with yuqing.timeutil.to_local).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(eq=False)
class StoredItem:
    id: str
    platform: str
    content: str
    published_at: datetime
    received_at: datetime
    url: str | None = None
    url_key: str | None = None
    fingerprint: str | None = None
    source: str | None = None
    author: str | None = None
    title: str | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    event_id: str | None = None
    duplicate_of: str | None = None
    analysis: dict[str, Any] = field(default_factory=dict)


@dataclass(eq=False)
class Case:
    """One per event: its current routing decision (the event's state after its latest item)."""
    event_id: str
    severity: str
    first_published_at: datetime
    last_published_at: datetime
    updated_at: datetime
    emergency: bool = False
    first_responsible: str | None = None
    co_responsible: list[str] = field(default_factory=list)
    refer_to: list[str] = field(default_factory=list)
    rule: str | None = None
    route_path: list[str] = field(default_factory=list)
    handling_type: str | None = None
    category: str | None = None
    places: list[str] = field(default_factory=list)
    heat: int = 0
    reasons: list[str] = field(default_factory=list)
    title: str | None = None
    item_count: int = 0
    status: str = "not_a_case"                 # vocab.CASE_STATES
    opened_at: datetime | None = None
    policy: dict[str, Any] | None = None       # escalation policy frozen when clocks start
    number: str | None = None                  # 案件编号 people use (YYYYMMDD-NNN), set when opened
    acknowledged_at: datetime | None = None    # first 签收 by the first-responsible unit

    @property
    def label(self) -> str:
        """How people refer to the case: its number, else its headline."""
        return self.number or (self.title or "")[:20]


@dataclass(eq=False)
class Clock:
    case_id: str
    kind: str                                  # vocab.CLOCK_KINDS
    starts_at: datetime
    due_at: datetime
    seq: int = 0
    status: str = "running"                    # vocab.CLOCK_STATES
    provisional: bool = False
    met_at: datetime | None = None
    late_at: datetime | None = None
    reason: str = ""
    id: int | None = None

    @property
    def open(self) -> bool:
        return self.met_at is None and self.status in ("running", "late")


@dataclass(eq=False)
class Alert:
    """The outbox: every alert is written here first, then delivered on each channel."""
    dedup_key: str                             # case + kind + level + recipient (+ step): once, ever
    kind: str                                  # vocab.ALERT_KINDS
    level: str                                 # severity (case alerts) or chain level "1".."5"
    unit: str
    role: str
    subject: str
    body: str
    created_at: datetime
    case_id: str | None = None                 # None for system alerts (dead letters, failing sources)
    clock_id: int | None = None
    step: str | None = None                    # escalation step: warn60, overdue, leader, remind3 …
    short: str = ""                            # one SMS
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    folded_into: int | None = None             # a digest that carried it (rate limit, bounded reminders)
    id: int | None = None


@dataclass(eq=False)
class Delivery:
    alert_id: int
    channel: str
    address: str | None = None
    status: str = "pending"                    # vocab.DELIVERY_STATES
    attempts: int = 0
    last_error: str | None = None
    sent_at: datetime | None = None
    next_attempt_at: datetime | None = None
    lease_until: datetime | None = None
    fallback_of: int | None = None             # the delivery this one replaces after it failed
    id: int | None = None


@dataclass(eq=False)
class Attempt:
    """Every delivery attempt with its outcome (an audit of what reached whom, and when)."""
    delivery_id: int
    at: datetime
    ok: bool
    retryable: bool = False
    error: str | None = None
    status: str = ""
    id: int | None = None


@dataclass(eq=False)
class Action:
    """Append-only log of who did what, when (replay, statistics, accountability)."""
    at: datetime
    actor: str
    action: str                                # vocab.ACTIONS
    case_id: str | None = None
    unit: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    id: int | None = None


@dataclass(eq=False)
class CaseEvent:
    """A case change recorded with the decision that made it (transactional outbox)."""
    case_id: str
    kind: str                                  # opened | level_raised | emergency | rerouted | closed
    created_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)
    handled_at: datetime | None = None
    handled_by: str | None = None
    id: int | None = None


@dataclass(eq=False)
class DeadLetter:
    """A message that failed after its retries: kept with its error, the stream moved on."""
    topic: str
    payload: dict[str, Any]
    error: str
    first_failed_at: datetime
    last_failed_at: datetime
    key: str | None = None
    partition: int | None = None
    offset: int | None = None
    trace: str = ""
    attempts: int = 0
    status: str = "open"                       # open | retried | dropped
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    id: int | None = None


@dataclass(eq=False)
class Firing:
    key: str
    fired_at: datetime
    by: str


@dataclass(eq=False)
class Heartbeat:
    name: str
    at: datetime
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(eq=False)
class User:
    username: str
    display_name: str
    password_hash: str
    role: str                                  # vocab.ROLES: office | unit | leader
    created_at: datetime
    unit: str | None = None                    # the unit of a 责任单位 account
    disabled: bool = False
    password_changed_at: datetime | None = None
    failed_sign_ins: int = 0                   # wrong passwords in a row (reset by a right one)
    locked_until: datetime | None = None       # sign-in refused until then after too many


@dataclass(eq=False)
class Session:
    """A signed-in browser session: the browser holds the token, the store only its SHA-256."""
    token_hash: str
    username: str
    created_at: datetime
    expires_at: datetime                       # absolute end (SESSION_HOURS after sign-in)
    last_seen_at: datetime                     # idle sessions end SESSION_IDLE_MINUTES after this
    revoked_at: datetime | None = None         # signed out, or the password changed


@dataclass(eq=False)
class SourceState:
    """A crawl source's health and incremental state."""
    source: str
    last_run_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    consecutive_failures: int = 0
    pages: int = 0
    items: int = 0
    errors: int = 0
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(eq=False)
class SeenPage:
    """What a source has fetched: a re-crawl asks with ETag/Last-Modified and skips what it saw."""
    source: str
    url_key: str
    first_seen: datetime
    last_seen: datetime
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    item_id: str | None = None
