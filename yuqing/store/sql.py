"""The SQL store: SQLite embedded by default, PostgreSQL at scale, one code path.

Writes that belong together (an item, its event's case, its clocks, the action log entry)
happen in one transaction, so a crash never leaves a case without its clocks.
"""
from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

from sqlalchemy import create_engine, event, func, select
from sqlalchemy.engine import Engine as SAEngine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from yuqing.store.tables import (ActionRow, AlertRow, Base, CaseRow, ClockRow, DeliveryRow, FiringRow,
                                 HeartbeatRow, ItemRow)
from yuqing.timeutil import Clock, SystemClock

log = logging.getLogger("yuqing.store")
MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str) -> SAEngine:
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    kwargs: dict[str, Any] = {"future": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        if ":memory:" in url:
            from sqlalchemy.pool import StaticPool
            kwargs["poolclass"] = StaticPool
    eng = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        @event.listens_for(eng, "connect")
        def _pragmas(dbapi_conn, _):   # several processes share the file: WAL lets readers go on
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()
    return eng


def migrate(url: str) -> None:
    """Bring the database to the newest schema with Alembic (creates it if new)."""
    from alembic import command
    from alembic.config import Config as AlembicConfig
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url)
    command.upgrade(cfg, "head")


class SqlStore:
    def __init__(self, url: str, *, clock: Clock | None = None, create: bool = True):
        self.url = url
        self.clock = clock or SystemClock()
        self.engine = make_engine(url)
        if create:
            if ":memory:" in url:
                Base.metadata.create_all(self.engine)   # a throwaway database: no history to migrate
            else:
                migrate(url)
        self.Session = sessionmaker(self.engine, expire_on_commit=False, future=True)

    def session(self) -> Session:
        return self.Session()

    def close(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------------ items and cases
    def find_duplicate(self, url_key: str | None, fingerprint: str | None) -> tuple[str, str] | None:
        with self.session() as s:
            if url_key:
                hit = s.scalar(select(ItemRow.id).where(ItemRow.url_key == url_key).limit(1))
                if hit:
                    return "duplicate_url", hit
            if fingerprint:
                hit = s.scalar(select(ItemRow.id).where(ItemRow.fingerprint == fingerprint).limit(1))
                if hit:
                    return "duplicate_content", hit
        return None

    def has_item(self, item_id: str) -> bool:
        with self.session() as s:
            return s.get(ItemRow, item_id) is not None

    def save_decision(self, dec, *, url_key: str | None, fingerprint: str | None,
                      policy: dict | None = None) -> dict[str, Any]:
        """Store an item and its event's case in one transaction. Returns what changed."""
        now = self.clock.now()
        it, a, c = dec.item, dec.analysis, dec.case
        changes: dict[str, Any] = {"new_case": False, "level_from": None, "level_to": c.severity,
                                   "emergency_started": False, "unit_changed": False}
        with self.session() as s, s.begin():
            if s.get(ItemRow, it.id) is not None:
                changes["already_stored"] = True
                return changes
            s.add(ItemRow(id=it.id, url=it.url, url_key=url_key, fingerprint=fingerprint, platform=it.platform,
                          source=it.source, author=it.author, title=it.title, content=it.content,
                          published_at=it.published_at, received_at=now, metrics=it.metrics.model_dump(),
                          event_id=c.event_id, duplicate_of=dec.duplicate_of,
                          analysis=a.model_dump(mode="json")))
            row = s.get(CaseRow, c.event_id)
            is_case = c.severity != "无"
            if row is None:
                row = CaseRow(event_id=c.event_id, title=it.title or it.content[:60], item_count=0,
                              first_published_at=it.published_at, last_published_at=it.published_at,
                              updated_at=now, status="not_a_case")
                s.add(row)
            else:
                changes["level_from"] = row.severity
            old_emergency, old_unit, was_case = bool(row.emergency), row.first_responsible, row.status != "not_a_case"
            row.severity, row.emergency = c.severity, c.emergency
            row.first_responsible, row.co_responsible, row.refer_to = c.first_responsible, c.co_responsible, c.refer_to
            row.rule, row.route_path, row.handling_type = c.rule, c.route_path, c.handling_type
            row.category, row.places, row.heat, row.reasons = c.category, c.places, c.heat, c.reasons
            row.item_count = (row.item_count or 0) + (0 if dec.duplicate_of else 1)
            row.first_published_at = min(row.first_published_at, it.published_at)
            row.last_published_at = max(row.last_published_at, it.published_at)
            row.updated_at = now
            if is_case and not was_case:
                row.status, row.opened_at = "open", now
                changes["new_case"] = True
            changes["emergency_started"] = c.emergency and not old_emergency
            changes["unit_changed"] = was_case and old_unit != c.first_responsible
            if c.emergency and row.policy is None and policy is not None:
                row.policy = policy     # frozen: a later config edit applies to new cases only
            s.flush()
            s.add(ActionRow(at=now, actor="system", action="item.routed", case_id=c.event_id,
                            unit=c.first_responsible,
                            details={"item": it.id, "severity": c.severity, "rule": c.rule,
                                     "emergency": c.emergency, "duplicate_of": dec.duplicate_of}))
            if changes["new_case"]:
                s.add(ActionRow(at=now, actor="system", action="case.opened", case_id=c.event_id,
                                unit=c.first_responsible, details={"severity": c.severity, "rule": c.rule}))
            lv = ("无", "一般", "较大", "重大", "特别重大")
            if changes["level_from"] and lv.index(c.severity) > lv.index(changes["level_from"]) and was_case:
                s.add(ActionRow(at=now, actor="system", action="case.level_raised", case_id=c.event_id,
                                unit=c.first_responsible, details={"from": changes["level_from"], "to": c.severity}))
            if changes["unit_changed"]:
                s.add(ActionRow(at=now, actor="system", action="case.rerouted", case_id=c.event_id,
                                unit=c.first_responsible, details={"from": old_unit, "to": c.first_responsible,
                                                                   "rule": c.rule}))
            self._sync_clocks(s, c, now)
        return changes

    def _sync_clocks(self, s: Session, c, now: datetime) -> None:
        existing = {(r.kind, r.seq): r for r in s.scalars(select(ClockRow).where(ClockRow.case_id == c.event_id))}
        wanted = {(k.kind, 0): k for k in c.clocks}
        for key, k in wanted.items():
            r = existing.get(key)
            if r is None:
                s.add(ClockRow(case_id=c.event_id, kind=k.kind, seq=0, starts_at=k.starts_at, due_at=k.due_at,
                               status="running", provisional=k.provisional, reason=k.reason))
                s.add(ActionRow(at=now, actor="system", action="clock.started", case_id=c.event_id,
                                unit=c.first_responsible, details={"kind": k.kind, "due_at": k.due_at.isoformat()}))
            elif r.status == "running" and r.due_at != k.due_at:
                # An earlier item joined: the clock starts from the earliest publish time.
                s.add(ActionRow(at=now, actor="system", action="clock.moved", case_id=c.event_id,
                                details={"kind": k.kind, "from": r.due_at.isoformat(), "to": k.due_at.isoformat()}))
                r.starts_at, r.due_at = k.starts_at, k.due_at
        for key, r in existing.items():
            if key[0] in ("statement", "press_conference") and key not in wanted and r.status == "running":
                r.status = "cancelled"
                s.add(ActionRow(at=now, actor="system", action="clock.cancelled", case_id=c.event_id,
                                details={"kind": r.kind, "why": "不再属于重大突发事件（事实经核实撤回）"}))

    # ------------------------------------------------------------------ action log
    def record(self, action: str, *, actor: str, case_id: str | None = None, unit: str | None = None,
               details: dict | None = None, at: datetime | None = None) -> None:
        with self.session() as s, s.begin():
            s.add(ActionRow(at=at or self.clock.now(), actor=actor, action=action, case_id=case_id,
                            unit=unit, details=details or {}))

    def actions(self, case_id: str | None = None) -> list[ActionRow]:
        with self.session() as s:
            q = select(ActionRow).order_by(ActionRow.id)
            if case_id:
                q = q.where(ActionRow.case_id == case_id)
            return list(s.scalars(q))

    # ------------------------------------------------------------------ reads
    def case(self, event_id: str) -> CaseRow | None:
        with self.session() as s:
            return s.get(CaseRow, event_id)

    def cases(self, *, include_non_cases: bool = False, unit: str | None = None, limit: int = 500) -> list[CaseRow]:
        with self.session() as s:
            q = select(CaseRow).order_by(CaseRow.updated_at.desc()).limit(limit)
            if not include_non_cases:
                q = q.where(CaseRow.status != "not_a_case")
            if unit:
                q = q.where(CaseRow.first_responsible == unit)
            return list(s.scalars(q))

    def clocks(self, case_id: str | None = None, status: str | None = None) -> list[ClockRow]:
        with self.session() as s:
            q = select(ClockRow).order_by(ClockRow.due_at)
            if case_id:
                q = q.where(ClockRow.case_id == case_id)
            if status:
                q = q.where(ClockRow.status == status)
            return list(s.scalars(q))

    def items(self, event_id: str) -> list[ItemRow]:
        with self.session() as s:
            return list(s.scalars(select(ItemRow).where(ItemRow.event_id == event_id).order_by(ItemRow.published_at)))

    def recent_items(self, since: datetime) -> list[ItemRow]:
        with self.session() as s:
            return list(s.scalars(select(ItemRow).where(ItemRow.published_at >= since,
                                                        ItemRow.duplicate_of.is_(None))
                                  .order_by(ItemRow.published_at)))

    def count(self, table) -> int:
        with self.session() as s:
            return s.scalar(select(func.count()).select_from(table)) or 0

    # ------------------------------------------------------------------ scheduler support
    def claim_firing(self, key: str, by: str) -> bool:
        """True for exactly one caller per key, across processes (a unique primary key)."""
        try:
            with self.session() as s, s.begin():
                s.add(FiringRow(key=key, fired_at=self.clock.now(), by=by))
            return True
        except IntegrityError:
            return False

    def heartbeat(self, name: str, details: dict | None = None) -> None:
        with self.session() as s, s.begin():
            row = s.get(HeartbeatRow, name)
            if row is None:
                s.add(HeartbeatRow(name=name, at=self.clock.now(), details=details or {}))
            else:
                row.at, row.details = self.clock.now(), details or {}

    def heartbeats(self) -> list[HeartbeatRow]:
        with self.session() as s:
            return list(s.scalars(select(HeartbeatRow)))
