"""The rules file: the routing tree (R1–R7) and the thresholds of the rulebook, as data.

The routing tree follows Prometheus Alertmanager's routes: the root names the default unit
and has no matcher; children are tried depth-first, left to right; the first match wins
unless it sets `continue: true`. Matchers use a fixed vocabulary of event features
(`MATCH_KEYS`); unit references are literal unit names or one of the resolvers in
`UNIT_REFS`, checked on load.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from yuqing.config.base import Strict, regexes




# Event features a route can match on (see pipeline/routing.py for how each is computed).
MATCH_KEYS = {
    "about_policy": "the event is about a district policy, decision or measure itself (R1)",
    "place_scope": "none | one_zone | one_street | several: where the event's district places lie",
    "has_category": "the event has a main category",
    "category_owners": "one | several: how many different owners its involved categories have",
    "rumour": "the event spreads or is about a rumour",
    "emergency": "the event is an emergency",
    "main_category": "the event's main category is one of the listed",
}
# Unit resolvers usable in first_responsible / co_responsible / refer_to.
UNIT_REFS = {
    "owner_of_main_category": "the department that owns the main category",
    "policy_owner": "the department that drafted or issued the measure, else the main category's owner",
    "place_unit": "the street or zone of the event's places (one_zone / one_street)",
    "place_units": "every street or zone the event's places lie in",
    "owners_of_categories": "the owner of every category involved",
    "owners_of_other_categories": "the owners of the involved categories other than the main one",
}


class Match(Strict):
    about_policy: bool | None = None
    place_scope: Literal["none", "one_zone", "one_street", "several"] | None = None
    has_category: bool | None = None
    category_owners: Literal["one", "several"] | None = None
    rumour: bool | None = None
    emergency: bool | None = None
    main_category: list[str] | None = None


class Route(Strict):
    rule: str                                   # the id shown in decisions (R1 … R7, rumour …)
    description: str = ""
    match: Match | None = None
    first_responsible: str | None = None        # a unit name or a resolver from UNIT_REFS
    co_responsible: list[str] = Field(default_factory=list)
    refer_to: list[str] = Field(default_factory=list)
    continue_: bool = Field(False, alias="continue")
    routes: list["Route"] = Field(default_factory=list)


class Threshold(Strict):
    fact: Literal["deaths", "injured", "ill", "gathering", "trapped", "evacuated", "explosion", "collapse"]
    at_least: int = Field(1, ge=1)     # 0 would make every item an emergency
    label: str = ""


class SeverityWhen(Strict):
    emergency: bool | None = None
    negative: bool | None = None
    deaths_at_least: int | None = Field(None, ge=1)
    heat_at_least: int | None = Field(None, ge=1)
    media_tier_in: list[Literal["central", "provincial"]] | None = None
    special_group: bool | None = None


class SeverityRule(Strict):
    level: Literal["一般", "较大", "重大", "特别重大"]
    when: SeverityWhen
    label: str


class Involve(Strict):
    """Extra categories an event involves because of its facts (e.g. a gathering → 社会治安)."""
    fact: Literal["deaths", "injured", "ill", "gathering", "trapped", "evacuated", "explosion", "collapse"]
    at_least: int = Field(1, ge=1)
    category: str
    label: str = ""


class HandlingRule(Strict):
    type: Literal["建设性意见建议", "实际困难", "重大问题", "模糊认识", "错误看法", "虚假不实信息"]
    when: dict[str, bool | str | list[str]] = Field(default_factory=dict)
    label: str = ""


INCIDENT_CATEGORIES = ("安全生产与事故", "自然灾害")


class GroupingWeights(Strict):
    """The evidence of the grouping score, each a weight (pipeline/events.py explains each)."""
    title: float = 0.40             # a reply repeats the title of the letter it answers
    name_per_char: float = 0.10     # a quoted name shared (a firm, a shop): per character, up to name_max
    name_max: float = 0.50
    policy: float = 0.25            # talks about the scheme the event's notice announced
    policy_react_text: float = 0.20  # … criticism of a scheme joins its notice with this much text in common
    policy_apart: float = -0.35     # the policy itself and its carrying out at one place: two matters
    policy_apart_text: float = 0.30  # … unless the texts are this alike
    core_place: float = 0.30        # a place the event is about (named by a good share of its items)
    other_place: float = 0.12       # a place the event mentioned in passing
    foreign_place: float = 0.10     # a shared place outside the district (often a whole city)
    zone: float = 0.20              # the same small area (a station square, a fund town)
    official_street: float = 0.15   # a statement names the street it answers for
    place_mismatch: float = -0.60   # places of different streets, none shared: another matter
    conflict_text_cap: float = 0.25  # … where text likeness counts at most this much (templates)
    category: float = 0.10
    category_mismatch: float = -0.05   # another subject than the event's
    tone_mismatch: float = -0.10    # another subject and another tone
    kind_mismatch: float = -0.15    # an incident report and a complaint about something else
    incident_after_news: float = -0.25  # an incident is no follow-up of good news or a notice (送清凉 ~ a death)
    good_news_after_case: float = -0.25  # good news on another subject is no follow-up of a problem
    inquiry_at_incident: float = -0.60  # a consultation is no follow-up of an incident
    account: float = 0.20
    followup: float = 0.50          # a short follow-up by the same person
    mention: float = 0.30           # an @reply to someone in the event
    repost: float = 0.50            # a repost chain (//@X:) carrying the post of someone in the event
    refutes_rumour: float = 0.30    # an official refutation of what a rumour event claims
    refutes_other: float = -0.40    # a refutation whose quoted claim is another rumour's
    claim_min: float = 0.15         # … its claim sharing less than this with the event
    reply_category: float = 0.15    # an official reply on the event's subject (with some words in common)
    record_answer: float = 0.10     # … and a handling record's, when the event holds a citizen-channel request
    untroubled_text: float = 0.20   # a person's untroubled post at a complaint's place joins it only this alike
    statement_incident: float = 0.15  # an official statement, naming no place, on an incident of the event's kind
    entity_mismatch: float = -0.30  # about another kind of place (a school, a nursing home, a gym)
    concept: float = 0.15           # per shared concept (起火 ~ 着火 ~ 火灾), up to concept_max
    concept_max: float = 0.30
    incident_concept: float = 0.15  # and more when both report an incident of that kind within incident_hours
    incident_reference: float = 0.30  # 昨晚那场火: an item pointing back at an incident of its place
    disowned: float = -0.40         # 不是前几天出事的那个: the item says it is not that incident
    incident_hours: float = 6.0
    back_reference: float = 0.15    # says it is about a matter already raised (昨天网上说的那家…)
    date_name: float = 0.30         # names the incident by the date the event began (“12·16”事故)
    concept_mismatch: float = -0.15  # both tell what happened, and it is not the same thing
    place_words: float = 1.0        # a place name's share of text likeness (the place counts again as a place)
    no_topic: float = -0.45         # nothing in common but the place: another matter at the same spot
    topic_min: float = 0.05         # the likeness of words other than places below which nothing is shared
    continuation: float = 0.60      # a reply with no place of its own opening 同一家！/我们家也是 …
    continuation_hours: float = 48.0  # … continues a recent complaint, less the older that is


class Grouping(Strict):
    """Event grouping: what makes two items one incident (pipeline/events.py)."""
    weights: GroupingWeights = Field(default_factory=GroupingWeights)
    event_keywords: int = 120            # an event is compared by at most this many words: its growth
                                        # never lowers the bar for the next item
    core_place_share: float = 0.25      # a place named by this share of an event's items is its core
    word_share: float = 0.25            # a word counts fully when this share of the event's items say it
    # Words that name one thing in many ways (打架 ~ 斗殴 ~ 扭打): concept → words. Two posts
    # about one fight rarely share the word, but share the concept.
    concepts: dict[str, list[str]] = Field(default_factory=dict)
    # phrases that hold a concept's word but not its matter (消防通道 is no fire), read past
    concept_blind: list[str] = Field(default_factory=list)
    # Concepts that name what happens in an incident (fire, collapse …): a post with no place that
    # tells one of them soon after such an incident is most likely its scene told again.
    incident_concepts: list[str] = Field(default_factory=list)
    # Kinds of place an item is about (a school, a nursing home, a gym): two items about different
    # kinds of place are two matters, whatever words they share. kind → words.
    entities: dict[str, list[str]] = Field(default_factory=dict)
    # Categories whose events cover many streets at once (a storm): places of different streets
    # are no evidence against joining.
    widespread_categories: list[str] = Field(default_factory=lambda: ["自然灾害"])
    weatherless_concepts: list[str] = Field(default_factory=list)   # what no storm brings (poisoning)
    soft_concepts: list[str] = Field(default_factory=list)   # how a matter is raised (a banner), never a mismatch
    account_platforms: list[str] = Field(default_factory=lambda: ["weibo", "video", "forum", "wechat"])
    window_hours: float = 504           # candidate events: last item within this many hours
    join_threshold: float = 0.30        # combined score needed to join right away
    gap_weight: float = 0.15            # + this × log2(1 + days since the event's last item)
    keywords: int = 12                  # an item is compared by its most distinctive words
    max_candidates: int = 50
    max_shingle_events: int = 60        # words shared by more recent events than this are ignored
    max_account_events: int = 5         # an account in more events than this is generic
    boilerplate: list[str] = Field(default_factory=list)   # never keywords (情况通报, 我局 …)
    # Occasions (双十一, 国庆, 开学第一天): quoted or tagged by many, they date a post but name no
    # matter, so two posts that share one are not one event for that.
    occasions: list[str] = Field(default_factory=list)
    # Openings that refer back to a post just read (同一家！ 我们家也是 +1): regular expressions.
    continuation_cues: list[str] = Field(default_factory=list)
    # A person's news of their own matter (更新：… 第三天了 修好啦): their follow-up, whatever its words.
    update_cues: list[str] = Field(default_factory=list)
    # A report on a problem (建议, 反映, 整改): no plain good news, however warm its tone.
    case_talk_cues: list[str] = Field(default_factory=list)
    # Saying it is the same one (也是同一家配餐公司, 同一个地铁工程): one matter across two streets.
    sameness_cues: list[str] = Field(default_factory=list)
    # A report of what is happening now (刚刚一声巨响, 正在冒烟) is a new incident when the event's first
    # report is more than `fresh_hours` old: an event fed every day must not take next week's fire.
    fresh_cues: list[str] = Field(default_factory=list)
    fresh_hours: float = 12.0
    # A measure that says it answers an incident (针对…暴露出的问题, 事故发生后) belongs to it.
    incident_reference_cues: list[str] = Field(default_factory=list)
    disowning_cues: list[str] = Field(default_factory=list)   # (不是前几天出事的那个: another one)
    # An official text that opens by saying it explains a matter (关于…情况的说明) answers the
    # complaints on its subject as a reply does.
    statement_cues: list[str] = Field(default_factory=list)
    # A hotline's or a board's callback record (回访：来电人确认…) answers an earlier request, as a
    # reply does: time does not raise the bar for it.
    callback_cues: list[str] = Field(default_factory=list)
    # An item that says it is about a matter already raised (昨天网上说的那家面馆, 还是那个…的问题,
    # 昨晚电梯困人的那栋楼) continues it: time does not raise the bar for it either.
    back_reference_cues: list[str] = Field(default_factory=list)
    # … and a matter counted in days (停办第二天), from an item naming no place of its own
    day_count_cues: list[str] = Field(default_factory=list)
    # A person's post that praises, or reads this positive, is cheerful: beside a complaint at its place
    # it is no follow-up unless it shares the matter (weights.untroubled_text)
    upbeat_sentiment: float = 0.9
    # … of which those that tell the handling (【办理结果】, 回访：): their own subject is the handling
    handled_cues: list[str] = Field(default_factory=list)
    # An authority's notice of what is coming (…将于本周日开走, 届时部分道路临时管制) answers no
    # complaint at its place unless it says so (weights.good_news_after_case)
    announcement_cues: list[str] = Field(default_factory=list)

    @field_validator("continuation_cues", "update_cues", "sameness_cues", "incident_reference_cues", "disowning_cues", "fresh_cues",
                     "statement_cues", "callback_cues", "back_reference_cues", "handled_cues", "announcement_cues",
                     "day_count_cues")
    @classmethod
    def _cue_regexes(cls, v: list[str]) -> list[str]:
        return regexes(v)

    @model_validator(mode="after")
    def _incident_concepts_known(self) -> "Grouping":
        unknown = [c for c in (*self.incident_concepts, *self.weatherless_concepts, *self.soft_concepts)
                   if c not in self.concepts]
        if unknown:
            raise ValueError(f"incident/weatherless/soft concepts: {', '.join(unknown)} not among the concepts ({', '.join(self.concepts)})")
        return self


class Rules(Strict):
    version: int = 1
    route: Route
    emergency_any_of: list[Threshold]
    severity: list[SeverityRule]
    involve: list[Involve] = Field(default_factory=list)
    # When people are hurt, killed or trapped, or something explodes or collapses, the event is
    # about the incident: the best-voted of these categories among its items' leads.
    harm_categories: list[str] = Field(default_factory=list)
    # … and when none of them is named, an emergency's harm (a death, three hurt, people trapped, an
    # explosion, a collapse) is an accident of this category, unless the harm is of one of
    # `harm_default_unless` (a food poisoning is 食品药品安全's).
    harm_default_category: str | None = None
    harm_default_unless: list[str] = Field(default_factory=list)
    special_group_categories: list[str] = Field(default_factory=list)   # a negative case in these is 较大
    handling: list[HandlingRule] = Field(default_factory=list)
    policy_cues: dict[str, list[str]] = Field(default_factory=dict)   # actors, instruments, acts (regexes)
    citizen_channels: list[str] = Field(default_factory=list)     # platforms whose source name is no voice
    official_sources: list[str] = Field(default_factory=list)
    official_authors: list[str] = Field(default_factory=list)   # a signature that is an agency's name
    official_cues: list[str] = Field(default_factory=list)
    complaint_cues: list[str] = Field(default_factory=list)        # complaints and requests for help (regexes)
    channel_complaint_cues: list[str] = Field(default_factory=list)   # also complaints on citizen channels
    # A problem stated and something asked of someone is a complaint, however calmly put; a
    # request for help is one by itself; praise and a plain announcement are not problems.
    problem_cues: list[str] = Field(default_factory=list)
    request_cues: list[str] = Field(default_factory=list)
    help_cues: list[str] = Field(default_factory=list)
    praise_cues: list[str] = Field(default_factory=list)
    praise_titles: list[str] = Field(default_factory=list)          # a title that thanks or praises
    notice_cues: list[str] = Field(default_factory=list)
    reply_cues: list[str] = Field(default_factory=list)            # an official answer to someone
    announcement_titles: list[str] = Field(default_factory=list)   # a board's own notice, no reply
    inquiry_cues: list[str] = Field(default_factory=list)          # a plain question asking for information
    inquiry_declarations: list[str] = Field(default_factory=list)  # … that a record's own fields declare
    petition_cues: list[str] = Field(default_factory=list)         # a suggestion or request put to the government
    resolved_titles: list[str] = Field(default_factory=list)       # a report's title says the problem was settled
    inquiry_blockers: list[str] = Field(default_factory=list)      # a consultation that says it waited or was refused
    irony_cues: list[str] = Field(default_factory=list)            # praise that, beside a problem, is sarcasm
    # marks that make a person's praise sarcasm by themselves ([微笑] on Weibo is a sneer)
    sarcasm_marks: list[str] = Field(default_factory=list)
    handling_result_markers: list[str] = Field(default_factory=list)   # a hotline record's handling part
    personal_sources: list[str] = Field(default_factory=list)      # platforms people post on as themselves
    # After one of these the point is made (谢谢关心，但是这家公司必须换掉): praise before it is no praise.
    contrast_cues: list[str] = Field(default_factory=list)
    handling_cues: dict[str, list[str]] = Field(default_factory=dict)   # question, suggestion (regexes)
    grouping: Grouping = Field(default_factory=Grouping)

    @model_validator(mode="after")
    def _root_is_default(self) -> "Rules":
        r = self.route
        if r.match is not None:
            raise ValueError("route (root): the root route must not have a match: every event lands somewhere")
        if r.continue_:
            raise ValueError("route (root): the root route must not set continue")
        if not r.first_responsible:
            raise ValueError("route (root): the root route must name a default first_responsible unit")
        return self

    @field_validator("policy_cues", "official_sources", "official_authors", "official_cues", "complaint_cues", "channel_complaint_cues",
                     "handling_cues", "problem_cues", "request_cues", "help_cues", "praise_cues", "notice_cues",
                     "reply_cues", "contrast_cues", "inquiry_cues", "inquiry_declarations", "petition_cues", "resolved_titles", "irony_cues", "sarcasm_marks", "inquiry_blockers", "announcement_titles", "handling_result_markers")
    @classmethod
    def _regexes_compile(cls, v):
        return regexes(v)

    @field_validator("severity")
    @classmethod
    def _nonempty(cls, v: list[SeverityRule]) -> list[SeverityRule]:
        if not v:
            raise ValueError("at least one severity rule is required")
        # A higher level needs more: heat (and deaths) thresholds rise with the level, or a level
        # could never be reached, or every small complaint would reach the top one.
        from yuqing.vocab import level_rank
        for key in ("heat_at_least", "deaths_at_least"):
            seen = sorted(((level_rank(r.level), getattr(r.when, key), r.level) for r in v
                           if getattr(r.when, key) is not None))
            for (ra, a, la), (rb, b, lb) in zip(seen, seen[1:]):
                if rb > ra and b <= a:
                    raise ValueError(f"severity: {key} of {lb} ({b}) must be above that of {la} ({a})")
        return v


Route.model_rebuild()


def walk_routes(route: Route, path: str = "root"):
    """Yield (path id, route) depth-first: stable ids used in logs, decisions and `rules show`."""
    yield path, route
    for i, child in enumerate(route.routes):
        yield from walk_routes(child, f"{path}/{i}:{child.rule}")
