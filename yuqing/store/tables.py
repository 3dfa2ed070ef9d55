"""The store's tables (SQLAlchemy Core), mapped imperatively onto the plain records of
`yuqing.records`, so no other package sees a database type. SQLite by default; the same
code runs on PostgreSQL. Migrations (Alembic, `migrations/`) create exactly these tables.

Times are stored in UTC and always read back timezone-aware (`UTCDateTime`). The action log
is append-only: the repositories offer no update or delete for it.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (JSON, BigInteger, Boolean, Column, DateTime, ForeignKey, Index, Integer, MetaData,
                        String, Table, Text, TypeDecorator, UniqueConstraint)
from sqlalchemy.orm import registry

from yuqing import records as r


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, on every backend."""
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} given to the store")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


metadata = MetaData()

items = Table(
    "items", metadata,
    Column("id", String(200), primary_key=True),
    Column("url", Text),
    Column("url_key", String(500), index=True),
    Column("fingerprint", String(64), index=True),
    Column("platform", String(40), nullable=False),
    Column("source", String(200)),
    Column("author", String(200)),
    Column("title", Text),
    Column("content", Text, nullable=False),
    Column("published_at", UTCDateTime, nullable=False, index=True),
    Column("received_at", UTCDateTime, nullable=False),
    Column("metrics", JSON, nullable=False),
    Column("event_id", String(220), index=True),
    Column("duplicate_of", String(200)),
    Column("analysis", JSON, nullable=False),
)

cases = Table(
    "cases", metadata,
    Column("event_id", String(220), primary_key=True),
    Column("severity", String(10), nullable=False, index=True),
    Column("emergency", Boolean, nullable=False, default=False),
    Column("first_responsible", String(100), index=True),
    Column("co_responsible", JSON, nullable=False),
    Column("refer_to", JSON, nullable=False),
    Column("rule", String(40)),
    Column("route_path", JSON, nullable=False),
    Column("handling_type", String(20)),
    Column("category", String(40)),
    Column("places", JSON, nullable=False),
    Column("heat", Integer, nullable=False, default=0),
    Column("reasons", JSON, nullable=False),
    Column("title", Text),
    Column("item_count", Integer, nullable=False, default=0),
    Column("status", String(20), nullable=False, default="open"),
    Column("first_published_at", UTCDateTime, nullable=False),
    Column("last_published_at", UTCDateTime, nullable=False),
    Column("opened_at", UTCDateTime),
    Column("updated_at", UTCDateTime, nullable=False, index=True),
    Column("policy", JSON),
    Column("number", String(20), unique=True),
    Column("acknowledged_at", UTCDateTime),
)

clocks = Table(
    "clocks", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(220), ForeignKey("cases.event_id"), nullable=False, index=True),
    Column("kind", String(40), nullable=False),
    Column("seq", Integer, nullable=False, default=0),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("due_at", UTCDateTime, nullable=False, index=True),
    Column("status", String(20), nullable=False, default="running"),
    Column("provisional", Boolean, nullable=False, default=False),
    Column("met_at", UTCDateTime),
    Column("late_at", UTCDateTime),
    Column("reason", Text, nullable=False, default=""),
    UniqueConstraint("case_id", "kind", "seq", name="uq_clock_case_kind_seq"),
)

alerts = Table(
    "alerts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dedup_key", String(400), nullable=False, unique=True),
    Column("case_id", String(220), ForeignKey("cases.event_id"), index=True),
    Column("kind", String(40), nullable=False),
    Column("clock_id", Integer, ForeignKey("clocks.id", name="fk_alerts_clock_id_clocks"), index=True),
    Column("level", String(40), nullable=False),
    Column("unit", String(100), nullable=False, index=True),
    Column("role", String(100), nullable=False),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False, index=True),
    Column("acknowledged_at", UTCDateTime),
    Column("acknowledged_by", String(100)),
    Column("step", String(20)),
    Column("short", Text, nullable=False, default=""),
    Column("folded_into", Integer),
)

deliveries = Table(
    "deliveries", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alert_id", Integer, ForeignKey("alerts.id"), nullable=False, index=True),
    Column("channel", String(40), nullable=False),
    Column("address", String(200)),
    Column("status", String(20), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("sent_at", UTCDateTime),
    Column("next_attempt_at", UTCDateTime),
    Column("lease_until", UTCDateTime),
    Column("fallback_of", Integer),
    UniqueConstraint("alert_id", "channel", name="uq_delivery_alert_channel"),
)

attempts = Table(
    "delivery_attempts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("delivery_id", Integer, ForeignKey("deliveries.id"), nullable=False, index=True),
    Column("at", UTCDateTime, nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("retryable", Boolean, nullable=False, default=False),
    Column("error", Text),
    Column("status", String(200), nullable=False, default=""),
)

actions = Table(
    "actions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False, index=True),
    Column("actor", String(100), nullable=False),
    Column("action", String(60), nullable=False, index=True),
    Column("case_id", String(220), index=True),
    Column("unit", String(100), index=True),
    Column("details", JSON, nullable=False),
)

case_events = Table(
    "case_events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(220), ForeignKey("cases.event_id"), nullable=False, index=True),
    Column("kind", String(40), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("handled_at", UTCDateTime),
    Column("handled_by", String(100)),
)

dead_letters = Table(
    "dead_letters", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("topic", String(200), nullable=False),
    Column("key", String(400)),
    Column("partition", Integer),
    Column("offset", BigInteger),
    Column("payload", JSON, nullable=False),
    Column("error", Text, nullable=False),
    Column("trace", Text, nullable=False, default=""),
    Column("attempts", Integer, nullable=False, default=0),
    Column("first_failed_at", UTCDateTime, nullable=False),
    Column("last_failed_at", UTCDateTime, nullable=False),
    Column("status", String(20), nullable=False, default="open", index=True),
    Column("resolved_at", UTCDateTime),
    Column("resolved_by", String(100)),
)

firings = Table(
    "firings", metadata,
    Column("key", String(400), primary_key=True),
    Column("fired_at", UTCDateTime, nullable=False),
    Column("by", String(100), nullable=False),
)

heartbeats = Table(
    "heartbeats", metadata,
    Column("name", String(100), primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("details", JSON, nullable=False),
)

users = Table(
    "users", metadata,
    Column("username", String(100), primary_key=True),
    Column("display_name", String(100), nullable=False),
    Column("password_hash", String(300), nullable=False),
    Column("role", String(20), nullable=False),
    Column("unit", String(100)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("password_changed_at", UTCDateTime),
    Column("failed_sign_ins", Integer, nullable=False, default=0),
    Column("locked_until", UTCDateTime),
)

sessions = Table(
    "sessions", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("username", String(100), ForeignKey("users.username"), nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
)

source_states = Table(
    "source_states", metadata,
    Column("source", String(100), primary_key=True),
    Column("last_run_at", UTCDateTime),
    Column("last_success_at", UTCDateTime),
    Column("last_error", Text),
    Column("consecutive_failures", Integer, nullable=False, default=0),
    Column("pages", Integer, nullable=False, default=0),
    Column("items", Integer, nullable=False, default=0),
    Column("errors", Integer, nullable=False, default=0),
    Column("details", JSON, nullable=False),
)

seen_pages = Table(
    "seen_pages", metadata,
    Column("source", String(100), primary_key=True),
    Column("url_key", String(500), primary_key=True),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),
    Column("etag", String(300)),
    Column("last_modified", String(100)),
    Column("content_hash", String(64)),
    Column("item_id", String(200)),
)

Index("ix_clocks_status_due", clocks.c.status, clocks.c.due_at)
Index("ix_deliveries_status_next", deliveries.c.status, deliveries.c.next_attempt_at)
Index("ix_case_events_pending", case_events.c.handled_at, case_events.c.id)
Index("ix_cases_status_updated", cases.c.status, cases.c.updated_at)

_registry = registry(metadata=metadata)
_MAPPED = False


def map_records() -> None:
    """Map the records onto the tables, once per process (idempotent)."""
    global _MAPPED
    if _MAPPED:
        return
    for cls, table in ((r.StoredItem, items), (r.Case, cases), (r.Clock, clocks), (r.Alert, alerts),
                       (r.Delivery, deliveries), (r.Attempt, attempts), (r.Action, actions),
                       (r.CaseEvent, case_events), (r.DeadLetter, dead_letters), (r.Firing, firings),
                       (r.Heartbeat, heartbeats), (r.User, users), (r.Session, sessions), (r.SourceState, source_states),
                       (r.SeenPage, seen_pages)):
        _registry.map_imperatively(cls, table)
    _MAPPED = True


map_records()
