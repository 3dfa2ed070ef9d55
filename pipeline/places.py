"""Places: which of the district's streets and zones an item names (rulebook §1, §7).

One Aho-Corasick automaton holds the district's place names (from district.yaml), the
district's own names and the places of other districts and cities (config/places.yaml).
Matches are resolved leftmost-longest, so 闸弄口 hides 弄口 and 凯旋门 hides nothing of ours.
A district place is then rejected when its context says it is elsewhere (上海凯旋路) or a
person (教师丁兰, 王丁兰). Everything the data needs lives in config; the code only applies it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import ahocorasick
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from yuqing.config.base import Strict

from pipeline.normalise import to_simplified
from yuqing.model import PlaceHit

if TYPE_CHECKING:  # pragma: no cover
    from yuqing.config.district import District

DEFAULT_PLACES_YAML = Path(__file__).resolve().parents[1] / "config" / "places.yaml"

_CJK = re.compile(r"[\u4e00-\u9fff]")

# Characters that end an address run between a foreign name and a place.
_PUNCT = set("，。！？、；：,.!?;:（）()【】[]「」『』“”\"'‘’《》<>…—-~～·/|\\\n\r\t ")




class PersonCues(Strict):
    titles_before: list[str] = Field(default_factory=list)
    titles_after: list[str] = Field(default_factory=list)
    surnames: str = ""
    place_suffixes: list[str] = Field(default_factory=list)
    # A news byline, （潮新闻记者 吴山 通讯员 陈雨）: every name in the parenthesis is a person's.
    byline_roles: list[str] = Field(default_factory=list)


class PlacesConfig(Strict):
    """config/places.yaml: what is not the district's, and how to tell."""

    home_names: list[str] = Field(default_factory=list)
    home_prefixes: list[str] = Field(default_factory=list)
    foreign: dict[str, list[str]] = Field(default_factory=dict)   # group -> names
    foreign_prefix_gap: int = Field(default=6, ge=0, le=20)
    gap_breaks: list[str] = Field(default_factory=list)
    person: PersonCues = Field(default_factory=PersonCues)
    # China's provinces, cities and counties (pipeline/admin.py) as places elsewhere, but for these
    # names, which are ordinary words too often (城区, 新区, 矿区 …).
    national_gazetteer: bool = True
    admin_stopwords: list[str] = Field(default_factory=list)
    # A district place whose name is a common street name (2–3 characters ending like these) may
    # be a namesake in another city: an item or event naming another city, and never ours, is
    # read as elsewhere. Longer names and landmarks (湖滨步行街, 东站枢纽) are the district's own.
    generic_place_endings: list[str] = Field(default_factory=lambda: ["路", "街", "巷", "弄", "桥", "村", "道", "园"])
    generic_place_max_len: int = Field(default=3, ge=0, le=6)
    # Places every city has under the same name (市民中心, 火车站): generic whatever their length
    generic_places: list[str] = Field(default_factory=list)
    # People shorten a landmark to its distinctive part (来福士 for 来福士广场): a name ending like
    # these is also matched without the ending when what is left is this long and no other name.
    short_form_endings: list[str] = Field(default_factory=lambda: ["广场", "市场", "公园", "景区", "老街", "小镇"])
    short_form_min_len: int = Field(default=3, ge=2, le=8)
    # An account named after a place of ours with one of these endings (九堡发布, 笕桥街道) or named
    # as the place itself (皋亭山景区) speaks for that place: an official voice located there.
    account_endings: list[str] = Field(default_factory=lambda: ["发布", "街道", "管委会", "社区", "派出所", "融媒", "政务"])
    # Directly before another city's name, these make it a journey, not the scene (从萧山回来).
    travel_words: list[str] = Field(default_factory=lambda: ["从", "去", "到", "回", "来自", "赴", "前往", "离开", "返回"])
    belief_words: list[str] = Field(default_factory=list)   # 还以为是…: only believed to be the scene
    denial_words: list[str] = Field(default_factory=list)   # 不是上城那个: the district named to be denied

    @field_validator("home_names", "home_prefixes", "gap_breaks")
    @classmethod
    def _non_empty(cls, v: list[str]) -> list[str]:
        if any(not s.strip() for s in v):
            raise ValueError("empty name")
        return v

    @model_validator(mode="after")
    def _foreign_names(self) -> "PlacesConfig":
        for group, names in self.foreign.items():
            if any(not n.strip() for n in names):
                raise ValueError(f"foreign.{group}: empty name")
        return self

    def foreign_names(self) -> list[str]:
        seen: dict[str, None] = {}
        for names in self.foreign.values():
            for n in names:
                seen.setdefault(n, None)
        return list(seen)

    def check_against(self, district: "District") -> list[tuple[tuple, str]]:
        """Problems against district.yaml (the config loader calls this)."""
        out: list[tuple[tuple, str]] = []
        ours = district.place_index()
        for group, names in self.foreign.items():
            for i, n in enumerate(names):
                if n in ours:
                    out.append((("foreign", group, i), f"{n!r} is a place of the district ({ours[n][0]}), not a foreign place"))
        for i, n in enumerate(self.home_names):
            if n in ours:
                out.append((("home_names", i), f"{n!r} is a place of the district, not the district's own name"))
        return out

    @classmethod
    def load(cls, path: str | Path = DEFAULT_PLACES_YAML) -> "PlacesConfig":
        from yuqing.config.yamlfile import load_unique
        with open(path, encoding="utf-8") as f:
            return cls.model_validate(load_unique(f.read()) or {})


@dataclass
class PlaceResult:
    places: list[PlaceHit] = field(default_factory=list)   # district places, by name, in order
    foreign: list[str] = field(default_factory=list)       # other districts/cities named
    rejected: list[str] = field(default_factory=list)      # look-alikes rejected, with why
    reasons: list[str] = field(default_factory=list)
    home_named: bool = False                               # 上城区 / 我区 named (not a place)
    home_context: bool = False                             # 杭州 / 浙江 named: the district's city or province
    foreign_admin: list[str] = field(default_factory=list) # other provinces, cities, counties named
    elsewhere_names: list[str] = field(default_factory=list)  # our place names read as another city's (成都望江路)
    persons: list[str] = field(default_factory=list)        # our place names read as a person's (网红王南星)

    @property
    def not_ours(self) -> bool:
        """Wholly about somewhere else: foreign places named, no district place, no home name."""
        return bool(self.foreign) and not self.places and not self.home_named

    @property
    def units(self) -> list[str]:
        out: list[str] = []
        for p in self.places:
            if p.unit not in out:
                out.append(p.unit)
        return out


# kinds of automaton entries
_PLACE, _FOREIGN, _HOME, _ADMIN, _CONTEXT = "place", "foreign", "home", "admin", "context"
_PREFIX = "prefix"      # a county-level city's or district's short name: elsewhere only glued to a place of ours
_SENTENCE = set("。！？!?\n；;")
# the scene said to be in another city (事发地位于苏州市姑苏区)
_SCENE_BEFORE = re.compile(r"(?:(?:事发|案发|事故|发生)(?:地点?|现场)(?:位于|在|为|系)|位于)$")
# another city's authority named as acting (苏州高新区应急管理局已介入, 上海警方通报)
_AGENCY = re.compile(r"[^，,。！？!?；;\s]{0,6}?(?:应急管理局|应急局|公安局|公安分局|警方|消防救援|消防支队|消防大队|人民政府|区政府|市政府|管委会|卫健委|卫生健康委|市场监管局|市场监督管理局|住建局|交警|城管局|(?:文旅|交通|市场监管|卫健|住建|应急|公安|城管|教育|环保|生态环境)部门)")


class Gazetteer:
    def __init__(self, district: "District", cfg: PlacesConfig):
        self.cfg = cfg
        self._index = district.place_index()   # zones written last: a zone wins a shared name
        # a unit by its short name (南星 for 南星街道), for accounts named like 上城南星
        self._unit_short = {name.removesuffix(end): (unit, kind) for name, (unit, kind) in self._index.items()
                            if name == unit for end in ("街道", "管委会")
                            if name.endswith(end) and len(name) - len(end) >= 2}
        self._breaks = set(cfg.gap_breaks)
        self._home_prefixes = sorted(cfg.home_prefixes, key=len, reverse=True)
        self._surnames = set(cfg.person.surnames)
        self._before = sorted(cfg.person.titles_before, key=len, reverse=True)
        self._after = sorted(cfg.person.titles_after, key=len, reverse=True)
        self._suffixes = sorted(cfg.person.place_suffixes, key=len, reverse=True)
        self._bylines = tuple(cfg.person.byline_roles)
        self._admin_names = {n for g, names in cfg.foreign.items() if g != "landmarks" for n in names}
        auto = ahocorasick.Automaton()
        entries: dict[str, tuple[str, str]] = {}
        if cfg.national_gazetteer:
            from pipeline.admin import names as admin_names
            national, context = admin_names(district.district, stopwords=set(cfg.admin_stopwords))
            for name in national:
                entries[name] = (_ADMIN, name)
            for name in context:
                entries[name] = (_CONTEXT, name)
            from pipeline.admin import county_city_shorts
            for name in county_city_shorts(district.district, stopwords=set(cfg.admin_stopwords)):
                entries.setdefault(name, (_PREFIX, name))
        for name in cfg.foreign_names():
            entries[name] = (_FOREIGN, name) if name not in self._admin_names else (_ADMIN, name)
        for name in cfg.home_names:
            entries[name] = (_HOME, name)
        for name in self._index:           # district places win a name clash
            entries[name] = (_PLACE, name)
        for name in list(self._index):
            for end in cfg.short_form_endings:
                short = name.removesuffix(end)
                if short != name and len(short) >= cfg.short_form_min_len and short not in self._index \
                        and entries.get(short, (None,))[0] in (None, _FOREIGN):
                    entries[short] = (_PLACE, name)
            # 杭州东站 is 东站 to its city: a landmark named with the city is known without it
            for prefix in cfg.home_prefixes:
                short = name.removeprefix(prefix)
                if short != name and len(short) >= 2 and short not in self._index and short not in entries:
                    entries[short] = (_PLACE, name)
        district_name = district.district
        for name in (district_name, district_name.removeprefix("杭州市")):
            if name and name not in self._index:
                entries.setdefault(name, (_HOME, name))
        for key, (kind, name) in entries.items():
            auto.add_word(key, (len(key), kind, name))
        auto.make_automaton()
        self._auto = auto

    @classmethod
    def default(cls, district: "District") -> "Gazetteer":
        return _default(id(district), district)

    # ---- matching ----
    def _matches(self, text: str) -> list[tuple[int, int, str, str]]:
        """Leftmost-longest, non-overlapping (start, end, kind, name)."""
        found: list[tuple[int, int, str, str]] = []
        for end, (n, kind, name) in self._auto.iter(text):
            found.append((end - n + 1, end + 1, kind, name))
        found.sort(key=lambda m: (m[0], -(m[1] - m[0])))
        out: list[tuple[int, int, str, str]] = []
        last_end = 0
        for m in found:
            if m[0] >= last_end:
                out.append(m)
                last_end = m[1]
        return out

    def _foreign_before(self, text: str, start: int, prev: tuple[int, int, str, str] | None) -> str | None:
        """The foreign name this place follows closely in one address run, if any."""
        if prev is None or prev[2] != _FOREIGN:
            return None
        gap = text[prev[1]:start]
        if len(gap) > self.cfg.foreign_prefix_gap:
            return None
        if any(c in _PUNCT or c in self._breaks for c in gap):
            return None
        if any(h in gap for h in self._home_prefixes):
            return None
        return prev[3] + gap

    def account_place(self, source: str | None) -> PlaceHit | None:
        """The place an account speaks for (九堡发布 → 九堡, 上城南星 → 南星街道, 皋亭山景区 →
        itself), or None. A bare short name of a unit counts only after the district's name."""
        s = to_simplified((source or "").strip())
        bare = s
        stripped = True
        while stripped:                             # 上城南星, 杭州上城湖滨: the district's own account
            stripped = False
            for h in self._home_prefixes:
                if bare.startswith(h) and len(bare) > len(h):
                    bare, stripped = bare[len(h):], True
                    break
        for end in ("", *self.cfg.account_endings):
            name = bare.removesuffix(end) if end else bare
            if end and name == bare:
                continue
            if name in self._index:
                unit, unit_kind = self._index[name]
                return PlaceHit(name=name, unit=unit, unit_kind=unit_kind, matched=s, generic=self.generic(name))
            if bare != s and name in self._unit_short:
                unit, unit_kind = self._unit_short[name]
                return PlaceHit(name=unit, unit=unit, unit_kind=unit_kind, matched=s)
        return None

    def _travelled(self, text: str, start: int) -> bool:
        """The city at `start` is where someone came from or goes to (从萧山回来, 去上海)."""
        return any(text.endswith(w, max(0, start - len(w)), start) for w in self.cfg.travel_words)

    def generic(self, name: str) -> bool:
        """A common street name (大学路, 劳动路) that other cities have too."""
        return name in self.cfg.generic_places or (
            len(name) <= self.cfg.generic_place_max_len and name.endswith(tuple(self.cfg.generic_place_endings)))

    def _person(self, text: str, start: int, end: int, name: str) -> str | None:
        """A person's name cue around the match, as shown in the reason, or None."""
        after = text[end:end + 4]
        if any(after.startswith(s) for s in self._suffixes):
            return None
        lead = text[:start].rstrip(" \u3000")        # 记者 吴山: a title, a space, the name
        for t in self._before:
            if lead.endswith(t):
                return t + name
        if self._bylines:
            opened = max(text.rfind("（", max(0, start - 40), start), text.rfind("(", max(0, start - 40), start))
            if opened >= 0 and not re.search(r"[）)]", text[opened:start]):
                inside = text[opened + 1:start]
                role = next((r for r in self._bylines if r in inside), None)
                # a byline lists names (记者 吴山 通讯员 陈雨), it tells nothing: no clause in it
                if role is not None and not re.search(r"[，,。；;：:]", inside) and \
                        (inside.endswith(role) or text[start - 1] in " \u3000、/"):
                    return f"（{role} {name}）"
        for t in self._after:
            if after.startswith(t):
                return name + t
        if len(name) == 2 and start > 0 and text[start - 1] in self._surnames:
            # 王丁兰: a surname glued to a two-character name; a CJK character before the
            # surname (采荷丁兰?) is too ambiguous, so only accept a clean left boundary, a title or
            # kinship word before it (外婆李景芳), or an age after it (李景芳今年82岁).
            before2 = text[start - 2] if start >= 2 else ""
            titled = any(text.endswith(t, max(0, start - 1 - len(t)), start - 1) for t in self._before)
            aged = re.match(r"(今年|已经|已)?[0-9一二三四五六七八九十]{1,3}(岁|周岁)", after) is not None \
                or after.startswith(("老人", "老伯", "老太", "老先生", "老师傅"))   # 对刘丁兰老人的送餐
            if not before2 or before2 in _PUNCT or not _is_cjk(before2) or before2 in "叫是和与及的" \
                    or titled or aged:
                return text[start - 1] + name
        if len(name) == 2 and name[0] in self._surnames and _is_cjk(after[:1]) and \
                re.match(r"[，,]?(今年|已经|已)?[0-9一二三四五六七八九十]{1,3}(岁|周岁)", text[end + 1:end + 10]):
            # 丁兰芳，今年72岁: the place name is a surname and a given name's first character, with a
            # second character and an age after it
            return name + after[0]
        return None

    def _believed(self, text: str, start: int) -> bool:
        """A belief word (还以为是) earlier in the clause that ends at `start`."""
        clause = re.split(r"[，,。！？!?；;]", text[max(0, start - 24):start])[-1]
        return any(w in clause for w in self.cfg.belief_words)

    def find(self, text: str | None) -> PlaceResult:
        res = PlaceResult()
        if not text:
            return res
        text = to_simplified(text)   # the pipeline has converted already; standalone callers may not
        seen: set[str] = set()
        prev: tuple[int, int, str, str] | None = None
        admin_here: str | None = None           # the last other city named in this sentence
        named_tail: dict[str, str] = {}          # a place name read as a person's -> the character after it
        context_here = False                    # 杭州/浙江 named in this sentence, no other city since
        context_scopes = False                  # … and a district place followed it
        last_end = 0
        matches = list(self._matches(text))
        # 宜兴湖滨路: a county-level city's short name glued to a place of ours is that city; alone it
        # is read as nothing (临海 is also "by the sea")
        matches = [(st, en, _ADMIN if k == _PREFIX else k, nm) for i, (st, en, k, nm) in enumerate(matches)
                   if k != _PREFIX or (i + 1 < len(matches) and matches[i + 1][0] == en
                                       and matches[i + 1][2] == _PLACE)]
        # 还以为是我们杭州的凯旋路，一看是上海的: what someone only believed is not the scene, when the
        # item names another city it turned out to be
        other_city = any(k == _ADMIN for _, _, k, _ in matches)
        other_believed = False
        # another city named in the opening sentence (a headline, a dateline): it sets the scene
        opening = next((i for i, ch in enumerate(text) if ch in _SENTENCE), len(text))
        first_admin = next((name for st, _, k, name in matches if k == _ADMIN and st < opening
                            and not self._travelled(text, st)), None)
        for m in matches:
            start, end, kind, name = m
            if any(c in _SENTENCE for c in text[last_end:start]):
                admin_here = None
                context_here = False
            believed = other_city and self._believed(text, start)
            other_believed |= believed
            prev_end, last_end = last_end, end
            if kind == _ADMIN:
                kind = _FOREIGN
                m = (start, end, kind, name)
                # where someone came from or goes to (从萧山回来, 去上海) sets no scene
                if not self._travelled(text, start):
                    admin_here = name
                    context_here = False
                    if name not in res.foreign_admin:
                        res.foreign_admin.append(name)
            if kind in (_HOME, _CONTEXT):
                # (还以为是我们杭州的…: a belief sets no home; nor does a denial, 不是上城那个)
                if not believed and not any(text.endswith(w, max(0, start - len(w)), start)
                                            for w in self.cfg.denial_words):
                    admin_here = None
                    if kind == _HOME:
                        res.home_named = True
                    else:
                        res.home_context = context_here = True
            elif kind == _FOREIGN:
                if name not in res.foreign:
                    res.foreign.append(name)
                if name not in self._admin_names:
                    # a landmark elsewhere (凯旋门): named with its city when one precedes it
                    lead = self._foreign_before(text, start, prev)
                    why = f"{(lead or '') + name}（外地地名）"
                    plain = f"{name}（外地地名）"
                    if lead and plain in res.rejected:      # upgrade 凯旋门 to 巴黎凯旋门
                        i = res.rejected.index(plain)
                        res.rejected[i] = why
                        res.reasons[res.reasons.index(f"排除 {plain}")] = f"排除 {why}"
                    elif why not in res.rejected and not (not lead and any(
                            r.endswith(plain) for r in res.rejected)):
                        res.rejected.append(why)
                        res.reasons.append(f"排除 {why}")
            else:
                unit, unit_kind = self._index[name]
                elsewhere = self._foreign_before(text, start, prev)
                if elsewhere is None and admin_here is not None and self.generic(name) \
                        and not any(c in self._breaks or c in "，,、" for c in text[prev_end:start]):
                    elsewhere = admin_here + "…"      # 西安市莲湖区一小学，位于劳动路: the city scopes the road
                person = None if elsewhere else self._person(text, start, end, name)
                tail = text[end:end + 1]
                if person is None and elsewhere is None and tail and named_tail.get(name) == tail:
                    # 我叫吴山海……吴山海已经打了三次电话: the name read as a person's once, with the
                    # same character after it, is that person again
                    person = name + tail
                elif person is not None and _CJK.match(tail):
                    named_tail.setdefault(name, tail)
                # 小营巷弄口: a name glued to a place of another unit is that place's part (the lane's
                # mouth), not a second place; two of one unit (采荷路芙蓉社区) are an address.
                glued = prev is not None and prev[1] == start and prev[3] in self._index \
                    and self._index[prev[3]][0] != unit and prev[3] in seen
                if elsewhere is not None:
                    why = f"{elsewhere}{text[start:end]}（外地同名地点）"
                    if name not in res.elsewhere_names:
                        res.elsewhere_names.append(name)
                elif believed:
                    why = f"{text[start:end]}（误以为是本地，实为外地）"
                elif glued:
                    why = f"{prev[3]}{text[start:end]}（{prev[3]}的一部分，非另一地点）"
                elif person is not None:
                    why = f"{person}（人名，非地点）"
                    if name not in res.persons:
                        res.persons.append(name)
                else:
                    why = None
                if why is not None:
                    if why not in res.rejected:
                        res.rejected.append(why)
                        res.reasons.append(f"排除 {why}")
                elif name not in seen:
                    seen.add(name)
                    context_scopes |= context_here
                    res.places.append(PlaceHit(name=name, unit=unit, unit_kind=unit_kind,
                                               matched=text[start:end], start=start, generic=self.generic(name)))
                    res.reasons.append(f"地点 {name} → {unit}")
            prev = m
        # ours named nowhere (no 杭州, no 上城, not only believed to be another city's)
        unclaimed = not res.home_context and not res.home_named and not other_believed
        if unclaimed:
            # 大学路这几家烤肉店… | 上海杨浦大学路靠近政立路那一段: a name the item reads as another city's
            # once is that city's wherever else it names it bare (the title before the address)
            for p in [p for p in res.places if p.name in res.elsewhere_names]:
                _move_elsewhere(res, p, f"{p.matched}（同条目所述外地同名地点）")
        if first_admin and unclaimed and any(p.generic for p in res.places):
            # 上海长宁一居民楼发生燃气爆炸。……事发地位于凯旋路附近: another city opens the item and ours
            # is named nowhere: a name every city has (凯旋路, 市民中心) is that city's
            for p in [p for p in res.places if p.generic]:
                _move_elsewhere(res, p, f"{p.matched}（{first_admin}同名地点）")
        agency = next((name for st, en, k, name in matches if k in (_ADMIN, _FOREIGN) and not self._travelled(text, st)
                       and (_AGENCY.match(text, en) or _SCENE_BEFORE.search(text[max(0, st - 8):st]))), None)
        if agency and unclaimed and res.places:
            # 横塘一化工厂发生爆炸……苏州高新区应急管理局已介入调查: that city's own authorities handle it,
            # and ours is named nowhere: the scene is there, whatever names it shares with ours
            for p in list(res.places):
                _move_elsewhere(res, p, f"{p.matched}（{agency}同名地点：由{agency}有关部门处置）")
        if res.home_context and res.foreign_admin and not context_scopes:
            # 杭州 named beside another city but before none of our places (在杭州、南京等地的门店正常营业;
            # 还以为是杭州，一看是上海的) says where the scene is not, so it does not make the item ours
            res.home_context = False
            res.reasons.append("提及杭州但未指向本区地点，且提及外地：不据此认定本区")
        if res.not_ours:
            res.reasons.append(f"外地：{'、'.join(res.foreign)}（无本区地点）")
        return res

def _move_elsewhere(res: PlaceResult, p: PlaceHit, why: str) -> None:
    """Take a place found as ours back out: it is another city's of the same name."""
    res.places.remove(p)
    res.reasons.remove(f"地点 {p.name} → {p.unit}")
    res.rejected.append(why)
    res.reasons.append(f"排除 {why}")
    if p.name not in res.elsewhere_names:
        res.elsewhere_names.append(p.name)


def _is_cjk(c: str) -> bool:
    return "\u4e00" <= c <= "\u9fff"


_DEFAULT_CACHE: dict[int, tuple["District", Gazetteer]] = {}


def _default(key: int, district: "District") -> Gazetteer:
    hit = _DEFAULT_CACHE.get(key)
    if hit is not None and hit[0] is district:
        return hit[1]
    g = Gazetteer(district, _default_cfg())
    _DEFAULT_CACHE[key] = (district, g)
    return g


@lru_cache(maxsize=1)
def _default_cfg() -> PlacesConfig:
    return PlacesConfig.load(DEFAULT_PLACES_YAML)
