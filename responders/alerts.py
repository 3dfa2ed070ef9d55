"""The outbox: alerts are written to the store first (one per case + kind + level + recipient,
ever), with one delivery row per channel the recipient can be reached on; delivery sends them.

`fire()` is the only way alerts are created: the firing key, the alerts, their deliveries, the
action-log entries and any state change (a clock marked late) go into one unit of work, so a
firing is either done completely, exactly once across processes, or not at all.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterable

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from yuqing import vocab
from yuqing.records import Action, Alert, Case, Clock, Delivery
from yuqing.seams import Recipient
from yuqing.timeutil import fmt_local, fmt_span

log = logging.getLogger("yuqing.alerts")
TEMPLATES = Path(__file__).parent / "templates"


def kind_label(kind: str) -> str:
    """Chinese name of an alert kind."""
    return vocab.label(vocab.ALERT_KINDS, kind, "提醒")


def templates() -> Environment:
    env = getattr(templates, "_env", None)
    if env is None:
        env = Environment(loader=FileSystemLoader(str(TEMPLATES)), undefined=StrictUndefined,
                          keep_trailing_newline=False, autoescape=False)
        templates._env = env
    return env


def clock_view(row: Clock, now: datetime) -> dict[str, Any]:
    label = vocab.clock_label(row.kind, row.seq)
    if row.met_at is not None or row.status in ("met", "cancelled", "superseded"):
        if row.status == "late" or (row.met_at and row.met_at > row.due_at):
            state = "已完成（逾期）"
        else:
            state = vocab.label(vocab.CLOCK_STATES, row.status)
        return {"label": label, "due": fmt_local(row.due_at), "state": state, "overdue": False,
                "span": "", "provisional": row.provisional}
    left = row.due_at - now
    overdue = left.total_seconds() < 0
    return {"label": label, "due": fmt_local(row.due_at), "provisional": row.provisional, "overdue": overdue,
            "span": fmt_span(left), "state": f"已逾期{fmt_span(left)}" if overdue else f"剩余{fmt_span(left)}"}


@dataclass
class AlertSpec:
    kind: str                  # vocab.ALERT_KINDS
    level: str                 # severity for case alerts, chain level ("1".."5") for clock alerts
    to: Recipient
    lead: str                  # the first paragraph: what happened, what to do
    clock: Clock | None = None
    step: str | None = None    # escalation step of a clock alert (warn60, overdue, leader, remind3 …)
    level_label: str = ""
    key_suffix: str = ""       # reminders: their number

    @property
    def dedup_key(self) -> str:
        ref = f"{self.clock.kind}#{self.clock.seq}" if self.clock is not None else ""
        return f"{self.kind}|{self.step or ''}|{ref}|{self.level}|{self.to.unit}|{self.to.role}{self.key_suffix}"


def render(spec: AlertSpec, case: Case, clocks: list[Clock], now: datetime) -> tuple[str, str]:
    ctx = {"kind_label": kind_label(spec.kind), "title": case.title or "（无标题）",
           "number": case.number or "—", "severity": case.severity, "emergency": bool(case.emergency),
           "first_responsible": case.first_responsible, "co_responsible": case.co_responsible or [],
           "first_published": fmt_local(case.first_published_at), "unit": spec.to.unit, "role": spec.to.role,
           "lead": spec.lead, "level": spec.to.level if spec.clock is not None or spec.level_label else None,
           "level_label": spec.level_label, "now": fmt_local(now),
           "clock": clock_view(spec.clock, now) if spec.clock is not None else None,
           "clocks": [clock_view(c, now) for c in clocks if c.status != "superseded"]}
    env = templates()
    subject = env.get_template("alert_subject.j2").render(**ctx).strip()
    body = env.get_template("alert_body.j2").render(**ctx).strip() + "\n"
    return subject, body


SMS_LIMIT = 70


def short_text(spec: AlertSpec, case: Case, now: datetime) -> str:
    """The SMS form: kind, case number, what is due, within one message (70 characters)."""
    head = f"【{kind_label(spec.kind)}】{case.number or ''}{case.severity}："
    tail = ""
    if spec.clock is not None:
        v = clock_view(spec.clock, now)
        tail = f"，{v['label']}{v['state']}"
    tail += "，请登录系统签收"
    room = SMS_LIMIT - len(head) - len(tail)
    title = (case.title or "")
    if len(title) > room:
        title = title[:max(room - 1, 0)] + "…"
    return (head + title + tail)[:SMS_LIMIT]


@dataclass
class Outbox:
    """What fire() needs besides the alerts: which channels deliveries are created for, and how
    each finds a recipient's address."""
    channels: Any                               # responders.channels.config.ChannelsConfig
    active: list[str]                           # channel names deliveries are created for
    resolvers: dict[str, Callable[[Recipient], str | None]] = field(default_factory=dict)

    @classmethod
    def from_channels(cls, config, channels: dict[str, Any]) -> "Outbox":
        """Deliveries for the channels that are on (built by the composition root)."""
        from responders.channels.config import ChannelsConfig
        ch = ChannelsConfig.load(config)
        active = [n for n in ch.enabled if n in channels]
        return cls(ch, active, {n: c.address for n, c in channels.items()})

    @classmethod
    def inbox_only(cls, config=None) -> "Outbox":
        from responders.channels.config import ChannelsConfig
        return cls(ChannelsConfig.load(config) if config is not None else ChannelsConfig(), ["inbox"])

    def targets(self, to: Recipient, severity: str | None) -> list[tuple[str, str]]:
        """(channel, address) to create deliveries on: the inbox; then every channel for a level
        that is broadcast, else the first channel the recipient can be reached on."""
        out = [("inbox", to.unit)]
        broadcast = severity in (getattr(self.channels, "broadcast_levels", None) or ())
        for ch in self.active:
            if ch == "inbox":
                continue
            addr = self.address(ch, to)
            if addr:
                out.append((ch, addr))
                if not broadcast:
                    break
        return out

    def address(self, channel: str, to: Recipient) -> str | None:
        if channel == "inbox":
            return to.unit
        fn = self.resolvers.get(channel)
        return fn(to) if fn is not None else None


def add_alert(tx, outbox: Outbox, case: Case, clocks: list[Clock], spec: AlertSpec, now: datetime) -> Alert | None:
    key = f"{case.event_id}|{spec.dedup_key}"[:400]
    subject, body = render(spec, case, clocks, now)
    row = tx.alerts.add_unique(Alert(dedup_key=key, case_id=case.event_id, kind=spec.kind, step=spec.step,
                                     short=short_text(spec, case, now),
                                     level=spec.level[:40], clock_id=spec.clock.id if spec.clock is not None else None,
                                     unit=spec.to.unit, role=spec.to.role, subject=subject, body=body,
                                     created_at=now))
    if row is None:
        return None
    for ch, addr in outbox.targets(spec.to, case.severity):
        tx.add(Delivery(alert_id=row.id, channel=ch, address=addr, status="pending", attempts=0))
    return row


def fire(store, key: str, *, by: str, now: datetime, case_id: str,
         specs: Callable[[Any, Case, list[Clock]], list[AlertSpec]] | list[AlertSpec],
         outbox: Outbox, actions: list[dict] | None = None,
         mutate: Callable[[Any, Case], None] | None = None) -> list[int] | None:
    """Claim `key` and, in the same unit of work, apply `mutate`, write the alerts, their
    deliveries and the action-log entries. None when the key was already claimed (nothing done)."""
    with store.transaction() as tx:
        if not tx.firings.claim(key, by, now):
            return None
        case = tx.cases.get(case_id)
        if case is None:
            raise LookupError(f"未知案件 {case_id}")
        if mutate is not None:
            mutate(tx, case)
            tx.flush()
        clocks = tx.clocks.of_case(case_id)
        specs_ = specs(tx, case, clocks) if callable(specs) else specs
        ids = []
        for spec in specs_:
            row = add_alert(tx, outbox, case, clocks, spec, now)
            if row is not None:
                ids.append(row.id)
        for a in actions or []:
            tx.actions.append(Action(at=now, actor=a.get("actor", by), action=a["action"], case_id=case_id,
                                     unit=a.get("unit", case.first_responsible), details=a.get("details", {})))
        return ids


def inbox(store, unit: str, *, unacknowledged_only: bool = False, limit: int = 200) -> list[Alert]:
    """The dashboard inbox of a unit: its alerts, newest first."""
    with store.reader() as r:
        return r.alerts.of_unit(unit, unacknowledged_only=unacknowledged_only, limit=limit)

