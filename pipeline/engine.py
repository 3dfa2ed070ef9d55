"""The processing engine: an item in, the event's routed case out.

Per item: normalise → de-duplicate → sentiment → category → places → facts → voice
(official, policy) → event grouping; per event: aggregate → emergency and severity →
routing tree → handling type → clocks. The same engine serves `yuqing route` (in memory),
`yuqing explain`, `yuqing rules test` and the worker that feeds the store.

Which analysis stages run, and in what order, is data (`STAGES_BASE`, merged with the
`STAGES` setting; `None` disables a stage), after Scrapy's pipelines.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from pipeline.case import EventState, ItemRecord
from pipeline.dedup import Deduplicator
from pipeline.events import EventGrouper, Tokeniser
from pipeline.normalise import Normalised, has_words, normalise
from pipeline.routing import Features, Router
from pipeline.severity import fact_meets, grade, handling_type
from pipeline.voice import VoiceReader
from yuqing.config import Config
from yuqing.model import LEVELS, Analysis, CaseState, ClockState, Item
from yuqing.timeutil import iso_local

log = logging.getLogger("yuqing.pipeline")
GROUP_CN = {"children": "未成年人/学生", "elderly": "老人", "food": "食品安全", "medical": "医疗"}

STAGES_BASE: dict[str, int] = {
    "sentiment": 300,
    "places": 400,
    "category": 500,     # after places: a cue inside a place name (大学 in 大学路) is no cue
    "facts": 600,
    "voice": 700,
}


@dataclass
class ItemContext:
    item: Item
    norm: Normalised
    analysis: Analysis = field(default_factory=Analysis)
    refuted_kinds: set[str] = field(default_factory=set)
    question: bool = False
    suggestion: bool = False
    complaint: bool = False
    instruments: set[str] = field(default_factory=set)
    sentiment_negative: bool = False
    reasons: list[str] = field(default_factory=list)


@dataclass
class Decision:
    """One line of `yuqing route` output, plus what the store and `explain` need."""
    item: Item
    analysis: Analysis
    case: CaseState
    duplicate_of: str | None = None
    duplicate_reason: str | None = None
    grouping_reasons: list[str] = field(default_factory=list)
    route_path: list[str] = field(default_factory=list)
    new_event: bool = False

    def to_json(self) -> dict[str, Any]:
        a, c = self.analysis, self.case
        return {
            "id": self.item.id, "event_id": c.event_id,
            "sentiment": round(a.sentiment, 4), "negative": a.negative,
            "category": a.category, "places": c.places,
            "handling_type": c.handling_type, "severity": c.severity, "emergency": c.emergency,
            "first_responsible": c.first_responsible, "co_responsible": c.co_responsible,
            "refer_to": c.refer_to, "rule": c.rule, "reasons": c.reasons,
            "clocks": [{"kind": k.kind, "due_at": iso_local(k.due_at), "status": k.status.value,
                        **({"provisional": True} if k.provisional else {})} for k in c.clocks],
            **({"duplicate_of": self.duplicate_of} if self.duplicate_of else {}),
        }


class Engine:
    def __init__(self, config: Config, *, sentiment_model: str | None = None, stages: dict | None = None):
        from pipeline.category import Categoriser
        from yuqing.clocks.calendar import WorkCalendar
        from yuqing.clocks.due import ClockPolicy
        from pipeline.facts import FactReader
        from pipeline.places import Gazetteer
        from pipeline.sentiment import SentimentModel

        self.config = config
        d, r = config.district, config.rules
        self.district, self.rules = d, r
        self.sentiment = SentimentModel.load(sentiment_model or None)
        self.categoriser = Categoriser(d, config.get("categories")) if config.get("categories") else Categoriser.default(d)
        self.gazetteer = Gazetteer(d, config.get("places")) if config.get("places") else Gazetteer.default(d)
        self.facts = FactReader(config.get("readings")) if config.get("readings") else FactReader.default()
        self.voice = VoiceReader(r)
        self.clock_policy = config.get("clocks") or ClockPolicy.default()
        self.calendar = WorkCalendar.from_config(config.get("calendar")) if config.get("calendar") else WorkCalendar.default()
        self.router = Router(r.route, d)
        self._tokeniser = Tokeniser(list(d.place_index()) + sorted(d.unit_names()))
        self.reset()
        order = {**STAGES_BASE, **(stages or {})}
        unknown = set(order) - set(STAGES_BASE)
        if unknown:
            raise ValueError(f"STAGES: unknown stage(s) {sorted(unknown)}; known: {sorted(STAGES_BASE)}")
        self.stages = [name for name, o in sorted(order.items(), key=lambda kv: (kv[1] or 0)) if o is not None]
        disabled = [n for n, o in order.items() if o is None]
        log.info("analysis stages enabled: %s; disabled: %s", self.stages, disabled or "none")

    def reset(self) -> None:
        """Forget all events (keeps the loaded models): each `rules test` case starts clean."""
        home = self.gazetteer.cfg
        self.grouper = EventGrouper(self.rules.grouping, self._tokeniser,
                                    zones={z.name for z in self.district.zones},
                                    not_names={self.district.district, *home.home_names, *home.home_prefixes})
        self.dedup = Deduplicator()
        self.events: dict[str, EventState] = {}
        self._item_event: dict[str, str] = {}

    # ------------------------------------------------------------------ item analysis
    def _stage_sentiment(self, ctx: ItemContext) -> None:
        s = self.sentiment.score(ctx.norm.text)
        ctx.analysis.sentiment = s.score
        ctx.sentiment_negative = s.negative
        ctx.reasons += s.reasons

    def _stage_category(self, ctx: ItemContext) -> None:
        title, content = ctx.norm.title, ctx.norm.content
        for p in ctx.analysis.places:
            mask = "□" * len(p.matched or p.name)
            title, content = title.replace(p.matched or p.name, mask), content.replace(p.matched or p.name, mask)
        c = self.categoriser.classify(title, content)
        ctx.analysis.category, ctx.analysis.categories = c.main, list(c.involved)
        ctx.reasons += c.reasons

    def _stage_places(self, ctx: ItemContext) -> None:
        p = self.gazetteer.find(ctx.norm.text)
        ctx.analysis.places, ctx.analysis.foreign_places = p.places, list(p.foreign)
        ctx.reasons += p.reasons

    def _stage_facts(self, ctx: ItemContext) -> None:
        f = self.facts.read(ctx.norm.text)
        ctx.analysis.facts = f.facts
        ctx.refuted_kinds = set(f.refuted_kinds)
        ctx.analysis.refutes = bool(f.refuted_kinds)
        # An unsourced claim (网传、听说) is a rumour; a plea to share (扩散) alone is not.
        ctx.analysis.rumour = bool(f.rumour_claim)
        ctx.analysis.special_groups = list(f.special_groups)
        ctx.reasons += f.reasons

    def _stage_voice(self, ctx: ItemContext) -> None:
        v = self.voice.read(ctx.item.source, ctx.norm.title, ctx.norm.content, ctx.item.platform)
        ctx.analysis.official, ctx.analysis.about_policy = v.official, v.about_policy
        ctx.question, ctx.suggestion, ctx.complaint = v.question, v.suggestion, v.complaint
        ctx.instruments = v.instruments
        ctx.reasons += v.reasons

    def analyse(self, item: Item) -> ItemContext:
        ctx = ItemContext(item, normalise(item.title, item.content))
        ctx.reasons += ctx.norm.reasons
        if not has_words(ctx.norm.text):
            ctx.reasons.append("无可分析的文字（空白、仅表情或符号）：按中性处理")
            ctx.analysis.reasons = ctx.reasons
            return ctx
        for name in self.stages:
            getattr(self, f"_stage_{name}")(ctx)
        a = ctx.analysis
        a.media_tier = self.district.media_tier(item.source)
        f = a.facts
        incident = any((f.deaths, f.injured, f.ill, f.gathering, f.trapped, f.evacuated, f.explosion, f.collapse))
        # negative = the item reports or expresses a problem (item-format.md); who speaks matters.
        if a.official:
            a.negative, why = False, "官方发布/回复，不计为负面"
        elif a.refutes:
            a.negative, why = False, "辟谣、核实信息，不计为负面"
        elif a.rumour:
            a.negative, why = True, "传播未经证实的消息，计为负面"
        elif incident:
            a.negative, why = True, "报道事故或伤亡等事实，计为负面"
        elif ctx.complaint:
            a.negative, why = True, "投诉、求助或反映问题，计为负面"
        else:
            a.negative = ctx.sentiment_negative
            why = "情感判断为负面" if a.negative else "情感判断为非负面"
        if a.official and a.rumour:
            a.rumour = False
        ctx.reasons.append(why)
        a.reasons = ctx.reasons
        return ctx

    # ------------------------------------------------------------------ event decision
    def _decide(self, ev: EventState) -> tuple[CaseState, list[str]]:
        d, r = self.district, self.rules
        facts, fact_notes = ev.facts()
        places = ev.places()
        foreign = ev.foreign_places()
        ours = bool(places) or not foreign
        negative = ev.negative
        involved = ev.involved_categories()
        for inv in r.involve:
            if fact_meets(facts, inv.fact, inv.at_least) and inv.category not in involved:
                involved.append(inv.category)
        main = ev.main_category()
        special = [GROUP_CN.get(g, g) for g in ev.special_groups()]
        if main in r.special_group_categories and main not in special:
            special.append(main)          # a case about food, medical care, schools or old-age care
        g = grade(ours=ours, negative=negative, facts=facts, heat=ev.heat, media=ev.negative_media(),
                  special=special, rules=r, peak_level=ev.peak_level)
        reasons = fact_notes + g.reasons
        case = CaseState(event_id=ev.id, severity=g.level, emergency=g.emergency, heat=ev.heat,
                         category=main, places=[p.name for p in places])
        if places:
            reasons.insert(0, "地点 " + "，".join(f"{p.name} → {p.unit}" for p in places))
        elif foreign:
            reasons.insert(0, "外地地点 " + "、".join(foreign) + "，无本区地点")
        if g.level == "无":
            case.reasons = reasons
            return case, []
        if not g.emergency:
            # Heat, media and topic levels never drop; a level that rested on refuted facts may.
            ev.peak_level = max(ev.peak_level, LEVELS.index(g.level))
        units: list[tuple[str, str]] = []
        for p in places:
            if (p.unit, p.unit_kind) not in units:
                units.append((p.unit, p.unit_kind))
        feats = Features(about_policy=ev.about_policy(), place_units=units, main_category=main,
                         categories=involved, rumour=ev.rumour(), emergency=g.emergency)
        rr = self.router.route(feats)
        case.first_responsible, case.co_responsible, case.refer_to = rr.first_responsible, rr.co_responsible, rr.refer_to
        case.rule, case.route_path = rr.rule, rr.path
        if main:
            reasons.append(f"主类别 {main}" + (f"；涉及 {'、'.join(involved[1:])}" if len(involved) > 1 else ""))
        reasons += rr.reasons
        ctx = {"rumour": feats.rumour, "emergency": g.emergency, "severity": g.level,
               "question": ev.question, "suggestion": ev.suggestion, "has_category": main is not None}
        case.handling_type, label = handling_type(r, ctx)
        if case.handling_type:
            reasons.append(f"处置类型 {case.handling_type}：{label}")
        if g.emergency:
            from yuqing.clocks.due import due
            start = ev.first_published
            for kind in ("statement", "press_conference"):
                dd = due(kind, start, self.clock_policy, self.calendar)
                case.clocks.append(ClockState(kind=kind, starts_at=dd.starts_at, due_at=dd.due_at,
                                              provisional=dd.provisional, reason=dd.reason))
                reasons.append(dd.reason)
        case.reasons = reasons
        return case, rr.path

    # ------------------------------------------------------------------ public
    def process(self, item: Item) -> Decision:
        ctx = self.analyse(item)
        dup_reason, orig = self.dedup.check(item.id, item.url, item.title, item.content)
        if orig is not None and orig in self._item_event:
            eid = self._item_event[orig]
            ev = self.events[eid]
            case, path = self._decide(ev)
            ctx.analysis.reasons.append(f"重复内容（{dup_reason}），同 {orig}")
            return Decision(item, ctx.analysis, case, duplicate_of=orig, duplicate_reason=dup_reason,
                            route_path=path)
        a = ctx.analysis
        places = {p.name: p.unit for p in a.places} | {f: None for f in a.foreign_places}
        personal = not a.official and item.platform in self.rules.grouping.account_platforms
        assign = self.grouper.assign(item.id, item.published_at, ctx.norm.text, places,
                                     a.category, (item.author or item.source) if personal else None,
                                     negative=a.negative, title=ctx.norm.title, instruments=ctx.instruments,
                                     policy=a.about_policy,
                                     reply=a.official and item.platform in self.rules.citizen_channels,
                                     official=a.official)
        ev = self.events.get(assign.event_id)
        if ev is None:
            ev = self.events[assign.event_id] = EventState(assign.event_id)
        for gone in set(self.events) - set(self.grouper.events):
            del self.events[gone]   # the grouper forgot it: no more items can join
        ev.add(ItemRecord(item.id, item.published_at, item.source, a, item.metrics.interactions,
                          ctx.refuted_kinds, ctx.question, ctx.suggestion))
        self._item_event[item.id] = ev.id
        case, path = self._decide(ev)
        return Decision(item, a, case, grouping_reasons=assign.reasons, route_path=path, new_event=assign.new)
