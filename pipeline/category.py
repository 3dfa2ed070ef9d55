"""Category: which of the district's categories an item is about (rulebook §7 "Categories").

Weighted cue words per category live in config/categories.yaml. One Aho-Corasick automaton
matches all cues leftmost-longest (施工噪音 is one cue, not 噪音). A cue counts more in the
title and in a hotline's 诉求 (the first demand most), less after a "顺便吐槽"-like marker,
and less for each repeat. The main category is the best score; a category is involved when it
scores enough on its own (it reports a problem there), not when one of its words appears.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ahocorasick
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from yuqing.config.base import Strict

if TYPE_CHECKING:  # pragma: no cover
    from yuqing.config.district import District

DEFAULT_CATEGORIES_YAML = Path(__file__).resolve().parents[1] / "config" / "categories.yaml"




def _cue_groups(v: Any) -> Any:
    """{weight: [cue, ...]}; YAML reads 110 or 12315 as numbers, so cues are made strings."""
    if v is None:
        return {}
    if isinstance(v, dict):
        return {k: [str(c) for c in (cs or [])] if isinstance(cs, list) else cs for k, cs in v.items()}
    return v


class CategoryCues(Strict):
    cues: dict[float, list[str]] = Field(default_factory=dict)       # weight -> cue words
    negative: dict[float, list[str]] = Field(default_factory=dict)   # weight -> cues that subtract

    _groups = field_validator("cues", "negative", mode="before")(lambda cls, v: _cue_groups(v))

    @field_validator("cues", "negative")
    @classmethod
    def _weights(cls, v: dict[float, list[str]]) -> dict[float, list[str]]:
        for w, cs in v.items():
            if not 0 < w <= 10:
                raise ValueError(f"weight {w} must be in (0, 10]")
            if any(not c.strip() for c in cs):
                raise ValueError("empty cue")
        return v

    def weighted(self) -> dict[str, float]:
        """cue -> weight (the highest when a cue is listed twice)."""
        out: dict[str, float] = {}
        for w, cs in self.cues.items():
            for c in cs:
                out[c] = max(out.get(c, 0.0), float(w))
        return out

    def negatives(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for w, cs in self.negative.items():
            for c in cs:
                out[c] = max(out.get(c, 0.0), float(w))
        return out


class CategorySettings(Strict):
    title_weight: float = Field(1.5, gt=0)
    secondary_markers: list[str] = Field(default_factory=list)
    secondary_factor: float = Field(0.4, ge=0, le=1)
    demand_markers: list[str] = Field(default_factory=list)
    demand_factor: float = Field(1.5, gt=0)
    first_demand_bonus: float = Field(1.0, ge=0)
    repeat_factor: float = Field(0.5, ge=0, le=1)
    max_repeats: int = Field(3, ge=1)
    min_score: float = Field(2.0, ge=0)
    involved_min: float = Field(2.5, ge=0)
    involved_ratio: float = Field(0.35, ge=0, le=1)
    position_bonus: float = Field(0.5, ge=0)
    # In a hotline 诉求 the first demand decides the main category (up to the first of these).
    demand_decides: bool = True
    demand_clause_end: list[str] = Field(default_factory=lambda: ["；", "。", ";", "，并", "并请", "同时", "另外"])
    department_weight: float = Field(2.0, ge=0)   # a named department adds this to its category
    # 【转办单位】区税务局, 承办单位：…: the department named there is the one the matter went to
    handler_markers: list[str] = Field(default_factory=list)
    handler_span: int = Field(16, ge=1)           # how far after a marker the department is looked for
    handler_factor: float = Field(2.0, ge=0)      # its mention counts this much, as a first demand
    # 已会同市场监管部门责令…: a department said to act with the handler works on its own field,
    # so the category it owns is involved (district-rules §1: every involved category's owner)
    joint_markers: list[str] = Field(default_factory=list)
    joint_span: int = Field(4, ge=0)              # characters between the marker and the department
    weak_below: float = Field(3.0, ge=0)   # cues lighter than this only support others…
    weak_cap: float = Field(4.0, ge=0)     # …and together add at most this much to a category
    demand_min_ratio: float = Field(0.5, ge=0, le=1)   # the first demand's category needs this share of the top score


class Absorb(Strict):
    """`category` is the cause of the others (台风 → 围墙倒塌 is a 次生灾害): when the main
    category is one of `absorbs` and `category` scores at least `min_ratio` of it, it is main."""
    category: str
    absorbs: list[str]
    min_ratio: float = Field(0.4, ge=0, le=1)


class CategoriesConfig(Strict):
    """config/categories.yaml. Validate with context={"categories": names} to check the names
    against the district (CategoriesConfig.load(path, district) does that)."""

    settings: CategorySettings = Field(default_factory=CategorySettings)
    categories: dict[str, CategoryCues]
    # unit name (as in district.yaml) -> how texts name it (市场监管部门, 劳动监察); a named
    # department points at the categories it owns
    departments: dict[str, list[str]] = Field(default_factory=dict)
    absorb: list[Absorb] = Field(default_factory=list)

    @model_validator(mode="after")
    def _known(self, info: ValidationInfo) -> "CategoriesConfig":
        known = (info.context or {}).get("categories") if info else None
        if known is not None:
            unknown = self.unknown_categories(known)
            if unknown:
                raise ValueError(f"categories not in district.yaml: {'、'.join(unknown)}")
        return self

    def check_against(self, district: "District") -> list[tuple[tuple, str]]:
        """Problems against district.yaml (the config loader calls this)."""
        out: list[tuple[tuple, str]] = [(("categories", c), f"category {c!r} is not in district.yaml categories")
                                        for c in self.unknown_categories(district.categories)]
        units = district.unit_names()
        for u in self.departments:
            if u not in units:
                out.append((("departments", u), f"unit {u!r} is not in district.yaml"))
            elif not [d for d in district.departments if d.name == u and d.categories]:
                out.append((("departments", u), f"unit {u!r} owns no category"))
        for i, a in enumerate(self.absorb):
            for c in [a.category, *a.absorbs]:
                if c not in district.categories:
                    out.append((("absorb", i), f"category {c!r} is not in district.yaml categories"))
        return out

    def unknown_categories(self, known: Any) -> list[str]:
        names = list(self.categories)
        for a in self.absorb:
            names += [a.category, *a.absorbs]
        return list(dict.fromkeys(c for c in names if c not in known))

    @classmethod
    def load(cls, path: str | Path = DEFAULT_CATEGORIES_YAML,
             district: "District | None" = None) -> "CategoriesConfig":
        from yuqing.config.yamlfile import load_unique
        with open(path, encoding="utf-8") as f:
            data = load_unique(f.read()) or {}
        ctx = {"categories": set(district.categories)} if district is not None else None
        return cls.model_validate(data, context=ctx)


def _own_names(unit: str) -> list[str]:
    """How texts name a department by its own name: 区税务局, and 税务局 without the 区."""
    names = [unit]
    if unit.startswith("区") and len(unit) >= 4:
        names.append(unit[1:])
    return names


class UnknownCategoryError(ValueError):
    """categories.yaml names a category that district.yaml does not have."""

    def __init__(self, unknown: list[str]):
        self.unknown = unknown
        super().__init__(f"categories.yaml: categories not in district.yaml: {'、'.join(unknown)}")


@dataclass
class CategoryResult:
    main: str | None = None
    involved: list[str] = field(default_factory=list)   # main first
    scores: dict[str, float] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)


class Categoriser:
    def __init__(self, district: "District", cfg: CategoriesConfig):
        unknown = cfg.unknown_categories(district.categories)
        if unknown:
            raise UnknownCategoryError(unknown)
        self.cfg = cfg
        self.s = cfg.settings
        # categories of the district that have no cue at all (reported, not an error)
        self.uncovered = [c for c in district.categories if c not in cfg.categories
                          or not cfg.categories[c].weighted()]
        self._order = {c: i for i, c in enumerate(district.categories)}
        table: dict[str, list[tuple[str, float]]] = {}
        for cat, cc in cfg.categories.items():
            for cue, w in cc.weighted().items():
                table.setdefault(cue, []).append((cat, w))
            for cue, w in cc.negatives().items():
                table.setdefault(cue, []).append((cat, -w))
        self._owned = {d.name: [c for c in d.categories] for d in district.departments}
        aliases_of = {d.name: _own_names(d.name) for d in district.departments if d.categories}
        for unit, aliases in cfg.departments.items():
            aliases_of.setdefault(unit, []).extend(aliases)
        self._dept_alias: dict[str, str] = {}
        for unit, aliases in aliases_of.items():
            for al in dict.fromkeys(aliases):
                table.setdefault(al, []).append(("@" + unit, cfg.settings.department_weight))
                self._dept_alias[al] = unit
        auto = ahocorasick.Automaton()
        for cue, hits in table.items():
            auto.add_word(cue, (len(cue), cue, tuple(hits)))
        auto.make_automaton()
        self._auto = auto
        self._secondary = [m for m in self.s.secondary_markers if m]
        self._demand = [m for m in self.s.demand_markers if m]
        self._handler = [m for m in self.s.handler_markers if m]
        self._joint = [m for m in self.s.joint_markers if m]

    def department_of(self, name: str | None) -> str | None:
        """The district department a signature or an account names (区发改经信局, 上城区税务局)."""
        if not name:
            return None
        name = name.strip()
        if name in self._dept_alias:
            return self._dept_alias[name]
        hits = [al for al in self._dept_alias if len(al) >= 3 and name.endswith(al)]
        return self._dept_alias[max(hits, key=len)] if hits else None

    def _handled_at(self, text: str) -> list[tuple[int, int]]:
        """Spans right after a handler marker (【转办单位】…): who the matter went to."""
        spans = []
        for m in self._handler:
            i = text.find(m)
            while i >= 0:
                spans.append((i + len(m), i + len(m) + self.s.handler_span))
                i = text.find(m, i + 1)
        return spans

    @classmethod
    def default(cls, district: "District") -> "Categoriser":
        hit = _DEFAULT_CACHE.get(id(district))
        if hit is not None and hit[0] is district:
            return hit[1]
        c = cls(district, _default_cfg())
        _DEFAULT_CACHE[id(district)] = (district, c)
        return c

    def _matches(self, text: str) -> list[tuple[int, str, tuple[tuple[str, float], ...]]]:
        """Leftmost-longest, non-overlapping (start, cue, ((category, weight), ...))."""
        found = [(end - n + 1, end + 1, cue, hits) for end, (n, cue, hits) in self._auto.iter(text)]
        found.sort(key=lambda m: (m[0], -(m[1] - m[0])))
        out = []
        last_end = 0
        for start, end, cue, hits in found:
            if start >= last_end:
                out.append((start, cue, hits))
                last_end = end
        return out

    @staticmethod
    def _first(text: str, markers: list[str]) -> int:
        pos = [i for i in (text.find(m) for m in markers) if i >= 0]
        return min(pos) if pos else -1

    def classify(self, title: str | None, content: str | None,
                 signed_by: str | None = None) -> CategoryResult:
        """signed_by: the department that signs the item (its author or account), if any."""
        s = self.s
        title = title if isinstance(title, str) else ""
        content = content if isinstance(content, str) else ""
        scores: dict[str, float] = {}
        cue_seen: dict[tuple[str, str], int] = {}
        evidence: dict[str, dict[str, int]] = {}
        first_pos: dict[str, int] = {}
        dept_score: dict[str, float] = {}           # unit -> weight of its mentions
        clause: dict[str, float] = {}               # category -> cue weight in the first demand
        clause_units: list[str] = []
        weak: dict[str, float] = {}                 # category -> what its weak cues added
        strong: set[str] = set()                    # categories with at least one strong cue
        acting: list[str] = []                      # departments said to act with the handler

        handled = self._handled_at(content) if self._handler else []
        sec_at = self._first(content, self._secondary)
        dem_at = self._first(content, self._demand)
        clause_end = -1
        if dem_at >= 0:
            body = dem_at + next(len(m) for m in self._demand if content.startswith(m, dem_at))
            ends = [i for i in (content.find(e, body) for e in s.demand_clause_end) if i >= 0]
            clause_end = min(ends) if ends else len(content)
        for text, offset, is_title in ((title, 0, True), (content, len(title) + 1, False)):
            if not text:
                continue
            for start, cue, hits in self._matches(text):
                in_demand = not is_title and 0 <= dem_at <= start
                if is_title:
                    factor = s.title_weight
                else:
                    factor = s.demand_factor if in_demand else 1.0
                    if 0 <= sec_at <= start and not (in_demand and dem_at > sec_at):
                        factor *= s.secondary_factor
                in_clause = in_demand and start < clause_end
                for cat, w in hits:
                    if cat.startswith("@"):
                        unit = cat[1:]
                        handler = not is_title and any(a <= start < b for a, b in handled)
                        weight = w * (s.handler_factor if handler else factor if in_clause else 0.5)
                        dept_score[unit] = dept_score.get(unit, 0.0) + weight
                        if (in_clause or handler) and unit not in clause_units:
                            clause_units.append(unit)
                        if self._joint and unit not in acting and any(
                                m in text[max(0, start - self.s.joint_span - len(m)):start] for m in self._joint):
                            acting.append(unit)
                        continue
                    key = (cat, cue)
                    n = cue_seen.get(key, 0)
                    if n >= s.max_repeats:
                        continue
                    cue_seen[key] = n + 1
                    add = w * factor * (1.0 if n == 0 else s.repeat_factor)
                    if 0 < w < s.weak_below:
                        room = s.weak_cap - weak.get(cat, 0.0)
                        add = max(0.0, min(add, room))
                        weak[cat] = weak.get(cat, 0.0) + add
                    scores[cat] = scores.get(cat, 0.0) + add
                    if w > 0:
                        ev = evidence.setdefault(cat, {})
                        ev[cue] = ev.get(cue, 0) + 1
                        first_pos.setdefault(cat, offset + start)
                        if w >= s.weak_below:
                            strong.add(cat)
                        if in_clause and w >= s.weak_below:
                            clause[cat] = clause.get(cat, 0.0) + w

        signer = self.department_of(signed_by)
        if signer:
            # a department answering in its own name answers about its own field
            dept_score[signer] = dept_score.get(signer, 0.0) + s.department_weight * s.handler_factor
            if signer not in clause_units:
                clause_units.append(signer)
        # a named department supports the category it owns that the text is most about
        for unit, w in dept_score.items():
            owned = self._owned.get(unit, [])
            if not owned:
                continue
            best = max(owned, key=lambda c: (scores.get(c, 0.0), -owned.index(c)))
            scores[best] = scores.get(best, 0.0) + w
            evidence.setdefault(best, {}).setdefault(f"@{unit}", 1)
            strong.add(best)
            if unit in clause_units:
                clause[best] = clause.get(best, 0.0) + s.department_weight
        if first_pos:
            earliest = min(first_pos, key=lambda c: first_pos[c])
            if scores.get(earliest, 0.0) > 0:
                scores[earliest] += s.position_bonus
        demand_first = max(clause, key=lambda c: (clause[c], scores.get(c, 0.0))) if clause else None
        if demand_first is not None:
            scores[demand_first] = scores.get(demand_first, 0.0) + s.first_demand_bonus

        scores = {c: round(v, 2) for c, v in scores.items() if v > 0}
        res = CategoryResult(scores=dict(sorted(scores.items(), key=lambda kv: -kv[1])))
        if not scores:
            res.reasons.append("类别 无（未见任何类别的线索）")
            return res
        ranked = sorted(scores, key=lambda c: (-scores[c], first_pos.get(c, 1 << 30),
                                               self._order.get(c, 999)))
        top = ranked[0]
        if scores[top] < s.min_score:
            res.reasons.append(f"类别 无（线索不足：{self._why(top, evidence)}，得分{scores[top]:g}）")
            return res
        note = None
        if (s.demand_decides and demand_first is not None and demand_first != top
                and scores.get(demand_first, 0.0) >= max(s.min_score, s.demand_min_ratio * scores[top])):
            note = f"诉求首项 → {demand_first}（而非得分最高的 {top}）"
            top = demand_first
        elif demand_first == top:
            note = f"诉求首项 → {top}"
        for ab in self.cfg.absorb:
            cs = scores.get(ab.category, 0.0)
            if top in ab.absorbs and cs >= s.involved_min and cs >= ab.min_ratio * scores[top]:
                note = f"{top} 系 {ab.category} 引发（次生），主类别取 {ab.category}"
                top = ab.category
                break
        res.main = top
        ranked = [top] + [c for c in ranked if c != top]
        # involved: enough score, and at least one strong cue (a problem there, not a venue word)
        res.involved = [top] + [c for c in ranked[1:]
                                if scores[c] >= s.involved_min and scores[c] >= s.involved_ratio * scores[top]
                                and c in strong]
        for unit in acting:
            owned = [c for c in self._owned.get(unit, []) if scores.get(c, 0.0) > 0]
            if owned and not set(owned) & set(res.involved):
                best = max(owned, key=lambda c: scores[c])
                res.involved.append(best)
                evidence.setdefault(best, {}).setdefault(f"会同{unit}", 1)
        for c in res.involved:
            res.reasons.append(f"类别 {c}（{self._why(c, evidence)}）")
        if note:
            res.reasons.append(note)
        return res

    @staticmethod
    def _why(cat: str, evidence: dict[str, dict[str, int]]) -> str:
        ev = evidence.get(cat, {})
        parts = [(cue[1:] if cue.startswith("@") else (f"{cue}×{n}" if n > 1 else cue))
                 for cue, n in list(ev.items())[:6]]
        return "、".join(parts) or "—"


_DEFAULT_CACHE: dict[int, tuple["District", Categoriser]] = {}


@lru_cache(maxsize=1)
def _default_cfg() -> CategoriesConfig:
    return CategoriesConfig.load(DEFAULT_CATEGORIES_YAML)
