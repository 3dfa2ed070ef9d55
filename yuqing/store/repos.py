"""Repositories per aggregate, over one SQLAlchemy session: the only place queries are written.

A `Unit` (unit of work) holds one session and one repository per aggregate. Records are the
plain dataclasses of `yuqing.records`; attribute changes made inside a unit are written when it
commits. Conditional updates (`claim`, `transition`, `ack`) are single UPDATE … WHERE
statements, so of two processes racing for the same row exactly one wins.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any, Iterable, Sequence

import json

from sqlalchemy import Text, and_, case as sql_case, cast, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from yuqing import vocab
from yuqing.records import (Action, Alert, Attempt, Case, CaseEvent, Clock, DeadLetter, Delivery, Firing,
                            Heartbeat, SeenPage, Session, SourceState, StoredItem, User)

OPEN = vocab.OPEN_CLOCK_STATES


class _Repo:
    def __init__(self, s: Session):
        self.s = s

    def add(self, record) -> Any:
        self.s.add(record)
        self.s.flush()          # ids are known at once (clocks and alerts refer to each other)
        return record


class Items(_Repo):
    def get(self, item_id: str) -> StoredItem | None:
        return self.s.get(StoredItem, item_id)

    def exists(self, item_id: str) -> bool:
        return self.s.scalar(select(StoredItem.id).where(StoredItem.id == item_id)) is not None

    def of_event(self, event_id: str) -> list[StoredItem]:
        return list(self.s.scalars(select(StoredItem).where(StoredItem.event_id == event_id)
                                   .order_by(StoredItem.published_at, StoredItem.id)))

    def of_events(self, event_ids: Sequence[str]) -> list[StoredItem]:
        if not event_ids:
            return []
        return list(self.s.scalars(select(StoredItem).where(StoredItem.event_id.in_(list(event_ids)))
                                   .order_by(StoredItem.received_at, StoredItem.id)))

    def find_duplicate(self, url_key: str | None, fingerprint: str | None) -> tuple[str, str] | None:
        if url_key:
            hit = self.s.scalar(select(StoredItem.id).where(StoredItem.url_key == url_key).limit(1))
            if hit:
                return "duplicate_url", hit
        if fingerprint:
            hit = self.s.scalar(select(StoredItem.id).where(StoredItem.fingerprint == fingerprint).limit(1))
            if hit:
                return "duplicate_content", hit
        return None

    def count(self) -> int:
        return self.s.scalar(select(func.count()).select_from(StoredItem)) or 0

    def counts_by_day(self, since: datetime) -> list[tuple[datetime, str, bool]]:
        """(published_at, platform, negative) of items since a time: the caller buckets them."""
        rows = self.s.execute(select(StoredItem.published_at, StoredItem.platform, StoredItem.analysis)
                              .where(StoredItem.published_at >= since))
        return [(p, pl, bool((a or {}).get("negative"))) for p, pl, a in rows]

    def stats_since(self, since: datetime, event_ids: Iterable[str] | None = None
                    ) -> list[tuple[datetime, str, bool, str | None]]:
        """(published_at, platform, negative, event id) of the originals published since a time,
        optionally of some events only: the caller buckets them."""
        q = (select(StoredItem.published_at, StoredItem.platform, StoredItem.analysis, StoredItem.event_id)
             .where(StoredItem.published_at >= since, StoredItem.duplicate_of.is_(None)))
        if event_ids is not None:
            ids = sorted(set(event_ids))
            if not ids:
                return []
            q = q.where(StoredItem.event_id.in_(ids))
        return [(p, pl, bool((a or {}).get("negative")), ev) for p, pl, a, ev in self.s.execute(q)]

    def published_since(self, since: datetime) -> list[StoredItem]:
        """Items (not duplicates) published since a time, in publish order."""
        return list(self.s.scalars(select(StoredItem).where(StoredItem.published_at >= since,
                                                            StoredItem.duplicate_of.is_(None))
                                   .order_by(StoredItem.published_at, StoredItem.id)))

    def since(self, since: datetime, limit: int | None = None) -> list[StoredItem]:
        q = select(StoredItem).where(StoredItem.received_at >= since).order_by(StoredItem.received_at,
                                                                                 StoredItem.id)
        return list(self.s.scalars(q.limit(limit) if limit else q))


def _json_has(column, value: str):
    """A JSON list column holds `value` (as written by the store's JSON serializer, which escapes
    non-ASCII; the plain form too, for rows written by another serializer)."""
    forms = {json.dumps(value), json.dumps(value, ensure_ascii=False)}
    return or_(*(cast(column, Text).contains(f, autoescape=True) for f in forms))


def _involves(units: Iterable[str]):
    """The case is first- or co-responsible for one of `units`, or was referred to it."""
    us = sorted(set(units))
    return or_(Case.first_responsible.in_(us), *(_json_has(Case.co_responsible, u) for u in us),
               *(_json_has(Case.refer_to, u) for u in us))


class Cases(_Repo):
    def get(self, event_id: str) -> Case | None:
        return self.s.get(Case, event_id)

    def lock(self, event_id: str) -> Case | None:
        """The case, locked for this unit (PostgreSQL row lock; SQLite locks the file on write)."""
        q = select(Case).where(Case.event_id == event_id)
        if self.s.get_bind().dialect.name != "sqlite":
            q = q.with_for_update()
        return self.s.scalars(q).first()

    def find(self, ref: str) -> Case | None:
        """By event id or by case number (案件编号)."""
        return self.s.get(Case, ref) or self.s.scalars(select(Case).where(Case.number == ref)).first()

    def by_ids(self, ids: Iterable[str]) -> dict[str, Case]:
        ids = sorted(set(ids))
        if not ids:
            return {}
        return {c.event_id: c for c in self.s.scalars(select(Case).where(Case.event_id.in_(ids)))}

    def list(self, *, statuses: Sequence[str] | None = ("open",), levels: Iterable[str] | None = None,
             emergency_only: bool = False, units: Iterable[str] | None = None, lead_only: bool = False,
             updated_since: datetime | None = None, limit: int | None = None, offset: int = 0) -> list[Case]:
        """Cases by state, level and unit. `units` matches the first-responsible unit, or (unless
        lead_only) a co-responsible one; newest change first."""
        q = select(Case)
        if statuses is not None:
            q = q.where(Case.status.in_(list(statuses)))
        lv = list(levels) if levels is not None else None
        if lv:
            q = q.where(Case.severity.in_(lv))
        if emergency_only:
            q = q.where(Case.emergency.is_(True))
        if updated_since is not None:
            q = q.where(Case.updated_at >= updated_since)
        q = q.order_by(Case.updated_at.desc(), Case.event_id)
        us = set(units) if units is not None else None
        if us is None:
            return list(self.s.scalars(q.offset(offset).limit(limit) if limit else q.offset(offset)))
        if lead_only:
            q = q.where(Case.first_responsible.in_(sorted(us)))
            return list(self.s.scalars(q.offset(offset).limit(limit) if limit else q.offset(offset)))
        # JSON membership is backend-specific: co-responsible units are filtered here
        rows = [c for c in self.s.scalars(q) if c.first_responsible in us or us & set(c.co_responsible or [])]
        return rows[offset: offset + limit] if limit else rows[offset:]

    def page(self, now: datetime, *, statuses: Sequence[str] = ("open",), levels: Iterable[str] | None = None,
             units: Iterable[str] | None = None, lead_only: bool = False, emergency_only: bool = False,
             street: str | None = None, category: str | None = None, clock_state: str | None = None,
             acknowledged: bool | None = None, soon: datetime | None = None, limit: int = 50,
             offset: int = 0) -> tuple[int, list[Case]]:
        """(how many match, one page of them) most urgent first: level, emergency, nearest open
        deadline. Filtering, sorting and paging happen in SQL, so a page costs the same however
        many cases the store holds. `units` is a visibility scope (first, co-responsible or
        referred); with `lead_only` the first-responsible unit only. `clock_state`: late (an open
        clock past due), soon (the nearest due by `soon`), running (open clocks, none late), none."""
        nxt = (select(Clock.case_id.label("cid"), func.min(Clock.due_at).label("next_due"),
                      func.max(sql_case((or_(Clock.status == "late", Clock.due_at < now), 1), else_=0)).label("late"))
               .where(Clock.status.in_(OPEN), Clock.met_at.is_(None)).group_by(Clock.case_id).subquery())
        q = select(Case).outerjoin(nxt, nxt.c.cid == Case.event_id).where(Case.status.in_(list(statuses)))
        lv = list(levels) if levels is not None else None
        if lv:
            q = q.where(Case.severity.in_(lv))
        if emergency_only:
            q = q.where(Case.emergency.is_(True))
        us = sorted(set(units)) if units is not None else None
        if us is not None:
            q = q.where(Case.first_responsible.in_(us) if lead_only else _involves(us))
        if street:
            q = q.where(or_(Case.first_responsible == street, _json_has(Case.co_responsible, street),
                            _json_has(Case.places, street)))
        if category:
            q = q.where(Case.category == category)
        if clock_state == "late":
            q = q.where(nxt.c.late == 1)
        elif clock_state == "soon":
            q = q.where(nxt.c.late == 0, nxt.c.next_due <= (soon or now))
        elif clock_state == "running":
            q = q.where(nxt.c.late == 0)
        elif clock_state == "none":
            q = q.where(nxt.c.cid.is_(None))
        if acknowledged is True:
            q = q.where(Case.acknowledged_at.is_not(None))
        elif acknowledged is False:
            q = q.where(Case.acknowledged_at.is_(None))
        total = self.s.scalar(select(func.count()).select_from(q.subquery())) or 0
        rank = sql_case({lvl: i for i, lvl in enumerate(reversed(vocab.LEVELS))}, value=Case.severity, else_=99)
        q = q.order_by(rank, Case.emergency.desc(), nxt.c.next_due.is_(None), nxt.c.next_due, Case.event_id)
        return total, list(self.s.scalars(q.offset(offset).limit(limit)))

    def opened_since(self, since: datetime, units: Iterable[str] | None = None) -> list[Case]:
        """Cases opened since a time (new cases), newest first."""
        q = select(Case).where(Case.opened_at >= since, Case.status != "not_a_case")
        if units is not None:
            q = q.where(_involves(units))
        return list(self.s.scalars(q.order_by(Case.opened_at.desc())))

    def categories(self) -> list[str]:
        return sorted(c for c in self.s.scalars(select(Case.category).where(Case.status == "open").distinct()) if c)

    def count_by_level(self, statuses: Sequence[str] = ("open",)) -> Counter:
        return Counter(dict(self.s.execute(select(Case.severity, func.count()).where(Case.status.in_(list(statuses)))
                                           .group_by(Case.severity)).all()))

    def units_of(self) -> dict[str, str | None]:
        return dict(self.s.execute(select(Case.event_id, Case.first_responsible)).all())

    def open_ids(self) -> set[str]:
        return set(self.s.scalars(select(Case.event_id).where(Case.status == "open")))

    def next_number(self, day: str) -> str:
        """The next 案件编号 of a day (YYYYMMDD-NNN). The unique constraint guards a race."""
        last = self.s.scalar(select(func.max(Case.number)).where(Case.number.like(f"{day}-%")))
        n = int(last.rsplit("-", 1)[1]) + 1 if last else 1
        return f"{day}-{n:03d}"

    def responsible_units(self) -> set[str]:
        names: set[str] = set()
        for first, co in self.s.execute(select(Case.first_responsible, Case.co_responsible)
                                        .where(Case.status != "not_a_case")):
            if first:
                names.add(first)
            names.update(x for x in (co or []) if x)
        return names


class Clocks(_Repo):
    def get(self, clock_id: int) -> Clock | None:
        return self.s.get(Clock, clock_id)

    def of_case(self, case_id: str) -> list[Clock]:
        return list(self.s.scalars(select(Clock).where(Clock.case_id == case_id).order_by(Clock.due_at, Clock.id)))

    def of_cases(self, case_ids: Sequence[str]) -> dict[str, list[Clock]]:
        out: dict[str, list[Clock]] = {c: [] for c in case_ids}
        for i in range(0, len(case_ids), 500):       # bounded IN lists
            chunk = list(case_ids[i:i + 500])
            for k in self.s.scalars(select(Clock).where(Clock.case_id.in_(chunk)).order_by(Clock.due_at, Clock.id)):
                out[k.case_id].append(k)
        return out

    def open_all(self) -> list[Clock]:
        """Running or late clocks not yet met, of open cases, nearest deadline first."""
        return list(self.s.scalars(
            select(Clock).join(Case, Case.event_id == Clock.case_id)
            .where(Clock.status.in_(OPEN), Clock.met_at.is_(None), Case.status == "open")
            .order_by(Clock.due_at, Clock.id)))

    def open_of(self, case_id: str, kinds: Sequence[str], seq: int | None = None) -> Clock | None:
        q = select(Clock).where(Clock.case_id == case_id, Clock.kind.in_(list(kinds)), Clock.status.in_(OPEN),
                                Clock.met_at.is_(None))
        if seq is not None:
            q = q.where(Clock.seq == seq)
        return self.s.scalars(q.order_by(Clock.seq.desc())).first()

    def latest_of(self, case_id: str, kinds: Sequence[str], seq: int | None = None) -> Clock | None:
        q = select(Clock).where(Clock.case_id == case_id, Clock.kind.in_(list(kinds)))
        if seq is not None:
            q = q.where(Clock.seq == seq)
        return self.s.scalars(q.order_by(Clock.seq.desc())).first()

    def max_seq(self, case_id: str, kinds: Sequence[str]) -> int:
        return self.s.scalar(select(func.max(Clock.seq)).where(Clock.case_id == case_id,
                                                               Clock.kind.in_(list(kinds)))) or 0

    def count(self, case_id: str, kinds: Sequence[str]) -> int:
        return self.s.scalar(select(func.count()).select_from(Clock).where(
            Clock.case_id == case_id, Clock.kind.in_(list(kinds)))) or 0

    def transition(self, clock_id: int, *, when_status: Sequence[str] = ("running",), **values) -> bool:
        """Set `values` if the clock is still in one of `when_status` and unmet: exactly one racer wins."""
        res = self.s.execute(update(Clock).where(Clock.id == clock_id, Clock.status.in_(list(when_status)),
                                                 Clock.met_at.is_(None))
                             .values(**values).execution_options(synchronize_session="fetch"))
        return res.rowcount == 1

    def resolved_in(self, start: datetime, end: datetime, now: datetime) -> list[Clock]:
        """Clocks met in [start, end), or unmet with their due time in it and late by now."""
        met_in = and_(Clock.met_at.is_not(None), Clock.met_at >= start, Clock.met_at < end)
        late_in = and_(Clock.met_at.is_(None), Clock.due_at >= start, Clock.due_at < end,
                       or_(Clock.late_at.is_not(None), Clock.due_at <= now))
        return list(self.s.scalars(select(Clock).where(or_(met_in, late_in))))

    def provisional_open(self) -> list[tuple[Clock, str | None]]:
        return [(k, t) for k, t in self.s.execute(
            select(Clock, Case.title).join(Case, Case.event_id == Clock.case_id)
            .where(Clock.provisional.is_(True), Clock.status.in_(OPEN), Case.status == "open")
            .order_by(Clock.due_at, Clock.id))]

    def open_of_open_cases(self) -> list[tuple[str, str, datetime, str]]:
        """(case id, status, due_at, kind) of every running/late clock of an open case."""
        return list(self.s.execute(
            select(Clock.case_id, Clock.status, Clock.due_at, Clock.kind).join(Case, Case.event_id == Clock.case_id)
            .where(Case.status == "open", Clock.status.in_(OPEN), Clock.met_at.is_(None))))


class Alerts(_Repo):
    def get(self, alert_id: int) -> Alert | None:
        return self.s.get(Alert, alert_id)

    def add_unique(self, alert: Alert) -> Alert | None:
        """Add unless an alert with its dedup key exists (also against a concurrent writer)."""
        if self.s.scalar(select(Alert.id).where(Alert.dedup_key == alert.dedup_key)) is not None:
            return None
        try:
            with self.s.begin_nested():
                self.s.add(alert)
                self.s.flush()
        except IntegrityError:
            return None
        return alert

    def of_case(self, case_id: str) -> list[Alert]:
        return list(self.s.scalars(select(Alert).where(Alert.case_id == case_id)
                                   .order_by(Alert.created_at.desc(), Alert.id.desc())))

    def of_unit(self, unit: str, *, unacknowledged_only: bool = False, limit: int | None = None,
                case_ids: Iterable[str] | None = None) -> list[Alert]:
        q = select(Alert).where(Alert.unit == unit)
        if unacknowledged_only:
            q = q.where(Alert.acknowledged_at.is_(None))
        if case_ids is not None:
            q = q.where(Alert.case_id.in_(sorted(set(case_ids))))
        q = q.order_by(Alert.created_at.desc(), Alert.id.desc())
        return list(self.s.scalars(q.limit(limit) if limit else q))

    def of_clock(self, clock_id: int) -> list[Alert]:
        return list(self.s.scalars(select(Alert).where(Alert.clock_id == clock_id).order_by(Alert.id)))

    def of_recipient(self, case_id: str, unit: str, role: str) -> list[Alert]:
        return list(self.s.scalars(select(Alert).where(Alert.case_id == case_id, Alert.unit == unit,
                                                       Alert.role == role).order_by(Alert.id)))

    def pending_recipients(self, case_id: str) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for unit, role in self.s.execute(select(Alert.unit, Alert.role).where(
                Alert.case_id == case_id, Alert.acknowledged_at.is_(None))):
            out.setdefault(unit, set()).add(role)
        return out

    def ack(self, alert_id: int, at: datetime, by: str) -> bool:
        res = self.s.execute(update(Alert).where(Alert.id == alert_id, Alert.acknowledged_at.is_(None))
                             .values(acknowledged_at=at, acknowledged_by=by)
                             .execution_options(synchronize_session="fetch"))
        return res.rowcount == 1

    def keys(self) -> list[str]:
        return list(self.s.scalars(select(Alert.dedup_key).order_by(Alert.id)))

    def all(self) -> list[Alert]:
        return list(self.s.scalars(select(Alert).order_by(Alert.id)))

    def counts_by_unit(self) -> dict[str, tuple[int, int]]:
        rows = self.s.execute(select(Alert.unit, func.count(), func.count().filter(Alert.acknowledged_at.is_(None)))
                              .group_by(Alert.unit))
        return {u: (int(n), int(p)) for u, n, p in rows}

    def units(self) -> set[str]:
        return {u for u in self.s.scalars(select(Alert.unit).distinct()) if u}

    def count_since(self, since: datetime, *, unit: str | None = None, kind: str | None = None,
                    role: str | None = None) -> int:
        q = select(func.count()).select_from(Alert).where(Alert.created_at >= since)
        if unit is not None:
            q = q.where(Alert.unit == unit)
        if kind is not None:
            q = q.where(Alert.kind == kind)
        if role is not None:
            q = q.where(Alert.role == role)
        return self.s.scalar(q) or 0

    def count_for(self, case_id: str, clock_id: int | None, unit: str, role: str, kinds: Sequence[str]) -> int:
        q = select(func.count()).select_from(Alert).where(Alert.case_id == case_id, Alert.unit == unit,
                                                          Alert.role == role, Alert.kind.in_(list(kinds)))
        if clock_id is not None:
            q = q.where(Alert.clock_id == clock_id)
        return self.s.scalar(q) or 0


class Deliveries(_Repo):
    def get(self, delivery_id: int) -> Delivery | None:
        return self.s.get(Delivery, delivery_id)

    def of_alerts(self, alert_ids: Sequence[int]) -> dict[int, list[Delivery]]:
        out: dict[int, list[Delivery]] = {}
        for i in range(0, len(alert_ids), 500):
            chunk = list(alert_ids[i:i + 500])
            for d in self.s.scalars(select(Delivery).where(Delivery.alert_id.in_(chunk)).order_by(Delivery.id)):
                out.setdefault(d.alert_id, []).append(d)
        return out

    @staticmethod
    def _due(now: datetime):
        return or_(and_(Delivery.status == "pending",
                        or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now)),
                   and_(Delivery.status == "sending",
                        or_(Delivery.lease_until.is_(None), Delivery.lease_until <= now)))

    def due(self, now: datetime, channels: Sequence[str], limit: int = 500) -> list[tuple[int, str, int]]:
        """(id, status, attempts) of deliveries to attempt now: pending and not backing off, or
        `sending` with an expired lease (the process sending it died)."""
        return [tuple(r) for r in self.s.execute(
            select(Delivery.id, Delivery.status, Delivery.attempts)
            .where(Delivery.channel.in_(list(channels)), self._due(now)).order_by(Delivery.id).limit(limit))]

    def claim(self, delivery_id: int, status: str, attempts: int, now: datetime, lease_until: datetime) -> bool:
        res = self.s.execute(update(Delivery).where(Delivery.id == delivery_id, Delivery.status == status,
                                                    Delivery.attempts == attempts, self._due(now))
                             .values(status="sending", attempts=attempts + 1, lease_until=lease_until,
                                     next_attempt_at=None).execution_options(synchronize_session=False))
        return res.rowcount == 1

    def finish(self, delivery_id: int, *, attempt: int | None, **values) -> bool:
        """Record an attempt's outcome; with `attempt`, only if that attempt still holds the lease."""
        cond = [Delivery.id == delivery_id]
        if attempt is None:
            cond.append(Delivery.status != "sent")
        else:
            cond += [Delivery.status == "sending", Delivery.attempts == attempt]
        res = self.s.execute(update(Delivery).where(*cond).values(**values)
                             .execution_options(synchronize_session=False))
        return res.rowcount == 1

    def sent_since(self, channel: str, address: str | None, since: datetime) -> tuple[int, datetime | None]:
        """Messages sent to one address since a time (a digest counts once) and the oldest's time."""
        rows = list(self.s.execute(select(Delivery.status, Delivery.sent_at).where(
            Delivery.channel == channel, Delivery.address == address, Delivery.sent_at >= since,
            Delivery.status.in_(("sent", "folded")))))
        sent = [t for st, t in rows if st == "sent"]
        digests = {t for st, t in rows if st == "folded"}
        times = sent + sorted(digests)
        return len(times), (min(times) if times else None)

    def log_attempt(self, attempt: Attempt) -> None:
        self.s.add(attempt)

    def attempts(self, delivery_id: int | None = None) -> list[Attempt]:
        q = select(Attempt).order_by(Attempt.id)
        if delivery_id is not None:
            q = q.where(Attempt.delivery_id == delivery_id)
        return list(self.s.scalars(q))

    def failed_since(self, since: datetime, limit: int = 200) -> list[tuple[Delivery, Alert]]:
        return list(self.s.execute(select(Delivery, Alert).join(Alert, Alert.id == Delivery.alert_id)
                                   .where(Delivery.status == "failed", Alert.created_at >= since)
                                   .order_by(Delivery.id.desc()).limit(limit)).tuples())

    def all(self) -> list[Delivery]:
        return list(self.s.scalars(select(Delivery).order_by(Delivery.id)))


class Actions(_Repo):
    def append(self, action: Action) -> Action:
        if action.action not in vocab.ACTIONS:
            raise ValueError(f"action {action.action!r} is not in the vocabulary (yuqing.vocab.ACTIONS)")
        if not action.actor or not action.actor.strip():
            raise ValueError("an action needs its actor")
        self.s.add(action)
        return action

    def add(self, record) -> Any:          # the log is append-only: one way in, checked
        return self.append(record)

    def of_case(self, case_id: str, *names: str) -> list[Action]:
        q = select(Action).where(Action.case_id == case_id)
        if names:
            q = q.where(Action.action.in_(names))
        return list(self.s.scalars(q.order_by(Action.id)))

    def all(self, case_id: str | None = None) -> list[Action]:
        q = select(Action).order_by(Action.id)
        if case_id:
            q = q.where(Action.case_id == case_id)
        return list(self.s.scalars(q))

    def in_period(self, start: datetime, end: datetime) -> list[Action]:
        return list(self.s.scalars(select(Action).where(Action.at >= start, Action.at < end).order_by(Action.id)))

    def first_times(self, name: str) -> dict[str, datetime]:
        """case id → time of its first action of this name."""
        return {cid: at for cid, at in self.s.execute(
            select(Action.case_id, func.min(Action.at)).where(Action.action == name).group_by(Action.case_id))}


class CaseEvents(_Repo):
    def pending(self, limit: int = 200) -> list[CaseEvent]:
        return list(self.s.scalars(select(CaseEvent).where(CaseEvent.handled_at.is_(None))
                                   .order_by(CaseEvent.id).limit(limit)))

    def mark_handled(self, event_id: int, at: datetime, by: str) -> bool:
        res = self.s.execute(update(CaseEvent).where(CaseEvent.id == event_id, CaseEvent.handled_at.is_(None))
                             .values(handled_at=at, handled_by=by).execution_options(synchronize_session="fetch"))
        return res.rowcount == 1

    def all(self) -> list[CaseEvent]:
        return list(self.s.scalars(select(CaseEvent).order_by(CaseEvent.id)))


class Firings(_Repo):
    def claim(self, key: str, by: str, at: datetime) -> bool:
        """True for exactly one caller per key, across processes (a unique primary key)."""
        try:
            with self.s.begin_nested():
                self.s.add(Firing(key=key[:400], fired_at=at, by=by))
                self.s.flush()
            return True
        except IntegrityError:
            return False

    def claimed(self, keys: Sequence[str]) -> set[str]:
        if not keys:
            return set()
        return set(self.s.scalars(select(Firing.key).where(Firing.key.in_(list(keys)))))


class Heartbeats(_Repo):
    def beat(self, name: str, at: datetime, details: dict | None = None) -> None:
        row = self.s.get(Heartbeat, name)
        if row is None:
            self.s.add(Heartbeat(name=name, at=at, details=details or {}))
        else:
            row.at, row.details = at, details or {}

    def all(self) -> list[Heartbeat]:
        return list(self.s.scalars(select(Heartbeat).order_by(Heartbeat.at.desc())))


class DeadLetters(_Repo):
    def get(self, dl_id: int) -> DeadLetter | None:
        return self.s.get(DeadLetter, dl_id)

    def list(self, status: str | None = "open", limit: int = 200) -> list[DeadLetter]:
        q = select(DeadLetter).order_by(DeadLetter.id.desc()).limit(limit)
        if status:
            q = q.where(DeadLetter.status == status)
        return list(self.s.scalars(q))

    def count(self, status: str = "open") -> int:
        return self.s.scalar(select(func.count()).select_from(DeadLetter).where(DeadLetter.status == status)) or 0

    def find(self, topic: str, partition: int | None, offset: int | None) -> DeadLetter | None:
        """The dead letter of one bus message (a worker killed after writing it replays the message)."""
        if partition is None or offset is None:
            return None
        return self.s.scalars(select(DeadLetter).where(DeadLetter.topic == topic, DeadLetter.partition == partition,
                                                       DeadLetter.offset == offset)).first()


class Users(_Repo):
    def get(self, username: str) -> User | None:
        return self.s.get(User, username)

    def list(self) -> list[User]:
        return list(self.s.scalars(select(User).order_by(User.role, User.unit, User.username)))

    def names(self, usernames: Iterable[str]) -> dict[str, User]:
        names = sorted(set(usernames))
        if not names:
            return {}
        return {u.username: u for u in self.s.scalars(select(User).where(User.username.in_(names)))}


class Sessions(_Repo):
    def get(self, token_hash: str) -> Session | None:
        return self.s.get(Session, token_hash)

    def revoke_all(self, username: str, at: datetime) -> int:
        """End every session of a user (a new password, a disabled account)."""
        res = self.s.execute(update(Session).where(Session.username == username, Session.revoked_at.is_(None))
                             .values(revoked_at=at).execution_options(synchronize_session="fetch"))
        return res.rowcount


class Sources(_Repo):
    def state(self, source: str) -> SourceState | None:
        return self.s.get(SourceState, source)

    def states(self) -> list[SourceState]:
        return list(self.s.scalars(select(SourceState).order_by(SourceState.source)))

    def seen(self, source: str, url_key: str) -> SeenPage | None:
        return self.s.get(SeenPage, (source, url_key))

    def pages(self, source: str) -> dict[str, dict[str, Any]]:
        """url_key -> {etag, last_modified, content_hash, item_id} of every page the source saw."""
        rows = self.s.execute(select(SeenPage.url_key, SeenPage.etag, SeenPage.last_modified, SeenPage.content_hash,
                                     SeenPage.item_id).where(SeenPage.source == source))
        return {k: {"etag": e, "last_modified": m, "content_hash": h, "item_id": i} for k, e, m, h, i in rows}

    def mark(self, source: str, records: Iterable[dict[str, Any]], now: datetime) -> int:
        """Remember pages fetched in a run; a value a record leaves empty keeps the stored one."""
        n = 0
        for r in records:
            key = str(r["url_key"])[:500]
            page = self.s.get(SeenPage, (source, key))
            if page is None:
                page = SeenPage(source=source, url_key=key, first_seen=now, last_seen=now)
                self.s.add(page)
            page.last_seen = now
            for f, size in (("etag", 300), ("last_modified", 100), ("content_hash", 64), ("item_id", 200)):
                if r.get(f):
                    setattr(page, f, str(r[f])[:size])
            n += 1
        self.s.flush()
        return n

    def record_run(self, source: str, *, now: datetime, ok: bool, pages: int = 0, items: int = 0,
                   errors: int = 0, error: str | None = None, details: dict[str, Any] | None = None) -> SourceState:
        """One crawl of a source: totals, last success, the run of failures (0 after a success)."""
        st = self.s.get(SourceState, source)
        if st is None:
            st = SourceState(source=source, details={})
            self.s.add(st)
        st.last_run_at = now
        st.pages = (st.pages or 0) + pages
        st.items = (st.items or 0) + items
        st.errors = (st.errors or 0) + errors
        d = dict(st.details or {})
        d.update(details or {})
        d["last_run"] = {"pages": pages, "items": items, "errors": errors, "ok": ok}
        if ok:
            st.last_success_at, st.consecutive_failures, st.last_error = now, 0, None
            d.pop("failing_since", None)
        else:
            if not st.consecutive_failures:
                d["failing_since"] = now.isoformat()   # names the streak: one alert per streak
            st.consecutive_failures = (st.consecutive_failures or 0) + 1
            st.last_error = (error or "")[:2000] or None
        st.details = d
        self.s.flush()
        return st

    def stats(self) -> list[dict[str, Any]]:
        """Per-source figures for the system-status page, every value displayable as it is
        (labels in vocab.SOURCE_STAT_LABELS; statuses in Chinese)."""
        from yuqing.timeutil import fmt_local
        out = []
        for st in self.states():
            d = st.details or {}
            after = int(d.get("alert_after", 3) or 3)
            if st.last_run_at is None:
                status = "never"
            elif st.consecutive_failures >= after:
                status = "failing"
            elif st.consecutive_failures:
                status = "degraded"
            else:
                status = "ok"
            out.append({"source": st.source, "name": d.get("name") or st.source,
                        "kind": d.get("kind_label") or d.get("kind") or "", "status": status,
                        "status_label": vocab.SOURCE_STATUS[status],
                        "last_run_at": st.last_run_at, "last_success_at": st.last_success_at,
                        "last_run_text": fmt_local(st.last_run_at) if st.last_run_at else "尚未运行",
                        "last_success_text": fmt_local(st.last_success_at) if st.last_success_at else "从未成功",
                        "pages": st.pages, "items": st.items, "errors": st.errors,
                        "consecutive_failures": st.consecutive_failures,
                        "last_error": st.last_error or "", "last_run": d.get("last_run", {})})
        return out


class Unit:
    """One transaction over every repository."""

    def __init__(self, session: Session):
        self.session = session
        self.items = Items(session)
        self.cases = Cases(session)
        self.clocks = Clocks(session)
        self.alerts = Alerts(session)
        self.deliveries = Deliveries(session)
        self.actions = Actions(session)
        self.case_events = CaseEvents(session)
        self.firings = Firings(session)
        self.heartbeats = Heartbeats(session)
        self.dead_letters = DeadLetters(session)
        self.users = Users(session)
        self.sessions = Sessions(session)
        self.sources = Sources(session)

    def add(self, record) -> Any:
        """Add any record (actions go through `actions.append`, which checks the vocabulary)."""
        if isinstance(record, Action):
            return self.actions.append(record)
        self.session.add(record)
        self.session.flush()
        return record

    def flush(self) -> None:
        self.session.flush()
