"""Emergency flag, severity level and handling type (rulebook §2, §3), from rules.yaml."""
from __future__ import annotations

from dataclasses import dataclass, field

from yuqing.config.rules import HandlingRule, Rules
from yuqing.model import LEVELS, Facts


@dataclass
class Grade:
    emergency: bool
    level: str
    reasons: list[str] = field(default_factory=list)


def fact_meets(facts: Facts, fact: str, at_least: int) -> bool:
    """A flag that is set, or a count at or above the threshold."""
    v = getattr(facts, fact)
    return v is True or (not isinstance(v, bool) and v >= at_least)


def emergency_of(facts: Facts, rules: Rules) -> tuple[bool, list[str]]:
    hits = [t.label or t.fact for t in rules.emergency_any_of if fact_meets(facts, t.fact, t.at_least)]
    return bool(hits), ([f"重大突发事件：{'、'.join(hits)}"] if hits else [])


def grade(*, ours: bool, negative: bool, facts: Facts, heat: int, media: list[tuple[str, str]],
          special: list[str], rules: Rules, peak_level: int = 0) -> Grade:
    """The highest level that applies; a level reached on heat, media or topic never drops."""
    if not ours:
        return Grade(False, "无", ["非本区事项：不立案（无）"])
    emergency, reasons = emergency_of(facts, rules)
    if not negative and not emergency:
        return Grade(False, "无", ["中性或正面信息：记录，不立案（无）"])
    level, why = 0, ""
    tiers = {t for t, _ in media}
    for r in rules.severity:
        w = r.when
        if w.emergency is not None and w.emergency != emergency:
            continue
        if w.negative is not None and w.negative != (negative or emergency):
            continue
        if w.deaths_at_least is not None and facts.deaths < w.deaths_at_least:
            continue
        if w.heat_at_least is not None and heat < w.heat_at_least:
            continue
        if w.media_tier_in is not None and not (tiers & set(w.media_tier_in)):
            continue
        if w.special_group is not None and w.special_group != bool(special):
            continue
        idx = LEVELS.index(r.level)
        if idx > level:
            level, why = idx, r.label
            detail = []
            if w.heat_at_least is not None:
                detail.append(f"互动量 {heat}")
            if w.media_tier_in is not None:
                detail.append("媒体 " + "、".join(sorted({s for _, s in media})))
            if w.special_group is not None:
                detail.append("涉及 " + "、".join(special))
            if w.deaths_at_least is not None:
                detail.append(f"死亡 {facts.deaths}")
            why += f"（{'，'.join(detail)}）" if detail else ""
    if peak_level > level:
        reasons.append(f"级别保持 {LEVELS[peak_level]}（热度只升不降）；当前依据为 {LEVELS[level]}")
        level = peak_level
    else:
        reasons.append(f"级别 {LEVELS[level]}：{why}")
    return Grade(emergency, LEVELS[level], reasons)


def handling_type(rules: Rules, ctx: dict) -> tuple[str | None, str]:
    """First handling rule whose conditions all hold; ctx has rumour, emergency, severity, question..."""
    for h in rules.handling:
        if all(_holds(k, v, ctx) for k, v in h.when.items()):
            return h.type, h.label
    return None, ""


def _holds(key: str, want, ctx: dict) -> bool:
    if key == "severity_at_least":
        return LEVELS.index(ctx["severity"]) >= LEVELS.index(want)
    return bool(ctx.get(key)) == bool(want)
