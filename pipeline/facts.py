"""Read incident facts from an item's text (rulebook §3 and §7).

`FactReader.read(text)` returns a `FactReading`: casualty counts (deaths, injured, ill,
gathering size) read at their lower bound, incident flags (explosion, collapse, trapped,
evacuated), negations that withdraw only what they negate, refutations and the claim kinds
they refute, rumour language, and special groups (children, elderly, food, medical).

How a fact word is read. Every cue occurrence gets one status:
  asserted      the text reports it (counts, flags)
  negated       a negation stands before it in its clause (无人员伤亡, 并未发生爆炸)
  question      its clause asks (网上有人说是爆炸了？)
  hypothetical  a hedge or risk (万一倒塌, 坍塌隐患, 希望没人受伤)
  refuted       it lies in what a refutation says is false (网传“有人被砍死”系谣言)
Only asserted cues set facts; the others are recorded as evidence. Counts attach to the
nearest cue in the same clause: a count before the cue (12名学生出现呕吐) is preferred, a
count after it (死亡人数升至3人) is used when there is none before.

All words and numbers come from `config/readings.yaml` (`ReadingsConfig`). Regexes are
compiled once per reader; a text is cut to `limits.max_chars` before it is read.
"""
from __future__ import annotations

import html
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from pathlib import Path

from yuqing.model import Facts

from pipeline.readings_config import (  # noqa: F401  (re-exported for the config loader)
    COUNTED_KINDS,
    DEFAULT_READINGS_PATH,
    FACT_KINDS,
    GROUPS,
    ReadingsConfig,
    default_readings,
)

__all__ = ["FactReader", "FactReading", "ReadingsConfig", "default_readings", "read_facts"]

LABELS = {
    "deaths": "死亡", "injured": "受伤或住院", "ill": "身体不适", "gathering": "聚集",
    "trapped": "被困", "evacuated": "疏散", "explosion": "爆炸", "collapse": "倒塌",
    "hospital": "送医", "casualties": "伤亡",
}
GROUP_LABELS = {"children": "未成年人/学生", "elderly": "老年人", "food": "食品安全", "medical": "医疗"}
STATUS_LABELS = {"negated": "否定", "question": "疑问", "hypothetical": "假设", "refuted": "辟谣"}

_SENT_END = "。！？!?；;\n"
_CLAUSE_END = _SENT_END + "，,：: \t|｜"
_SENT_RX = re.compile(f"[{re.escape(_SENT_END)}]")
_CLAUSE_RX = re.compile(f"[{re.escape(_CLAUSE_END)}]")
_TAG_RX = re.compile(r"<\s*(script|style)[^>]*>.*?<\s*/\s*\1\s*>|<[^<>]{1,500}>", re.S | re.I)
_SPACES_RX = re.compile(r"[ \t\r\f\v\u3000\xa0]+")
_FULLWIDTH = str.maketrans("０１２３４５６７８９％", "0123456789%")
_QUESTION_END = "？?"
_MAX_GROUP_TRIES = 50   # candidate matches examined per special-group cue


def _alt(words, literal: bool) -> str:
    """One alternation, longest first (so 死亡人数 is tried before 死亡)."""
    items = sorted({w for w in words if w}, key=len, reverse=True)
    return "|".join(re.escape(w) if literal else f"(?:{w})" for w in items)


def _compile(words, literal: bool = False) -> re.Pattern | None:
    alt = _alt(words, literal)
    return re.compile(alt) if alt else None


class _SpanSet:
    """Non-overlapping spans in text order (one regex's finditer), with a fast overlap test."""

    __slots__ = ("spans", "starts", "ends")

    def __init__(self, spans: list[tuple[int, int]]):
        self.spans = spans
        self.starts = [a for a, _ in spans]
        self.ends = [b for _, b in spans]

    def __bool__(self) -> bool:
        return bool(self.spans)

    def overlaps(self, s: int, e: int) -> bool:
        j = bisect_left(self.starts, e)
        return j > 0 and self.ends[j - 1] > s


def _spans(rx: re.Pattern | None, text: str) -> _SpanSet:
    if rx is None:
        return _SpanSet([])
    return _SpanSet([(m.start(), m.end()) for m in rx.finditer(text) if m.end() > m.start()])


def _merge(spans: list[tuple[int, int]]) -> _SpanSet:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return _SpanSet(out)


@dataclass
class FactReading:
    facts: Facts
    refuted_kinds: set[str] = field(default_factory=set)    # fact kinds refuted, {"all"}, or {"claim"} (none)
    rumour_cues: list[str] = field(default_factory=list)
    special_groups: list[str] = field(default_factory=list)  # among children, elderly, food, medical
    reasons: list[str] = field(default_factory=list)
    negated_kinds: set[str] = field(default_factory=set)    # kinds the text negates (无人员伤亡)
    questioned_kinds: set[str] = field(default_factory=set)  # kinds only asked about (是爆炸了？)
    rumour_claim: bool = False          # a sourceless claim cue (网传, 听说 …), not only 扩散
    group_evidence: dict[str, str] = field(default_factory=dict)
    exercise: bool = False              # tells of a drill (开展…演练): nothing it acts out happened
    history: bool = False               # recounts history (据《梦粱录》记载): nothing it tells is now


# A claim a refutation quotes (网传“…”, 有网民发布“…”的信息)
QUOTED_CLAIM = re.compile(r"(?:网传|传言|谣传|网民发布|网友发布|有人发布|称)[^“「\"。]{0,8}[“「\"]([^”」\"]{4,80})[”」\"]")
# A fact word that names the case it belongs to (持刀伤人案, 爆炸事件), not a claim of its own
_CASE_NAME = re.compile(r"(?:案件|一案|案|事件|事故)")


@dataclass
class _Cue:
    kind: str
    start: int
    end: int
    word: str
    status: str = "asserted"
    value: int = 0
    snippet: str = ""
    refuting_negation: bool = False
    counted: bool = False
    compact: bool = False


@dataclass
class _Count:
    start: int
    end: int
    value: int
    used: bool = False


class _Text:
    """The prepared text with its sentence and clause boundaries."""

    def __init__(self, text: str):
        self.text = text
        self.hosp_ctx: tuple[list[int], list[int]] | None = None
        self.counts: list[_Count] = []
        self.exercise = False
        self.history = False
        self.sent_ends = [m.start() for m in _SENT_RX.finditer(text)]
        self.clause_ends = [m.start() for m in _CLAUSE_RX.finditer(text)]

    @staticmethod
    def _span(ends: list[int], pos: int, n: int) -> tuple[int, int]:
        i = bisect_left(ends, pos)
        start = ends[i - 1] + 1 if i > 0 else 0
        end = ends[i] if i < len(ends) else n
        return start, end

    def sentence(self, pos: int) -> tuple[int, int]:
        return self._span(self.sent_ends, pos, len(self.text))

    def clause(self, pos: int) -> tuple[int, int]:
        return self._span(self.clause_ends, pos, len(self.text))


class FactReader:
    def __init__(self, cfg: ReadingsConfig):
        self.cfg = cfg
        lim = cfg.limits
        self.max_chars = lim.max_chars
        n = cfg.numbers
        self.digits = dict(n.digits)
        self.units = dict(n.units)
        self.vague = dict(n.vague)

        # ---- numbers ----
        numeral_chars = "".join(sorted(set(self.digits) | set(self.units)))
        num_core = (
            (f"(?:{_alt(self.vague, True)})|" if self.vague else "")
            + r"\d+(?:\.\d+)?(?:\s*[-~～—至到]\s*\d+)?万?"
            + f"|[{re.escape(numeral_chars)}]+"
        )
        suffix = f"(?:{_alt(n.approx_suffixes, True)})?" if n.approx_suffixes else ""
        prefixes = list(n.below_prefixes) + list(n.approx_prefixes)
        prefix = f"(?P<pre>{_alt(prefixes, True)})?" if prefixes else ""
        people = _alt(n.people_classifiers, False)
        if n.people_nouns:
            people += "|(?=" + _alt(n.people_nouns, True) + ")"
        # The lookbehind keeps a match from starting inside a longer number (13人 is not 3人),
        # and with the atomic group it keeps a long run of digits linear.
        not_inside = f"(?<![\\d{re.escape(numeral_chars)}])"
        self.count_rx = re.compile(f"{prefix}{not_inside}(?P<num>(?>{num_core})){suffix}(?:{people})")
        self.below = set(n.below_prefixes)
        compact_chars = re.escape("".join(self.digits) + "十百")
        compact_n = (
            f"(?<![\\d{compact_chars}])(?>\\d+|[{compact_chars}]+"
            + ("|" + _alt([w for w in self.vague if len(w) == 1], True) if self.vague else "") + ")"
        )
        self.compact_rxs = [re.compile(p.replace("{N}", compact_n)) for p in cfg.compact]
        self.approx_suffix_chars = set("".join(n.approx_suffixes))

        # ---- cue words ----
        self.kind_of: dict[str, tuple[str, bool]] = {}
        for kind, rule in cfg.kinds.items():
            for w in rule.cues:
                self.kind_of[w] = (kind, False)
            for w in rule.weak_cues:
                self.kind_of[w] = (kind, True)
        self.cue_rx = _compile(self.kind_of, literal=True)
        self.kind_excl = {k: _compile(r.exclude) for k, r in cfg.kinds.items()}
        self.kind_req = {k: (re.compile(r.require) if r.require else None) for k, r in cfg.kinds.items()}
        self.kind_weak_req = {k: (re.compile(r.weak_require) if r.weak_require else None)
                              for k, r in cfg.kinds.items()}

        # ---- negation, hedges, questions ----
        self.neg_rx = _compile(cfg.negation.cues)
        self.neg_excl_rx = _compile(cfg.negation.exclude)
        self.contrast_rx = _compile(cfg.negation.contrast)
        self.neg_refuting_rx = _compile(cfg.negation.refuting)
        self.hypo_before_rx = _compile(cfg.hypothetical.before)
        self.hypo_after_rx = _compile(cfg.hypothetical.after)
        self.exercise_rx = _compile(cfg.hypothetical.exercise)
        self.exercise_unless_rx = _compile(cfg.hypothetical.exercise_unless)
        self.history_rx = _compile(cfg.hypothetical.history)
        self.question_rx = _compile(cfg.question.cues)

        # ---- refutation, rumours ----
        ref = cfg.refutation
        self.ref_strong_rx = _compile(ref.strong)
        self.ref_excl_rx = _compile(ref.exclude)
        self.verify_rx = _compile(ref.verify)
        self.attrib_rx = _compile(ref.attribution)
        self.rum_claim_rx = _compile(cfg.rumour.claim)
        self.rum_spread_rx = _compile(cfg.rumour.spread)
        self.rum_excl_rx = _compile(cfg.rumour.exclude)

        # ---- special groups ----
        sg = cfg.special_groups
        self.age_rx = re.compile(sg.age_pattern)
        self.min_age = sg.elderly_min_age
        self.groups = []
        for g in GROUPS:
            for cue in getattr(sg, g):
                self.groups.append((
                    g,
                    re.compile(cue.pattern) if cue.pattern else None,
                    cue.age,
                    re.compile(cue.require) if cue.require else None,
                    cue.require_scope,
                    re.compile(cue.exclude) if cue.exclude else None,
                    re.compile(cue.exclude_sentence) if cue.exclude_sentence else None,
                ))

    # ------------------------------------------------------------------ construction
    @classmethod
    def default(cls) -> "FactReader":
        return cls(default_readings())

    @classmethod
    def from_yaml(cls, path: str | Path) -> "FactReader":
        return cls(ReadingsConfig.from_yaml(path))

    # ------------------------------------------------------------------ numbers
    def parse_number(self, s: str) -> int | None:
        """Lower bound of a numeral: 3, 十余 → 10, 二十多 → 20, 数十 → 20, 三四 → 3, 3-5 → 3."""
        s = s.strip()
        if not s:
            return None
        if s in self.vague:
            return self.vague[s]
        m = re.match(r"(\d+(?:\.\d+)?)", s)
        if m:
            v = float(m.group(1))
            if s.endswith("万"):
                v *= 10000
            return int(v)
        while s and s[-1] in self.approx_suffix_chars and len(s) > 1:
            s = s[:-1]
        if s in self.vague:
            return self.vague[s]
        # a range of two digits (三四名 = 3, 二三十 = 20): keep the first digit
        if len(s) >= 2 and s[0] in self.digits and s[1] in self.digits and self.digits[s[0]] < self.digits[s[1]]:
            s = s[0] + s[2:]
        total, section, digit = 0, 0, None
        for ch in s:
            if ch in self.digits:
                digit = self.digits[ch]
            elif ch in self.units:
                unit = self.units[ch]
                if unit >= 10000:
                    section = (section + (digit or 0)) * unit
                    total += section
                    section = 0
                else:
                    section += (1 if digit is None else digit) * unit
                digit = None
            else:
                return None
        return total + section + (digit or 0)

    def _counts(self, text: str) -> list[_Count]:
        out = []
        for m in self.count_rx.finditer(text):
            v = self.parse_number(m.group("num"))
            if v is None:
                continue
            pre = m.groupdict().get("pre")
            if pre and pre in self.below and v > 0:
                v -= 1
            out.append(_Count(m.start(), m.end(), v))
        return out

    # ------------------------------------------------------------------ text
    def _prepare(self, text: str | None) -> tuple[str, list[str]]:
        notes: list[str] = []
        if not text:
            return "", notes
        if not isinstance(text, str):
            text = str(text)
        raw_cap = self.max_chars * 4
        if len(text) > raw_cap:
            text = text[:raw_cap]
        if "<" in text and ">" in text:
            text = _TAG_RX.sub(" ", text)
        if "&" in text:
            text = html.unescape(text)
        text = text.translate(_FULLWIDTH)
        text = _SPACES_RX.sub(" ", text)
        if len(text) > self.max_chars:
            text = text[: self.max_chars]
            notes.append(f"文本过长，仅读取前{self.max_chars}字")
        return text, notes

    def _snip(self, t: _Text, s: int, e: int) -> str:
        """The clause around [s, e), trimmed to evidence_chars."""
        cs, ce = t.clause(s)
        ce = max(ce, e)
        width = self.cfg.limits.evidence_chars
        if ce - cs > width:
            left = max(cs, s - width // 3)
            cs, ce = left, min(ce, left + width)
        return t.text[cs:ce].strip()

    # ------------------------------------------------------------------ reading
    def read(self, text: str | None) -> FactReading:
        prepared, notes = self._prepare(text)
        if not prepared.strip():
            return FactReading(facts=Facts(), reasons=notes)
        t = _Text(prepared)
        cues = self._find_cues(t)
        # (read whatever cues there are: a drill or a history piece with no fact word is still one)
        t.exercise = self._exercise(t.text)
        t.history = bool(self.history_rx is not None and self.history_rx.search(t.text[:self.cfg.hypothetical.history_span]))
        self._judge(t, cues)
        refuted, ref_reasons, all_refuted = self._refutation(t, cues)
        self._attach_counts(t, cues)
        facts, neg_kinds, q_kinds, fact_ev = self._facts(t, cues)
        if refuted and self._refute_quoted(t, cues, neg_kinds):
            facts, neg_kinds, q_kinds, fact_ev = self._facts(t, cues)
        refuted_kinds: set[str] = set()
        if refuted:
            facts.refuted = True
            refuted_kinds = {k for c in cues if c.status == "refuted" for k in self._speaks_for(c, t, cues)}
            refuted_kinds |= neg_kinds
            # (发出巨响，未发生爆炸…网传“发生爆炸”不实: a statement that denies a flag of a kind asserts none
            # of it, whatever word of it it also uses; counts stay: 并非持刀伤人 leaves 一人受伤 stated)
            # (编造“城站爆炸”谣言……配以“城站火车站爆炸”文字: the kind it refutes it asserts nowhere)
            for k in neg_kinds | {k for k in refuted_kinds if k in FACT_KINDS and k not in COUNTED_KINDS}:
                if getattr(facts, k, None) is True:
                    setattr(facts, k, False)
                elif k in COUNTED_KINDS and k not in facts.stated and getattr(facts, k, 0):
                    # (关于“…致人死亡”的情况说明……无人员伤亡: a bare count only the claim gave is denied)
                    setattr(facts, k, 0)
            # (a quoted claim with no fact in it, 网传“…有同伙在逃”, withdraws none of the facts)
            if all_refuted or (not refuted_kinds and not QUOTED_CLAIM.search(t.text)):
                refuted_kinds.add("all")
            elif not refuted_kinds:
                refuted_kinds.add("claim")      # a quoted claim of no fact: what an authority stated stands
            elif self._calls_spread_untrue(t.text) and not any(getattr(facts, k) for k in FACT_KINDS):
                # (针对网传“…致多人住院”一事……未发现就诊病例。网传信息不实: all that was spread goes, what
                # an authority stated stands, and the statement asserts nothing of its own)
                refuted_kinds.add("claim")
        facts.evidence = fact_ev
        # 估计上百人了，管理处门口堵得水泄不通: people counted on a scene with no word of gathering;
        # they grow a gathering the event already has (pipeline/case.py)
        g = self.cfg.kinds.get("gathering")
        req = self.kind_weak_req.get("gathering")
        if g is not None and req is not None and not facts.gathering and not refuted:
            rest = [k.value for k in t.counts if not k.used and k.value >= g.item_count_min]
            if rest and req.search(t.text):
                facts.crowd = max(rest)
        rumour_cues, claim = self._rumour(t)
        groups, group_ev = self._groups(t)
        reasons = list(notes) + list(fact_ev) + [r for r in ref_reasons if r not in fact_ev]
        if refuted:
            reasons.append("辟谣/否认的事实：" + "、".join(
                "全部" if k == "all" else "所传说法（官方发布的事实除外）" if k == "claim" else LABELS.get(k, k)
                for k in sorted(refuted_kinds)))
        if rumour_cues:
            reasons.append("传言用语：" + "、".join(rumour_cues))
        if t.exercise:
            reasons.append("演练、演习：所述情形为模拟，不计为已发生")
        for g in groups:
            reasons.append(f"特殊群体：{GROUP_LABELS[g]}（{group_ev[g]}）")
        return FactReading(
            facts=facts, refuted_kinds=refuted_kinds, rumour_cues=rumour_cues,
            special_groups=groups, reasons=reasons, negated_kinds=neg_kinds,
            questioned_kinds=q_kinds - {k for k in FACT_KINDS if self._asserted(facts, k)},
            rumour_claim=claim, group_evidence=group_ev, exercise=t.exercise, history=t.history,
        )

    # -- cues
    def _find_cues(self, t: _Text) -> list[_Cue]:
        text = t.text
        cues: list[_Cue] = []
        if self.cue_rx is not None:
            excl_cache: dict[str, _SpanSet] = {}
            req_text_cache: dict[str, bool] = {}
            req_sent_cache: dict[tuple[str, bool, int], bool] = {}
            for m in self.cue_rx.finditer(text):
                word = m.group(0)
                kind, weak = self.kind_of[word]
                s, e = m.start(), m.end()
                if kind not in excl_cache:
                    excl_cache[kind] = _spans(self.kind_excl[kind], text)
                if excl_cache[kind].overlaps(s, e):
                    continue
                rule = self.cfg.kinds[kind]
                req = self.kind_req[kind]
                if req is not None:
                    if rule.require_scope == "text":
                        if kind not in req_text_cache:
                            req_text_cache[kind] = req.search(text) is not None
                        if not req_text_cache[kind]:
                            continue
                    else:
                        ss, se = t.sentence(s)
                        key = (kind, False, ss)
                        if key not in req_sent_cache:
                            req_sent_cache[key] = req.search(text, ss, se) is not None
                        if not req_sent_cache[key]:
                            continue
                if weak:
                    ss, se = t.sentence(s)
                    key = (kind, True, ss)
                    if key not in req_sent_cache:
                        req_sent_cache[key] = self.kind_weak_req[kind].search(text, ss, se) is not None
                    if not req_sent_cache[key]:
                        continue
                cues.append(_Cue(kind, s, e, word, counted=rule.counted))
        # compact forms: 一死两伤, 3死2伤
        taken: set[int] = set()
        for rx in self.compact_rxs:
            for m in rx.finditer(text):
                if any(i in taken for i in range(m.start(), m.end())):
                    continue
                taken.update(range(m.start(), m.end()))
                for kind, val in m.groupdict().items():
                    if val is None:
                        continue
                    v = self.parse_number(val)
                    if v is None:
                        continue
                    cues.append(_Cue(kind, m.start(), m.end(), m.group(0), value=v,
                                     snippet=m.group(0), counted=True, compact=True))
        cues.sort(key=lambda c: (c.start, c.end))
        return cues

    def _judge(self, t: _Text, cues: list[_Cue]) -> None:
        """Give each cue its status: asserted, negated, question or hypothetical."""
        if not cues:
            return
        text = t.text
        lim = self.cfg.limits
        neg_excl = _spans(self.neg_excl_rx, text)
        negs = [(a, b) for a, b in _spans(self.neg_rx, text).spans if not neg_excl.overlaps(a, b)]
        neg_starts = [a for a, _ in negs]
        drill = t.exercise or t.history
        hypo_starts = _spans(self.hypo_before_rx, text).starts
        q_cache: dict[int, bool] = {}
        for c in cues:
            cs, ce = t.clause(c.start)
            # a question clause: ends in ？ or holds a question word
            if cs not in q_cache:
                q_cache[cs] = (ce < len(text) and text[ce] in _QUESTION_END) or (
                    self.question_rx is not None and self.question_rx.search(text, cs, ce) is not None)
            if q_cache[cs]:
                c.status = "question"
                continue
            lo = max(cs, c.start - lim.negation_window)
            i, j = bisect_left(neg_starts, lo), bisect_left(neg_starts, c.start)
            negated = False
            for a, b in negs[i:j]:
                if b > c.end:
                    continue
                if self.contrast_rx is not None and self.contrast_rx.search(text, b, c.start):
                    continue
                negated = True
                if self.neg_refuting_rx is not None and self.neg_refuting_rx.fullmatch(text, a, b):
                    c.refuting_negation = True
            if negated:
                c.status = "negated"
                continue
            lo = max(cs, c.start - lim.hypothetical_window)
            i, j = bisect_left(hypo_starts, lo), bisect_left(hypo_starts, c.start)
            if drill or j > i or (self.hypo_after_rx is not None and self.hypo_after_rx.match(text, c.end)):
                c.status = "hypothetical"

    def _exercise(self, text: str) -> bool:
        return bool(self.exercise_rx is not None and self.exercise_rx.search(text) and not (
            self.exercise_unless_rx is not None and self.exercise_unless_rx.search(text)))

    # -- refutation
    def _refutation(self, t: _Text, cues: list[_Cue]) -> tuple[bool, list[str], bool]:
        """Is the item a refutation? Marks cues inside what it refutes as refuted."""
        text = t.text
        reasons: list[str] = []
        excl = _spans(self.ref_excl_rx, text)
        strong = [(a, b) for a, b in _spans(self.ref_strong_rx, text).spans if not excl.overlaps(a, b)]
        negated = [c for c in cues if c.status == "negated"]
        refuting_neg = [c for c in negated if c.refuting_negation]
        attrib = _spans(self.attrib_rx, text)
        verify = self.verify_rx.search(text) if self.verify_rx is not None else None
        refuted = bool(strong) or bool(refuting_neg) or bool(attrib and verify and negated)
        if not refuted:
            return False, reasons, False
        if strong:
            a, b = strong[0]
            reasons.append(f"辟谣：{self._snip(t, a, b)}")
        # scopes: the clause of each strong cue (and what precedes it in its sentence when
        # the clause is short, as in 系谣言), and every clause attributing a claim to others
        scopes: list[tuple[int, int]] = []
        all_refuted = False
        short = self.cfg.refutation.short_clause
        for a, b in strong:
            cs, ce = t.clause(a)
            if len(text[cs:ce].strip()) <= short:
                ss, _ = t.sentence(a)
                if cs - ss <= short + 6 and ss > 0:
                    ss, _ = t.sentence(ss - 1)
                cs = ss
            scopes.append((cs, ce))
        strong_scopes = list(scopes)
        for a in attrib.starts:
            scopes.append(t.clause(a))
        scope_set = _merge(scopes)
        # 网传“龙翔桥持刀伤人案有同伙在逃”系谣言: a fact that only names the case the quoted claim is
        # about (持刀伤人案, 火灾事故) is not what the claim says
        quoted = [m.span(1) for m in QUOTED_CLAIM.finditer(text)]
        for c in cues:
            if c.status in ("asserted", "hypothetical", "question") and scope_set.overlaps(c.start, c.start + 1):
                if any(a <= c.start < b for a, b in quoted) and _CASE_NAME.match(text, c.end):
                    continue
                c.status = "refuted"
        cue_starts = [c.start for c in cues]
        for s, e in strong_scopes:
            if bisect_left(cue_starts, s) == bisect_left(cue_starts, e) and not quoted:
                all_refuted = True
        return True, reasons, all_refuted

    def _refute_quoted(self, t: _Text, cues: list[_Cue], neg_kinds: set[str]) -> bool:
        """网上有人发布“…发生爆炸、有人死亡”等信息。经核实…未发生爆炸: every fact told in the quoted
        rumour whose blast is denied is the rumour's, not the statement's (the death too)."""
        denied = neg_kinds | {k for c in cues if c.status == "refuted" for k in self._speaks_for(c, t, cues)}
        changed = False
        for m in QUOTED_CLAIM.finditer(t.text):
            inside = [c for c in cues if m.start(1) <= c.start < m.end(1)]
            if any(k in denied for c in inside for k in self._speaks_for(c, t, cues)):
                for c in inside:
                    if c.status == "asserted":
                        c.status, changed = "refuted", True
        return changed

    def _calls_spread_untrue(self, text: str) -> bool:
        """A refuting word outside every quoted claim (网传信息不实), so about what was spread."""
        excl = _spans(self.ref_excl_rx, text)
        quoted = _SpanSet([(m.start(1), m.end(1)) for m in QUOTED_CLAIM.finditer(text)])
        return any(not excl.overlaps(a, b) and not quoted.overlaps(a, b)
                   for a, b in _spans(self.ref_strong_rx, text).spans)

    def _speaks_for(self, c: _Cue, t: _Text, cues: list[_Cue]) -> list[str]:
        rule = self.cfg.kinds.get(c.kind)
        if rule is not None and rule.speaks_for:
            return list(rule.speaks_for)
        if c.kind == "hospital":
            return [self._hospital_kind(t, c, cues)]
        return [c.kind]

    # -- counts
    def _attach_counts(self, t: _Text, cues: list[_Cue]) -> None:
        text = t.text
        counts = t.counts = self._counts(text)
        if not counts:
            for c in cues:
                if c.counted and not c.compact:
                    c.value = self.cfg.kinds[c.kind].bare_value
            return
        count_starts = [k.start for k in counts]
        count_ends = [k.end for k in counts]
        cue_starts = [c.start for c in cues]
        lim = self.cfg.limits

        def cue_between(a: int, b: int, me: _Cue) -> bool:
            i = bisect_left(cue_starts, a)
            while i < len(cues) and cues[i].start < b:
                if cues[i] is not me and cues[i].end <= b:
                    return True
                i += 1
            return False

        unset: list[_Cue] = []
        for c in cues:
            if not c.counted or c.compact or c.status != "asserted":
                continue
            rule = self.cfg.kinds[c.kind]
            gap_b = rule.count_gap_before if rule.count_gap_before is not None else lim.count_gap_before
            gap_a = rule.count_gap_after if rule.count_gap_after is not None else lim.count_gap_after
            cs, ce = t.clause(c.start)
            chosen = None
            # before: the nearest count ending at or before the cue
            j = bisect_right(count_ends, c.start) - 1
            while j >= 0:
                k = counts[j]
                if k.start < cs or c.start - k.end > gap_b:
                    break
                if not k.used and "、" not in text[k.end:c.start] and not cue_between(k.end, c.start, c):
                    chosen = k
                break
            if chosen is None:
                j = bisect_left(count_starts, c.end)
                if j < len(counts):
                    k = counts[j]
                    if (k.end <= ce and k.start - c.end <= gap_a and not k.used
                            and "、" not in text[c.end:k.start] and not cue_between(c.end, k.start, c)):
                        chosen = k
            if chosen is None:
                # the clause's subject: 30余名农民工在钱江新城某在建项目工地门口聚集 (a people count opens
                # the clause, however long the place named between it and the cue)
                j = bisect_right(count_ends, c.start) - 1
                first = None
                while j >= 0 and counts[j].start >= cs:
                    first, j = counts[j], j - 1
                if first is not None and not first.used and c.start - first.end <= lim.count_clause_chars \
                        and "、" not in text[first.end:c.start] and not cue_between(first.end, c.start, c):
                    chosen = first
            if rule.largest_in_sentence:
                # 好多人拉横幅，看着得有三十多个: a crowd told vaguely, then estimated: the estimate
                ss, se = t.sentence(c.start)
                later = [k for k in counts if c.end <= k.start and k.end <= se and not k.used
                         and k.start - c.end <= lim.count_clause_chars and (chosen is None or k.value > chosen.value)
                         and not cue_between(c.end, k.start, c)]
                # 现在三十余人了，都堵在门口: the count just before, in the sentence, as well
                later += [k for k in counts if ss <= k.start and k.end <= c.start and not k.used
                          and k.value >= rule.item_count_min
                          and c.start - k.end <= lim.count_clause_chars and (chosen is None or k.value > chosen.value)
                          and not cue_between(k.end, c.start, c)]
                if later:
                    chosen = max(later, key=lambda k: k.value)
            if chosen is None and cs > 0:
                # a clause that is only a count just before the cue's (工友，三十多个，一早就拉着横幅)
                ps, pe = t.clause(cs - 1)
                inside = [k for k in counts if ps <= k.start and k.end <= pe and not k.used]
                if len(inside) == 1 and len(text[ps:pe].strip("，,、 ")) - (inside[0].end - inside[0].start) <= 2:
                    chosen = inside[0]
            if chosen is not None:
                chosen.used = True
                c.value = chosen.value
                a, b = min(chosen.start, c.start), max(chosen.end, c.end)
                c.snippet = text[a:b]
            else:
                c.value = rule.bare_value
                if rule.item_count and c.word not in rule.weak_cues:
                    unset.append(c)
        for c in unset:
            # after every cue took its own count: the largest count no cue took, of people named
            # before the gathering (举着手机…网约车排队120位 is no crowd of 120)
            rest = [k for k in counts if not k.used and k.end <= c.start
                    and k.value >= self.cfg.kinds[c.kind].item_count_min]
            if rest:
                k = max(rest, key=lambda k: k.value)
                k.used = True
                c.value = k.value
                c.snippet = f"{text[k.start:k.end]}……{text[c.start:c.end]}"

    def _hospital_kind(self, t: _Text, c: _Cue, cues: list[_Cue]) -> str:
        """送医 is ill when the item reports illness and no injury, or its sentence does."""
        ctx = t.hosp_ctx
        if ctx is None:
            ill = [x.start for x in cues if x.kind == "ill" and x.status == "asserted"]
            inj = [x.start for x in cues if x.kind in ("injured", "deaths") and x.status == "asserted"]
            ctx = t.hosp_ctx = (ill, inj)
        ill, inj = ctx
        if ill and not inj:
            return "ill"
        if ill:
            ss, se = t.sentence(c.start)
            has_ill = bisect_left(ill, se) > bisect_left(ill, ss)
            has_inj = bisect_left(inj, se) > bisect_left(inj, ss)
            if has_ill and not has_inj:
                return "ill"
        return "injured"

    # -- facts
    def _asserted(self, facts: Facts, kind: str) -> bool:
        v = getattr(facts, kind)
        return bool(v)

    def _facts(self, t: _Text, cues: list[_Cue]):
        best: dict[str, _Cue] = {}
        best_val: dict[str, int] = {}
        flags: dict[str, _Cue] = {}
        neg_kinds: set[str] = set()
        q_kinds: set[str] = set()
        other_ev: list[str] = []
        seen_ev: set[str] = set()
        for c in cues:
            kinds = self._speaks_for(c, t, cues)
            if c.status == "asserted":
                rule = self.cfg.kinds.get(c.kind)
                if rule is not None and not rule.assert_:
                    continue
                for k in kinds:
                    if k in COUNTED_KINDS:
                        if c.value > best_val.get(k, 0) or (k not in best and c.value > 0):
                            best[k], best_val[k] = c, c.value
                    elif k not in flags:
                        flags[k] = c
                if c.kind == "hospital" and kinds == ["ill"]:
                    # the ill taken to hospital are hospitalised too (§3: three or more injured or
                    # hospitalised): a family of three poisoned and admitted. Their number is the
                    # hospital's own (其中2人到医院) or else the largest illness count told before it in
                    # the sentence (not others unwell after it).
                    ss, se = t.sentence(c.start)
                    before = [x for x in cues if x.kind == "ill" and x.status == "asserted" and ss <= x.start < c.start]
                    # (其中2名儿童就医输液: 输液 has no count of its own, 就医 has: 2, not the 9 ill)
                    counted = [x.value for x in cues if x.kind == "hospital" and x.snippet and ss <= x.start < se]
                    n = c.value if c.snippet else (max(counted) if counted else max((x.value for x in before), default=0))
                    if n > best_val.get("injured", 0):
                        best["injured"], best_val["injured"] = c, n
                continue
            if c.status == "negated":
                neg_kinds.update(kinds)
            elif c.status == "question":
                q_kinds.update(kinds)
            label = STATUS_LABELS.get(c.status)
            if label:
                ev = f"{label}：{self._snip(t, c.start, c.end)}"
                if ev not in seen_ev:
                    seen_ev.add(ev)
                    other_ev.append(ev)
        facts = Facts()
        ev: list[str] = []
        for k in COUNTED_KINDS:
            if k in best and best_val[k] > 0:
                setattr(facts, k, best_val[k])
                c = best[k]
                if c.snippet:
                    facts.stated.append(k)
                ev.append(f"{LABELS[k]} {best_val[k]}（{c.snippet or self._snip(t, c.start, c.end)}）")
        for k in ("trapped", "evacuated", "explosion", "collapse"):
            if k in flags:
                setattr(facts, k, True)
                c = flags[k]
                ev.append(f"{LABELS[k]}（{self._snip(t, c.start, c.end)}）")
        return facts, neg_kinds, q_kinds, ev + other_ev

    # -- rumours
    def _rumour(self, t: _Text) -> tuple[list[str], bool]:
        text = t.text
        excl = _spans(self.rum_excl_rx, text)
        found: list[str] = []
        claim = False
        for rx, is_claim in ((self.rum_claim_rx, True), (self.rum_spread_rx, False)):
            if rx is None:
                continue
            for m in rx.finditer(text):
                if excl.overlaps(m.start(), m.end()):
                    continue
                claim = claim or is_claim
                if m.group(0) not in found:
                    found.append(m.group(0))
        return found, claim

    # -- special groups
    def _groups(self, t: _Text) -> tuple[list[str], dict[str, str]]:
        text = t.text
        found: dict[str, str] = {}
        for g, rx, age, req, req_scope, excl, excl_sent in self.groups:
            if g in found:
                continue
            if age:
                for m in self.age_rx.finditer(text):
                    n = self.parse_number(m.group(1))
                    if n is not None and self.min_age <= n <= 130:
                        found[g] = m.group(0)
                        break
                continue
            if req is not None and req_scope == "text" and not req.search(text):
                continue
            excl_spans = _spans(excl, text)
            for n, m in enumerate(rx.finditer(text)):
                if n >= _MAX_GROUP_TRIES:
                    break
                s, e = m.start(), m.end()
                if e == s or excl_spans.overlaps(s, e):
                    continue
                ss, se = t.sentence(s)
                if excl_sent is not None and excl_sent.search(text, ss, se):
                    continue
                if req is not None and req_scope == "sentence" and not req.search(text, ss, se):
                    continue
                found[g] = m.group(0)
                break
        groups = [g for g in GROUPS if g in found]
        return groups, {g: found[g] for g in groups}


_DEFAULT_READER: FactReader | None = None


def read_facts(text: str | None) -> FactReading:
    """Read with the repository's default config (one reader, built once)."""
    global _DEFAULT_READER
    if _DEFAULT_READER is None:
        _DEFAULT_READER = FactReader.default()
    return _DEFAULT_READER.read(text)
