"""An event's aggregate state: what its items together say, updated as each item arrives.

The rulebook judges the event, not the item: places are the union over items (a place named
only by an earlier item still counts), heat sums every item, facts take the highest reported
count, and an official refutation withdraws the claims it refutes (§7). Every aggregate is
kept up to date on `add`, so an event of thousands of posts costs the same per item as a new one.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from yuqing.model import Analysis, Facts, PlaceHit

FACT_KINDS = ("deaths", "injured", "ill", "gathering", "trapped", "evacuated", "explosion", "collapse")
_KIND_CN = {"deaths": "死亡", "injured": "受伤", "ill": "患病/不适", "gathering": "聚集人数",
            "trapped": "人员被困", "evacuated": "人员疏散", "explosion": "爆炸", "collapse": "倒塌"}
MAX_EVIDENCE = 12


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


@dataclass
class EventState:
    id: str
    peak_level: int = 0          # the highest level reached on heat/media/topic (never drops on its own)
    topic_withdrawn: bool = False  # a refutation took back the level the rumour's topic gave
    size: int = 0
    first_published: datetime | None = None
    heat: int = 0
    negative: bool = False
    question: bool = False       # among its negative items
    suggestion: bool = False
    _places: dict[str, PlaceHit] = field(default_factory=dict)
    _foreign: list[str] = field(default_factory=list)
    _foreign_admin: list[str] = field(default_factory=list)
    _persons: list[str] = field(default_factory=list)
    _elsewhere: set[str] = field(default_factory=set)   # our names an item read as another city's
    _home: bool = False          # an item names the district, its city or its province
    _votes: Counter = field(default_factory=Counter)
    _first_seen: dict[str, int] = field(default_factory=dict)
    # category → how many problem reports (and official statements on them) involve it, first seen first
    _involved_n: Counter = field(default_factory=Counter)
    _facts: dict[str, int | bool] = field(default_factory=lambda: {k: 0 for k in FACT_KINDS})
    _withdrawn: dict[str, int | bool] = field(default_factory=dict)   # kind -> highest claim withdrawn
    _official_kinds: set[str] = field(default_factory=set)   # facts an authority stated (通报 1人死亡)
    _refuted: bool = False
    _evidence: list[str] = field(default_factory=list)
    _groups: list[str] = field(default_factory=list)
    _firm_negative: int = 0      # negative items that are no rumour (a complaint, a report of fact)
    _refutes: bool = False       # an item refutes what circulates
    _media: list[tuple[str, str]] = field(default_factory=list)
    _rumour: bool = False
    _policy_first: bool = False
    _policy_count: int = 0
    _opened_by_notice: bool = False
    _policy_author: str | None = None

    def add(self, r: ItemRecord) -> None:
        a = r.analysis
        self.size += 1
        self.first_published = r.published_at if self.first_published is None else min(self.first_published, r.published_at)
        self.heat += r.heat
        # a name read as another city's before any item placed it here keeps that reading
        self._elsewhere.update(n for n in a.elsewhere_places if n not in self._places)
        for p in a.places:
            self._places.setdefault(p.name, p)
        self._foreign += [f for f in a.foreign_places if f not in self._foreign]
        self._foreign_admin += [f for f in a.foreign_admin if f not in self._foreign_admin]
        self._home |= a.home_named or a.home_context or any(not p.generic for p in a.places)
        self._persons += [n for n in a.person_names if n not in self._persons]
        if a.category:
            self._votes[a.category] += 2 if a.negative else 1    # problem reports weigh double
            self._first_seen.setdefault(a.category, self.size)
        # facts: a refutation withdraws what came before it, for the kinds it refutes
        if "all" in r.refuted_kinds:
            kinds = FACT_KINDS
        elif "claim" in r.refuted_kinds:
            # 网传“持刀伤人案有同伙在逃”系谣言: the claim names no fact; what only others said goes, what
            # an authority stated (通报 1人死亡) stands
            kinds = tuple(k for k in FACT_KINDS if k not in self._official_kinds)
        else:
            kinds = tuple(k for k in FACT_KINDS if k in r.refuted_kinds)   # in a fixed order: reasons replay alike
        for k in kinds:
            if self._facts[k]:
                self._withdrawn[k] = max(self._withdrawn.get(k, 0), self._facts[k])
            self._facts[k] = 0
        if r.refuted_kinds:
            self._refuted = True
        for k in FACT_KINDS:
            v = getattr(a.facts, k)
            if a.official and v and not (r.refuted_kinds - {"claim"}):
                self._official_kinds.add(k)
            if a.official and k in a.facts.stated and 0 < v < self._facts[k]:
                # the authority's count replaces what was claimed before it (网传死了五个人 →
                # 通报 1人死亡); a later report may raise it again
                self._withdrawn[k] = max(self._withdrawn.get(k, 0), self._facts[k])
                self._facts[k] = v
            elif v and v > self._facts[k]:
                self._facts[k] = v
        if a.facts.crowd > self._facts["gathering"] > 0 and not a.official:
            # the crowd of a gathering the event already has, counted again as it grows (上百人了)
            self._facts["gathering"] = a.facts.crowd
            if len(self._evidence) < MAX_EVIDENCE:
                self._evidence.append(f"聚集人数增至约{a.facts.crowd}人（现场人数）")
        for e in a.facts.evidence:
            if e not in self._evidence and len(self._evidence) < MAX_EVIDENCE:
                self._evidence.append(e)
        if a.negative or (a.official and self.negative):
            # what the problem touches; an official statement on it says so with authority
            # (区民政局会同区市场监管局…: the food side of a nursing-home case)
            for c in dict.fromkeys(a.categories):      # in the item's order: the first seen stays first
                self._involved_n[c] += 1
        self._refutes |= a.refutes
        if a.negative and not a.rumour:
            self._firm_negative += 1
        if a.negative:
            self.negative = True
            self.question |= r.question
            self.suggestion |= r.suggestion
            self._groups += [g for g in a.special_groups if g not in self._groups]
            if a.media_tier:
                self._media.append((a.media_tier, r.source or ""))
        self._rumour |= a.rumour or a.refutes
        if self.size == 1:
            self._policy_first = a.about_policy
            self._opened_by_notice = a.official and not a.negative
        self._policy_count += a.about_policy
        if a.about_policy and a.policy_author and self._policy_author is None:
            self._policy_author = a.policy_author

    # ---- views used by the decision ----
    def elsewhere(self) -> list[str]:
        """Other cities the event is set in: it names them, never the district, its city or a place
        only the district has, and its district places are all common street names (大学路)."""
        if self._foreign_admin and not self._home and all(p.generic for p in self._places.values()):
            return list(self._foreign_admin)
        return []

    def places(self) -> list[PlaceHit]:
        """The event's district places. A name one of its items read as another city's (成都望江路)
        keeps that reading in the event: 望江路那家我还吃过 is about the same restaurant."""
        if self.elsewhere():
            return []
        return [p for p in self._places.values() if p.name not in self._elsewhere]

    def read_elsewhere(self) -> list[str]:
        return sorted(n for n in self._places if n in self._elsewhere)

    def home_named(self) -> bool:
        return self._home

    def foreign_places(self) -> list[str]:
        return list(self._foreign)

    def person_only(self) -> list[str]:
        """Names of district places its items read as people's (网红王南星), when nothing else ties
        the event to the district: no place of it, no name of the district or its city."""
        return [] if (self._places or self._home) else list(self._persons)
    def main_category(self, harm_categories: tuple[str, ...] = (), default: str | None = None,
                      unless: tuple[str, ...] = ()) -> str | None:
        """The category the event is about: most votes, ties to the one named first. When people
        were hurt, killed or trapped, or something exploded or collapsed, the event is about that
        incident: the best-voted of `harm_categories` its items named leads (a lift that drops
        and injures three is 安全生产与事故, though most posts talk of the estate and its 物业)."""
        if not self._votes:
            return None
        votes = self._votes
        f = self._facts
        if harm_categories and any(f.get(k) for k in ("deaths", "injured", "trapped", "explosion", "collapse")):
            harmed = [c for c in harm_categories if c in votes or self._involved_n[c]]
            if harmed:
                return max(harmed, key=lambda c: (votes.get(c, 0), self._involved_n[c],
                                                  -self._first_seen.get(c, 10 ** 9)))
            grave = f.get("deaths") or (f.get("injured") or 0) >= 3 or any(
                f.get(k) for k in ("trapped", "explosion", "collapse"))
            # (the exception is for harm that is an illness: a food poisoning; three carried off in an
            # ambulance from a crowd are hurt, whatever 救护车 makes of the health side)
            ill = bool(f.get("ill"))
            if default and grave and not (ill and any(c in votes or self._involved_n[c] for c in unless)):
                return default
        return max(votes, key=lambda c: (votes[c], -self._first_seen[c]))

    def involved_categories(self, harm_categories: tuple[str, ...] = (), default: str | None = None,
                            unless: tuple[str, ...] = ()) -> list[str]:
        main = self.main_category(harm_categories, default, unless)
        return ([main] if main else []) + [c for c in self._involved_n if c != main]

    def facts(self) -> tuple[Facts, list[str]]:
        """Current facts, and a note for every claim a refutation withdrew."""
        notes = []
        for k, before in self._withdrawn.items():
            if before != self._facts[k]:
                notes.append(f"{_KIND_CN[k]}的说法已被辟谣/核实撤回（原报 {'是' if before is True else before}）")
        return Facts(**self._facts, refuted=self._refuted, evidence=list(self._evidence)), notes

    def special_groups(self) -> list[str]:
        return [] if self.refuted_rumour_only() else list(self._groups)

    def refuted_rumour_only(self) -> bool:
        """Refuted, and every problem it held was the rumour's claim: what the claim was about (the
        children, the old, food) no longer raises the level (district-rules §3: a refutation
        withdraws any level that rested only on the refuted claim)."""
        return self._refutes and self._firm_negative == 0

    def negative_media(self) -> list[tuple[str, str]]:
        """(tier, source) of negative coverage by central or provincial media."""
        return list(self._media)

    def rumour(self) -> bool:
        """Rumour language in an item, or a later refutation of what was claimed (§7)."""
        return self._rumour

    def policy_author(self) -> str | None:
        """The department its policy items say drafted or issued the measure."""
        return self._policy_author

    def about_policy(self) -> bool:
        """R1 when the event opens with a policy item, most of its items are about the policy, or it
        opens with the government's notice of a measure that its items then take up as a policy."""
        return self._policy_first or self._policy_count * 2 > self.size or \
            (self._opened_by_notice and self._policy_count > 0)
