"""What the dashboard shows, as plain functions over the store (no Streamlit here).

Every function takes the `SqlStore` and, where time matters, an aware `now`, so tests and demos
inject time. Times handed out are aware datetimes in Asia/Shanghai; countdowns are Chinese strings.
Queries are SQLAlchemy `select`s on the store's tables, read in one session per call.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any, Iterable

from sqlalchemy import func, select

from responders.alerts import kind_label
from yuqing.store.sql import SqlStore
from yuqing.store.tables import ActionRow, AlertRow, CaseRow, ClockRow, DeliveryRow, HeartbeatRow, ItemRow
from yuqing.timeutil import ManualClock, to_local

# ---------------------------------------------------------------------------------------- labels
LEVELS_DESC = ("特别重大", "重大", "较大", "一般", "无")        # highest first
LEVEL_RANK = {lv: i for i, lv in enumerate(LEVELS_DESC)}
CASE_LEVELS = LEVELS_DESC[:-1]                                  # 无 is never a case

def _clock_labels() -> dict[str, str]:
    """One name per clock kind everywhere: the labels of config/clocks.yaml."""
    from yuqing.clocks.due import ClockPolicy
    return {kind: rule.label for kind, rule in ClockPolicy.default().clocks.items()}


CLOCK_LABELS = _clock_labels()
CLOCK_STATUS_LABELS = {"running": "计时中", "met": "已完成", "late": "已超时", "cancelled": "已取消"}
ACTIVE_CLOCK_STATUSES = ("running", "late")

CASE_STATUS_LABELS = {"open": "处置中", "closed": "已结案", "not_a_case": "不立案"}

DELIVERY_STATUS_LABELS = {"pending": "待发送", "sent": "已发送", "failed": "发送失败"}
CHANNEL_LABELS = {"inbox": "系统收件箱", "email": "电子邮件", "sms": "短信", "wechat": "政务微信"}

PLATFORM_LABELS = {"news": "新闻网站", "weibo": "微博", "wechat": "微信", "forum": "论坛", "gov_board": "政府留言板",
                   "video": "短视频", "hotline": "热线", "unknown": "未知"}

ACTION_LABELS = {
    "item.routed": "信息研判入案",
    "item.rejected": "信息拒收",
    "case.opened": "立案",
    "case.level_raised": "级别上调",
    "case.rerouted": "改派责任单位",
    "case.closed": "结案",
    "case.reopened": "重新立案",
    "clock.started": "时限启动",
    "clock.moved": "时限调整",
    "clock.cancelled": "时限取消",
    "clock.met": "按时完成",
    "clock.late": "时限逾期",
    "clock.extended": "时限延期",
    "alert.created": "发出提醒",
    "alert.sent": "提醒已送达",
    "alert.acknowledged": "签收",          # written by dashboards before the workflow's 签收
    "case.acknowledged": "签收",
    "statement.drafted": "起草回应",
    "statement.reviewed": "三审三校",
    "statement.approved": "审核批准",
    "statement.published": "发布权威信息",
    "press_conference.held": "举行新闻发布会",
    "follow_up.published": "持续发布",
    "feedback.answered": "反馈群众点题",
    "consultation.replied": "回复征求意见",
    "consultation.consent": "逾期视为同意",
    "repost.published": "完成转载",
    "escalation.fired": "时限提醒/升级",
    "escalation.reminded": "催办",
}
ACTOR_LABELS = {"system": "系统", "scheduler": "调度器"}

RULE_LABELS = {"R1": "政策类（谁主管谁负责）", "R2": "功能区属地", "R3": "街道属地", "R4": "跨街道/功能区",
               "R5": "区外·单一类别", "R6": "区外·多类别", "R7": "无法定位（兜底分派）"}

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
    label = CLOCK_LABELS.get(kind, kind)
    return f"{label}（第{seq}次）" if kind == "follow_up" and seq else label


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


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
        text = CLOCK_STATUS_LABELS.get(c.status, c.status)
    return {
        "id": c.id, "kind": c.kind, "seq": c.seq, "label": clock_label(c.kind, c.seq),
        "starts_at": _local(c.starts_at), "due_at": _local(c.due_at), "met_at": _local(c.met_at),
        "remaining": remaining, "remaining_seconds": int(remaining.total_seconds()),
        "countdown": text, "status": c.status,
        "status_label": "已超时" if late else CLOCK_STATUS_LABELS.get(c.status, c.status),
        "late": late, "active": active, "provisional": bool(c.provisional), "reason": c.reason or "",
    }


def _case_dict(c: CaseRow, clocks: list[dict[str, Any]]) -> dict[str, Any]:
    active = sorted((k for k in clocks if k["active"]), key=lambda k: k["due_at"])
    nearest = active[0] if active else None
    return {
        "event_id": c.event_id, "title": c.title or "", "severity": c.severity, "emergency": bool(c.emergency),
        "first_responsible": c.first_responsible, "co_responsible": list(c.co_responsible or []),
        "refer_to": list(c.refer_to or []), "rule": c.rule, "rule_label": RULE_LABELS.get(c.rule or "", ""),
        "route_path": list(c.route_path or []), "handling_type": c.handling_type, "category": c.category,
        "places": list(c.places or []), "heat": c.heat or 0, "item_count": c.item_count or 0,
        "status": c.status, "status_label": CASE_STATUS_LABELS.get(c.status, c.status),
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


def _clocks_by_case(s, case_ids: list[str], now: datetime) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {cid: [] for cid in case_ids}
    if not case_ids:
        return out
    q = select(ClockRow).where(ClockRow.case_id.in_(case_ids)).order_by(ClockRow.due_at, ClockRow.id)
    for k in s.scalars(q):
        out[k.case_id].append(_clock_dict(k, now))
    return out


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
    with store.session() as s:
        q = select(CaseRow).where(CaseRow.status != "not_a_case")
        if not include_closed:
            q = q.where(CaseRow.status == "open")
        if levels:
            q = q.where(CaseRow.severity.in_(levels))
        if emergency_only:
            q = q.where(CaseRow.emergency.is_(True))
        cases = list(s.scalars(q))
        if unit:   # JSON membership is backend-specific: filter co_responsible in Python
            cases = [c for c in cases if c.first_responsible == unit
                     or (not lead_only and unit in (c.co_responsible or []))]
        clocks = _clocks_by_case(s, [c.event_id for c in cases], now)
    rows = [_case_dict(c, clocks[c.event_id]) for c in cases]
    for r in rows:
        r["unit_role"] = ("第一责任单位" if unit and r["first_responsible"] == unit
                          else "配合单位" if unit else None)
    rows.sort(key=_sort_key)
    return rows


def case_detail(store: SqlStore, event_id: str, now: datetime) -> dict[str, Any] | None:
    """Everything about one case: reasons, items, clocks (all states), alerts with deliveries, action log."""
    _require_aware(now)
    with store.session() as s:
        c = s.get(CaseRow, event_id)
        if c is None:
            return None
        clock_rows = list(s.scalars(select(ClockRow).where(ClockRow.case_id == event_id)
                                    .order_by(ClockRow.due_at, ClockRow.id)))
        items = list(s.scalars(select(ItemRow).where(ItemRow.event_id == event_id)
                               .order_by(ItemRow.published_at, ItemRow.id)))
        alerts = list(s.scalars(select(AlertRow).where(AlertRow.case_id == event_id)
                                .order_by(AlertRow.created_at.desc(), AlertRow.id.desc())))
        deliveries = _deliveries(s, [a.id for a in alerts])
        actions = list(s.scalars(select(ActionRow).where(ActionRow.case_id == event_id)
                                 .order_by(ActionRow.at, ActionRow.id)))
    clocks_all = [_clock_dict(k, now) for k in clock_rows]
    case = _case_dict(c, clocks_all)
    return {
        "case": case,
        "reasons": list(c.reasons or []),
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
        "platform": i.platform, "platform_label": PLATFORM_LABELS.get(i.platform, i.platform),
        "source": i.source, "author": i.author, "title": i.title or "",
        "snippet": content[:120] + ("…" if len(content) > 120 else ""), "url": i.url,
        "negative": bool(an.get("negative")), "category": an.get("category"),
        "rumour": bool(an.get("rumour")), "refutes": bool(an.get("refutes")),
        "interactions": sum(int(metrics.get(k) or 0) for k in ("reposts", "comments", "likes")),
        "duplicate_of": i.duplicate_of, "reasons": list(an.get("reasons") or []),
    }


def _action_dict(a: ActionRow) -> dict[str, Any]:
    return {"id": a.id, "at": _local(a.at), "actor": a.actor, "actor_label": ACTOR_LABELS.get(a.actor, a.actor),
            "action": a.action, "action_label": action_label(a.action), "case_id": a.case_id, "unit": a.unit,
            "details": dict(a.details or {})}


def _deliveries(s, alert_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    if not alert_ids:
        return out
    for d in s.scalars(select(DeliveryRow).where(DeliveryRow.alert_id.in_(alert_ids)).order_by(DeliveryRow.id)):
        out.setdefault(d.alert_id, []).append({
            "channel": d.channel, "channel_label": CHANNEL_LABELS.get(d.channel, d.channel), "address": d.address,
            "status": d.status, "status_label": DELIVERY_STATUS_LABELS.get(d.status, d.status),
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
    with store.session() as s:
        q = select(AlertRow).where(AlertRow.unit == unit)
        if unacknowledged_only:
            q = q.where(AlertRow.acknowledged_at.is_(None))
        alerts = list(s.scalars(q.order_by(AlertRow.created_at.desc(), AlertRow.id.desc())))
        cases = {c.event_id: c for c in s.scalars(
            select(CaseRow).where(CaseRow.event_id.in_(sorted({a.case_id for a in alerts}))))} if alerts else {}
        deliveries = _deliveries(s, [a.id for a in alerts])
    return [_alert_dict(a, deliveries.get(a.id, []), now, cases.get(a.case_id)) for a in alerts]


def inbox_counts(store: SqlStore) -> dict[str, tuple[int, int]]:
    """unit → (alerts, unacknowledged alerts)."""
    with store.session() as s:
        rows = s.execute(select(AlertRow.unit, func.count(),
                                func.count().filter(AlertRow.acknowledged_at.is_(None)))
                         .group_by(AlertRow.unit))
        return {u: (int(n), int(p)) for u, n, p in rows}


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
    with store.session() as s:
        a = s.get(AlertRow, alert_id)
        if a is None:
            raise KeyError(alert_id)
        case_id, unit = a.case_id, a.unit
    n = Workflow(store, config, ManualClock(now)).acknowledge(case_id, actor=actor, unit=unit, alert_id=alert_id)
    return n > 0


# ---------------------------------------------------------------------------------------- status
def scheduler_status(store: SqlStore, now: datetime) -> dict[str, Any]:
    """Heartbeats, newest first; healthy when the newest is younger than 90 s."""
    _require_aware(now)
    with store.session() as s:
        beats = list(s.scalars(select(HeartbeatRow).order_by(HeartbeatRow.at.desc())))
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
    with store.session() as s:
        cases = list(s.execute(select(CaseRow.event_id, CaseRow.severity, CaseRow.emergency)
                               .where(CaseRow.status == "open")))
        open_ids = [c.event_id for c in cases]
        clocks = list(s.execute(select(ClockRow.status, ClockRow.due_at)
                                .where(ClockRow.case_id.in_(open_ids),
                                       ClockRow.status.in_(ACTIVE_CLOCK_STATUSES)))) if open_ids else []
    by_level = Counter(c.severity for c in cases)
    late = sum(1 for k in clocks if k.status == "late" or k.due_at < now)
    soon = sum(1 for k in clocks if k.status == "running" and now <= k.due_at <= now + DUE_SOON)
    return {"open": len(cases), "by_level": {lv: by_level.get(lv, 0) for lv in CASE_LEVELS},
            "emergencies": sum(1 for c in cases if c.emergency), "clocks_late": late, "clocks_due_soon": soon}


def provisional_warnings(store: SqlStore) -> list[str]:
    """A Chinese warning for each running/late clock whose due time rests on an assumed calendar."""
    with store.session() as s:
        rows = list(s.execute(
            select(ClockRow, CaseRow.title)
            .join(CaseRow, CaseRow.event_id == ClockRow.case_id)
            .where(ClockRow.provisional.is_(True), ClockRow.status.in_(ACTIVE_CLOCK_STATUSES),
                   CaseRow.status == "open")
            .order_by(ClockRow.due_at, ClockRow.id)))
    out = []
    for k, title in rows:
        out.append(f"案件「{title or k.case_id}」的“{clock_label(k.kind, k.seq)}”时限（截止 {format_time(k.due_at)}）"
                   f"按假定的节假日安排推算，尚无国务院办公厅正式放假通知，请人工核对。")
    return out


def units(store: SqlStore) -> list[str]:
    """Every unit the store mentions: responsible units of cases and recipients of alerts."""
    with store.session() as s:
        names: set[str] = set()
        for first, co in s.execute(select(CaseRow.first_responsible, CaseRow.co_responsible)
                                   .where(CaseRow.status != "not_a_case")):
            if first:
                names.add(first)
            names.update(x for x in (co or []) if x)
        names.update(u for u in s.scalars(select(AlertRow.unit).distinct()) if u)
    return sorted(names)
