"""An event's aggregate state: what its items together say, recomputed as items arrive.

The rulebook judges the event, not the item: places are the union over items (a place named
only by an earlier item still counts), heat sums every item, facts take the highest reported
count, and an official refutation withdraws the claims it refutes (§7).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from yuqing.model import Analysis, Facts, PlaceHit

FACT_KINDS = ("deaths", "injured", "ill", "gathering", "trapped", "evacuated", "explosion", "collapse")


@dataclass
class ItemRecord:
    id: str
    published_at: datetime
    source: str | None
    analysis: Analysis
    heat: int
    refuted_kinds: set[str] = field(default_factory=set)
    question: bool = False
    suggestion: bool = False
    category_scores: dict[str, float] = field(default_factory=dict)


@dataclass
class EventState:
    id: str
    items: list[ItemRecord] = field(default_factory=list)
    peak_level: int = 0          # the highest level reached on heat/media/topic (never drops on its own)
    emergency_since: datetime | None = None

    def add(self, rec: ItemRecord) -> None:
        self.items.append(rec)

    # ---- aggregates ----
    @property
    def first_published(self) -> datetime:
        return min(r.published_at for r in self.items)

    @property
    def heat(self) -> int:
        return sum(r.heat for r in self.items)

    @property
    def negative_items(self) -> list[ItemRecord]:
        return [r for r in self.items if r.analysis.negative]

    @property
    def negative(self) -> bool:
        return any(r.analysis.negative for r in self.items)

    def places(self) -> list[PlaceHit]:
        seen: dict[str, PlaceHit] = {}
        for r in self.items:
            for p in r.analysis.places:
                seen.setdefault(p.name, p)
        return list(seen.values())

    def foreign_places(self) -> list[str]:
        out: list[str] = []
        for r in self.items:
            out += [f for f in r.analysis.foreign_places if f not in out]
        return out

    def category_votes(self) -> Counter:
        """Main categories of the items; problem reports (negative items) weigh double."""
        votes: Counter = Counter()
        for r in self.items:
            if r.analysis.category:
                votes[r.analysis.category] += 2 if r.analysis.negative else 1
        return votes

    def main_category(self) -> str | None:
        votes = self.category_votes()
        if not votes:
            return None
        top = max(votes.values())
        for r in self.items:   # ties go to the category named first
            if r.analysis.category and votes[r.analysis.category] == top:
                return r.analysis.category
        return None

    def involved_categories(self) -> list[str]:
        main = self.main_category()
        out = [main] if main else []
        for r in self.negative_items:
            for c in r.analysis.categories:
                if c not in out:
                    out.append(c)
        return out

    def facts(self) -> tuple[Facts, list[str]]:
        """Current facts: highest counts reported, less what a later refutation withdrew."""
        notes: list[str] = []
        withdrawn_before: dict[str, int] = {}   # kind -> index of the last refuting item
        for i, r in enumerate(self.items):
            for k in r.refuted_kinds:
                for kind in (FACT_KINDS if k == "all" else (k,)):
                    withdrawn_before[kind] = i
        values: dict[str, int | bool] = {}
        for kind in FACT_KINDS:
            start = withdrawn_before.get(kind, 0)
            counted = [getattr(r.analysis.facts, kind) for r in self.items[start:]]
            values[kind] = max(counted) if counted else 0
            if kind in withdrawn_before:
                before = [getattr(r.analysis.facts, kind) for r in self.items[:start]]
                if before and max(before) and max(before) != values[kind]:
                    notes.append(f"{_KIND_CN[kind]}的说法已被辟谣/核实撤回（原报 {_fmt(max(before))}）")
        evidence: list[str] = []
        for r in self.items:
            evidence += [e for e in r.analysis.facts.evidence if e not in evidence]
        f = Facts(**values, refuted=bool(withdrawn_before), evidence=evidence[:12])
        return f, notes

    def special_groups(self) -> list[str]:
        out: list[str] = []
        for r in self.negative_items:
            out += [g for g in r.analysis.special_groups if g not in out]
        return out

    def negative_media(self) -> list[tuple[str, str]]:
        """(tier, source) of negative coverage by central or provincial media."""
        return [(r.analysis.media_tier, r.source or "") for r in self.negative_items if r.analysis.media_tier]

    def rumour(self) -> bool:
        """Rumour language in an item, or a later refutation of what was claimed (§7)."""
        return any(r.analysis.rumour or r.analysis.refutes for r in self.items)

    def about_policy(self) -> bool:
        """R1 when the event opens with a policy item or most of its items are about the policy."""
        if not self.items:
            return False
        if self.items[0].analysis.about_policy:
            return True
        n = sum(1 for r in self.items if r.analysis.about_policy)
        return n * 2 > len(self.items)


_KIND_CN = {"deaths": "死亡", "injured": "受伤", "ill": "患病/不适", "gathering": "聚集人数",
            "trapped": "人员被困", "evacuated": "人员疏散", "explosion": "爆炸", "collapse": "倒塌"}


def _fmt(v: int | bool) -> str:
    return "是" if v is True else str(v)
