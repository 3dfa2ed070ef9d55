"""When an article was published: every date on the page is a candidate, scored by where it is.

The page's visible lines are split into zones around the headline and the extracted body:

* ``header``: from the headline to the first body line: where the article states its own time
  (``发布时间：2026-11-20 10:12``, ``2026年11月20日 10:12 来源：…``). Highest score.
* structured data: JSON-LD ``datePublished``, ``<time pubdate>`` / ``itemprop=datePublished``,
  publish-time meta tags (``article:published_time``, ``pubdate``, ``publishdate`` …), then
  generic ``date`` meta tags.
* ``above``: the three lines just above the headline (a forum post's or a blog entry's date).
* ``body_head`` (a dateline in the first body lines) and ``tail`` (the end of the body and just
  after it, where some sites print the time).
* ``chrome`` (above the headline: today's date in the top bar, a newer date in the
  navigation) and ``after`` (related links, comments, replies): lowest.
* htmldate's reading of the page, when nothing better is there.

A label just before a date moves it: 发布时间/发表于 up, 更新时间 down, 成文日期 down a
little (a government notice's 发布日期 is its publication). Year-less and relative readings
count a little less than full ones, and an ambiguous 06/02/2022 much less (structured data
says which it is). The best-scored reading wins; if another good reading gives
the same day with more precision (a date-only meta tag and ``2026-11-20 10:12`` in the header),
the more precise one is used.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime

from crawlers.dates import DateReading, find_dates, parse_structured

PUBLISH_META = ("article:published_time", "og:published_time", "og:article:published_time",
                "article:published", "published_time", "publish_time", "publishtime",
                "publish-time", "publish_date", "publishdate", "pubdate", "pubtime", "ptime",
                "publication_date", "datepublished", "dc.date.issued", "dcterms.issued",
                "dc.date.created", "dcterms.created", "sailthru.date", "weibo:article:create_at",
                "og:release_date", "release_date", "createdate", "firstpublishedtime",
                "citation_publication_date", "citation_date", "citation_online_date",
                "parsely-pub-date", "article.published", "contentpublishdate")
GENERIC_META = ("date", "dc.date", "dcterms.date", "dc.date.available")

ZONE_SCORE = {"header": 90, "above": 58, "body_head": 55, "tail": 50, "chrome": 15, "body": 8,
              "after": 6}
MAX_LINES = 4000


@dataclass
class Candidate:
    reading: DateReading
    score: float
    source: str


@dataclass
class Layout:
    """Where headline and body sit in the page's visible lines (indexes, or None)."""
    lines: list[str]
    title_idx: int | None
    body_start: int | None
    body_end: int | None

    def zone(self, i: int) -> str:
        t, s, e = self.title_idx, self.body_start, self.body_end
        if s is None:
            if t is not None and t <= i <= t + 10:
                return "header"
            return "chrome" if t is not None and i < t else "body"
        head_from = t if t is not None and t <= s and s - t <= 40 else max(0, s - 8)
        if head_from <= i < s:
            return "header"
        if t is not None and head_from == t and t - 3 <= i < t:
            return "above"
        if i < head_from:
            return "chrome"
        end = e if e is not None and e >= s else s
        if s <= i <= min(s + 1, end):
            return "body_head"
        if end - 2 <= i <= end + 6 and i > s + 1:
            return "tail"
        if i <= end:
            return "body"
        return "after"

    def header_lines(self) -> list[str]:
        return [ln for i, ln in enumerate(self.lines[:MAX_LINES]) if self.zone(i) == "header"]


def _label_bonus(r: DateReading, zone: str) -> float:
    if r.label == "publish":
        return 8 if zone == "header" else 25
    if r.label == "update":
        return -25
    if r.label in ("written", "effective"):
        return -15
    return 0


def line_candidates(layout: Layout, now: datetime | None) -> list[Candidate]:
    """Dates in the page's lines. Outside the header, a year-less or relative reading counts
    only in a short metadata-like line or after a publish label (刚刚 and 6月4日 are also
    ordinary words in running text)."""
    out = []
    for i, ln in enumerate(layout.lines[:MAX_LINES]):
        if not re.search(r"\d|刚|今|昨|前天|〇|二", ln):
            continue
        zone = layout.zone(i)
        for r in find_dates(ln, now, limit=8):
            if (r.relative or r.yearless) and zone != "header" and r.label != "publish":
                if zone not in ("tail", "above") or len(ln) > 60:
                    continue
            score = ZONE_SCORE[zone] + _label_bonus(r, zone)
            if zone == "header" and layout.title_idx is not None:
                score -= 0.5 * max(0, i - layout.title_idx)
            if zone == "above":
                score -= 3 * (layout.title_idx - i)
            if r.relative or r.yearless:
                score -= 5
            if r.ambiguous:
                score -= 40
            if zone in ("chrome", "above") and re.match(r"\s*(?:星期|周|礼拜)[一二三四五六日天]", ln[r.end:r.end + 4]):
                score -= 10
            out.append(Candidate(r, score, f"page text ({zone})"))
    out += _split_header_dates(layout, now, {c.reading.plain for c in out})
    return out


def _split_header_dates(layout: Layout, now: datetime | None, seen: set[str]) -> list[Candidate]:
    """A header date printed in pieces, one element each: '2019' / '09/07' / '19:02'."""
    out = []
    run: list[int] = []
    idx = [i for i, _ in enumerate(layout.lines[:MAX_LINES]) if layout.zone(i) == "header"]
    for i in idx + [-1]:
        if i >= 0 and len(layout.lines[i]) <= 25 and (not run or i == run[-1] + 1):
            run.append(i)
            continue
        if len(run) >= 2:
            joined = " ".join(layout.lines[j] for j in run)
            for r in find_dates(joined, now, limit=4):
                if r.plain in seen or " " not in r.text:
                    continue
                score = ZONE_SCORE["header"] + _label_bonus(r, "header") - 2
                if layout.title_idx is not None:
                    score -= 0.5 * max(0, run[0] - layout.title_idx)
                out.append(Candidate(r, score, "page text (header, split)"))
        run = [i] if i >= 0 and len(layout.lines[i]) <= 25 else []
    return out


def meta_candidates(meta: dict[str, str], now: datetime | None) -> list[Candidate]:
    out = []
    for keys, score in ((PUBLISH_META, 80), (GENERIC_META, 60)):
        for key in keys:
            val = meta.get(key)
            r = parse_structured(val, now) if val else None
            if r is not None:
                out.append(Candidate(r, score, f"meta {key}"))
    return out


def _walk_json(obj, depth=0):
    if depth > 6:
        return
    if isinstance(obj, dict):
        yield obj
        for v in obj.values():
            yield from _walk_json(v, depth + 1)
    elif isinstance(obj, list):
        for v in obj[:50]:
            yield from _walk_json(v, depth + 1)


def parse_json_ld(blocks: list[str]) -> list[dict]:
    out = []
    for b in blocks:
        try:
            data = json.loads(b.strip().rstrip(";"))
        except (ValueError, TypeError):
            continue
        out.extend(d for d in _walk_json(data))
    return out


def json_ld_candidates(objs: list[dict], now: datetime | None) -> list[Candidate]:
    out = []
    for d in objs:
        for key, score in (("datePublished", 85), ("dateCreated", 70), ("uploadDate", 70)):
            v = d.get(key)
            if isinstance(v, str):
                r = parse_structured(v, now)
                if r is not None:
                    out.append(Candidate(r, score, f"json-ld {key}"))
    return out


def time_tag_candidates(tree, now: datetime | None) -> list[Candidate]:
    out = []
    for el in tree.xpath("//time | //*[@itemprop='datePublished'] | //*[@itemprop='dateCreated']")[:50]:
        val = el.get("datetime") or el.get("content") or (el.text_content() or "").strip()
        r = parse_structured(val, now) if val else None
        if r is None:
            continue
        pub = el.get("pubdate") is not None or el.get("itemprop") == "datePublished" \
            or "publish" in (el.get("class") or "").lower()
        out.append(Candidate(r, 85 if pub else 45, "time tag" + (" (published)" if pub else "")))
    return out


def htmldate_candidate(html: str, now: datetime | None) -> list[Candidate]:
    try:
        from htmldate import find_date
        kw = {}
        if now is not None:
            kw["max_date"] = now.strftime("%Y-%m-%d")
        d = find_date(html, extensive_search=False, original_date=True, outputformat="%Y-%m-%d",
                      **kw)
    except Exception:  # noqa: BLE001 - htmldate is a last resort
        return []
    r = parse_structured(d, now) if d else None
    return [Candidate(r, 40, "htmldate")] if r is not None else []


def choose(cands: list[Candidate]) -> Candidate | None:
    if not cands:
        return None
    best = max(cands, key=lambda c: c.score)
    finer = [c for c in cands if c.score >= 40 and c.reading.finer_than(best.reading)
             and c.reading.plain.startswith(best.reading.plain)]
    if finer and best.reading.precision in ("day", "month", "year"):
        return max(finer, key=lambda c: (c.score, c.reading.precision == "second"))
    return best
