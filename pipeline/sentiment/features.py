"""Text normalisation and character n-gram features for the sentiment model.

Everything here is pure Python and cheap: no word segmentation, so scoring stays far faster
than snownlp (whose own segmenter dominates its run time).
"""
from __future__ import annotations

import gzip
import html
import os
import re
import unicodedata

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")

HEAD_CHARS = 1500   # long texts: read the head ...
TAIL_CHARS = 500    # ... and the tail (conclusions, demands, "经核实不实")

_TAG = re.compile(r"<[^>]{0,200}>")
_URL = re.compile(r"(?:https?://|www\.)[\x21-\x7e]+")
_MENTION = re.compile(r"@[\w\u4e00-\u9fff\-]{1,30}")
_REPOST = re.compile(r"//\s*$")
_EMOTICON = re.compile(r"\[[^\[\]\s]{1,6}\]")
_DIGITS = re.compile(r"\d+(?:\.\d+)?")
_LATIN = re.compile(r"[a-z]+")
_SPACE = re.compile(r"\s+")
_REPEAT = re.compile(r"(.)\1{2,}")

_T2S: dict[int, str] | None = None


def _t2s_table() -> dict[int, str]:
    """Traditional -> simplified single-character map (derived from snownlp's MIT table)."""
    global _T2S
    if _T2S is None:
        table: dict[int, str] = {}
        path = os.path.join(DATA_DIR, "t2s.txt.gz")
        try:
            with gzip.open(path, "rt", encoding="utf-8") as f:
                for line in f:
                    if len(line) >= 3 and line[1] == "\t":
                        table[ord(line[0])] = line[2]
        except OSError:
            pass
        _T2S = table
    return _T2S


def clip(text: str) -> str:
    """Bound the work on huge texts: the head and the tail."""
    if len(text) > HEAD_CHARS + TAIL_CHARS:
        return text[:HEAD_CHARS] + "。" + text[-TAIL_CHARS:]
    return text


def normalize(text: str | None) -> str:
    """Lower-case, NFKC (full-width -> half-width), simplified characters, no HTML/URLs/@names.

    Emoticon tokens such as [怒] are kept as they are (they carry sentiment); digits become 0.
    """
    if not text:
        return ""
    if not isinstance(text, str):
        text = str(text)
    # cap before the regexes, with some slack for HTML that will be removed
    if len(text) > 4 * (HEAD_CHARS + TAIL_CHARS):
        text = text[: 3 * HEAD_CHARS] + "\n" + text[-3 * TAIL_CHARS:]
    if "<" in text:
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.translate(_t2s_table())
    text = _URL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    text = _DIGITS.sub("0", text)
    text = _REPEAT.sub(r"\1\1", text)
    text = _SPACE.sub(" ", text).strip()
    return clip(text)


def _units(text: str) -> list[str]:
    """Characters, with runs of latin letters kept as one unit and spaces dropped."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if "a" <= c <= "z":
            j = i + 1
            while j < n and "a" <= text[j] <= "z":
                j += 1
            out.append(text[i:j])
            i = j
            continue
        if c != " ":
            out.append(c)
        i += 1
    return out


def ngrams(text: str, max_n: int = 3) -> set[str]:
    """The set of character 1..max_n-grams of a normalised text, with ^ and $ boundaries."""
    u = ["^"] + _units(text) + ["$"]
    feats: set[str] = set()
    n = len(u)
    for i in range(n):
        feats.add(u[i])
        if i + 1 < n:
            b = u[i] + u[i + 1]
            feats.add(b)
            if max_n >= 3 and i + 2 < n:
                feats.add(b + u[i + 2])
    feats.discard("^")
    feats.discard("$")
    return feats
