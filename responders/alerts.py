"""The outbox: alerts are written to the store first (one per case + kind + level + recipient,
ever), with one delivery row per enabled channel; `deliver_pending` sends them, at least once.

`fire()` is the only way alerts are created: the firing key, the alerts, their deliveries, the
action-log entries and any state change (a clock marked late) go into one transaction, so a
firing is either done completely, exactly once across processes, or not at all.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from responders.channels.config import ChannelsConfig
from responders.policy import Recipient
from yuqing.store.tables import ActionRow, AlertRow, CaseRow, ClockRow, DeliveryRow, FiringRow
from yuqing.timeutil import iso_local, to_local

log = logging.getLogger("yuqing.alerts")
TEMPLATES = Path(__file__).parent / "templates"
LEASE = timedelta(minutes=10)      # a delivery being sent by a process that died is retried after this

KIND_LABELS = {"new_case": "新舆情", "level_up": "舆情升级", "emergency": "重大突发事件", "rerouted": "改派",
               "warn": "时限预警", "overdue": "已逾期", "leader": "逾期升级", "remind": "催办",
               "consent": "视为同意"}
STATE_LABELS = {"met": "已完成", "cancelled": "已取消"}


def kind_label(kind: str) -> str:
    """Chinese name of an alert kind; 'warn60:statement#0' is a 时限预警."""
    base = kind.split(":")[0].rstrip("0123456789")
    return KIND_LABELS.get(base, kind)


def templates() -> Environment:
    env = getattr(templates, "_env", None)
    if env is None:
        env = Environment(loader=FileSystemLoader(str(TEMPLATES)), undefined=StrictUndefined,
                          keep_trailing_newline=False, autoescape=False)
        templates._env = env
    return env


def fmt_span(td: timedelta) -> str:
    """A duration in Chinese: 2小时、1小时30分钟、3天4小时."""
    mins = int(abs(td.total_seconds()) // 60)
    d, rem = divmod(mins, 1440)
    h, m = divmod(rem, 60)
    parts = ([f"{d}天"] if d else []) + ([f"{h}小时"] if h else []) + ([f"{m}分钟"] if m and not d else [])
    return "".join(parts) or "0分钟"


def fmt_time(dt: datetime | None) -> str:
    return "—" if dt is None else to_local(dt).strftime("%Y-%m-%d %H:%M")


def clock_label(policy_clocks: Mapping[str, Any] | None, kind: str) -> str:
    from yuqing.clocks.due import ClockPolicy
    rules = (policy_clocks or {}).get("clocks") or {}
    if kind in rules:
        return rules[kind]["label"]
    default = ClockPolicy.default().clocks.get(kind)
    return default.label if default else kind


def clock_view(row: ClockRow, now: datetime, policy: dict | None) -> dict[str, Any]:
    label = clock_label(policy, row.kind) + (f"（第{row.seq}次）" if row.kind == "follow_up" else "")
    if row.met_at is not None or row.status in STATE_LABELS:
        state = STATE_LABELS.get(row.status, "已完成（逾期）") if row.status != "late" else "已完成（逾期）"
        return {"label": label, "due": fmt_time(row.due_at), "state": state, "overdue": False,
                "span": "", "provisional": row.provisional}
    left = row.due_at - now
    overdue = left.total_seconds() < 0
    return {"label": label, "due": fmt_time(row.due_at), "provisional": row.provisional, "overdue": overdue,
            "span": fmt_span(left), "state": f"已逾期{fmt_span(left)}" if overdue else f"剩余{fmt_span(left)}"}


@dataclass
class AlertSpec:
    kind: str                  # new_case | level_up | emergency | rerouted | warn60:statement#0 | …
    level: str                 # severity for case alerts, chain level ("1".."5") for clock alerts
    to: Recipient
    lead: str                  # the first paragraph: what happened, what to do
    clock: ClockRow | None = None
    level_label: str = ""
    key_suffix: str = ""       # reminders: their number

    @property
    def dedup_key(self) -> str:
        return f"{self.kind}|{self.level}|{self.to.unit}|{self.to.role}{self.key_suffix}"


def render(spec: AlertSpec, case: CaseRow, clocks: list[ClockRow], now: datetime) -> tuple[str, str]:
    ctx = {"kind_label": kind_label(spec.kind), "title": case.title or case.event_id,
           "case_id": case.event_id, "severity": case.severity, "emergency": bool(case.emergency),
           "first_responsible": case.first_responsible, "co_responsible": case.co_responsible or [],
           "first_published": fmt_time(case.first_published_at), "unit": spec.to.unit, "role": spec.to.role,
           "lead": spec.lead, "level": spec.to.level if spec.clock is not None or spec.level_label else None,
           "level_label": spec.level_label, "now": fmt_time(now),
           "clock": clock_view(spec.clock, now, case.policy) if spec.clock is not None else None,
           "clocks": [clock_view(c, now, case.policy) for c in clocks]}
    env = templates()
    subject = env.get_template("alert_subject.j2").render(**ctx).strip()
    body = env.get_template("alert_body.j2").render(**ctx).strip() + "\n"
    return subject, body


@dataclass
class Outbox:
    """What fire() needs besides the alerts: channels in use and where email goes."""
    channels: ChannelsConfig
    active: list[str]                          # channel names deliveries are created for
    contacts: list = field(default_factory=list)

    @classmethod
    def from_config(cls, config, active: Iterable[str] | None = None) -> "Outbox":
        ch = ChannelsConfig.load(config)
        contacts = list(getattr(getattr(config, "district", None), "contacts", []) or [])
        return cls(ch, list(active) if active is not None else list(ch.enabled), contacts)

    def address(self, channel: str, to: Recipient) -> str | None:
        if channel == "inbox":
            return to.unit
        if channel == "email":
            return self.channels.email_address(to.unit, to.role, self.contacts)
        return None


def _add_alert(s: Session, outbox: Outbox, case: CaseRow, clocks: list[ClockRow], spec: AlertSpec,
               now: datetime) -> AlertRow | None:
    key = f"{case.event_id}|{spec.dedup_key}"
    if s.scalar(select(AlertRow.id).where(AlertRow.dedup_key == key)) is not None:
        return None
    subject, body = render(spec, case, clocks, now)
    row = AlertRow(dedup_key=key[:400], case_id=case.event_id, kind=spec.kind[:40], level=spec.level[:40],
                   clock_id=spec.clock.id if spec.clock is not None else None,
                   unit=spec.to.unit, role=spec.to.role, subject=subject, body=body, created_at=now)
    try:
        with s.begin_nested():
            s.add(row)
            s.flush()
    except IntegrityError:          # a concurrent writer made the same alert: a duplicate is a no-op
        return None
    for ch in outbox.active:
        addr = outbox.address(ch, spec.to)
        if addr is None:
            log.warning("no %s address for %s %s: alert %s not sent on %s", ch, spec.to.unit, spec.to.role, key, ch)
            continue
        s.add(DeliveryRow(alert_id=row.id, channel=ch, address=addr, status="pending", attempts=0))
    return row


def fire(s_factory: Callable[[], Session], key: str, *, by: str, now: datetime, case_id: str,
         specs: Callable[[Session, CaseRow, list[ClockRow]], list[AlertSpec]] | list[AlertSpec],
         outbox: Outbox, actions: list[dict] | None = None,
         mutate: Callable[[Session, CaseRow], None] | None = None) -> list[int] | None:
    """Claim `key` and, in the same transaction, apply `mutate`, write the alerts, their deliveries
    and the action-log entries. None when the key was already claimed (nothing done)."""
    s = s_factory()
    try:
        with s.begin():
            s.add(FiringRow(key=key[:400], fired_at=now, by=by))
            try:
                s.flush()           # the write lock is taken here (SQLite), the key checked
            except IntegrityError:
                raise _Claimed()
            case = s.get(CaseRow, case_id)
            if case is None:
                raise LookupError(f"未知案件 {case_id}")
            if mutate is not None:
                mutate(s, case)
                s.flush()
            clocks = list(s.scalars(select(ClockRow).where(ClockRow.case_id == case_id)
                                    .order_by(ClockRow.due_at)))
            specs_ = specs(s, case, clocks) if callable(specs) else specs
            ids = []
            for spec in specs_:
                row = _add_alert(s, outbox, case, clocks, spec, now)
                if row is not None:
                    ids.append(row.id)
            for a in actions or []:
                s.add(ActionRow(at=now, actor=a.get("actor", by), action=a["action"], case_id=case_id,
                                unit=a.get("unit", case.first_responsible), details=a.get("details", {})))
            return ids
    except _Claimed:
        return None
    finally:
        s.close()


class _Claimed(Exception):
    pass


# ---------------------------------------------------------------------- delivery
def deliver_pending(store, notifiers: Mapping[str, Any] | Iterable[Any], *, now: datetime | None = None,
                    max_attempts: int = 0, limit: int = 500,
                    channels: ChannelsConfig | None = None) -> dict[str, int]:
    """Send due deliveries on the given notifiers, at least once.

    A delivery is due when it is `pending` and its `next_attempt_at` has come (or is unset), or
    `sending` with an expired `lease_until` (the process sending it died). It is claimed by a
    conditional update (status, attempts and due-ness checked in the WHERE clause, so of two
    schedulers exactly one wins) that sets status `sending` and a lease of LEASE; then sent; then
    marked sent. A retryable error puts it back to `pending` with `next_attempt_at` backed off
    (channels.retry_delay: 1, 2, 4, … minutes, capped); a permanent one, or reaching
    max_attempts, marks it failed."""
    if not isinstance(notifiers, Mapping):
        notifiers = {n.name: n for n in notifiers}
    channels = channels or ChannelsConfig()
    now = now or store.clock.now()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    with store.session() as s:
        rows = list(s.execute(
            select(DeliveryRow.id, DeliveryRow.status, DeliveryRow.attempts)
            .where(DeliveryRow.channel.in_(list(notifiers)), _due(now))
            .order_by(DeliveryRow.id).limit(limit)))
    for did, status, attempts in rows:
        with store.session() as s, s.begin():
            res = s.execute(update(DeliveryRow)
                            .where(DeliveryRow.id == did, DeliveryRow.status == status,
                                   DeliveryRow.attempts == attempts, _due(now))
                            .values(status="sending", attempts=attempts + 1, lease_until=now + LEASE,
                                    next_attempt_at=None))
            if res.rowcount != 1:
                continue              # another scheduler took it
        attempt = attempts + 1
        with store.session() as s:
            d = s.get(DeliveryRow, did)
            alert = s.get(AlertRow, d.alert_id)
        notifier = notifiers[d.channel]
        try:
            retryable, error = notifier.send(alert, d.address)
        except Exception as exc:        # a notifier bug must not stop the sweep
            retryable, error = True, f"{type(exc).__name__}: {exc}"
        with store.session() as s, s.begin():
            if error is None:
                # sent: record it even if our lease had expired meanwhile (at least once)
                s.execute(update(DeliveryRow).where(DeliveryRow.id == did, DeliveryRow.status != "sent")
                          .values(status="sent", sent_at=now, last_error=None, lease_until=None,
                                  next_attempt_at=None))
                counts["sent"] += 1
                continue
            mine = (DeliveryRow.id == did, DeliveryRow.status == "sending", DeliveryRow.attempts == attempt)
            if retryable and not (max_attempts and attempt >= max_attempts):
                wait = channels.retry_delay(attempt)
                res = s.execute(update(DeliveryRow).where(*mine)
                                .values(status="pending", last_error=error[:2000], lease_until=None,
                                        next_attempt_at=now + wait))
                counts["retry"] += 1
                log.warning("delivery %s (%s → %s) failed (attempt %d), retry after %s: %s",
                            did, d.channel, d.address, attempt, fmt_span(wait), error)
            else:
                res = s.execute(update(DeliveryRow).where(*mine)
                                .values(status="failed", last_error=error[:2000], lease_until=None,
                                        next_attempt_at=None))
                counts["failed"] += 1
                log.error("delivery %s (%s → %s) failed for good: %s", did, d.channel, d.address, error)
            if res.rowcount != 1:       # our lease expired and another scheduler took over: its result stands
                log.warning("delivery %s: lease expired during attempt %d; outcome left to the newer attempt",
                            did, attempt)
    return counts


def _due(now: datetime):
    """SQL condition: a delivery to attempt now (pending and not backing off, or an expired lease)."""
    return or_(and_(DeliveryRow.status == "pending",
                    or_(DeliveryRow.next_attempt_at.is_(None), DeliveryRow.next_attempt_at <= now)),
               and_(DeliveryRow.status == "sending",
                    or_(DeliveryRow.lease_until.is_(None), DeliveryRow.lease_until <= now)))


# ---------------------------------------------------------------------- the inbox view
def inbox(store, unit: str, *, unacknowledged_only: bool = False, limit: int = 200) -> list[AlertRow]:
    """The dashboard inbox of a unit: its alerts, newest first."""
    with store.session() as s:
        q = select(AlertRow).where(AlertRow.unit == unit).order_by(AlertRow.created_at.desc(), AlertRow.id.desc())
        if unacknowledged_only:
            q = q.where(AlertRow.acknowledged_at.is_(None))
        return list(s.scalars(q.limit(limit)))
