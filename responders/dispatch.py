"""The worker's hook: alerts when a case opens, rises a level, becomes an emergency or moves.

Wire it as `Worker(..., on_change=lambda dec, ch: on_case_change(store, cfg, dec, ch, clock))`.

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
Each is a firing with a unique key: a redelivered item or a second worker changes nothing.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from responders.alerts import AlertSpec, Outbox, fire
from responders.channels.config import LIAISON
from responders.policy import Policy, Recipient, ensure_frozen, snapshot
from yuqing.store.tables import CaseRow, ClockRow
from yuqing.timeutil import Clock

log = logging.getLogger("yuqing.dispatch")
LEVELS = ("无", "一般", "较大", "重大", "特别重大")
_OUTBOX: dict[int, Outbox] = {}


def _outbox(config) -> Outbox:
    ob = _OUTBOX.get(id(config))
    if ob is None:
        from responders.runtime import build_outbox
        ob = _OUTBOX[id(config)] = build_outbox(config)
    return ob


def _policy_of(store, config, case_id: str, freeze: bool) -> Policy:
    with store.session() as s, s.begin():
        row = s.get(CaseRow, case_id)
        if freeze or (row.policy and "escalation" not in row.policy and "clocks" in row.policy):
            return Policy.of(ensure_frozen(s, row, config))
        return Policy.of(row.policy if row.policy and "escalation" in row.policy else snapshot(config))


def case_recipients(policy: Policy, case: CaseRow, depth: int, *, extra_units: bool = True
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


def _lead(kind: str, why: str, case: CaseRow, policy: Policy, level_from: str | None = None) -> str:
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
           only_unit: str | None = None):
    def build(s, case: CaseRow, clocks: list[ClockRow]) -> list[AlertSpec]:
        out = []
        for r, why in case_recipients(policy, case, depth, extra_units=only_unit is None):
            if only_unit is not None and r.unit != only_unit:
                continue
            out.append(AlertSpec(kind=kind, level=level_key, to=r, lead=_lead(kind, why, case, policy, level_from),
                                 level_label=policy.label(r.level) if r.level else ""))
        return out
    return build


def on_case_change(store, config, decision, changes: dict[str, Any], clock: Clock, *,
                   outbox: Outbox | None = None, by: str = "worker") -> list[str]:
    """Write the alerts this change calls for; returns the firing keys done now."""
    if changes.get("already_stored"):
        return []
    c = decision.case
    if c.severity == "无" or not c.event_id:
        return []
    case_id, now = c.event_id, clock.now()
    row = store.case(case_id)
    if row is None or row.status == "not_a_case":
        return []
    outbox = outbox or _outbox(config)
    policy = _policy_of(store, config, case_id, freeze=bool(changes.get("emergency_started")))
    t = policy.timing
    depth = (t.emergency_depth if row.emergency else t.notify_depth).get(row.severity, 1)
    done: list[str] = []

    def go(key: str, kind: str, level_key: str, action: str, details: dict, **kw) -> None:
        ids = fire(store.session, key, by=by, now=now, case_id=case_id, outbox=outbox,
                   specs=_specs(kind, level_key, policy, depth, **kw),
                   actions=[{"action": action, "actor": "system", "details": details}])
        if ids is not None:
            done.append(key)

    lv_from, lv_to = changes.get("level_from"), row.severity
    raised = bool(lv_from and lv_from in LEVELS and LEVELS.index(lv_to) > LEVELS.index(lv_from))
    if changes.get("emergency_started"):
        go(f"{case_id}:case:emergency", "emergency", lv_to, "alert.emergency",
           {"severity": lv_to, "depth": depth, "new_case": bool(changes.get("new_case"))})
        if changes.get("new_case"):
            store.claim_firing(f"{case_id}:case:new", by)      # the emergency alert said it all
        if raised:
            store.claim_firing(f"{case_id}:case:level:{lv_to}", by)
    elif changes.get("new_case"):
        go(f"{case_id}:case:new", "new_case", lv_to, "alert.new_case", {"severity": lv_to, "depth": depth})
    elif raised:
        go(f"{case_id}:case:level:{lv_to}", "level_up", lv_to, "alert.level_up",
           {"from": lv_from, "to": lv_to, "depth": depth}, level_from=lv_from)
    if changes.get("unit_changed") and row.first_responsible:
        go(f"{case_id}:case:rerouted:{row.first_responsible}", "rerouted", row.first_responsible,
           "alert.rerouted", {"to": row.first_responsible}, only_unit=row.first_responsible)
    return done
