"""Timeliness statistics (rulebook §6: 周督促、月统计、季通报、年考核), per unit and period.

From the action log and the clocks, for the period [start, end) in Asia/Shanghai:
  received       cases opened for the unit (case.opened) or rerouted to it (case.rerouted)
  acknowledged   cases the unit acknowledged (签收, case.acknowledged) in the period
  on_time/late   per clock kind, clocks resolved in the period: met in it (on time when by the due
                 time and never marked late, else late), or unmet with their due time in it (late:
                 marked late by the sweep — clocks.late_at — or past due);
                 征求意见 met by silence counts as consent
  statement      hours from the event's first post to the first statement published in the
                 period: count, median and 90th percentile (linear interpolation)
  warnings       warnings fired (escalation steps before the deadline)
  escalations    escalations past the deadline (overdue, district leader)
  reopened       cases reopened
A clock belongs to the case's current first-responsible unit. The dashboard uses `timeliness`.
"""
from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from yuqing import vocab
from yuqing.timeutil import SHANGHAI, to_local

Period = Literal["week", "month", "quarter", "year"]
PERIODS = ("week", "month", "quarter", "year")
CLOCK_KINDS = tuple(vocab.CLOCK_KINDS)


def period_bounds(period: str, at: date | datetime) -> tuple[datetime, datetime, str]:
    """[start, end) of the week (Monday–Sunday), month, quarter or year holding `at`, in Shanghai."""
    if isinstance(at, datetime):
        at = to_local(at).date() if at.tzinfo else at.date()
    if period == "week":
        s = at - timedelta(days=at.weekday())
        e = s + timedelta(days=7)
        y, w, _ = s.isocalendar()
        label = f"{y}年第{w}周（{s:%m月%d日}至{(e - timedelta(days=1)):%m月%d日}）"
    elif period == "month":
        s = at.replace(day=1)
        e = (s + timedelta(days=32)).replace(day=1)
        label = f"{s.year}年{s.month}月"
    elif period == "quarter":
        q = (at.month - 1) // 3
        s = date(at.year, 3 * q + 1, 1)
        e = date(at.year + (q == 3), (3 * q + 3) % 12 + 1, 1)
        label = f"{s.year}年第{q + 1}季度"
    elif period == "year":
        s, e = date(at.year, 1, 1), date(at.year + 1, 1, 1)
        label = f"{s.year}年"
    else:
        raise ValueError(f"unknown period {period!r}; use one of {', '.join(PERIODS)}")
    return (datetime.combine(s, time(), SHANGHAI), datetime.combine(e, time(), SHANGHAI), label)


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    v = sorted(values)
    pos = (len(v) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


def _blank(unit: str) -> dict[str, Any]:
    return {"unit": unit, "received": 0, "acknowledged": 0,
            "on_time": {k: 0 for k in CLOCK_KINDS}, "late": {k: 0 for k in CLOCK_KINDS}, "consent": 0,
            "statements": 0, "statement_hours": [], "statement_median_h": None, "statement_p90_h": None,
            "warnings": 0, "escalations": 0, "reopened": 0}


def timeliness(store, period: str, at: date | datetime, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """One row per unit with activity in the period, sorted by unit name."""
    start, end, _ = period_bounds(period, at)
    now = now or store.clock.now()
    rows: dict[str, dict[str, Any]] = {}

    def row(unit: str | None) -> dict[str, Any]:
        u = unit or "（未分派）"
        if u not in rows:
            rows[u] = _blank(u)
        return rows[u]

    with store.reader() as r:
        units = r.cases.units_of()
        acts = r.actions.in_period(start, end)
        clocks = r.clocks.resolved_in(start, end, now)
        first_stmt = r.actions.first_times("statement.published")
    received: dict[str, set] = defaultdict(set)
    acked: dict[str, set] = defaultdict(set)
    for a in acts:
        if a.action == "case.opened":
            received[a.unit or "（未分派）"].add(a.case_id)
        elif a.action == "case.rerouted" and a.details.get("to"):
            received[a.details["to"]].add(a.case_id)
        elif a.action == "case.acknowledged":
            acked[a.unit or "（未分派）"].add(a.case_id)
        elif a.action == "statement.published" and first_stmt.get(a.case_id) == a.at:
            r = row(units.get(a.case_id))
            r["statements"] += 1
            h = a.details.get("hours_since_first_post")
            if h is not None:
                r["statement_hours"].append(float(h))
        elif a.action == "escalation.fired":
            step = a.details.get("step", "")
            key = "warnings" if step.startswith("warn") else ("escalations" if step in ("overdue", "leader") else None)
            if key:
                row(units.get(a.case_id))[key] += 1
        elif a.action == "case.reopened":
            row(units.get(a.case_id))["reopened"] += 1
    for u, ids in received.items():
        row(u)["received"] = len(ids)
    for u, ids in acked.items():
        row(u)["acknowledged"] = len(ids)
    for c in clocks:
        if c.status in ("cancelled", "superseded"):
            continue
        r = row(units.get(c.case_id))
        kind = c.kind if c.kind in CLOCK_KINDS else c.kind
        r["on_time"].setdefault(kind, 0)
        r["late"].setdefault(kind, 0)
        if c.kind == "consultation" and "视为同意" in (c.reason or ""):
            r["consent"] += 1
        elif c.late_at is None and c.status == "met" and c.met_at is not None and c.met_at <= c.due_at:
            r["on_time"][kind] += 1
        else:
            r["late"][kind] += 1
    for r in rows.values():
        hs = r["statement_hours"]
        r["statement_median_h"] = None if not hs else round(percentile(hs, 0.5), 2)
        r["statement_p90_h"] = None if not hs else round(percentile(hs, 0.9), 2)
    return [rows[u] for u in sorted(rows)]


def totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    t = _blank("合计")
    for r in rows:
        for k in ("received", "acknowledged", "consent", "statements", "warnings", "escalations", "reopened"):
            t[k] += r[k]
        for k in ("on_time", "late"):
            for kind, n in r[k].items():
                t[k][kind] = t[k].get(kind, 0) + n
        t["statement_hours"] += r["statement_hours"]
    hs = t["statement_hours"]
    t["statement_median_h"] = None if not hs else round(percentile(hs, 0.5), 2)
    t["statement_p90_h"] = None if not hs else round(percentile(hs, 0.9), 2)
    return t
