"""Normalise an item's text for analysis: HTML removed, traditional → simplified, size capped.

The stored item keeps its original text; only the analysis text is normalised. Every change
made is recorded as a reason, so a reader knows why the analysis saw different text.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import opencc

_TAG = re.compile(r"<\s*(script|style)[^>]*>.*?<\s*/\s*\1\s*>|<[^>]{1,500}>", re.S | re.I)
_WS = re.compile(r"[ \t\r\f\v\u3000\xa0]+")
_NL = re.compile(r"\n{3,}")
_T2S = opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese (OpenCC); a few microseconds for a post."""
    return _T2S.convert(text)

MAX_ANALYSIS_CHARS = 20_000   # a 1 MB page: read its head and tail, which carry the news


@dataclass
class Normalised:
    title: str
    content: str
    reasons: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.content}" if self.title else self.content


def _clean(s: str, reasons: list[str], what: str) -> str:
    if "<" in s and ">" in s:
        stripped = _TAG.sub(" ", s)
        if stripped != s:
            reasons.append(f"{what}去除HTML标签")
            s = stripped
    if "&" in s:
        s = html.unescape(s)
    s = _WS.sub(" ", s)
    s = _NL.sub("\n\n", s).strip()
    conv = to_simplified(s)   # cheaper than guessing whether it is needed
    if conv != s:
        reasons.append(f"{what}繁体转简体")
        s = conv
    return s


def normalise(title: str | None, content: str | None) -> Normalised:
    reasons: list[str] = []
    content = content or ""
    if len(content) > MAX_ANALYSIS_CHARS * 4:
        # Cap the work before regexes run on a huge page: keep the head and the tail.
        content = content[: MAX_ANALYSIS_CHARS * 2] + "\n" + content[-MAX_ANALYSIS_CHARS:]
    t = _clean(title or "", reasons, "标题")
    c = _clean(content, reasons, "正文")
    if len(c) > MAX_ANALYSIS_CHARS:
        reasons.append(f"正文过长（{len(c)}字），分析取前{MAX_ANALYSIS_CHARS * 3 // 4}字和后{MAX_ANALYSIS_CHARS // 4}字")
        c = c[: MAX_ANALYSIS_CHARS * 3 // 4] + "\n" + c[-MAX_ANALYSIS_CHARS // 4:]
    if not c.strip() and not t.strip():
        reasons.append("正文为空")
    return Normalised(t, c, reasons)


_CJK_OR_WORD = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")


def has_words(text: str) -> bool:
    """False for empty, emoji-only or punctuation-only text (nothing to analyse)."""
    return bool(_CJK_OR_WORD.search(text))
