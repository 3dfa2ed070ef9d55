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
from datetime import datetime, timedelta
from typing import Any

from pipeline.case import EventState, ItemRecord
from pipeline.dedup import Deduplicator, canonical_url, content_fingerprint, marks_of
from pipeline.events import EventGrouper, Tokeniser
from pipeline.normalise import Normalised, has_words, normalise
from pipeline.routing import Features, Router
from pipeline.stages import ALIASES, STAGES_BASE
from pipeline.severity import emergency_of, fact_meets, grade, handling_type
from yuqing.config import Config
from yuqing.config.rules import INCIDENT_CATEGORIES
from yuqing.model import LEVELS, Analysis, CaseState, ClockState, Item
from yuqing.timeutil import SHANGHAI, iso_local
from yuqing.vocab import EMERGENCY_CLOCKS

RESPONSE_CLOCK = "response"      # the 48-hour clock of every case that is not a major emergency

log = logging.getLogger("yuqing.pipeline")
FUTURE_TOLERANCE = timedelta(hours=24)     # clocks of crawled sites drift; a day ahead is an error
# `route` replays files whose stream has its own time (an archive, a labelled set): only an item far
# ahead of the stream, or of the wall clock for the first item, is odd there.
STREAM_FUTURE_TOLERANCE = timedelta(days=60)
# A replay's first item may be dated any time this century (a set written for 2037 on a machine of
# 2026): only an absurd year is an error there, and the stream's own times order the rest. (A bound
# relative to the wall clock made every item of a set dated further ahead "now", collapsing its time.)
REPLAY_LATEST_FIRST = datetime(2100, 1, 1, tzinfo=SHANGHAI)
PAST_TOLERANCE = timedelta(days=90)        # older than this relative to now: an archive, not news
GROUP_CN = {"children": "未成年人/学生", "elderly": "老人", "food": "食品安全", "medical": "医疗"}



def build_stages(config: Config, settings: dict, overrides: dict | None) -> list:
    """The stages in order: STAGES_BASE merged with STAGES (short names allowed; None disables;
    a new dotted path adds one). Each is built by `from_config`; NotConfigured leaves it out."""
    import importlib
    from yuqing.seams import NotConfigured

    order = dict(STAGES_BASE)
    for key, value in (overrides or {}).items():
        path = ALIASES.get(key, key)
        if path not in STAGES_BASE and ":" not in path:
            raise ValueError(f"STAGES: unknown stage {key!r}; a stage is a dotted path 'module:Class' "
                             f"or one of {sorted(ALIASES)}")
        order[path] = value
    built, off = [], [p for p, o in order.items() if o is None]
    for path, _ in sorted(((p, o) for p, o in order.items() if o is not None), key=lambda kv: kv[1]):
        module, _, cls = path.partition(":")
        try:
            stage_cls = getattr(importlib.import_module(module), cls)
        except (ImportError, AttributeError) as exc:
            raise ValueError(f"STAGES: cannot load {path!r}: {exc}") from exc
        try:
            built.append(stage_cls.from_config(config, settings))
        except NotConfigured as exc:
            off.append(f"{path} ({exc})")
    log.info("analysis stages enabled: %s; disabled: %s", [getattr(b, "name", type(b).__name__) for b in built],
             off or "none")
    return built


@dataclass
class ItemContext:
    item: Item
    norm: Normalised
    analysis: Analysis = field(default_factory=Analysis)
    refuted_kinds: set[str] = field(default_factory=set)
    question: bool = False
    suggestion: bool = False
    complaint: bool = False
    praise: bool = False
    notice: bool = False
    inquiry: bool = False        # a plain question asking for information (咨询 how, where, what)
    framed_inquiry: bool = False  # … that its title declares a consultation
    announcement: bool = False   # its title is a notice's (…公开征求意见的公告): it answers no letter
    reply: bool = False          # an official reply to someone (网友您好, 关注到您反映的…)
    incident: bool = False       # reports casualties, a fire, an explosion, a collapse …
    exercise: bool = False       # tells of a drill (开展…应急演练): what it acts out did not happen
    history: bool = False        # recounts history (据《梦粱录》记载): nothing it tells is now
    praise_title: bool = False   # its title thanks or praises (表扬：感谢…网格员)
    place_account: str | None = None   # the place an account named after it speaks for (九堡发布)
    instruments: set[str] = field(default_factory=set)
    sentiment_negative: bool = False
    reasons: list[str] = field(default_factory=list)


# what `place` reads of an ItemContext besides the analysis: carried with it between processes
_CTX_FLAGS = ("question", "suggestion", "complaint", "praise", "notice", "reply", "incident", "sentiment_negative",
              "exercise", "inquiry", "announcement")


def context_to_json(ctx: ItemContext) -> dict[str, Any]:
    """An analysed item as JSON (the analysed-items topic): exactly what grouping and routing need."""
    return {"item": ctx.item.model_dump(mode="json"), "analysis": ctx.analysis.model_dump(mode="json"),
            "norm": {"title": ctx.norm.title, "content": ctx.norm.content},
            "refuted_kinds": sorted(ctx.refuted_kinds), "instruments": sorted(ctx.instruments),
            **{k: getattr(ctx, k) for k in _CTX_FLAGS}}


def context_from_json(data: dict[str, Any]) -> ItemContext:
    a = Analysis.model_validate(data["analysis"])
    ctx = ItemContext(Item.model_validate(data["item"]), Normalised(data["norm"]["title"], data["norm"]["content"]),
                      analysis=a, refuted_kinds=set(data["refuted_kinds"]), instruments=set(data["instruments"]),
                      **{k: bool(data.get(k, False)) for k in _CTX_FLAGS})   # (flags added later default off)
    ctx.reasons = a.reasons          # one list, as analyse leaves it: place appends to both
    return ctx


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


def decision_to_json(dec: Decision, now: datetime) -> dict[str, Any]:
    """A routed decision as JSON (the decisions topic): what `record_decision` stores."""
    return {"item": dec.item.model_dump(mode="json"), "analysis": dec.analysis.model_dump(mode="json"),
            "case": dec.case.model_dump(mode="json"), "duplicate_of": dec.duplicate_of,
            "duplicate_reason": dec.duplicate_reason, "grouping_reasons": dec.grouping_reasons,
            "route_path": dec.route_path, "new_event": dec.new_event, "now": now.isoformat()}


def decision_from_json(data: dict[str, Any]) -> tuple[Decision, datetime]:
    dec = Decision(Item.model_validate(data["item"]), Analysis.model_validate(data["analysis"]),
                   CaseState.model_validate(data["case"]), duplicate_of=data.get("duplicate_of"),
                   duplicate_reason=data.get("duplicate_reason"), grouping_reasons=list(data["grouping_reasons"]),
                   route_path=list(data["route_path"]), new_event=bool(data["new_event"]))
    return dec, datetime.fromisoformat(data["now"])


class Engine:
    def __init__(self, config: Config, *, sentiment_model: str | None = None, stages: dict | None = None,
                 settings: dict | None = None, wall_clock=None):
        from yuqing.timeutil import SystemClock
        self.wall_clock = wall_clock or SystemClock()
        from yuqing.clocks.calendar import WorkCalendar
        from yuqing.clocks.due import ClockPolicy

        self.config = config
        d, r = config.district, config.rules
        self.district, self.rules = d, r
        settings = dict(settings or {})
        if sentiment_model:
            settings["SENTIMENT_MODEL"] = sentiment_model
        self.stages = build_stages(config, settings, stages)
        self.gazetteer = self._stage_attr("places", "gazetteer")
        self.clock_policy = config.get("clocks") or ClockPolicy.default()
        self.calendar = WorkCalendar.from_config(config.get("calendar")) if config.get("calendar") else WorkCalendar.default()
        self.router = Router(r.route, d)
        self._tokeniser = Tokeniser(list(d.place_index()) + sorted(d.unit_names()))
        self.reset()

    def _stage_attr(self, name: str, attr: str):
        for st in self.stages:
            if getattr(st, "name", None) == name:
                return getattr(st, attr)
        return None

    def new_grouper(self, grouping=None) -> EventGrouper:
        """A grouper of this district, with the configured grouping or another (fitting tries many)."""
        from pipeline.places import PlacesConfig
        home = self.gazetteer.cfg if self.gazetteer is not None else self.config.get("places") or PlacesConfig.load()
        grouping = grouping or self.rules.grouping
        return EventGrouper(grouping, self._tokeniser,
                            zones={z.name for z in self.district.zones},
                            units={s.name for s in self.district.streets},
                            not_names={self.district.district, *home.home_names, *home.home_prefixes,
                                       *grouping.occasions})

    def reset(self) -> None:
        """Forget all events (keeps the loaded models): each `rules test` case starts clean."""
        self.grouper = self.new_grouper()
        self.grouper.on_expire = self._forget_events
        self.dedup = Deduplicator()
        self.events: dict[str, EventState] = {}
        self._item_event: dict[str, str] = {}
        self._event_items: dict[str, list[str]] = {}
        self.dirty = False
        self.stream_time: datetime | None = None

    def analyse(self, item: Item) -> ItemContext:
        ctx = ItemContext(item, normalise(item.title, item.content))
        ctx.reasons += item.all_notes + ctx.norm.reasons
        if not has_words(ctx.norm.text):
            ctx.reasons.append("无可分析的文字（空白、仅表情或符号）：按中性处理")
            ctx.analysis.reasons = ctx.reasons
            return ctx
        for stage in self.stages:
            stage.process(ctx)
        a = ctx.analysis
        a.media_tier = self.district.media_tier(item.source)
        f = a.facts
        incident = any((f.deaths, f.injured, f.ill, f.gathering, f.trapped, f.evacuated, f.explosion, f.collapse))
        # negative = the item reports or expresses a problem (item-format.md); who speaks matters.
        if a.official:
            a.negative, why = False, "官方发布/回复，不计为负面"
        elif ctx.history:
            a.negative, why = False, "讲述历史往事，未反映当前问题，不计为负面"
        elif ctx.praise_title and not emergency_of(f, self.rules)[0]:
            # 表扬：…突发头晕，网格员及时送医: the thanks are the point, the trouble is their occasion
            a.negative, why = False, "标题为表扬、感谢，不计为负面"
        elif a.refutes and not (ctx.complaint and item.platform in self.rules.citizen_channels):
            # (a hotline record's handling may say 经核实: the caller's complaint is still a case)
            a.negative, why = False, "辟谣、核实信息，不计为负面"
        elif a.rumour:
            a.negative, why = True, "传播未经证实的消息，计为负面"
        elif incident:
            a.negative, why = True, "报道事故或伤亡等事实，计为负面"
        elif ctx.complaint:
            a.negative, why = True, "投诉、求助或反映问题，计为负面"
        elif ctx.exercise:
            # 突然警报响了，原来是消防演练: a drill told is no problem, however alarming its words
            a.negative, why = False, "演练、演习信息，未反映问题，不计为负面"
        elif ctx.inquiry and (ctx.framed_inquiry or not ctx.sentiment_negative):
            # a consultation in its title asks whatever its tone; a question elsewhere, if calm
            a.negative, why = False, "咨询办事信息，未反映问题，不计为负面"
        elif ctx.praise or ctx.notice:
            a.negative, why = False, ("肯定、感谢，未反映问题，不计为负面" if ctx.praise
                                      else "发布新服务、新举措等信息，未反映问题，不计为负面")
        else:
            a.negative = ctx.sentiment_negative
            why = "情感判断为负面" if a.negative else "情感判断为非负面"
        if a.official and a.rumour:
            a.rumour = False
        ctx.reasons.append(why)
        a.reasons = ctx.reasons
        # for grouping: an incident report (facts, or an accident or disaster told as a problem)
        ctx.incident = incident or (a.negative and a.category in INCIDENT_CATEGORIES and not ctx.complaint)
        return ctx

    # ------------------------------------------------------------------ event decision
    def _decide(self, ev: EventState) -> tuple[CaseState, list[str]]:
        d, r = self.district, self.rules
        facts, fact_notes = ev.facts()
        places = ev.places()
        foreign = ev.foreign_places()
        elsewhere = ev.elsewhere()
        # not ours when it is wholly about somewhere else; a district named (在上城一家…) keeps it ours
        # … and so is one whose only district-looking name is a person's (网红王南星直播翻车)
        ours = bool(places) or not (foreign or ev.person_only()) or (ev.home_named() and not elsewhere)
        negative = ev.negative
        harm = tuple(r.harm_categories)
        dflt, unless = r.harm_default_category, tuple(r.harm_default_unless)
        involved = ev.involved_categories(harm, dflt, unless)
        for inv in r.involve:
            if fact_meets(facts, inv.fact, inv.at_least) and inv.category not in involved:
                involved.append(inv.category)
        main = ev.main_category(harm, dflt, unless)
        special = [GROUP_CN.get(g, g) for g in ev.special_groups()]
        withdrawn = ev.refuted_rumour_only()
        if main in r.special_group_categories and main not in special and not withdrawn:
            special.append(main)          # a case about food, medical care, schools or old-age care
        if withdrawn and not ev.topic_withdrawn:
            # the level the claim's topic gave is withdrawn with it; heat and media keep theirs
            ev.topic_withdrawn = True
            ev.peak_level = LEVELS.index(grade(ours=ours, negative=negative, facts=facts, heat=ev.heat,
                                               media=ev.negative_media(), special=[], rules=r).level)
        g = grade(ours=ours, negative=negative, facts=facts, heat=ev.heat, media=ev.negative_media(),
                  special=special, rules=r, peak_level=ev.peak_level)
        reasons = fact_notes + g.reasons
        if ev.read_elsewhere():
            reasons.insert(0, "、".join(ev.read_elsewhere()) + "：本事件中已读作外地同名地点，不计为本区地点")
        case = CaseState(event_id=ev.id, severity=g.level, emergency=g.emergency, heat=ev.heat,
                         category=main, places=[p.name for p in places])
        if places:
            reasons.insert(0, "地点 " + "，".join(f"{p.name} → {p.unit}" for p in places))
        elif elsewhere:
            reasons.insert(0, f"事件发生在{'、'.join(elsewhere)}（提及外地，未提及本区或杭州；"
                              f"路名按外地同名道路理解），无本区地点")
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
                         categories=involved, rumour=ev.rumour(), emergency=g.emergency,
                         policy_owner=ev.policy_author())
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
        from yuqing.clocks.due import due
        start = ev.first_published
        # A major emergency: a statement in 5 h and a press conference in 24 h; every other case is
        # answered within 48 h (国办发〔2016〕61号), all from the event's earliest post.
        for kind in EMERGENCY_CLOCKS if g.emergency else (RESPONSE_CLOCK,):
            dd = due(kind, start, self.clock_policy, self.calendar)
            case.clocks.append(ClockState(kind=kind, starts_at=dd.starts_at, due_at=dd.due_at,
                                          provisional=dd.provisional, reason=dd.reason))
            reasons.append(dd.reason)
        case.reasons = reasons
        return case, rr.path

    # ------------------------------------------------------------------ public
    def process(self, item: Item, *, now: datetime | None = None) -> Decision:
        """Analyse an item, group it, decide its event's case. `now` is when it was received (the
        worker's clock; `route` uses the stream's own time). `dirty` stays set if this raises
        after the engine's state began to change: the worker then rebuilds it from the store."""
        return self.place(item, self.analyse(item), now=now)

    def place(self, item: Item, ctx: ItemContext, *, now: datetime | None = None) -> Decision:
        """The stateful half of `process`: group an analysed item and decide its event's case.
        `analyse` is stateless, so it may run in other processes (`yuqing worker --stage analyse`)."""
        self.dirty = True
        dec = self._place(item, ctx, now=now)
        self.dirty = False
        return dec

    def replay(self, item: Item, event_id: str, duplicate_of: str | None = None, *,
               now: datetime | None = None) -> Decision:
        """Re-add a stored item to its stored event (a restart continues with exactly the state it
        had: membership is not re-decided, so event ids cannot change)."""
        ctx = self.analyse(item)
        self.dirty = True
        dec = self._place(item, ctx, event_id=event_id, duplicate_of=duplicate_of, now=now)
        self.dirty = False
        return dec

    def effective_time(self, item: Item, now: datetime | None) -> tuple[datetime, str | None]:
        """The time an item counts from, and why it is not its own: a publish time far in the past
        or in the future is flagged and never starts or moves an event's clocks."""
        t, ref = item.published_at, now or self.stream_time
        wall = self.wall_clock.now()
        why = None
        # Live (a fetch time given): a day ahead of it is an error. A replay (route, explain) has
        # only its own times: an item far ahead of the stream so far is an error, but a stream may
        # lie wholly after this machine's clock (a set dated next year), so its first item is
        # checked against the wall clock only for absurd dates.
        if now is not None:
            ahead = now + FUTURE_TOLERANCE
        elif self.stream_time is not None:
            ahead = self.stream_time + STREAM_FUTURE_TOLERANCE
        else:
            ahead = REPLAY_LATEST_FIRST - timedelta(microseconds=1)
        if t.year < 2000:
            why = "发布时间早于2000年"
        elif t > ahead:
            why = "发布时间晚于当前时间"
        elif ref is not None and t < ref - PAST_TOLERANCE:
            why = f"发布时间早于当前{PAST_TOLERANCE.days}天以上"
        if why is None:
            if now is None and (self.stream_time is None or t > self.stream_time):
                self.stream_time = t
            return t, None
        use = ref or wall
        return use, f"{why}（{iso_local(t)}），视为异常：不用于事件时限，按{iso_local(use)}计"

    def _forget_events(self, gone: list[str]) -> None:
        """Expiry removes an event from every index at once: grouper, events, items, duplicates."""
        items: set[str] = set()
        for eid in gone:
            self.events.pop(eid, None)
            items.update(self._event_items.pop(eid, ()))
        for i in items:
            self._item_event.pop(i, None)
        self.dedup.forget(items)

    def _place(self, item: Item, ctx: ItemContext, *, event_id: str | None = None,
               duplicate_of: str | None = None, now: datetime | None = None) -> Decision:
        a = ctx.analysis
        when, odd = self.effective_time(item, now)
        if odd:
            a.reasons.append(odd)
        self.grouper.expire_due(when)         # before the duplicate check: an expired original is no original
        marks = marks_of(f"{item.title or ''}\n{item.content}", {p.name for p in a.places})
        if event_id is None:
            dup_reason, orig = self.dedup.check(item.id, item.url, item.title, item.content, marks=marks)
        else:
            dup_reason, orig = ("duplicate", duplicate_of) if duplicate_of else (None, None)
            if not duplicate_of:
                self.dedup.remember(item.id, canonical_url(item.url), content_fingerprint(item.title, item.content),
                                   title=item.title, content=item.content, marks=marks)
        orig_event = self._item_event.get(orig) if orig is not None else None
        if orig_event is not None and orig_event in self.events:
            ev = self.events[orig_event]
            case, path = self._decide(ev)
            a.reasons.append(f"重复内容（{dup_reason}），同 {orig}")
            return Decision(item, a, case, duplicate_of=orig, duplicate_reason=dup_reason, route_path=path)
        if orig is not None and event_id is None:
            # the original's event has expired: this is news again, and the original it repeats
            self.dedup.remember(item.id, canonical_url(item.url), content_fingerprint(item.title, item.content),
                                   title=item.title, content=item.content, marks=marks)
        places = {p.name: p.unit for p in a.places} | {f: None for f in a.foreign_places}
        personal = not a.official and item.platform in self.rules.grouping.account_platforms
        assign = self.grouper.assign(item.id, when, ctx.norm.text, places,
                                     a.category, (item.author or item.source) if personal else None,
                                     negative=a.negative, title=ctx.norm.title, instruments=ctx.instruments,
                                     policy=a.about_policy,
                                     reply=a.official and (ctx.reply or (item.platform in self.rules.citizen_channels
                                                                         and not ctx.announcement)),
                                     official=a.official, event_id=event_id, incident=ctx.incident,
                                     refutes=a.refutes, rumour=a.rumour,
                                     involved=set(a.categories),
                                     record=item.platform in self.rules.citizen_channels,
                                     handle=item.author or item.source,
                                     exercise=ctx.exercise, inquiry=ctx.inquiry and not a.negative,
                                     upbeat=not a.negative and (ctx.praise or a.sentiment >= self.rules.grouping.upbeat_sentiment),
                                     report=not personal and not a.official
                                     and item.platform not in self.rules.citizen_channels)
        ev = self.events.get(assign.event_id)
        if ev is None:
            ev = self.events[assign.event_id] = EventState(assign.event_id)
        ev.add(ItemRecord(item.id, when, item.source, a, item.metrics.interactions,
                          ctx.refuted_kinds, ctx.question, ctx.suggestion))
        self._item_event[item.id] = ev.id
        self._event_items.setdefault(ev.id, []).append(item.id)
        case, path = self._decide(ev)
        return Decision(item, a, case, grouping_reasons=assign.reasons, route_path=path, new_event=assign.new)
