"""Text helpers both search backends share: query terms, plain snippets with spans, local days.

Crawled text is data, never markup: snippets are plain strings and highlights are character
spans into them, so whoever shows a hit escapes it once, in one place.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from yuqing.seams import SearchQuery
from yuqing.timeutil import UTC

SNIPPET_CHARS = 120          # length of a hit's snippet
SNIPPET_LEAD = 30            # characters of context kept before the first match
AGG_BY = ("day", "level", "unit", "platform", "category", "negative")
INTERVALS = ("day", "week", "month")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def terms(text: str) -> list[str]:
    """The words of a query: whitespace separates terms, each term must occur as a substring."""
    out: list[str] = []
    for t in (text or "").split():
        if t.casefold() not in (o.casefold() for o in out):
            out.append(t)
    return out


def check_aggregate(by: str, interval: str, tz: str) -> ZoneInfo:
    if by not in AGG_BY:
        raise ValueError(f"aggregate by {by!r}: expected one of {', '.join(AGG_BY)}")
    if interval not in INTERVALS:
        raise ValueError(f"aggregate interval {interval!r}: expected one of {', '.join(INTERVALS)}")
    return ZoneInfo(tz)


def check_query(q: SearchQuery) -> None:
    if q.limit < 0 or q.offset < 0:
        raise ValueError(f"search: limit and offset must be ≥ 0 (got {q.limit}, {q.offset})")
    for name in ("since", "until"):
        v = getattr(q, name)
        if v is not None and (v.tzinfo is None or v.utcoffset() is None):
            raise ValueError(f"search: {name} is a naive datetime (a timezone is required)")


def merge_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, with overlapping and touching spans joined (engines mark n-grams one by one)."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def find_spans(text: str, words: list[str]) -> list[tuple[int, int]]:
    """Every occurrence of every word in text, case-insensitively, merged."""
    spans = []
    for w in words:
        spans += [m.span() for m in re.finditer(re.escape(w), text, re.IGNORECASE)]
    return merge_spans(spans)


def window(text: str, spans: list[tuple[int, int]], size: int = SNIPPET_CHARS
           ) -> tuple[str, list[tuple[int, int]]]:
    """Cut text to `size` characters around its first span; spans re-based, partial ones dropped."""
    if len(text) <= size:
        return text, spans
    start = max(0, spans[0][0] - SNIPPET_LEAD) if spans else 0
    start = max(0, min(start, len(text) - size))
    end = start + size
    return text[start:end], [(s - start, e - start) for s, e in spans if s >= start and e <= end]


def snippet(text: str, words: list[str], size: int = SNIPPET_CHARS) -> tuple[str, list[tuple[int, int]]]:
    return window(text, find_spans(text, words), size)


def parse_marked(fragment: str, pre: str, post: str) -> tuple[str, list[tuple[int, int]]]:
    """An engine's highlight fragment (matches between pre and post markers) → plain text + spans."""
    plain: list[str] = []
    spans: list[tuple[int, int]] = []
    pos, n, opened = 0, 0, None
    while pos < len(fragment):
        if fragment.startswith(pre, pos):
            opened = n if opened is None else opened
            pos += len(pre)
        elif fragment.startswith(post, pos):
            if opened is not None and n > opened:
                spans.append((opened, n))
            opened = None
            pos += len(post)
        else:
            plain.append(fragment[pos])
            n += 1
            pos += 1
    return "".join(plain), merge_spans(spans)


def to_us(dt: datetime) -> int:
    """An aware datetime as integer microseconds since the epoch (exact, sortable)."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"naive datetime {dt.isoformat()} (a timezone is required)")
    return (dt - EPOCH) // timedelta(microseconds=1)


def from_us(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


def offset_segments(tz: ZoneInfo, lo: int, hi: int) -> list[tuple[int | None, int]]:
    """The zone's UTC offsets (seconds) between epoch seconds lo and hi, as (segment end, offset)
    pairs, the last end None. Probing once a day finds every change that lasts over a day; a
    bisection then finds the second it happens, so a per-row CASE in SQL gets local dates right
    across daylight-saving changes without a timezone database in SQLite."""
    def off(t: int) -> int:
        return int(datetime.fromtimestamp(t, tz).utcoffset().total_seconds())

    segs: list[tuple[int | None, int]] = []
    cur, t = off(lo), lo
    while t < hi:
        nxt = min(t + 86400, hi)
        if off(nxt) != cur:
            a, b = t, nxt
            while b - a > 1:
                m = (a + b) // 2
                a, b = (m, b) if off(m) == cur else (a, m)
            segs.append((b, cur))
            cur = off(b)
        t = nxt
    segs.append((None, cur))
    return segs
