"""What the dashboard shows, as plain functions over the store (no Streamlit here).

Every function takes the `SqlStore`, the signed-in `viewer` (`responders.accounts.Principal`)
and, where time matters, an aware `now`, so tests and demos inject time. The viewer's role is
enforced here, not in the page: a 责任单位 account reads only the cases its unit is responsible
for (first, co-responsible or referred) and its own inbox, whatever case id or unit the page
asks for (`AccessDenied`); writes go through the workflow with the viewer as the actor, so a
leader's account acts on nothing. Times handed out are aware datetimes in Asia/Shanghai;
countdowns are Chinese strings. Reads go through the store's repositories, one unit per call.
"""
from __future__ import annotations

import re

from collections import Counter
from datetime import datetime, timedelta
from typing import Any, Iterable

from responders.accounts import AccessDenied, Principal
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
def _scope_unit(viewer: Principal, unit: str | None) -> None:
    """A unit account may filter by its own unit only (a forged unit is refused, not widened)."""
    if unit is not None and not viewer.sees_all and unit != viewer.unit:
        raise AccessDenied(f"{viewer.unit} 的账号不能查看 {unit} 的案件")


def case_rows(store: SqlStore, now: datetime, *, viewer: Principal, unit: str | None = None,
              level: str | Iterable[str] | None = None, include_closed: bool = False,
              emergency_only: bool = False, lead_only: bool = False) -> list[dict[str, Any]]:
    """Open cases (and closed ones if asked), never `not_a_case`, most urgent first.

    `unit` matches the first-responsible unit or a co-responsible one (配合单位); with `lead_only`
    only the first-responsible. `level` is one level or several. Each row's `clocks` are its
    running/late clocks, nearest due first, each with a Chinese countdown.
    """
    _require_aware(now)
    _scope_unit(viewer, unit)
    levels = _levels(level)
    with store.reader() as r:
        cases = r.cases.list(statuses=("open", "closed") if include_closed else ("open",), levels=levels,
                             emergency_only=emergency_only, units=[unit] if unit else None, lead_only=lead_only)
        cases = [c for c in cases if viewer.sees_case(c)]
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


def case_detail(store: SqlStore, event_id: str, now: datetime, *, viewer: Principal) -> dict[str, Any] | None:
    """Everything about one case: reasons, items, clocks (all states), alerts with deliveries, action log.

    None for an unknown case; `AccessDenied` for a case the viewer may not read (a unit account
    gets the refusal for an unknown id too, so ids cannot be probed)."""
    _require_aware(now)
    with store.reader() as r:
        c = r.cases.get(event_id) if isinstance(event_id, str) else None
        if c is None and viewer.sees_all:
            return None
        viewer.require_case(c)
        clock_rows = r.clocks.of_case(event_id)
        items = r.items.of_event(event_id)
        alerts = r.alerts.of_case(event_id)
        deliveries = _deliveries(r, [a.id for a in alerts])
        actions = sorted(r.actions.all(event_id), key=lambda a: (a.at, a.id))
        reasons = _readable_refs(r, list(c.reasons or []))
        people = {n: Principal.of(u).who() for n, u in r.users.names(a.actor for a in actions).items()}
    clocks_all = [_clock_dict(k, now) for k in clock_rows]
    case = _case_dict(c, clocks_all)
    return {
        "case": case,
        "reasons": reasons,
        "route_path": list(c.route_path or []),
        "items": [_item_dict(i) for i in items],
        "clocks": clocks_all,
        "alerts": [_alert_dict(a, deliveries.get(a.id, []), now) for a in alerts],
        "actions": [_action_dict(a, people) for a in actions],
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


def _action_dict(a: ActionRow, people: dict[str, str] | None = None) -> dict[str, Any]:
    who = (people or {}).get(a.actor) or vocab.label(ACTOR_LABELS, a.actor, a.actor)
    return {"id": a.id, "at": _local(a.at), "actor": a.actor, "actor_label": who,
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
def inbox(store: SqlStore, unit: str, now: datetime, *, viewer: Principal, unacknowledged_only: bool = False,
          limit: int | None = 200) -> list[dict[str, Any]]:
    """A unit's alerts, newest first, with their case, acknowledgement and deliveries (a unit
    account reads its own unit's only)."""
    _require_aware(now)
    _scope_unit(viewer, unit)
    with store.reader() as r:
        alerts = r.alerts.of_unit(unit, unacknowledged_only=unacknowledged_only, limit=limit)
        cases = r.cases.by_ids(a.case_id for a in alerts if a.case_id)
        deliveries = _deliveries(r, [a.id for a in alerts])
        people = {n: Principal.of(u).who() for n, u in r.users.names(a.acknowledged_by for a in alerts
                                                                      if a.acknowledged_by).items()}
    out = [_alert_dict(a, deliveries.get(a.id, []), now, cases.get(a.case_id)) for a in alerts]
    for x in out:
        x["acknowledged_by_label"] = people.get(x["acknowledged_by"], x["acknowledged_by"])
    return out


def inbox_counts(store: SqlStore, *, viewer: Principal) -> dict[str, tuple[int, int]]:
    """unit → (alerts, unacknowledged alerts), of the units the viewer may read."""
    with store.reader() as r:
        counts = r.alerts.counts_by_unit()
    return counts if viewer.sees_all else {u: n for u, n in counts.items() if u == viewer.unit}


def acknowledge(store: SqlStore, alert_id: int, user: Principal, now: datetime, *, config=None) -> bool:
    """签收 by the signed-in `user` through the responders workflow (`Workflow.acknowledge(alert_id=…)`):
    the alert's recipient (unit, role) acknowledges its alerts on the case and `case.acknowledged`
    is logged with the user, all in one transaction. True if this call acknowledged the alert,
    False if it was already acknowledged (nothing written). Raises KeyError for an unknown alert
    and `WorkflowError` (a ValueError) when the workflow refuses: a leader's account, another
    unit's alert, a closed case.
    """
    from responders.workflow import Workflow
    _require_aware(now)
    with store.reader() as r:
        a = r.alerts.get(alert_id)
        if a is None or (not user.sees_all and a.unit != user.unit):
            raise KeyError(alert_id)
        case_id, unit = a.case_id, a.unit
    n = Workflow(store, config, ManualClock(now), user=user).acknowledge(case_id, actor=user.username, unit=unit,
                                                                         alert_id=alert_id)
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


def summary(store: SqlStore, now: datetime, *, viewer: Principal) -> dict[str, Any]:
    """Counts for the top metrics: open cases by level, emergencies, late clocks, clocks due within 1 h."""
    _require_aware(now)
    with store.reader() as r:
        if viewer.sees_all:
            by_level = r.cases.count_by_level()
            emergencies = len(r.cases.list(emergency_only=True))
            clocks = r.clocks.open_of_open_cases()
        else:
            mine = [c for c in r.cases.list(units=viewer.scope) if viewer.sees_case(c)]
            by_level = Counter(c.severity for c in mine)
            emergencies = sum(1 for c in mine if c.emergency)
            ids = {c.event_id for c in mine}
            clocks = [k for k in r.clocks.open_of_open_cases() if k[0] in ids]
    late = sum(1 for _, status, due, _ in clocks if status == "late" or due < now)
    soon = sum(1 for _, status, due, _ in clocks if status == "running" and now <= due <= now + DUE_SOON)
    return {"open": sum(by_level.values()), "by_level": {lv: by_level.get(lv, 0) for lv in CASE_LEVELS},
            "emergencies": emergencies, "clocks_late": late, "clocks_due_soon": soon}


def provisional_warnings(store: SqlStore, *, viewer: Principal) -> list[str]:
    """A Chinese warning for each running/late clock whose due time rests on an assumed calendar."""
    with store.reader() as r:
        rows = r.clocks.provisional_open()
        if not viewer.sees_all:
            seen = r.cases.by_ids(k.case_id for k, _ in rows)
            rows = [(k, t) for k, t in rows if seen.get(k.case_id) is not None and viewer.sees_case(seen[k.case_id])]
    out = []
    for k, title in rows:
        out.append(f"案件「{title or k.case_id}」的“{clock_label(k.kind, k.seq)}”时限（截止 {format_time(k.due_at)}）"
                   f"按假定的节假日安排推算，尚无国务院办公厅正式放假通知，请人工核对。")
    return out


def units(store: SqlStore, *, viewer: Principal) -> list[str]:
    """Every unit the store mentions (responsible units of cases, recipients of alerts) the viewer may pick."""
    if not viewer.sees_all:
        return [viewer.unit] if viewer.unit else []
    with store.reader() as r:
        return sorted(r.cases.responsible_units() | r.alerts.units())


# ---------------------------------------------------------------------------------------- paged list
CLOCK_FILTERS = {"late": "已超时", "soon": "1小时内到期", "running": "计时中（未超时）", "none": "无时限"}
PAGE_SIZE = 50


def case_page(store: SqlStore, now: datetime, *, viewer: Principal, page: int = 1, per_page: int = PAGE_SIZE,
              unit: str | None = None, level: str | Iterable[str] | None = None, include_closed: bool = False,
              emergency_only: bool = False, lead_only: bool = False, street: str | None = None,
              category: str | None = None, clock_state: str | None = None,
              acknowledged: bool | None = None) -> dict[str, Any]:
    """One page of cases, most urgent first, filtered and paged in the store: the cost of a page
    does not grow with the history. {"total", "page", "pages", "rows"}; rows as `case_rows`."""
    _require_aware(now)
    _scope_unit(viewer, unit)
    scope = [unit] if unit else viewer.scope
    per_page = max(1, min(int(per_page), 200))
    with store.reader() as r:
        total, _ = r.cases.page(now, statuses=("open", "closed") if include_closed else ("open",), limit=0,
                                levels=_levels(level), units=scope, lead_only=lead_only and bool(unit),
                                emergency_only=emergency_only, street=street, category=category,
                                clock_state=clock_state, acknowledged=acknowledged, soon=now + DUE_SOON)
        pages = max(1, -(-total // per_page))
        page = max(1, min(int(page), pages))
        _, cases = r.cases.page(now, statuses=("open", "closed") if include_closed else ("open",),
                                levels=_levels(level), units=scope, lead_only=lead_only and bool(unit),
                                emergency_only=emergency_only, street=street, category=category,
                                clock_state=clock_state, acknowledged=acknowledged, soon=now + DUE_SOON,
                                limit=per_page, offset=(page - 1) * per_page)
        cases = [c for c in cases if viewer.sees_case(c)]          # the scope again, in Python
        clocks = _clocks_by_case(r, [c.event_id for c in cases], now)
    rows = [_case_dict(c, clocks[c.event_id]) for c in cases]
    for row, c in zip(rows, cases):
        row["acknowledged"] = c.acknowledged_at is not None
    return {"total": total, "page": page, "pages": pages, "rows": rows}


def case_categories(store: SqlStore) -> list[str]:
    with store.reader() as r:
        return r.cases.categories()


# ---------------------------------------------------------------------------------------- overview
def _bucket(dt: datetime, hours: int) -> datetime:
    loc = to_local(dt)
    if hours >= 24:
        return loc.replace(hour=0, minute=0, second=0, microsecond=0)
    return loc.replace(minute=0, second=0, microsecond=0)


def overview(store: SqlStore, now: datetime, *, viewer: Principal, streets: Iterable[str] = (),
             window_hours: int = 24, on_time_days: int = 30, nearest: int = 8) -> dict[str, Any]:
    """Everything the 态势总览 page shows, for the open cases the viewer may read.

    Its cost follows the open cases and the recent window, not the history: closed cases are
    read only as clocks resolved in the last `on_time_days`."""
    _require_aware(now)
    since = now - timedelta(hours=window_hours)
    with store.reader() as r:
        open_cases = [c for c in r.cases.list(units=viewer.scope) if viewer.sees_case(c)]
        ids = {c.event_id for c in open_cases}
        open_clocks = [k for k in r.clocks.open_all() if k.case_id in ids]
        new = [c for c in r.cases.opened_since(now - timedelta(hours=1), viewer.scope) if viewer.sees_case(c)]
        opened_window = [c for c in r.cases.opened_since(since, viewer.scope) if viewer.sees_case(c)]
        item_rows = r.items.stats_since(since, None if viewer.sees_all else ids)
        resolved = r.clocks.resolved_in(now - timedelta(days=on_time_days), now, now)
        resolved_cases = r.cases.by_ids(k.case_id for k in resolved)
    by_id = {c.event_id: c for c in open_cases}
    by_level = Counter(c.severity for c in open_cases)
    clocks = [dict(_clock_dict(k, now), case_id=k.case_id, case_title=by_id[k.case_id].title or "",
                   severity=by_id[k.case_id].severity, unit=by_id[k.case_id].first_responsible or "—")
              for k in open_clocks]
    clocks.sort(key=lambda k: k["due_at"])
    # units: open cases, overdue open clocks, on-time share of the clocks resolved recently
    units: dict[str, dict[str, Any]] = {}

    def unit_row(u: str | None) -> dict[str, Any]:
        u = u or "（未分派）"
        return units.setdefault(u, {"unit": u, "open": 0, "overdue": 0, "on_time": 0, "late": 0})
    for c in open_cases:
        unit_row(c.first_responsible)["open"] += 1
    for k in clocks:
        if k["late"]:
            unit_row(by_id[k["case_id"]].first_responsible)["overdue"] += 1
    for k in resolved:
        c = resolved_cases.get(k.case_id)
        if c is None or not viewer.sees_case(c) or k.status in ("cancelled", "superseded"):
            continue
        ok = k.late_at is None and k.status == "met" and k.met_at is not None and k.met_at <= k.due_at
        unit_row(c.first_responsible)["on_time" if ok else "late"] += 1
    for u in units.values():
        done = u["on_time"] + u["late"]
        u["on_time_rate"] = None if not done else u["on_time"] / done
    # streets: open cases and heat by street (first, co-responsible or a place)
    heat = {s: {"street": s, "cases": 0, "heat": 0, "top": None} for s in streets}
    for c in open_cases:
        touched = {c.first_responsible, *(c.co_responsible or ()), *(c.places or ())} & set(heat)
        for s in touched:
            h = heat[s]
            h["cases"] += 1
            h["heat"] += int(c.heat or 0)
            if h["top"] is None or LEVEL_RANK.get(c.severity, 9) < LEVEL_RANK.get(h["top"], 9):
                h["top"] = c.severity
    # trend: items and new cases per hour of the window
    hours = [(_bucket(now, 1) - timedelta(hours=i)) for i in range(window_hours - 1, -1, -1)]
    items_per = Counter(_bucket(p, 1) for p, _, _, _ in item_rows)
    cases_per = Counter(_bucket(c.opened_at, 1) for c in opened_window if c.opened_at)
    trend = [{"time": h, "items": items_per.get(h, 0), "cases": cases_per.get(h, 0)} for h in hours]
    platforms = Counter(vocab.label(PLATFORM_LABELS, pl, "其他") for _, pl, _, _ in item_rows)
    sentiment = Counter("负面" if neg else "非负面" for _, _, neg, _ in item_rows)
    return {
        "open": len(open_cases), "by_level": {lv: by_level.get(lv, 0) for lv in CASE_LEVELS},
        "emergencies": sum(1 for c in open_cases if c.emergency),
        "new_last_hour": len(new), "new_cases": [{"event_id": c.event_id, "title": c.title or "",
                                                   "severity": c.severity, "unit": c.first_responsible or "—",
                                                   "opened_at": _local(c.opened_at)} for c in new],
        "clocks_late": sum(1 for k in clocks if k["late"]),
        "clocks_due_soon": sum(1 for k in clocks if not k["late"] and k["remaining"] <= DUE_SOON),
        "nearest": clocks[:nearest], "units": sorted(units.values(), key=lambda u: (-u["overdue"], -u["open"], u["unit"])),
        "streets": list(heat.values()), "trend": trend,
        "platforms": dict(platforms.most_common()), "sentiment": dict(sentiment),
        "items_window": len(item_rows), "window_hours": window_hours, "on_time_days": on_time_days,
    }


# ---------------------------------------------------------------------------------------- 单位待办
def todo(store: SqlStore, now: datetime, *, viewer: Principal, unit: str | None = None,
         limit: int = 100) -> list[dict[str, Any]]:
    """A unit's open cases, most urgent first: overdue clocks first, then the nearest deadline,
    then level; each with its unacknowledged alerts for the unit."""
    _require_aware(now)
    unit = unit or viewer.unit
    if unit is None:
        return []
    _scope_unit(viewer, unit)
    rows = case_rows(store, now, viewer=viewer, unit=unit)
    with store.reader() as r:
        pending = Counter(a.case_id for a in r.alerts.of_unit(unit, unacknowledged_only=True,
                                                             case_ids=[x["event_id"] for x in rows]))
    for x in rows:
        x["pending_alerts"] = pending.get(x["event_id"], 0)
        x["my_role"] = "第一责任单位" if x["first_responsible"] == unit else "配合/告知单位"
    far = datetime.max.replace(tzinfo=now.tzinfo)
    rows.sort(key=lambda x: (x["late_clocks"] == 0, x["next_due_at"] or far, LEVEL_RANK.get(x["severity"], 9),
                             x["event_id"]))
    return rows[:limit]


# ---------------------------------------------------------------------------------------- 时效统计
def timeliness(store: SqlStore, period: str, at, now: datetime, *, viewer: Principal) -> list[dict[str, Any]]:
    """`responders.stats.timeliness` rows the viewer may read (a unit account: its own row)."""
    from responders.stats import timeliness as _t
    rows = _t(store, period, at, now=now)
    return rows if viewer.sees_all else [r for r in rows if r["unit"] == viewer.unit]


def timeliness_xlsx(store: SqlStore, period: str, at, now: datetime, *, viewer: Principal,
                    district: str = "") -> bytes:
    """The XLSX workbook of the statistics the viewer may read (the page's download button)."""
    from responders.report import workbook_bytes
    return workbook_bytes(timeliness(store, period, at, now, viewer=viewer), period, at, district=district, now=now)


def on_time_rates(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per unit and clock kind: on time, late and the on-time rate (clock kinds with any count)."""
    out = []
    for r in rows:
        for kind in r["on_time"]:
            ok, late = r["on_time"].get(kind, 0), r["late"].get(kind, 0)
            if ok + late:
                out.append({"unit": r["unit"], "kind": kind, "kind_label": clock_label(kind), "on_time": ok,
                            "late": late, "rate": ok / (ok + late)})
    return out


# ---------------------------------------------------------------------------------------- 舆情检索
SEARCH_SCOPE_SCAN = 500     # a unit's search checks at most this many hits against the cases it may read


def search(index, viewer: Principal, *, text: str = "", since: datetime | None = None,
           until: datetime | None = None, platforms: list[str] | None = None, levels: list[str] | None = None,
           negative: bool | None = None, unit: str | None = None, limit: int = 50, offset: int = 0,
           store: SqlStore | None = None) -> dict[str, Any]:
    """Full-text search through the SearchIndex seam; a unit account finds only items of cases it
    may read. With `store` that is checked against each hit's case as it is now (first- or
    co-responsible, or referred; reassigned since indexing), not against the unit the index
    recorded; without it, by the indexed unit.

    Hits carry their snippet split into (text, highlighted) pieces: the page escapes each piece."""
    from yuqing.seams import SearchQuery
    _scope_unit(viewer, unit)
    scoped = store is not None and not viewer.sees_all
    units_ = [unit] if unit else (None if scoped else viewer.scope)
    q = SearchQuery(text=text.strip(), since=since, until=until, platforms=platforms or None, units=units_,
                    levels=levels or None, negative=negative,
                    limit=SEARCH_SCOPE_SCAN if scoped else limit, offset=0 if scoped else offset)
    res = index.search(q)
    found, total = list(res.hits), res.total
    if scoped:
        with store.reader() as r:
            cases = {eid: r.cases.get(eid) for eid in {h.event_id for h in found if h.event_id}}
        found = [h for h in found if h.event_id and cases.get(h.event_id) is not None
                 and viewer.sees_case(cases[h.event_id])]
        total, found = len(found), found[offset:offset + limit]
    hits = []
    for h in found:
        pieces, pos = [], 0
        for a, b in sorted(h.highlights):
            a, b = max(a, pos), min(b, len(h.snippet))
            if a >= b:
                continue
            if a > pos:
                pieces.append((h.snippet[pos:a], False))
            pieces.append((h.snippet[a:b], True))
            pos = b
        if pos < len(h.snippet):
            pieces.append((h.snippet[pos:], False))
        hits.append({"id": h.id, "title": h.title, "pieces": pieces, "published_at": _local(h.published_at),
                     "platform_label": vocab.label(PLATFORM_LABELS, h.platform, "其他"), "source": h.source,
                     "event_id": h.event_id, "unit": h.unit, "level": h.level})
    return {"total": total, "hits": hits}


# ---------------------------------------------------------------------------------------- 系统状态
def system_status(store: SqlStore, now: datetime, *, viewer: Principal, limit: int = 50) -> dict[str, Any]:
    """Heartbeats of every process, deliveries failed in the last 7 days, open dead letters and crawl sources
    (宣传部/办公室 and leaders; a unit account is refused)."""
    if not viewer.sees_all:
        raise AccessDenied("系统状态仅宣传部/办公室和领导可查看")
    _require_aware(now)
    beats = scheduler_status(store, now)["heartbeats"]
    with store.reader() as r:
        pairs = r.deliveries.failed_since(now - timedelta(days=7), limit=limit)
        dead = r.dead_letters.list("open", limit=limit)
        dead_total = r.dead_letters.count("open")
        sources = r.sources.stats()
    return {
        "heartbeats": [dict(b, name_label=vocab.label(ACTOR_LABELS, b["name"], "其他进程")) for b in beats],
        "failed_deliveries": [{"id": d.id, "channel_label": CHANNEL_LABELS.get(d.channel, "其他渠道"),
                               "address": d.address, "attempts": d.attempts, "error": d.last_error or "",
                               "unit": a.unit, "subject": a.subject, "created_at": _local(a.created_at),
                               "status_label": vocab.label(DELIVERY_STATUS_LABELS, d.status)} for d, a in pairs],
        "dead_letters": [{"id": d.id, "item": str((d.payload or {}).get("id") or "—"), "error": d.error,
                          "attempts": d.attempts, "failed_at": _local(d.last_failed_at)} for d in dead],
        "dead_total": dead_total,
        # named as config names them, never by their internal key
        "sources": [{"source": s["name"], "kind": s["kind"], "status_label": s["status_label"],
                     "last_run_at": _local(s["last_run_at"]), "last_success_at": _local(s["last_success_at"]),
                     "failures": s["consecutive_failures"], "pages": s["pages"], "items": s["items"],
                     "errors": s["errors"], "last_error": s["last_error"]} for s in sources],
    }


def find_case(store: SqlStore, ref: str, *, viewer: Principal) -> str | None:
    """The event id of a case by number or id, if the viewer may read it; AccessDenied if not (a
    unit account gets the refusal for an unknown reference too)."""
    with store.reader() as r:
        c = r.cases.find(ref)
    if c is None and viewer.sees_all:
        return None
    viewer.require_case(c)
    return c.event_id
