"""What the dashboard shows, as plain functions over the store (no Streamlit here).

Every function takes the `SqlStore` and, where time matters, an aware `now`, so tests and demos
inject time. Times handed out are aware datetimes in Asia/Shanghai; countdowns are Chinese strings.
Reads go through the store's repositories (`store.reader()`), one unit per call.
"""
from __future__ import annotations

import re

from collections import Counter
from datetime import datetime, timedelta
from typing import Any, Iterable

from yuqing import vocab
from yuqing.records import Action as ActionRow, Alert as AlertRow, Case as CaseRow, Clock as ClockRow
from yuqing.records import StoredItem as ItemRow
from yuqing.seams import Store as SqlStore
from yuqing.timeutil import ManualClock, to_local


def kind_label(kind: str) -> str:
    return vocab.label(vocab.ALERT_KINDS, kind, "提醒")

# ---------------------------------------------------------------------------------------- labels
LEVELS_DESC = tuple(reversed(vocab.LEVELS))                # highest first
LEVEL_RANK = {lv: i for i, lv in enumerate(LEVELS_DESC)}
CASE_LEVELS = LEVELS_DESC[:-1]                                  # 无 is never a case

CLOCK_LABELS = vocab.CLOCK_KINDS
CLOCK_STATUS_LABELS = vocab.CLOCK_STATES
ACTIVE_CLOCK_STATUSES = vocab.OPEN_CLOCK_STATES
CASE_STATUS_LABELS = vocab.CASE_STATES
DELIVERY_STATUS_LABELS = vocab.DELIVERY_STATES
CHANNEL_LABELS = {"inbox": "系统收件箱", "email": "电子邮件", "sms": "短信", "wecom": "企业微信", "dingtalk": "钉钉",
                  "feishu": "飞书"}
PLATFORM_LABELS = vocab.PLATFORMS

ACTION_LABELS = vocab.ACTIONS
ACTOR_LABELS = vocab.ACTORS

RULE_LABELS = vocab.RULES

HEARTBEAT_HEALTHY_SECONDS = 90
DUE_SOON = timedelta(hours=1)


# ---------------------------------------------------------------------------------------- helpers
def _local(dt: datetime | None) -> datetime | None:
    return None if dt is None else to_local(dt)


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")


def format_span(td: timedelta) -> str:
    """A duration as 2小时03分 (or 3天04小时05分); minutes are truncated, sign ignored."""
    mins = int(abs(td.total_seconds()) // 60)
    d, rem = divmod(mins, 1440)
    h, m = divmod(rem, 60)
    return f"{d}天{h:02d}小时{m:02d}分" if d else f"{h}小时{m:02d}分"


def countdown(due_at: datetime, now: datetime) -> str:
    """剩余 2小时03分 before the deadline, 已超时 1小时10分 after it."""
    left = due_at - now
    return f"剩余 {format_span(left)}" if left.total_seconds() >= 0 else f"已超时 {format_span(left)}"


def clock_label(kind: str, seq: int = 0) -> str:
    return vocab.clock_label(kind, seq)


def action_label(action: str) -> str:
    return vocab.label(vocab.ACTIONS, action)


def format_time(dt: datetime | None) -> str:
    """Local (Asia/Shanghai) time as 2026-11-20 15:12; — for none."""
    return "—" if dt is None else to_local(dt).strftime("%Y-%m-%d %H:%M")


def _clock_dict(c: ClockRow, now: datetime) -> dict[str, Any]:
    remaining = c.due_at - now
    active = c.status in ACTIVE_CLOCK_STATUSES
    late = active and (c.status == "late" or remaining.total_seconds() < 0)
    if active:
        text = countdown(c.due_at, now)
    elif c.status == "met":
        text = "已完成" + ("（逾期）" if c.met_at and c.met_at > c.due_at else "")
    else:
        text = vocab.label(CLOCK_STATUS_LABELS, c.status)
    return {
        "id": c.id, "kind": c.kind, "seq": c.seq, "label": clock_label(c.kind, c.seq),
        "starts_at": _local(c.starts_at), "due_at": _local(c.due_at), "met_at": _local(c.met_at),
        "remaining": remaining, "remaining_seconds": int(remaining.total_seconds()),
        "countdown": text, "status": c.status,
        "status_label": "已超时" if late else vocab.label(CLOCK_STATUS_LABELS, c.status),
        "late": late, "active": active, "provisional": bool(c.provisional), "reason": c.reason or "",
    }


def _case_dict(c: CaseRow, clocks: list[dict[str, Any]]) -> dict[str, Any]:
    active = sorted((k for k in clocks if k["active"]), key=lambda k: k["due_at"])
    nearest = active[0] if active else None
    return {
        "event_id": c.event_id, "title": c.title or "", "severity": c.severity, "emergency": bool(c.emergency),
        "first_responsible": c.first_responsible, "co_responsible": list(c.co_responsible or []),
        "refer_to": list(c.refer_to or []), "rule": c.rule, "rule_label": vocab.label(RULE_LABELS, c.rule, ""), "number": c.number or "",
        "route_path": list(c.route_path or []), "handling_type": c.handling_type, "category": c.category,
        "places": list(c.places or []), "heat": c.heat or 0, "item_count": c.item_count or 0,
        "status": c.status, "status_label": vocab.label(CASE_STATUS_LABELS, c.status),
        "first_published_at": _local(c.first_published_at), "last_published_at": _local(c.last_published_at),
        "opened_at": _local(c.opened_at), "updated_at": _local(c.updated_at),
        "clocks": active, "next_due_at": nearest["due_at"] if nearest else None,
        "next_countdown": f"{nearest['label']} {nearest['countdown']}" if nearest else "",
        "late_clocks": sum(1 for k in active if k["late"]),
    }


def _sort_key(row: dict[str, Any]) -> tuple:
    due = row["next_due_at"]
    return (LEVEL_RANK.get(row["severity"], len(LEVELS_DESC)), not row["emergency"],
            due is None, due.timestamp() if due else 0.0, row["event_id"])


def _levels(level: str | Iterable[str] | None) -> set[str] | None:
    if level is None:
        return None
    if isinstance(level, str):
        return {level}
    return set(level) or None


def _clocks_by_case(r, case_ids: list[str], now: datetime) -> dict[str, list[dict[str, Any]]]:
    return {cid: [_clock_dict(k, now) for k in ks] for cid, ks in r.clocks.of_cases(case_ids).items()}


# ---------------------------------------------------------------------------------------- cases
def case_rows(store: SqlStore, now: datetime, *, unit: str | None = None,
              level: str | Iterable[str] | None = None, include_closed: bool = False,
              emergency_only: bool = False, lead_only: bool = False) -> list[dict[str, Any]]:
    """Open cases (and closed ones if asked), never `not_a_case`, most urgent first.

    `unit` matches the first-responsible unit or a co-responsible one (配合单位); with `lead_only`
    only the first-responsible. `level` is one level or several. Each row's `clocks` are its
    running/late clocks, nearest due first, each with a Chinese countdown.
    """
    _require_aware(now)
    levels = _levels(level)
    with store.reader() as r:
        cases = r.cases.list(statuses=("open", "closed") if include_closed else ("open",), levels=levels,
                             emergency_only=emergency_only, units=[unit] if unit else None, lead_only=lead_only)
        clocks = _clocks_by_case(r, [c.event_id for c in cases], now)
    rows = [_case_dict(c, clocks[c.event_id]) for c in cases]
    for r in rows:
        r["unit_role"] = ("第一责任单位" if unit and r["first_responsible"] == unit
                          else "配合单位" if unit else None)
    rows.sort(key=_sort_key)
    return rows


_EVENT_REF = re.compile(r"\bev-[\w\-]+")


def _readable_refs(r, reasons: list[str]) -> list[str]:
    """Reasons name other events by id ("并入事件 ev-…"): people read a case number or a headline."""
    ids = {m for text in reasons for m in _EVENT_REF.findall(text)}
    if not ids:
        return reasons
    known = r.cases.by_ids(ids)

    def name(m: re.Match) -> str:
        c = known.get(m.group(0))
        return f"“{c.label}”" if c is not None and c.label else "另一事件"
    return [_EVENT_REF.sub(name, text) for text in reasons]


def case_detail(store: SqlStore, event_id: str, now: datetime) -> dict[str, Any] | None:
    """Everything about one case: reasons, items, clocks (all states), alerts with deliveries, action log."""
    _require_aware(now)
    with store.reader() as r:
        c = r.cases.get(event_id)
        if c is None:
            return None
        clock_rows = r.clocks.of_case(event_id)
        items = r.items.of_event(event_id)
        alerts = r.alerts.of_case(event_id)
        deliveries = _deliveries(r, [a.id for a in alerts])
        actions = sorted(r.actions.all(event_id), key=lambda a: (a.at, a.id))
        reasons = _readable_refs(r, list(c.reasons or []))
    clocks_all = [_clock_dict(k, now) for k in clock_rows]
    case = _case_dict(c, clocks_all)
    return {
        "case": case,
        "reasons": reasons,
        "route_path": list(c.route_path or []),
        "items": [_item_dict(i) for i in items],
        "clocks": clocks_all,
        "alerts": [_alert_dict(a, deliveries.get(a.id, []), now) for a in alerts],
        "actions": [_action_dict(a) for a in actions],
    }


def _item_dict(i: ItemRow) -> dict[str, Any]:
    an = i.analysis or {}
    content = (i.content or "").strip()
    metrics = i.metrics or {}
    return {
        "id": i.id, "published_at": _local(i.published_at), "received_at": _local(i.received_at),
        "platform": i.platform, "platform_label": vocab.label(PLATFORM_LABELS, i.platform, "其他"),
        "source": i.source, "author": i.author, "title": i.title or "",
        "snippet": content[:120] + ("…" if len(content) > 120 else ""), "url": i.url,
        "negative": bool(an.get("negative")), "category": an.get("category"),
        "rumour": bool(an.get("rumour")), "refutes": bool(an.get("refutes")),
        "interactions": sum(int(metrics.get(k) or 0) for k in ("reposts", "comments", "likes")),
        "duplicate_of": i.duplicate_of, "reasons": list(an.get("reasons") or []),
    }


def _action_dict(a: ActionRow) -> dict[str, Any]:
    return {"id": a.id, "at": _local(a.at), "actor": a.actor, "actor_label": vocab.label(ACTOR_LABELS, a.actor, a.actor),
            "action": a.action, "action_label": action_label(a.action), "case_id": a.case_id, "unit": a.unit,
            "details": dict(a.details or {})}


def _deliveries(r, alert_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    for d in (d for ds in r.deliveries.of_alerts(alert_ids).values() for d in ds):
        out.setdefault(d.alert_id, []).append({
            "channel": d.channel, "channel_label": CHANNEL_LABELS.get(d.channel, "其他渠道"), "address": d.address,
            "status": d.status, "status_label": vocab.label(DELIVERY_STATUS_LABELS, d.status),
            "attempts": d.attempts, "last_error": d.last_error, "sent_at": _local(d.sent_at)})
    return out


def _alert_dict(a: AlertRow, deliveries: list[dict[str, Any]], now: datetime,
                case: CaseRow | None = None) -> dict[str, Any]:
    return {
        "id": a.id, "case_id": a.case_id, "case_title": (case.title if case else None) or "",
        "case_severity": case.severity if case else None,
        "kind": a.kind, "kind_label": kind_label(a.kind), "level": a.level,
        "unit": a.unit, "role": a.role, "subject": a.subject, "body": a.body,
        "created_at": _local(a.created_at), "age_seconds": int((now - a.created_at).total_seconds()),
        "acknowledged": a.acknowledged_at is not None, "acknowledged_at": _local(a.acknowledged_at),
        "acknowledged_by": a.acknowledged_by, "deliveries": deliveries,
    }


# ---------------------------------------------------------------------------------------- inbox
def inbox(store: SqlStore, unit: str, now: datetime, *, unacknowledged_only: bool = False) -> list[dict[str, Any]]:
    """A unit's alerts, newest first, with their case, acknowledgement and deliveries."""
    _require_aware(now)
    with store.reader() as r:
        alerts = r.alerts.of_unit(unit, unacknowledged_only=unacknowledged_only)
        cases = r.cases.by_ids(a.case_id for a in alerts if a.case_id)
        deliveries = _deliveries(r, [a.id for a in alerts])
    return [_alert_dict(a, deliveries.get(a.id, []), now, cases.get(a.case_id)) for a in alerts]


def inbox_counts(store: SqlStore) -> dict[str, tuple[int, int]]:
    """unit → (alerts, unacknowledged alerts)."""
    with store.reader() as r:
        return r.alerts.counts_by_unit()


def acknowledge(store: SqlStore, alert_id: int, actor: str, now: datetime, *, config=None) -> bool:
    """签收 through the responders workflow (`Workflow.acknowledge(alert_id=…)`): the alert's
    recipient (unit, role) acknowledges its alerts on the case and `case.acknowledged` is logged,
    all in one transaction. True if this call acknowledged the alert, False if it was already
    acknowledged (nothing written). Raises KeyError for an unknown alert, ValueError for a blank
    actor, and `WorkflowError` (a ValueError) when the workflow refuses, e.g. the case is closed.
    """
    from responders.workflow import Workflow
    _require_aware(now)
    actor = (actor or "").strip()
    if not actor:
        raise ValueError("actor is required to acknowledge an alert")
    with store.reader() as r:
        a = r.alerts.get(alert_id)
        if a is None:
            raise KeyError(alert_id)
        case_id, unit = a.case_id, a.unit
    n = Workflow(store, config, ManualClock(now)).acknowledge(case_id, actor=actor, unit=unit, alert_id=alert_id)
    return n > 0


# ---------------------------------------------------------------------------------------- status
def scheduler_status(store: SqlStore, now: datetime) -> dict[str, Any]:
    """Heartbeats, newest first; healthy when the newest is younger than 90 s."""
    _require_aware(now)
    with store.reader() as r:
        beats = r.heartbeats.all()
    rows = []
    for b in beats:
        age = (now - b.at).total_seconds()
        rows.append({"name": b.name, "at": _local(b.at), "age_seconds": int(age),
                     "healthy": age < HEARTBEAT_HEALTHY_SECONDS, "details": dict(b.details or {})})
    latest = rows[0] if rows else None
    return {"healthy": bool(latest and latest["healthy"]), "latest": latest, "heartbeats": rows}


def summary(store: SqlStore, now: datetime) -> dict[str, Any]:
    """Counts for the top metrics: open cases by level, emergencies, late clocks, clocks due within 1 h."""
    _require_aware(now)
    with store.reader() as r:
        by_level = r.cases.count_by_level()
        emergencies = len(r.cases.list(emergency_only=True))
        clocks = r.clocks.open_of_open_cases()
    late = sum(1 for _, status, due, _ in clocks if status == "late" or due < now)
    soon = sum(1 for _, status, due, _ in clocks if status == "running" and now <= due <= now + DUE_SOON)
    return {"open": sum(by_level.values()), "by_level": {lv: by_level.get(lv, 0) for lv in CASE_LEVELS},
            "emergencies": emergencies, "clocks_late": late, "clocks_due_soon": soon}


def provisional_warnings(store: SqlStore) -> list[str]:
    """A Chinese warning for each running/late clock whose due time rests on an assumed calendar."""
    with store.reader() as r:
        rows = r.clocks.provisional_open()
    out = []
    for k, title in rows:
        out.append(f"案件「{title or k.case_id}」的“{clock_label(k.kind, k.seq)}”时限（截止 {format_time(k.due_at)}）"
                   f"按假定的节假日安排推算，尚无国务院办公厅正式放假通知，请人工核对。")
    return out


def units(store: SqlStore) -> list[str]:
    """Every unit the store mentions: responsible units of cases and recipients of alerts."""
    with store.reader() as r:
        return sorted(r.cases.responsible_units() | r.alerts.units())
