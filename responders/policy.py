"""The escalation policy frozen on a case (`cases.policy`) and who each chain level is.

The worker freezes {"clocks": ClockPolicy, "escalation_chain": [...]} when an emergency's clocks
start (pipeline.record.record_decision). Responders add {"escalation": timing + resolved chain targets}
the first time they handle the case (dispatch, workflow or sweep), and freeze the whole policy
when a clock is opened on a case that has none (群众点题, 征求意见, 转载). Once there, a key is
never rewritten: a config edit applies to new cases only.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from responders.channels.config import LIAISON, ChannelsConfig, EscalationTiming
from yuqing.clocks.due import ClockPolicy
from yuqing.records import Case
from yuqing.seams import Recipient

FIRST = "@first"     # the case's first-responsible unit



def chain_targets(district, timing: EscalationTiming) -> list[dict[str, Any]]:
    """Resolve the chain's `to` into (unit, role): 责任单位X → the case's unit, role X; a unit
    of the district → that unit's liaison; anything else → `district_unit`, role as written."""
    units = district.unit_names()
    out = []
    for s in district.escalation_chain:
        if s.to.startswith("责任单位"):
            out.append({"level": s.level, "to": s.to, "unit": FIRST, "role": s.to[4:]})
        elif s.to in units:
            out.append({"level": s.level, "to": s.to, "unit": s.to, "role": LIAISON})
        else:
            out.append({"level": s.level, "to": s.to, "unit": timing.district_unit, "role": s.to})
    return out


def snapshot(config) -> dict[str, Any]:
    """The policy in force now (live config), in the shape frozen on cases."""
    pol = config.get("clocks") or ClockPolicy.default()
    ch = ChannelsConfig.load(config)
    return {"clocks": pol.model_dump(mode="json"),
            "escalation_chain": [s.model_dump() for s in config.district.escalation_chain],
            "escalation": {**ch.escalation.model_dump(mode="json"),
                           "targets": chain_targets(config.district, ch.escalation)}}


def ensure_frozen(case: Case, config) -> dict[str, Any]:
    """Fill in what the case's frozen policy lacks from the live config (never overwrite)."""
    current = dict(case.policy or {})
    missing = [k for k in ("clocks", "escalation_chain", "escalation") if k not in current]
    if missing:
        live = snapshot(config)
        for k in missing:
            current[k] = live[k]
        case.policy = current
    return current


@dataclass
class Policy:
    clocks: ClockPolicy
    timing: EscalationTiming
    targets: list[dict[str, Any]]

    @classmethod
    def of(cls, frozen: dict[str, Any]) -> "Policy":
        esc = dict(frozen["escalation"])
        targets = esc.pop("targets")
        return cls(ClockPolicy.model_validate(frozen["clocks"]), EscalationTiming.model_validate(esc), targets)

    def levels(self) -> list[int]:
        return sorted({t["level"] for t in self.targets})

    def recipients(self, case: Case, levels) -> list[Recipient]:
        want = set(levels)
        out, seen = [], set()
        for t in self.targets:
            if t["level"] not in want:
                continue
            unit = case.first_responsible if t["unit"] == FIRST else t["unit"]
            if not unit:
                unit = "区政府办公室"   # no unit (not placed): R7 triage owner
            r = Recipient(t["level"], unit, t["role"])
            if (r.unit, r.role) not in seen:
                seen.add((r.unit, r.role))
                out.append(r)
        return out

    def label(self, level: int) -> str:
        return "、".join(t["to"] for t in self.targets if t["level"] == level)
