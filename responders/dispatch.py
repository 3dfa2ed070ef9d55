"""Case alerts from the case-event outbox: a case opened, rose a level, became an emergency, moved.

The pipeline writes each change to `case_events` in the same unit of work as the decision
(pipeline.record); the notifier process (`handle_case_events`) turns each into alerts.

Who is told (the project's reading of rulebook §1, §4, §5; numbers in channels.yaml `escalation`):
- a new case: the first-responsible unit's chain down to `notify_depth[severity]`
  (一般: 联络员; 较大: + 分管领导; 重大/特别重大: + 主要负责人), plus the liaison of every
  co-responsible unit and every unit it is referred to (公安、网信 for rumours; 宣传部 under R7);
- a level rise: the same, again, for the new level (one alert per level, ever);
- an emergency (涉及重大突发事件): its statement and press-conference clocks exist (the store
  started them); the chain down to `emergency_depth` at once — 区政府办公室 and 区委宣传部
  included, because the 5 hours include 三审三校 and 区政府办公室's approval (上城 附件1 第四条、
  第七条); 特别重大 also the district leader in charge (区政府分管领导);
- rerouted to another unit: the new unit's chain, as for a new case.
Each is a firing with a unique key: a replayed event, a restart or a second notifier changes nothing.
Who is told follows the case as the event saw it (its payload), not as it is when the notifier runs.
"""
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from typing import Any

from responders.alerts import AlertSpec, Outbox, fire
from responders.policy import Policy, ensure_frozen, snapshot
from yuqing import vocab
from yuqing.records import Case, CaseEvent, Clock as ClockRecord
from yuqing.seams import Recipient

log = logging.getLogger("yuqing.dispatch")
LIAISON = vocab.LIAISON
LEVELS = vocab.LEVELS
def _policy_of(store, config, case_id: str, freeze: bool) -> Policy:
    with store.transaction() as tx:
        row = tx.cases.get(case_id)
        if freeze or (row.policy and "escalation" not in row.policy and "clocks" in row.policy):
            return Policy.of(ensure_frozen(row, config))
        return Policy.of(row.policy if row.policy and "escalation" in row.policy else snapshot(config))


def case_recipients(policy: Policy, case: Case, depth: int, *, extra_units: bool = True
                    ) -> list[tuple[Recipient, str]]:
    """(recipient, role in the case) for a case alert: the chain down to `depth`, then liaisons."""
    out: list[tuple[Recipient, str]] = []
    seen: set[tuple[str, str]] = set()
    for r in policy.recipients(case, [lv for lv in policy.levels() if lv <= depth]):
        seen.add((r.unit, r.role))
        out.append((r, "first" if r.unit == case.first_responsible else "chain"))
    if extra_units:
        for why, units in (("co", case.co_responsible or []), ("refer", case.refer_to or [])):
            for u in units:
                if (u, LIAISON) not in seen:
                    seen.add((u, LIAISON))
                    out.append((Recipient(None, u, LIAISON), why))
    return out


def _lead(kind: str, why: str, case: Case, policy: Policy, level_from: str | None = None) -> str:
    unit = case.first_responsible or "区政府办公室"
    if why == "co":
        return f"贵单位为该舆情的配合单位（第一责任单位：{unit}），请配合核查处置，回应信息保持准确一致。"
    if why == "refer":
        return f"该舆情相关线索移交/告知贵单位（第一责任单位：{unit}），请按职责处理。"
    if kind == "emergency":
        rules = policy.clocks.clocks
        st, pc = rules.get("statement"), rules.get("press_conference")
        return (f"该舆情涉及重大突发事件（{case.severity}），第一责任单位：{unit}。须在首发后"
                f"{st.hours if st else 5}小时内发布权威信息（三审三校及区政府办公室审核的时间计入其中），"
                f"{pc.hours if pc else 24}小时内举行新闻发布会。时限自首发时间起算，发现晚不延长时限。")
    if kind == "level_up":
        return f"该舆情级别由“{level_from}”升至“{case.severity}”，第一责任单位：{unit}，请加强处置。"
    if kind == "rerouted":
        return f"该舆情改由贵单位作为第一责任单位（{case.rule or ''}），请及时签收并核查处置。"
    return f"发现新的政务舆情（{case.severity}），第一责任单位：{unit}，请及时签收并核查处置。"


def _specs(kind: str, level_key: str, policy: Policy, depth: int, level_from: str | None = None,
           only_unit: str | None = None, view: Case | None = None):
    def build(s, case: Case, clocks: list[ClockRecord]) -> list[AlertSpec]:
        out = []
        case = view or case
        for r, why in case_recipients(policy, case, depth, extra_units=only_unit is None):
            if only_unit is not None and r.unit != only_unit:
                continue
            out.append(AlertSpec(kind=kind, level=level_key, to=r, lead=_lead(kind, why, case, policy, level_from),
                                 level_label=policy.label(r.level) if r.level else ""))
        return out
    return build


def _as_of(case: Case, payload: dict[str, Any]) -> Case:
    """The case as the event saw it: who was responsible then decides who is told, so that alerts
    do not depend on how late the notifier runs."""
    view = replace(case)
    for k in ("severity", "emergency", "first_responsible", "co_responsible", "refer_to", "rule"):
        if k in payload:
            setattr(view, k, payload[k])
    return view


def dispatch_event(store, config, ev: CaseEvent, outbox: Outbox, now: datetime, *, by: str = "notifier") -> list[str]:
    """Write the alerts a case event calls for (each firing once, ever); returns the keys fired now."""
    case_id = ev.case_id
    if ev.kind == "official_item":
        from responders.releases import notice_release
        return notice_release(store, config, ev, outbox, now, by=by)
    with store.reader() as r:
        row = r.cases.get(case_id)
    if row is None or row.status == "not_a_case":
        return []
    policy = _policy_of(store, config, case_id, freeze=ev.kind == "emergency")
    view = _as_of(row, ev.payload)
    t = policy.timing
    depth = (t.emergency_depth if view.emergency else t.notify_depth).get(view.severity, 1)
    done: list[str] = []

    def go(key: str, kind: str, level_key: str, action: str, details: dict, **kw) -> None:
        build = _specs(kind, level_key, policy, depth, view=view, **kw)
        ids = fire(store, key, by=by, now=now, case_id=case_id, outbox=outbox, specs=build,
                   actions=[{"action": "alert.fired", "actor": "notifier",
                             "details": {"kind": kind, **details}}])
        if ids is not None:
            done.append(key)

    lv = view.severity
    if ev.kind == "emergency":
        go(f"{case_id}:case:emergency", "emergency", lv, "alert.emergency",
           {"severity": lv, "depth": depth, "new_case": bool(ev.payload.get("new_case"))})
        # the emergency alert said it all: no separate new-case or level alert for the same change
        if ev.payload.get("new_case"):
            store.claim_firing(f"{case_id}:case:new", by)
        if ev.payload.get("raised_from"):
            store.claim_firing(f"{case_id}:case:level:{lv}", by)
    elif ev.kind == "opened":
        go(f"{case_id}:case:new", "new_case", lv, "alert.new_case", {"severity": lv, "depth": depth})
    elif ev.kind == "level_raised":
        go(f"{case_id}:case:level:{lv}", "level_up", lv, "alert.level_up",
           {"from": ev.payload.get("from"), "to": lv, "depth": depth}, level_from=ev.payload.get("from"))
    elif ev.kind == "rerouted" and view.first_responsible:
        go(f"{case_id}:case:rerouted:{view.first_responsible}", "rerouted", view.first_responsible,
           "alert.rerouted", {"to": view.first_responsible}, only_unit=view.first_responsible)
    return done


def handle_case_events(store, config, outbox: Outbox, now: datetime, *, by: str = "notifier",
                       limit: int = 200) -> list[str]:
    """Alerts for the case events not yet handled, oldest first. A crash anywhere here is safe:
    every firing has its key, and an event is marked handled only after its firings."""
    with store.reader() as r:
        pending = r.case_events.pending(limit)
    done: list[str] = []
    for ev in pending:
        done += dispatch_event(store, config, ev, outbox, now, by=by)
        with store.transaction() as tx:
            tx.case_events.mark_handled(ev.id, now, by)
    return done
