"""The store's tables (SQLAlchemy 2). SQLite by default; the same code runs on PostgreSQL.

Times are stored in UTC and always read back timezone-aware (`UTCDateTime`). The action log
is append-only: the store exposes no update or delete for it.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text,
                        TypeDecorator, UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


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


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class ItemRow(Base):
    __tablename__ = "items"
    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    url: Mapped[str | None] = mapped_column(Text)
    url_key: Mapped[str | None] = mapped_column(String(500), index=True)
    fingerprint: Mapped[str | None] = mapped_column(String(64), index=True)
    platform: Mapped[str] = mapped_column(String(40))
    source: Mapped[str | None] = mapped_column(String(200))
    author: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    event_id: Mapped[str | None] = mapped_column(String(220), index=True)
    duplicate_of: Mapped[str | None] = mapped_column(String(200))
    analysis: Mapped[dict[str, Any]] = mapped_column(JSON)


class CaseRow(Base):
    """One per event: its current routing decision (the event's state after its latest item)."""
    __tablename__ = "cases"
    event_id: Mapped[str] = mapped_column(String(220), primary_key=True)
    severity: Mapped[str] = mapped_column(String(10), index=True)
    emergency: Mapped[bool] = mapped_column(Boolean, default=False)
    first_responsible: Mapped[str | None] = mapped_column(String(100), index=True)
    co_responsible: Mapped[list[Any]] = mapped_column(JSON, default=list)
    refer_to: Mapped[list[Any]] = mapped_column(JSON, default=list)
    rule: Mapped[str | None] = mapped_column(String(40))
    route_path: Mapped[list[Any]] = mapped_column(JSON, default=list)
    handling_type: Mapped[str | None] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(40))
    places: Mapped[list[Any]] = mapped_column(JSON, default=list)
    heat: Mapped[int] = mapped_column(Integer, default=0)
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    title: Mapped[str | None] = mapped_column(Text)            # the first item's headline, for lists
    item_count: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20), default="open")   # open | closed | not_a_case
    first_published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when it first became a case
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    policy: Mapped[dict[str, Any] | None] = mapped_column(JSON)      # escalation policy frozen when clocks start


class ClockRow(Base):
    __tablename__ = "clocks"
    __table_args__ = (UniqueConstraint("case_id", "kind", "seq", name="uq_clock_case_kind_seq"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.event_id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    seq: Mapped[int] = mapped_column(Integer, default=0)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    status: Mapped[str] = mapped_column(String(20), default="running")   # running | met | late | cancelled
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    met_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    late_at: Mapped[datetime | None] = mapped_column(UTCDateTime)    # when it was marked late (sweep or late answer)
    reason: Mapped[str] = mapped_column(Text, default="")


class AlertRow(Base):
    """The outbox: every alert is written here first, then delivered by channel workers."""
    __tablename__ = "alerts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dedup_key: Mapped[str] = mapped_column(String(400), unique=True)   # case + kind + level + recipient
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.event_id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))          # new_case | level_up | warn60:statement#0 | ... (display)
    # The clock a clock alert (warning, overdue, leader, reminder, consent) is about; None for case alerts.
    clock_id: Mapped[int | None] = mapped_column(ForeignKey("clocks.id", name="fk_alerts_clock_id_clocks"),
                                                 index=True)
    level: Mapped[str] = mapped_column(String(40))
    unit: Mapped[str] = mapped_column(String(100), index=True)
    role: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))


class DeliveryRow(Base):
    """One row per alert and channel: at-least-once delivery with attempts recorded."""
    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("alert_id", "channel", name="uq_delivery_alert_channel"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    channel: Mapped[str] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="pending")   # pending | sending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)   # pending: not before this (backoff)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)       # sending: claimed until this


class ActionRow(Base):
    """Append-only log of who did what, when (for replay, statistics and accountability)."""
    __tablename__ = "actions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60), index=True)
    case_id: Mapped[str | None] = mapped_column(String(220), index=True)
    unit: Mapped[str | None] = mapped_column(String(100), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class FiringRow(Base):
    """Each scheduled firing has a unique key, so nothing fires twice (even with two schedulers)."""
    __tablename__ = "firings"
    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    by: Mapped[str] = mapped_column(String(100))


class HeartbeatRow(Base):
    __tablename__ = "heartbeats"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


Index("ix_clocks_status_due", ClockRow.status, ClockRow.due_at)
Index("ix_deliveries_status_next", DeliveryRow.status, DeliveryRow.next_attempt_at)
