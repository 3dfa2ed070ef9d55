"""Group items into events: one incident, across platforms and over hours.

An item joins the recent event it resembles most, or starts a new one. Resemblance combines
- text: the share of the item's word weight (jieba words, weighted by jieba's IDF table) that
  the event's text also has, so a short post ("望江路又淹了") can join a long thread;
- places: a shared place helps (also one outside the district), places of different units hurt;
- category: the same main category helps, a different one hurts;
- the account: a second post by the same person within days helps, and so does a reply that
  @mentions someone in the event.
The score needed grows with the time since the event's last item, so a festival's items
days apart can join while two look-alike complaints a week apart stay apart.

Cost does not grow with history: only events active within `window_hours` are kept, and only
candidates reached through an inverted index (rare words, places, account) are scored.
"""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import jieba

from yuqing.config.base import any_of
from yuqing.config.rules import Grouping
from yuqing.timeutil import SHANGHAI

from pipeline.facts import QUOTED_CLAIM as _CLAIM   # what a refutation quotes as the rumour
from pipeline.voice import USER_LABEL as _USER_LABEL   # a platform's label, no one person

jieba.setLogLevel(60)
_WORD = re.compile(r"^[\u4e00-\u9fff]{2,}$|^[A-Za-z][A-Za-z0-9]{2,}$")
_MAX_W = 12.0
# An incident named by its date, as officials name them: “12·16”交通事故, 7·23事件
# “12·16”事故, “1·12”仓储用房火灾: an incident named by its date (a few words may come between)
_DATE_NAME = re.compile(r"(\d{1,2})\s*[·・]\s*(\d{1,2})[”\"」』]?\s*[^，。！？、\s“”\"]{0,8}?(?:事故|事件|火灾|火情|险情|爆炸|案|中毒|坍塌|泄漏)")
# (关于6月18日地下车库进水事件整改情况的公告: a notice that names what it answers by its day)
_DATE_ABOUT = re.compile(r"(?:针对|关于|就|对于|围绕)\s*(\d{1,2})月(\d{1,2})日[^，。！？、\s“”\"]{0,10}?(?:事故|事件|火灾|火情|险情|爆炸|案|中毒|坍塌|泄漏)")
# (10月3日下午那起商铺火情, 3日山林火情原因查明, 15日凌晨那场火灾中离世的老人: an incident of its kind
# named by the day it happened; a fresh report, 5日发生一起…事故, names none)
_DAY_INCIDENT = re.compile(r"(?:(\d{1,2})月)?(\d{1,2})日(?:凌晨|上午|中午|下午|傍晚|晚上|晚间|夜间|夜里|早上|早晨|晚)?"
                           r"(那起|那场|那次|发生的|的)?([^，。！？、\s]{0,10}?)(?:事故|事件|火灾|火情|险情|爆炸|爆燃|案件|中毒|坍塌|泄漏|车祸)")
_FRESH_REPORT = re.compile(r"一(?:起|场|辆|名|处|家)|发生")
_DATED = re.compile(r"(\d{1,2})月(\d{1,2})日")
_TICKET = re.compile(r"(?:工单编号|工单号|受理编号)\s*[:：]?\s*([A-Za-z0-9][A-Za-z0-9-]{7,})")
# (a schedule from today on, 5月24日至31日每晚, 6月1日起, names no day that something happened)
# (已于12月22日支付, 将于…: the day something was done or is due)
_ACTED_ON = re.compile(r"(?:已于|将于)$")
_SPAN_ON = re.compile(r"\s*(?:至|到|起|—|-|~|－|～)")
_MENTION = re.compile(r"@([^\s@:：，,]{2,30})")
# A name in quotation marks (a firm, a shop, a product, a scheme) identifies an incident.
_QUOTED = re.compile(r"[“「\"『]([^”」\"』，。！？\s]{2,12})[”」\"』]|#([^#\s]{2,20})#")
# What a reply adds around the title it answers: 答复：X, 回复：X, 关于X的回复.
_REPLY = re.compile(r"^(?:答复|回复|Re)[:：]\s*|^关于|(?:问题)?(?:的)?(?:回复|答复|情况说明|说明)$")


def _area_beside_spot(p: str, q: str, mine: dict[str, str | None], theirs: dict[str, str | None]) -> bool:
    """Whether the shorter of two nested names is only the area a street is named after (九堡 of
    九堡街道), said beside a spot of its own (杭海路九堡段): 九堡 then says where that spot lies, not
    that it is the other side's 九堡客运中心."""
    short, side, long = (p, mine, q) if len(p) <= len(q) else (q, theirs, p)
    unit = side.get(short)
    if not unit or not unit.startswith(short) or unit.startswith(long):
        return False            # (采荷 and 采荷街道: one area named more or less fully)
    return any(u and n != short and not u.startswith(n) for n, u in side.items())


def title_core(title: str) -> str:
    """The subject of a title, without a reply's wrapping; '' when too short to identify."""
    core = _REPLY.sub("", _REPLY.sub("", title.strip()))
    core = re.sub(r"[，。！？、\s]+", "", core)
    return core if len(core) >= 6 else ""


def quoted_names(text: str) -> set[str]:
    """Names in quotation marks or hashtags; “撤桶并点、定时定点” gives both parts."""
    out: set[str] = set()
    for quoted, tag in _QUOTED.findall(text[:4000]):
        for part in re.split(r"[、/]", quoted or tag):
            if len(part) >= 2:
                out.add(part)
    return out


@lru_cache(maxsize=1)
def _idf_table() -> tuple[dict[str, float], float]:
    path = Path(jieba.__file__).parent / "analyse" / "idf.txt"
    table: dict[str, float] = {}
    with path.open(encoding="utf-8") as f:
        for line in f:
            word, _, val = line.rstrip("\n").partition(" ")
            if val:
                table[word] = float(val)
    values = sorted(table.values())
    return table, values[len(values) // 2]


class Tokeniser:
    """Words with weights; the district's place and unit names are kept whole."""

    def __init__(self, extra_words: list[str] = ()):
        self.idf, self.median = _idf_table()
        self.extra_words = list(extra_words)
        for w in extra_words:
            jieba.add_word(w, freq=2000)

    def weights(self, text: str, cap: int = 4000) -> dict[str, float]:
        """word → idf (unknown words, such as names of firms and products, count as distinctive)."""
        return {w: wt for w, (wt, _) in self.counted(text, cap).items()}

    def counted(self, text: str, cap: int = 4000) -> dict[str, tuple[float, int]]:
        out: dict[str, tuple[float, int]] = {}
        for w in jieba.lcut(text[:cap]):
            if _WORD.match(w):
                wt, n = out.get(w, (min(self.idf.get(w, self.median * 1.15), _MAX_W), 0))
                out[w] = (wt, n + 1)
        return out


@dataclass
class Sketch:
    """What the grouper remembers of an event: a bounded picture of it, so that an event that grows
    does not come to resemble everything (its words are its most telling `event_keywords`)."""
    id: str
    first: datetime
    last: datetime
    words: dict[str, float] = field(default_factory=dict)           # its vocabulary now (bounded)
    acc: dict[str, float] = field(default_factory=dict)             # accumulated word weight (pruned)
    word_items: Counter = field(default_factory=Counter)            # how many of its items say each word
    places: dict[str, str | None] = field(default_factory=dict)   # name → unit (None: elsewhere)
    place_counts: Counter = field(default_factory=Counter)
    spots: set[str] = field(default_factory=set)        # named spots (not a street's own name)
    size: int = 0
    incident: bool = False      # an item reports an incident (casualties, fire, explosion …)
    rumour: bool = False
    concepts: Counter = field(default_factory=Counter)
    entities: Counter = field(default_factory=Counter)
    categories: Counter = field(default_factory=Counter)
    involved: set[str] = field(default_factory=set)     # every category its items touched
    accounts: set[str] = field(default_factory=set)
    bigrams: set[str] = field(default_factory=set)
    titles: set[str] = field(default_factory=set)       # title cores of its items
    policy: set[str] = field(default_factory=set)       # instruments of its policy items (方案, 通告 …)
    names: set[str] = field(default_factory=set)        # quoted names in its items
    negative: bool = False
    announced: bool = False     # an official item that is no reply (a notice, a scheme) is in it
    policy_items: int = 0       # items about a district policy itself
    drills: int = 0             # items telling of a drill (开展…应急演练)
    records: int = 0            # items from a citizen channel (a hotline record, a board letter)
    inquiries: int = 0          # plain consultations (how do I apply …)

    @property
    def about_policy(self) -> bool:
        return self.policy_items * 2 > self.size

    @property
    def category(self) -> str | None:
        return self.categories.most_common(1)[0][0] if self.categories else None

    def dominant(self, counts: Counter, share: float = 1 / 3) -> set[str]:
        """What most of the event is about: a share of its items, or the most frequent one."""
        # every one tied at the top: the counts come from sets, whose order changes from run to run,
        # so most_common(1) would pick a different one in a replay
        most = max(counts.values(), default=0)
        top = {k for k, n in counts.items() if n == most and n > 0}
        return {k for k, n in counts.items() if n >= share * max(self.size, 1)} | top

    def core_places(self, share: float) -> set[str]:
        """The places the event is about: named by a good share of its items, or its top three."""
        top = {p for p, _ in self.place_counts.most_common(3)}
        return {p for p, n in self.place_counts.items() if n >= share * max(self.size, 1)} | top


@dataclass
class Assignment:
    event_id: str
    new: bool
    score: float
    reasons: list[str]


class EventGrouper:
    def __init__(self, cfg: Grouping, tokeniser: Tokeniser, not_names: set[str] = frozenset(),
                 zones: set[str] = frozenset(), units: set[str] = frozenset()):
        self.cfg = cfg
        self.tok = tokeniser
        # Places and units are weighed as places, never as names ("#上城区#" names no incident).
        self.not_names = set(not_names) | set(tokeniser.extra_words)
        self.zones = set(zones)    # a zone is small: two of its places are evidence; a street is not
        self.tok_units = set(units) | set(zones)   # a street's own name is no spot within it
        self._boilerplate = set(cfg.boilerplate)
        self._placewords = set(tokeniser.extra_words)
        self._concepts = [(c, tuple(ws)) for c, ws in cfg.concepts.items()]
        self._entities = [(c, tuple(ws)) for c, ws in cfg.entities.items()]
        self._widespread = set(cfg.widespread_categories)
        self._weatherless = set(cfg.weatherless_concepts)
        self._soft = set(cfg.soft_concepts)
        self._update = any_of(cfg.update_cues)
        self._refers = any_of(cfg.incident_reference_cues)
        self._disowning = any_of(cfg.disowning_cues)
        self._statement = any_of(cfg.statement_cues)
        self._announcement = any_of(cfg.announcement_cues)
        self._fresh = any_of(cfg.fresh_cues)
        self._sameness = any_of(cfg.sameness_cues)
        self._callback = any_of(cfg.callback_cues)
        self._backref = any_of(cfg.back_reference_cues)
        self._day_count = any_of(cfg.day_count_cues)
        self._handling = any_of(cfg.handled_cues)
        self._continuation = any_of(cfg.continuation_cues)
        self._case_talk = any_of(cfg.case_talk_cues)
        self.events: dict[str, Sketch] = {}
        self._by_word: dict[str, set[str]] = defaultdict(set)
        self._by_place: dict[str, set[str]] = defaultdict(set)
        self._by_unit: dict[str, set[str]] = defaultdict(set)
        self._by_account: dict[str, set[str]] = defaultdict(set)
        # the event each named author (an official account too) last wrote in: 回复@平安上城 answers that post
        self._last_by_handle: dict[str, str] = {}
        self._by_concept: dict[str, set[str]] = defaultdict(set)
        self._expired_at: datetime | None = None
        self._names: dict[str, set[str]] = defaultdict(set)   # first two characters → quoted names seen
        self.on_expire = None     # called with the ids of events forgotten (the engine drops them too)

    def concepts_of(self, text: str) -> set[str]:
        t = text[:4000]
        for w in self.cfg.concept_blind:
            t = t.replace(w, "、")
        return {c for c, ws in self._concepts if any(w in t for w in ws)}

    def entities_of(self, text: str) -> set[str]:
        t = text[:4000]
        return {c for c, ws in self._entities if any(w in t for w in ws)}

    # ---- scoring ----
    def keywords(self, text: str, counted: dict | None = None, title: str = "") -> dict[str, float]:
        """The item's most telling words (tf·idf), so long articles and short posts compare alike.
        Words of the title count as if said twice more: a headline names the subject."""
        counted = self.tok.counted(text) if counted is None else counted
        in_title = set(self.tok.counted(title)) if title else set()
        top = sorted(((w, v) for w, v in counted.items() if w not in self._boilerplate),
                     key=lambda kv: -kv[1][0] * (1 + math.log(kv[1][1] + 2 * (kv[0] in in_title))))
        f = self.cfg.weights.place_words
        return {w: wt * (f if w in self._placewords else 1.0) for w, (wt, _) in top[: self.cfg.keywords]}

    @staticmethod
    def _pairs(words: dict[str, float]) -> dict[str, list[str]]:
        """Each word's character pairs, for partial matches (渣土 ~ 渣土车, 气味 ~ 煤气味)."""
        return {w: [w[i:i + 2] for i in range(len(w) - 1)] for w in words}

    def _account_counts(self, account: str | None) -> bool:
        """A generic account name ('微博用户') shared by many threads says nothing."""
        return bool(account) and len(self._by_account.get(account, ())) <= self.cfg.max_account_events

    def _likeness(self, e: Sketch, words: dict[str, float], pairs: dict[str, list[str]],
                  total: float) -> tuple[float, float]:
        """The share of the words' weight the event also has; and that share without place names."""
        hit = 0.0
        # A word counts by how much of the event uses it: one said by a single item of a large event
        # is no likeness to the event (its growth must not lower the bar for the next item).
        spread = max(1.0, self.cfg.word_share * e.size)
        topic = 0.0       # what is shared besides place names
        for w, wt in words.items():
            got = 0.0
            if w in e.words:
                got = wt * min(1.0, e.word_items.get(w, 1) / spread)
            elif pairs[w]:
                got = 0.7 * wt * sum(p in e.bigrams for p in pairs[w]) / len(pairs[w])
            hit += got
            if w not in self._placewords:
                topic += got
        return hit / total, topic / total

    def _score(self, e: Sketch, words: dict[str, float], places: dict[str, str | None], category: str | None,
               account: str | None, text: str, when: datetime, negative: bool = False,
               pairs: dict[str, list[str]] | None = None, core: str = "",
               names: set[str] = frozenset(), instruments: set[str] = frozenset(),
               reply: bool = False, official: bool = False, incident: bool = False,
               refutes: bool = False, concepts: set[str] = frozenset(),
               entities: set[str] = frozenset(), continues: bool = False,
               involved: set[str] = frozenset(), updates: bool = False,
               policy: bool = False, record: bool = False, said_same: bool = False,
               claim: dict[str, float] | None = None, fresh: bool = False,
               refers: bool = False, good_news: bool = False,
               exercise: bool = False, inquiry: bool = False,
               backref: bool = False, upbeat: bool = False,
               disowns: bool = False) -> tuple[float, float, list[str]]:
        W = self.cfg.weights
        veto = False
        pairs = self._pairs(words) if pairs is None else pairs
        total = sum(words.values()) or 1.0
        sim, topic = self._likeness(e, words, pairs, total)
        score, why = sim, [f"文本相似 {sim:.2f}"]
        same_title = bool(core) and any(core in t or t in core for t in e.titles)
        title_at = len(why)
        shared_names = names & e.names
        if shared_names:
            # the longer the name, the likelier it is one firm or product: 茶沐 0.3 … 鑫盛财富 0.5
            score += min(W.name_max, W.name_per_char * max(len(n) for n in shared_names) + W.name_per_char)
            why.append("同名 " + "、".join(sorted(shared_names)))
        main_categories = e.dominant(e.categories)
        # A callback record tells how a request was handled (办理, 检查, 补发): its own subject reads
        # as 政务服务 whatever it answers, and its tone always differs; so the words it shares count,
        # not its category. One that says it is about a matter already raised (昨天网上说的那家面馆)
        # is read the same way.
        callback = record and not reply and bool(self._callback and self._callback.search(text[:80]))
        # (a repeat complaint, 上个月反映的事到现在还没有下文, is read by its own subject: it has one)
        handled = callback and bool(self._handling and self._handling.search(text[:80]))
        # (出事的那个亲水平台…没护栏: a post pointing back at the incident is about it, whatever its subject)
        answers = handled or backref or (refers and e.incident)
        shared_policy = instruments & e.policy
        # The policy itself and its carrying out at one place are two matters (district-rules §7): a
        # payment not made in one compound does not join the debate on the scheme, nor the reverse.
        # (A letter or call names the spot it is about; a post may name the street a scheme names.)
        spot = any(places.values()) and (record or not set(places) & set(e.places))
        # (a hotline record about one compound's subsidy not paid is its carrying-out, however much it
        # says of the scheme: 按规定应发放的补助至今未到账)
        carrying_out = record and negative and not official and not reply and \
            any(u and p not in self.tok_units for p, u in places.items())     # a spot, not a street's or zone's name
        apart = not shared_names and (((sim < W.policy_apart_text or carrying_out) and (
            # (a post that names the scheme's own instruments is about the scheme wherever it lives)
            (not official and e.about_policy and (not policy or carrying_out) and spot and (record or not shared_policy))
            or (not official and policy and e.policy_items == 0 and e.places and any(e.places.values())
                and not e.announced)))
            # a scheme is no accident's news, unless it says it answers one (针对…暴露出的问题), however
            # many words a school's zoning and its outbreak share
            or (policy and e.incident and e.policy_items == 0 and not refers
                and not (official and not instruments and e.concepts and concepts & e.dominant(e.concepts))))
            # (… but an authority's measures on the incident's own matter answer it: 已会同区金融办成立
            # 工作专班，督促该机构制定兑付方案 after the fund's investors gathered)
        if apart:
            score += W.policy_apart
            why.append("政策本身与某处执行问题为两事")
        elif shared_policy and category and category in main_categories:
            score += W.policy
            why.append("议及同一政策 " + "、".join(sorted(shared_policy)))
        elif policy and not official and e.announced and category and category in main_categories \
                and sim >= W.policy_react_text:
            # criticism of a scheme joins the notice that announced it (寒假托管方案 ~ 托管服务开始报名)
            score += W.policy
            why.append("议及通知所发布的措施")
        place_conflict = False
        own_account = bool(account and account in e.accounts and self._account_counts(account))
        own_thread = own_account and (when - e.last).total_seconds() < 24 * 7 * 3600
        common = set(places) & set(e.places)
        theirs_common = set(common)           # the same places, as the event names them
        if not common and places and e.places:
            # 四季青 and 四季青服装市场: one place named more or less fully
            fuller = {(p, q) for p in places for q in e.places
                      if min(len(p), len(q)) >= 2 and (p in q or q in p) and places[p] == e.places[q]
                      and not _area_beside_spot(p, q, places, e.places)}
            common, theirs_common = {p for p, _ in fuller}, {q for _, q in fuller}
        same_street = bool(set(places.values()) & set(e.places.values()) - {None})
        area_only = False
        if common and record and not official and not updates and all(p in self.tok_units for p in common):
            # 九堡街道 named by both: a hotline record names the street of its address (九堡街道格畈附近
            # 某小区), which is no spot within it: the same street, no more
            why.append("同属 " + "、".join(sorted(common)))
        elif common:
            # A place outside the district is often a whole district or city ("滨江区"): weaker. A
            # place the event only mentioned in passing says less than one it is about.
            ours = {p for p in common if places[p]}
            core_hit = ours and theirs_common & e.core_places(self.cfg.core_place_share)
            score += W.core_place if core_hit else (W.other_place if ours else W.foreign_place)
            why.append(("同地点 " if core_hit or not ours else "提及地点 ") + "、".join(sorted(common)))
        elif places and e.places:
            mine = {u for u in places.values()}
            theirs = {u for u in e.places.values()}
            same = mine & theirs - {None}
            if same & self.zones:
                score += W.zone
                why.append("同一功能区 " + "、".join(sorted(same & self.zones)))
            elif same and official:
                score += W.official_street
                why.append("官方通报所涉街道 " + "、".join(sorted(same)))
            elif same:
                # Same street, two different spots: no evidence either way. Two complaints in one
                # street on one day are usually two cases, and a street's own name (九堡街道) often
                # names the agency that responds, not where it happened.
                why.append("同属 " + "、".join(sorted(same)))
                # 闸弄口一健身房 and 天城路那家健身房: one side names only the area the street is named
                # after, which holds the other's spot: no second spot is named
                area_only = all(u and u.startswith(p) for p, u in places.items()) or \
                    all(u and u.startswith(p) for p, u in e.places.items())
            elif category in self._widespread and category in e.categories and None not in mine \
                    and None not in theirs:
                why.append(f"{category}常波及多个街道")     # a storm floods two underpasses of ours
            elif own_thread and concepts & set(e.concepts):
                # one person's own matter moves with them (a lost grandfather found at another gate)
                why.append("同一账号所述同一事由，地点不同")
            elif shared_policy and (e.policy_items or policy):
                # a scheme touches many places: 景芳 and 采荷 re-zoned by one school-district plan
                why.append("同一政策涉及不同地点")
            elif (said_same or backref) and (concepts & e.dominant(e.concepts) or (category and category in main_categories)):
                # 彭埠这边我们厂也是同一家配餐公司: the writer says it is the same one, elsewhere
                # (同一个道路工程，三里亭这边也是半夜打桩: the same works, told in other words)
                # (昨天网上说的共享单车乱堆问题不只一个地铁口，大学路也…: the matter raised, spreading)
                why.append("明确说是同一单位/工程，地点不同")
            else:
                score += W.place_mismatch
                place_conflict = True
                why.append("地点不同")
                if sim > W.conflict_text_cap:
                    # the same words about another street are a template (12345's 关于X小区垃圾未清运)
                    score -= sim - W.conflict_text_cap
                # a hotline's template title (小区生活垃圾未及时清运) says nothing across streets
                same_title = False
                if incident and e.incident:
                    # An incident happens at one place: a fire reported in another street is another
                    # fire, however alike the words (templated reports, three fires one night).
                    veto = True
                    why.append("不同街道的两起事故")
        if same_title:
            score += W.title
            why.insert(title_at, f"同题 {core}")
        if category and category in main_categories:
            # An incident touches several categories (a school lunch: 教育 and 食品药品安全); one
            # an event merely touched once does not make the next item on that subject its own.
            score += W.category
            why.append(f"同类别 {category}")
        elif category and e.categories and not official and not answers and category not in e.categories \
                and category not in e.involved and not (involved & main_categories):
            # a school lunch's 教育 side is no other subject, nor a gathering's grievance
            score += W.category_mismatch          # a shared place alone does not make one matter
            why.append(f"类别不同（{category}）")
            if negative != e.negative:
                # Another subject and another tone (a gas leak on a festival street) is another
                # event; a statement's tone always differs from the complaints it answers.
                score += W.tone_mismatch
            elif incident != e.incident and not (refers and e.incident):
                # (昨晚那场火: a complaint that points back at the incident is about it)
                score += W.kind_mismatch       # an incident report and a complaint about something else
                why.append("事故与诉求不同")
        elif not category and e.categories and negative and not official and not answers and not incident \
                and e.incident and not refers and not (concepts & set(e.concepts)):
            # a complaint of no subject the reader knows (被七八个人围住“打车吗”) at the spot of an
            # incident (a rumoured blast at the station): another matter, unless it points back at it
            score += W.kind_mismatch
            why.append("事故与诉求不同")
        if incident and not e.incident and not e.negative and not refers and not official:
            # An accident reported where the event so far held only good news or a notice (a visit to
            # sweltering workers, then a worker's death on a site): news of its own, not a follow-up.
            score += W.incident_after_news
            why.append("事故并非此前正面或通知信息的后续")
        if good_news and not refers and not incident and not updates and e.negative \
                and category and category not in main_categories:
            # Good news on another subject where the event so far held a problem (a festive report on
            # a street's old shops, beside complaints of its holiday traffic): news of its own.
            score += W.good_news_after_case
            why.append("正面信息并非此前问题的后续")
        # what the event is about: the kinds of place most of its items name (not every passing one)
        theirs_kinds = {k for k, n in e.entities.items() if n * 3 >= max(e.size, 1)} if e.entities else set()
        if entities and theirs_kinds and not entities & theirs_kinds:
            score += W.entity_mismatch
            why.append("所涉场所不同")
        shared_concepts = concepts & e.dominant(e.concepts) if e.concepts else set()
        if shared_concepts & self._soft and (when - e.last).total_seconds() >= W.incident_hours * 3600:
            # a banner the same morning is the same gathering; a banner weeks apart is only a banner
            shared_concepts -= self._soft
        explains = official and bool(self._statement and self._statement.search(text[:60].lstrip()))
        # the same thing told otherwise (起火 ~ 着火): evidence where places do not say otherwise
        # (an incident in the same street counts too: one fire told from two spots of it)
        if shared_concepts and (not places or not e.places or common or own_thread
                                or (same_street and (incident and e.incident or official)) or area_only):
            bonus = min(W.concept_max, W.concept * len(shared_concepts))
            scene = not places and bool(shared_concepts & set(self.cfg.incident_concepts))
            if (incident or scene) and e.incident and (when - e.last).total_seconds() < W.incident_hours * 3600:
                # two reports of a fire within the hour: the same fire (so is a scene video with no
                # place of its own: 现场视频：黑烟从仓库顶上冒出来)
                bonus += W.incident_concept
            score += bonus
            why.append("同一事由 " + "、".join(sorted(shared_concepts)))
            if official and (incident or (category and category in main_categories)) and e.incident and not places:
                # 关于某幼儿园诺如病毒感染聚集性疫情的通报: a statement on an incident of the kind the
                # event reports, naming no place of its own (某幼儿园), tells of that incident
                score += W.statement_incident
                why.append("官方通报所述同类事件")
        if upbeat and account and not negative and not official and not record and e.negative and not (
                refers or backref or updates or continues or own_account or shared_names or shared_concepts
                or refutes or (category and category in main_categories)) \
                and sim < W.untroubled_text and "@" not in text:
            # a person's cheerful post at the place of a complaint (a food review on the street where a
            # price was disputed): another post about the place, not a follow-up of the problem
            score += W.good_news_after_case
            why.append("非负面帖文并非此前问题的后续")
        if good_news and not refers and not incident and not updates and e.incident and not shared_concepts \
                and category and category in main_categories:
            # a fund town's good quarter beside its investors' gathering: news of its own, not the incident's
            score += W.good_news_after_case
            why.append("正面信息并非此前事件的后续")
        recent = (when - e.last).total_seconds() < 48 * 3600
        backref_ok = backref and e.negative and not place_conflict and (sim >= 0.1 or shared_concepts or common)
        if backref_ok:
            score += W.back_reference
            why.append("指明所说为此前反映的事")
        pointed = False
        # (昨天那场火死了三个年轻人: a post that points back at the fire, whatever it adds of its own)
        if refers and e.incident and (not incident or not places or common) and \
                (common or same_street or (not places and (recent or shared_concepts or entities & theirs_kinds))):
            # (这次漏气是不是老管子的问题: no place, the day of the leak; 那台出事的电梯到现在还停着: no
            # place, days later, but the incident's own kind of thing)
            score += W.incident_reference
            why.append("所指本地事故（那场火）")
            # … however long ago, when it names the incident's own spot or no place at all (2·15那场火
            # 之后 in a letter about another compound of the street still waits its turn)
            # a storm covers a street: 台风那天 from another compound of it is still the storm's
            pointed = bool(common) or not places or bool(main_categories & self._widespread)
        if disowns and e.incident:
            # (对面一处工地（不是前几天出事的那个）连续四个晚上凌晨施工: the writer says it is another one)
            score += W.disowned
            why.append("明言并非此前那起事故")
        other_matter = False
        if entities and theirs_kinds and not entities & theirs_kinds:
            other_matter = True
        elif concepts - self._soft and e.concepts and e.dominant(e.concepts) - self._soft \
                and not concepts & e.dominant(e.concepts) and not handled and \
                not (main_categories & self._widespread and not concepts & self._weatherless) \
                and not (official and (reply or explains)):
            # (a storm brings floods, falls and cuts of every kind, but no food poisoning)
            # (a reply tells what the inspection found, 防蝇设施缺失, not what was complained of)
            score += W.concept_mismatch       # rubbish uncollected and bikes on the pavement
            why.append("事由不同")
            other_matter = True
            if incident != e.incident and not refers and not official and category in main_categories:
                # (a ride-hailing pick-up complaint at the station the day a suspect bag emptied it: the
                # same subject by the vote, but another matter and another kind)
                score += W.kind_mismatch
                why.append("事故与诉求不同")
        if (handled or ((official and (reply or explains) or callback) and category and category in main_categories)) \
                and e.negative and (sim >= 0.1 or shared_concepts):
            # (关于消费券发放情况的说明: a department explains what was complained of on its subject)
            score += W.reply_category          # a department answers what was raised on its subject
            why.append("主管部门回应")
            if handled and e.records:
                # a record of how a request was handled answers one made on a citizen channel
                score += W.record_answer
                why.append("答复此前的来电来信")
        claim_sim = None
        if refutes and e.rumour and claim:
            # 网传“上城区有面包车抢小孩”系谣言: the quoted claim says which rumour is refuted
            claim_sim = self._likeness(e, claim, self._pairs(claim), sum(claim.values()) or 1.0)[0]
        if refutes and e.rumour and claim_sim is not None and claim_sim < W.claim_min and not shared_names:
            score += W.refutes_other
            why.append(f"所辟传言与本事件不同（传言相似 {claim_sim:.2f}）")
        elif refutes and e.rumour and (sim >= 0.15 or shared_names or (common and claim_sim is not None)):
            # (网传“吴山广场有人被砍死”系谣言 after 吴山广场刚才有人被砍了: the quoted claim's place is theirs)
            score += W.refutes_rumour
            why.append("辟谣所涉传言")
        gap_h = max((when - e.last).total_seconds() / 3600, 0.0)
        # 更新：…/第三天了/修好啦 from the same account: the person's own news of their matter
        # (however late: 更新一哈：那个厂子被查了之后…, ten days on)
        own_news = updates and own_account and not place_conflict
        # "同一家！我们家也是" says nothing of its own: it continues a complaint just read
        continuing = continues and not places and e.negative and gap_h < W.continuation_hours
        if continuing:
            score += W.continuation * (1 - gap_h / W.continuation_hours)
            why.append("接续前帖（同一家/我也是）")
        dated = False
        named = _DATE_NAME.search(text[:600]) or _DATE_ABOUT.search(text[:200])
        if named is None and official and (incident or not self._case_talk or self._case_talk.search(text)):
            # a statement dates what it answers (2月24日晚，网民反映……); a warm story of the day
            # answers nothing (5月4日下午，环卫工人拾到钱包…)
            named = _DATED.search(text[:80])
            local = when.astimezone(SHANGHAI)
            if named and _ACTED_ON.search(text[max(0, named.start() - 3):named.start()]):
                named = None      # 工资已于12月22日全部支付: the day of the handling, not of the matter
            if named and _SPAN_ON.match(text, named.end()) and \
                    (int(named.group(1)), int(named.group(2))) >= (local.month, local.day):
                named = None
        first, last = e.first.astimezone(SHANGHAI).date(), e.last.astimezone(SHANGHAI).date()
        day_named = None
        if named is None and e.incident and (shared_concepts or (category and category in main_categories)) \
                and (day := _DAY_INCIDENT.search(text[:200])) and not _FRESH_REPORT.search(day.group(4)):
            # the day alone (3日…火情) names the incident of that day, of the event's kind, within a month
            dm, dd = int(day.group(1) or 0), int(day.group(2))
            today = when.astimezone(SHANGHAI).date()
            hit = [x for x in (first, last) if x.day == dd and (not dm or x.month == dm) and (today - x).days <= 31]
            if hit:
                day_named = (hit[0].month, hit[0].day)
        if named or day_named:
            m, d = day_named or (int(named.group(1)), int(named.group(2)))
            if any((x.month, x.day) == (m, d) for x in (first, last)):
                dated = True
                score += W.date_name          # “12·16”事故: the incident of the day the event began
                why.append(f"所指 {m}·{d} 事件")
        if official and not negative and e.negative and self._announcement \
                and self._announcement.search(text[:300]) and not (
                reply or explains or refutes or updates or refers or dated or answers or callback
                or shared_concepts or shared_names or shared_policy or same_title):
            # an authority's notice of what is coming (新年徒步大会本周日开走，部分道路临时管制) at the
            # place of a complaint answers nothing of it: it is news of its own
            score += W.good_news_after_case
            why.append("官方预告并非此前诉求的答复")
        handles = set(e.accounts) | {h for h, eid in self._last_by_handle.items() if eid == e.id and f"@{h}" in text}
        mentioned = [a for a in handles if a and f"@{a}" in text] if gap_h < 24 * 7 else []
        # //@X: carries X's post; 回复@X： answers it directly
        opening = text.removeprefix("回复")
        reposted = [a for a in mentioned if f"//@{a}" in text or opening.startswith((f"@{a}:", f"@{a}："))]
        if not (continuing or own_news or reposted or (refers and e.incident)) and topic < W.topic_min and \
                (other_matter or category and category not in main_categories) and \
                not (shared_names or shared_concepts or shared_policy or same_title or dated or answers) and \
                not (incident and main_categories & self._widespread) and \
                not (official and reply and common and e.negative):
            # (针对网友反映的河坊街某饮品店价格问题: an authority answering what was raised at the place)
            # (a storm's wall that falls is the storm's, though the post never says rain)
            # Only the place in common, on another subject: a gym's refunds and a market's stalls at
            # one estate are two matters (one crowded station told in other words stays one) (an account's follow-up or an @reply may still join below).
            score += W.no_topic
            why.append("除地点外无共同内容")
        if gap_h < 24 * 7 or own_news:     # a person's own news of their matter, however late
            if account and account in e.accounts and self._account_counts(account):
                # A short follow-up by the same person ("还是没人理") continues their thread.
                # (and the same person's next complaint within two days, naming no place: 分流的园是落实了，
                # 可退费…到底什么时候能退？ the morning after their kindergarten closed)
                followup = own_news or (not places and negative and e.negative and (
                    (not category and len(words) <= 5) or gap_h < 48))
                bonus = W.followup if followup else W.account
                score += bonus
                why.append(f"同一账号 {account}")
            if reposted:
                # 转发 //@X: the repost carries X's post along: one thread, whatever it adds
                score += W.repost
                why.append(f"转发 @{reposted[0]} 的帖子")
            elif mentioned:
                score += W.mention
                why.append(f"回复 @{mentioned[0]}")
        # (@小树苗妈妈 您好，辖区派出所已找到涉事犬主: an authority answering a person by name answers their post)
        answered = official and bool(mentioned)
        if reply or callback or dated or backref_ok or pointed or answered:
            # A reply on a citizen channel answers an earlier letter, however long it took (so do
            # the hotline's callback record, a notice that names its incident by date, and a post
            # that points back at the incident: 爆炸都过去十来天了).
            need = self.cfg.join_threshold
            why.append("答复来信" if reply else "回访记录" if callback else "指明所答事件" if dated
                       else "接续所指事项" if backref_ok else "接续所指事故" if pointed else "答复所@的网民")
        else:
            # An official statement follows what already circulates: time weighs half for it.
            # So does a person's own news of their matter (更新：… 修好啦), told days later.
            weight = self.cfg.gap_weight / 2 if official or own_news else self.cfg.gap_weight
            need = self.cfg.join_threshold + weight * math.log2(1 + gap_h / 24)
        onset_h = (when - e.first).total_seconds() / 3600
        if fresh and e.incident and onset_h > self.cfg.fresh_hours:
            # 刚刚一声巨响 thirteen days after the event's first report: another incident
            veto = True
            why.append(f"新发生的事故（距本事件首报已 {onset_h:.0f} 小时）")
        if inquiry and (e.incident or e.negative) and not refers and not incident and not own_account:
            # a question of how to get something done (哪里可以充电) is no report of the fire nearby,
            # nor of the complaints or the debate on its subject (how to apply for a subsidy under debate)
            score += W.inquiry_at_incident
            why.append("咨询并非事故的后续" if e.incident else "咨询并非诉求的后续")
        elif negative and not inquiry and e.inquiries and e.inquiries == e.size and not own_account:
            # (and a complaint is no follow-up of a consultation on its subject: 补贴至今没到账 after
            # 补贴需要准备哪些材料)
            score += W.inquiry_at_incident
            why.append("诉求并非咨询的后续")
        if not exercise and e.drills and e.drills == e.size and not refutes:
            # a drill at the station, then the station's real crowds: what happens there is no part of
            # the exercise held there
            veto = True
            why.append("此前仅为演练信息，真实事件不并入")
        if exercise and e.incident and not refutes:
            # a drill acts out a fire or a flood: never part of one that happened (a refutation that
            # says the smoke was a drill's answers the rumour, and joins it)
            veto = True
            why.append("演练并非真实事件")
        if veto:
            need = math.inf
        return score, need, why

    def _candidates(self, words: dict[str, float], places: dict[str, str | None], account: str | None,
                    text: str, extra: tuple[str, ...] = (), concepts: set[str] = frozenset()) -> list[str]:
        votes: Counter = Counter()
        for c in concepts:        # a short post in other words ("楼里还有人被困") finds its fire
            evs = self._by_concept.get(c, ())
            if len(evs) <= self.cfg.max_shingle_events:
                for eid in evs:
                    votes[eid] += 2.0
        for w, wt in words.items():
            evs = self._by_word.get(w)
            if evs and len(evs) <= self.cfg.max_shingle_events:
                for eid in evs:
                    votes[eid] += wt
        for p in places:
            evs = self._by_place.get(p, ())
            if len(evs) <= self.cfg.max_shingle_events:
                for eid in evs:
                    votes[eid] += 5.0
        for u in {u for u in places.values() if u}:
            # the same place named more or less fully (玉皇山南 ~ 玉皇山南基金小镇) is in the same unit
            evs = self._by_unit.get(u, ())
            if len(evs) <= self.cfg.max_shingle_events:
                for eid in evs:
                    votes[eid] += 2.0
        if account and self._account_counts(account):
            for eid in self._by_account.get(account, ()):
                votes[eid] += 3.0
        for key in extra:
            for eid in self._by_word.get(key, ()):
                votes[eid] += 10.0
        if "@" in text:
            for m in _MENTION.findall(text):
                for eid in self._by_account.get(m, ()):
                    votes[eid] += 3.0
        # Votes are summed over sets (concepts, units), whose order changes from run to run: rounded,
        # and ties broken by id, so a replay meets the candidates in the same order and decides alike.
        ranked = sorted(votes.items(), key=lambda kv: (-round(kv[1], 6), kv[0]))
        return [eid for eid, _ in ranked[: self.cfg.max_candidates] if eid in self.events]

    def _recent(self, when: datetime, hours: float, exclude: set[str], limit: int = 10) -> list[str]:
        """Events whose last item came within `hours` before `when`, newest first."""
        recent = [e for eid, e in self.events.items()
                  if eid not in exclude and 0 <= (when - e.last).total_seconds() < hours * 3600]
        return [e.id for e in sorted(recent, key=lambda e: e.last, reverse=True)[:limit]]

    def _known_names(self, text: str) -> set[str]:
        """Names quoted earlier ("鑫盛财富") that this text mentions, quoted or not: one pass."""
        found: set[str] = set()
        if not self._names:
            return found
        text = text[:4000]
        for i in range(len(text) - 1):
            for n in self._names.get(text[i:i + 2], ()):
                if text.startswith(n, i):
                    found.add(n)
        return found

    # ---- public ----
    def assign(self, item_id: str, when: datetime, text: str, places: dict[str, str | None],
               category: str | None, account: str | None, negative: bool = False, title: str = "",
               instruments: set[str] = frozenset(), policy: bool = False, reply: bool = False,
               official: bool = False, event_id: str | None = None, incident: bool = False,
               refutes: bool = False, rumour: bool = False, involved: set[str] = frozenset(),
               record: bool = False, handle: str | None = None, report: bool = False,
               exercise: bool = False, inquiry: bool = False, upbeat: bool = False) -> Assignment:
        """places: name → unit (None for a place outside the district). With `event_id` the item
        joins that event without scoring (a restart replays stored membership exactly)."""
        if account and _USER_LABEL.match(account.strip()):
            account = None      # (抖音, 微博用户: the platform's label for whoever posted, no one's account)
        self.expire_due(when)
        counted = self.tok.counted(text)
        words = self.keywords(text, counted, title)
        pairs = self._pairs(words)
        core = title_core(title)
        names = (quoted_names(text) | self._known_names(text)) - self.not_names
        # a common word in quotes (“食品安全” #停业整顿#) names no firm or scheme
        names = {n for n in names if self.tok.idf.get(n, math.inf) >= self.tok.median}
        # a hotline ticket's number (工单编号：HZ12345-…) names its matter: the callback record joins it
        names |= {m.group(1) for m in _TICKET.finditer(text[:300])}
        concepts = self.concepts_of(text)
        entities = self.entities_of(text)
        continues = bool(self._continuation and self._continuation.search(text[:40].lstrip()))
        updates = bool(self._update and self._update.search(text[:60]))
        said_same = bool(self._sameness and self._sameness.search(text[:300]))
        fresh = bool(incident and self._fresh and self._fresh.search(text[:80]))
        refers = bool(self._refers and self._refers.search(text[:300]))
        disowns = bool(self._disowning and self._disowning.search(text[:300]))
        if disowns:
            refers = False          # (不是前几天出事的那个: the pointer points away)
        backref = bool(self._backref and self._backref.search(text[:120])) or \
            bool(not places and self._day_count and self._day_count.search(text[:120]))
        # an outlet's warm report that speaks of no problem: good news of its own
        good_news = report and not negative and not official and not (self._case_talk and self._case_talk.search(text))
        claim = None
        if refutes:
            quoted = "".join(_CLAIM.findall(text[:600]))
            claim = self.keywords(quoted) if len(quoted) >= 6 else None
        best: tuple[float, str, list[str]] | None = None
        closest: tuple[float, str, list[str]] | None = None   # the nearest miss, told to the reader
        if event_id is None:
            found = self._candidates(words, places, account, text, (core, *names) if core else tuple(names),
                                     concepts)
            if continues and not places:
                found += self._recent(when, self.cfg.weights.continuation_hours, exclude=set(found))
            for eid in found:
                e = self.events[eid]
                score, need, why = self._score(e, words, places, category, account, text, when, negative, pairs,
                                               core, names, instruments, reply, official, incident, refutes,
                                               concepts, entities, continues, involved, updates, policy,
                                               record, said_same, claim, fresh, refers, good_news, exercise,
                                               inquiry, backref and not disowns, upbeat, disowns)
                if score >= need and (best is None or score - need > best[0]):
                    best = (score - need, eid, why + [f"得分 {score:.2f} ≥ 所需 {need:.2f}"])
                elif score < need and (closest is None or score - need > closest[0]):
                    closest = (score - need, eid, why + [f"得分 {score:.2f} < 所需 {need:.2f}"])
        if event_id is not None:
            eid = event_id
            new = eid not in self.events
            if new:
                self.events[eid] = Sketch(eid, when, when)
            result = Assignment(eid, new, 0.0, ["按已存储的事件归属恢复"])
        elif best is None:
            eid = f"ev-{item_id}"
            self.events[eid] = Sketch(eid, when, when)
            result = Assignment(eid, True, 0.0, ["新事件：近期无相似事件"] if closest is None else
                                [f"新事件：最相近的事件 {closest[1]} 未达并入标准（" + "，".join(closest[2]) + "）"])
        else:
            eid = best[1]
            result = Assignment(eid, False, best[0], ["并入事件 " + eid + "：" + "，".join(best[2])])
        e = self.events[eid]
        self._add(e, counted, words, places, category, account, when)
        if handle:
            self._last_by_handle[handle] = eid
        e.negative = e.negative or negative
        e.incident = e.incident or incident
        e.rumour = e.rumour or rumour
        e.drills += bool(exercise)
        e.records += bool(record)
        e.inquiries += bool(inquiry)
        e.involved.update(involved)
        if category:
            e.involved.add(category)
        e.concepts.update(concepts)
        for c in concepts:
            self._by_concept[c].add(eid)
        e.entities.update(entities)
        if policy:
            e.policy |= instruments
            e.policy_items += 1
        if official and not reply and not negative:
            e.announced = True
        if core:
            e.titles.add(core)
            self._by_word[core].add(eid)      # a later reply finds its letter through the title
        for n in names - e.names:
            e.names.add(n)
            self._by_word[n].add(eid)
            self._names[n[:2]].add(n)
        return result

    def _add(self, e: Sketch, counted, keywords, places, category, account, when) -> None:
        # every word of the item counts, its keywords more; the event keeps its most telling ones
        for w, (wt, n) in counted.items():
            e.acc[w] = e.acc.get(w, 0.0) + wt * (1 + math.log(n)) * (2.0 if w in keywords else 1.0)
            e.word_items[w] += 1
        limit = self.cfg.event_keywords
        if len(e.acc) > 8 * limit:
            e.acc = dict(sorted(e.acc.items(), key=lambda kv: -kv[1])[:4 * limit])
            e.word_items = Counter({w: e.word_items[w] for w in e.acc})
        vocab = {w for w, _ in sorted(e.acc.items(), key=lambda kv: -kv[1])[:limit]}
        for w in set(e.words) - vocab:
            del e.words[w]
            ids = self._by_word.get(w)
            if ids is not None and w not in e.titles and w not in e.names:
                ids.discard(e.id)
                if not ids:
                    del self._by_word[w]
        for w in vocab - set(e.words):
            e.words[w] = counted[w][0] if w in counted else self.tok.idf.get(w, self.tok.median)
            self._by_word[w].add(e.id)
        e.bigrams = {w[i:i + 2] for w in e.words for i in range(len(w) - 1)}
        e.size += 1
        for p, unit in places.items():
            e.place_counts[p] += 1
            if p not in self.tok_units and unit is not None:
                e.spots.add(p)
            if p not in e.places:
                e.places[p] = unit
                self._by_place[p].add(e.id)
                if unit:
                    self._by_unit[unit].add(e.id)
        if account and account not in e.accounts:
            e.accounts.add(account)
            self._by_account[account].add(e.id)
        if category:
            e.categories[category] += 1
        e.first, e.last = min(e.first, when), max(e.last, when)

    def expire_due(self, when: datetime) -> None:
        """Expire idle events at most hourly (of stream time): a sweep costs O(active events)."""
        if self._expired_at is None or (when - self._expired_at).total_seconds() > 3600:
            self.expire(when)
            self._expired_at = when

    def expire(self, now: datetime) -> list[str]:
        """Forget events idle for longer than the window; returns their ids."""
        limit = self.cfg.window_hours * 3600
        gone = [eid for eid, e in self.events.items() if (now - e.last).total_seconds() > limit]
        for eid in gone:
            e = self.events.pop(eid)
            for w in (*e.words, *e.titles, *e.names):
                ids = self._by_word.get(w)
                if ids is not None:
                    ids.discard(eid)
                    if not ids:
                        del self._by_word[w]
            for p, unit in e.places.items():
                self._by_place[p].discard(eid)
                if unit:
                    self._by_unit[unit].discard(eid)
            for a in e.accounts:
                self._by_account[a].discard(eid)
            for h in [h for h, last in self._last_by_handle.items() if last == eid]:
                del self._last_by_handle[h]
            for c in e.concepts:
                self._by_concept[c].discard(eid)
            for n in e.names:
                if not self._by_word.get(n):
                    self._names[n[:2]].discard(n)
        if gone and self.on_expire is not None:
            self.on_expire(gone)
        return gone
