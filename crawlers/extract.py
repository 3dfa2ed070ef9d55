"""Page decoding and article extraction.

`decode_html` finds the real encoding of a fetched page. Chinese pages often lie about it:
GBK bytes with no declaration at all, pages declaring gb2312 that are really UTF-8, servers
that say ISO-8859-1 by default. The order of evidence is:

1. a byte-order mark;
2. the bytes themselves when they are valid UTF-8 with non-ASCII text (GBK text is almost
   never valid UTF-8, so this beats any declaration);
3. a GB-family declaration (gb2312/gbk/gb18030, from HTTP header or <meta>) read as GB18030,
   its superset, so GBK-only characters in "gb2312" pages are not lost;
4. any other declared charset that decodes the bytes cleanly (HTTP header before <meta>;
   iso-8859-1/ascii/windows-1252 are ignored as typical server defaults), except that a
   single-byte charset (windows-1251, koi8-r ...) loses to GB18030 when the bytes also decode
   cleanly as Chinese that way: a single-byte charset "decodes" any bytes;
5. GB18030 when the bytes decode cleanly as such and look like Chinese text;
6. charset-normalizer's best guess;
7. GB18030 or UTF-8 with replacement characters, whichever loses less.

`extract_article` takes the decoded HTML and returns title, author, published_at (ISO 8601
with offset, a time without zone read as Asia/Shanghai), content and extras (editor, source,
page kind, platform, metrics from meta tags). The pieces live in their own modules:

* `crawlers.body`: bounded preparation, layout tables turned into divs, three extractors
  (readability, trafilatura, GNE) chosen between by agreement, boilerplate cut;
* `crawlers.pubtime` with `crawlers.dates`: every date on the page scored by where it sits
  relative to the headline and the body (header > structured data > foot > page chrome);
* `crawlers.bylines`: author / editor / source rules (来源 is a source, 编辑 an editor);
* `crawlers.pagekind`: government / forum / portal / news from general page features.
"""
from __future__ import annotations

import codecs
import html as htmllib
import re
from datetime import datetime
from typing import Any

from crawlers.body import (adjacent_data_tables, block_lines, clean_lines, extract_body,
                           json_ld_blocks, nows, prepare_html, untable)
from crawlers.bylines import find_byline, person_from_meta
from crawlers.dates import parse_structured
from crawlers.pagekind import page_kind
from crawlers.pubtime import (Layout, htmldate_candidate, json_ld_candidates, line_candidates,
                              meta_candidates, parse_json_ld, time_tag_candidates)
from crawlers.pubtime import choose as choose_time

MAX_HTML_BYTES = 3_000_000       # pages above this are cut before decoding
MAX_HTML_CHARS = 2_000_000       # and the text before extraction
MAX_CONTENT_CHARS = 200_000      # the body text returned

_GB_NAMES = {"gb2312", "gbk", "gb18030", "gb_2312-80", "x-gbk", "cp936", "euc-cn", "hz-gb-2312"}
_WEAK_NAMES = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "ascii", "us-ascii",
               "windows-1252", "cp1252"}

_META_CHARSET_RE = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-:.]+)""", re.IGNORECASE)
_CJK_RE = re.compile(r"[\u4e00-\u9fff]")


class DecodeError(ValueError):
    pass


def _norm_charset(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    try:
        return codecs.lookup(name).name          # canonical python name, e.g. 'gb2312'
    except LookupError:
        return name if name in _GB_NAMES else None


def _is_gb(name: str | None) -> bool:
    return bool(name) and (name in _GB_NAMES or name.replace("_", "") in _GB_NAMES
                           or name.startswith("gb"))


def _single_byte(name: str) -> bool:
    try:
        return len("中".encode("utf-8").decode(name, "replace")) == 3
    except LookupError:
        return False


def meta_charset(body: bytes) -> str | None:
    """The charset declared in the first 4 KiB (<meta charset> or http-equiv)."""
    m = _META_CHARSET_RE.search(body[:4096])
    return m.group(1).decode("ascii", "ignore") if m else None


def _cjk_share(text: str) -> float:
    letters = [c for c in text if not c.isspace() and not c.isascii()]
    if not letters:
        return 0.0
    return len(_CJK_RE.findall(text)) / len(letters)


_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def decode_html(body: bytes, declared: str | None, *args, **kwargs):
    """The page as text (see `_decode_html`), without control characters: a NUL in crawled text
    is no character and a database (PostgreSQL) refuses it."""
    text, enc, why = _decode_html(body, declared, *args, **kwargs)
    return _CONTROLS.sub("", text), enc, why


def _decode_html(body: bytes, http_charset: str | None = None) -> tuple[str, str, str]:
    """Decode page bytes. Returns (text, encoding, reason); reason says which evidence won."""
    if body is None:
        raise DecodeError("no body")
    if len(body) > MAX_HTML_BYTES:
        body = body[:MAX_HTML_BYTES]
    if not body.strip():
        return "", "ascii", "empty body"

    for bom, enc in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                     (codecs.BOM_UTF16_BE, "utf-16-be")):
        if body.startswith(bom):
            return body[len(bom):].decode(enc, "replace"), enc, "byte-order mark"

    declared_http = _norm_charset(http_charset)
    declared_meta = _norm_charset(meta_charset(body))

    # 2. valid UTF-8 with real non-ASCII content wins over any declaration
    non_ascii = any(b > 0x7F for b in body)
    if non_ascii:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            said = declared_http or declared_meta
            reason = "bytes are valid UTF-8"
            if said and said not in ("utf-8", "utf_8"):
                reason += f" (declared {said} ignored)"
            return text, "utf-8", reason
    else:
        return body.decode("ascii"), "ascii", "pure ASCII"

    # 3. GB family declared anywhere -> GB18030 (superset of gb2312 and gbk)
    for where, said in (("HTTP header", declared_http), ("meta tag", declared_meta)):
        if _is_gb(said):
            text = body.decode("gb18030", "replace")
            bad = text.count("\ufffd")
            return text, "gb18030", f"{where} declares {said}" + (
                f"; {bad} undecodable byte sequences replaced" if bad else "")

    # 4. another declared charset that decodes cleanly (a single-byte one decodes anything:
    #    it loses to GB18030 when the bytes read cleanly as Chinese that way)
    for where, said in (("HTTP header", declared_http), ("meta tag", declared_meta)):
        if said and said not in _WEAK_NAMES and said not in ("utf-8", "utf_8"):
            try:
                text = body.decode(said)
            except (UnicodeDecodeError, LookupError):
                continue
            if _single_byte(said) and _cjk_share(text) < 0.3:
                try:
                    gb = body.decode("gb18030")
                except UnicodeDecodeError:
                    gb = None
                if gb is not None and _cjk_share(gb) > 0.5:
                    return gb, "gb18030", (f"{where} declares {said}, but the bytes decode "
                                           f"cleanly as GB18030 Chinese")
            return text, said, f"{where} declares {said}"

    # 5. undeclared (or only a weak default): GB18030 if it decodes cleanly into Chinese
    try:
        text = body.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None and _cjk_share(text) > 0.5:
        return text, "gb18030", "no usable declaration; bytes decode cleanly as GB18030"

    # 6. charset-normalizer
    try:
        from charset_normalizer import from_bytes
        best = from_bytes(body[:200_000]).best()
    except Exception:  # noqa: BLE001 - a detector failure must not stop decoding
        best = None
    if best is not None and best.encoding:
        enc = best.encoding
        if _is_gb(enc) or enc in ("big5", "big5hkscs", "utf_8"):
            enc = "gb18030" if _is_gb(enc) else enc
            return body.decode(enc, "replace"), enc, f"charset-normalizer guess {best.encoding}"

    # 7. least-damage fallback between GB18030 and UTF-8
    gb = body.decode("gb18030", "replace")
    u8 = body.decode("utf-8", "replace")
    if gb.count("\ufffd") <= u8.count("\ufffd"):
        return gb, "gb18030", f"fallback: GB18030 with {gb.count(chr(0xFFFD))} replacements"
    return u8, "utf-8", f"fallback: UTF-8 with {u8.count(chr(0xFFFD))} replacements"


def looks_mojibake(text: str) -> bool:
    """True when decoded text looks garbled: many replacement chars or few CJK among non-ASCII."""
    if not text:
        return False
    if text.count("\ufffd") > max(3, len(text) // 200):
        return True
    return _cjk_share(text) < 0.3 and sum(1 for c in text if not c.isascii()) > 50


# ---------------------------------------------------------------- extraction

_META_AUTHOR_KEYS = ("author", "article:author", "dc.creator", "dcterms.creator", "byline",
                     "weibo:article:author", "citation_author", "citation_authors", "sailthru.author",
                     "parsely-author", "og:article:author")
_META_SOURCE_KEYS = ("source", "og:site_name", "article:publisher", "mediaid", "publisher",
                     "citation_publisher", "dc.publisher", "sitename")
_METRIC_NAMES = ("reposts", "comments", "likes", "views")
_TITLE_SEP = re.compile(r"\s*(?:_+|\||｜|--|::|—{1,2})\s*|\s+[-–]\s+")


def _meta_map(tree) -> dict[str, str]:
    """Meta tags by lower-cased name/property/itemprop, spaces removed ('weibo: x' -> 'weibo:x')."""
    out: dict[str, str] = {}
    for el in tree.iter("meta"):
        key = (el.get("name") or el.get("property") or el.get("itemprop") or "")
        key = re.sub(r"\s+", "", key).lower()
        val = el.get("content")
        if key and val and val.strip() and key not in out:
            out[key] = val.strip()
    return out


def normalise_time(text: str | None, now: datetime | None = None) -> tuple[str | None, str | None]:
    """Find a time in text. Returns (iso with +08:00 or own offset, 'YYYY-MM-DD[ HH:MM[:SS]]')."""
    r = parse_structured(text, now) if text else None
    if r is None:
        return None, None
    return r.iso, r.plain


def _int(v: Any) -> int:
    try:
        return max(0, int(float(str(v).replace(",", "").strip())))
    except (TypeError, ValueError):
        return 0


def _title(tree, meta: dict[str, str]) -> str | None:
    """The headline: an <h1>/<h2> that opens (else: that is in) the <title> or og:title, else og:title, else the
    <title> without its site suffix, else the first <h1>/<h2>."""
    def clean(t: str | None) -> str:
        return re.sub(r"\s+", " ", htmllib.unescape(t or "")).strip()

    page_title = clean(" ".join(t.text_content() for t in tree.iter("title")))
    og = clean(meta.get("og:title") or meta.get("twitter:title") or meta.get("title"))
    heads = [clean(h.text_content()) for h in tree.xpath("//h1|//h2")[:12]]
    heads = [h for h in heads if 4 <= len(h) <= 120]
    for h in heads:             # the headline usually opens the <title>
        if nows(h) and (nows(page_title).startswith(nows(h)) or nows(og).startswith(nows(h))):
            return h
    for h in heads:
        if nows(h) and (nows(h) in nows(page_title) or nows(h) in nows(og)):
            return h
    if og:
        return og
    if page_title:
        parts = [p for p in _TITLE_SEP.split(page_title) if p]
        if parts and len(parts[0]) >= 4:
            return parts[0]
        if parts:
            return max(parts, key=len)
    return heads[0] if heads else None


def _find_line(keys: list[str], flat: list[str], start: int = 0, last: bool = False) -> int | None:
    hit = None
    for key in keys:
        if not key:
            continue
        for i in range(start, len(flat)):
            if key in flat[i]:
                hit = i
                if not last:
                    return i
        if hit is not None:
            return hit
    return hit


def _layout(page_lines: list[str], title: str | None, content: list[str]) -> Layout:
    flat = [nows(ln) for ln in page_lines]
    body_start = body_end = None
    if content:
        firsts = [nows(ln)[:14] for ln in content[:4] if len(nows(ln)) >= 6] or [nows(content[0])[:14]]
        body_start = _find_line(firsts[:1], flat)
        if body_start is None:
            body_start = _find_line(firsts[1:], flat)
        if body_start is not None:
            lasts = [nows(ln)[:14] for ln in reversed(content[-4:]) if len(nows(ln)) >= 4]
            body_end = _find_line(lasts[:1], flat, body_start)
            if body_end is None:
                body_end = _find_line(lasts[1:], flat, body_start) or body_start
    title_idx = None
    if title:
        key = nows(title)[:12]
        upto = body_start if body_start is not None else len(flat)
        hits = [i for i in range(min(upto + 1, len(flat))) if key and key in flat[i]]
        # a line that is the headline beats one that quotes it (原标题：…, a breadcrumb)
        own = [i for i in hits if len(flat[i]) <= len(nows(title)) + 6 and i < upto]
        before = [i for i in hits if i < upto]
        pick = own or before or hits
        if pick:
            title_idx = pick[-1]
    return Layout(page_lines, title_idx, body_start, body_end)


_SENTENCE_END = re.compile(r"[。！？!?；;…，,：:]$|[。！？!?]")


def _cap_lines(lines: list[str], limit: int) -> list[str]:
    kept: list[str] = []
    total = 0
    for ln in lines:
        if total + len(ln) > limit:
            if not kept:
                kept.append(ln[:limit])
            break
        kept.append(ln)
        total += len(ln) + 1
    return kept


def _strip_prefix(line: str, prefix_nows: str) -> str:
    """line without its first len(prefix_nows) non-space characters."""
    k = 0
    for j, ch in enumerate(line):
        if not ch.isspace():
            k += 1
            if k == len(prefix_nows):
                return line[j + 1:].strip()
    return ""


def _headline_in_content(lines: list[str], title: str | None,
                         layout: Layout) -> tuple[list[str], str | None]:
    """Lines of the body without a headline the extractor kept, and that headline when the
    page's own title was not found near the body (a generic <title> such as "显示")."""
    t = nows(title)
    hits = [i for i, ln in enumerate(lines[:4]) if t and len(nows(ln)) >= 4
            and (nows(ln) == t or t.startswith(nows(ln)) or nows(ln).startswith(t))]
    if hits:
        i = hits[-1]
        n = nows(lines[i])
        if len(n) > len(t) + 6:                 # the headline run into the first paragraph
            rest = _strip_prefix(lines[i], t)
            return ([rest] if rest else []) + lines[i + 1:], None
        if i + 1 < len(lines):
            return lines[i + 1:], None
    far = layout.title_idx is None or (layout.body_start is not None
                                       and layout.body_start - layout.title_idx > 15)
    if far and len(lines) >= 3 and 4 <= len(nows(lines[0])) <= 50 \
            and not _SENTENCE_END.search(lines[0]):
        return lines[1:], lines[0]
    return lines, None


def _site_words(meta: dict[str, str], title_text: str) -> set[str]:
    words = {meta.get("og:site_name", ""), meta.get("sitename", ""), meta.get("source", ""),
             meta.get("publisher", "")}
    parts = [p for p in _TITLE_SEP.split(title_text or "") if p]
    if len(parts) > 1:
        words.update(parts[1:])
    return {w.strip() for w in words if w and w.strip()}


def _json_ld_authors(objs: list[dict]) -> list[str]:
    out = []
    for d in objs:
        a = d.get("author")
        for x in (a if isinstance(a, list) else [a]):
            if isinstance(x, dict) and isinstance(x.get("name"), str) and x.get("@type", "Person") == "Person":
                out.append(x["name"])
            elif isinstance(x, str):
                out.append(x)
    return out


def extract_article(html_text: str, url: str | None = None,
                    now: datetime | None = None) -> dict[str, Any]:
    return _extract(html_text, url, now)[0]


def _extract(html_text: str, url: str | None = None,
             now: datetime | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Main text and metadata of an article page.

    Returns a dict with title, author, published_at (ISO 8601 with offset or None), content
    (plain text, paragraphs separated by newlines, '' when nothing was found) and extras:
    published_text ('YYYY[-MM[-DD[ HH:MM[:SS]]]]' as found), published_from (where it came
    from), published_precision, published_confidence ('high' for the article header or
    structured data, 'low' for a guess), author_role (author / reporter / poster / editor),
    author_from, editor, source, page_kind, body_from (which extractor and why), platform,
    metrics ({} when the page has none), description.

    `now` (default: the wall clock) resolves relative dates (3小时前, 昨天 08:15) and rejects
    dates after it.
    """
    import lxml.html

    out: dict[str, Any] = {"title": None, "author": None, "published_at": None,
                           "published_text": None, "published_from": None,
                           "published_precision": None, "published_confidence": None,
                           "content": "", "author_role": None, "author_from": None,
                           "editor": None, "source": None, "page_kind": None,
                           "body_from": None, "platform": None, "metrics": {},
                           "description": None}
    debug: dict[str, Any] = {}
    if not html_text or not html_text.strip():
        return out, debug
    if len(html_text) > MAX_HTML_CHARS:
        html_text = html_text[:MAX_HTML_CHARS]
    jsonld = parse_json_ld(json_ld_blocks(html_text))
    prepared = prepare_html(html_text)
    if not prepared.strip():
        return out, debug
    try:
        tree = lxml.html.fromstring(prepared)
    except Exception:  # noqa: BLE001 - lxml raises several types on junk
        return out, debug
    meta = _meta_map(tree)
    title_text = " ".join(t.text_content() for t in tree.iter("title")).strip()
    out["title"] = _title(tree, meta)
    time_tags = time_tag_candidates(tree, now)

    # ---- main text
    untable(tree)
    body_el = tree.find(".//body")
    page_lines = block_lines(body_el if body_el is not None else tree)
    out["page_kind"] = page_kind(tree, url, lines=page_lines)
    clean_html = lxml.html.tostring(tree, encoding="unicode")
    choice = extract_body(clean_html)
    lines = clean_lines(choice.lines, out["title"])
    lines = lines + adjacent_data_tables(tree, lines)
    lines = _cap_lines(lines, MAX_CONTENT_CHARS)
    out["content"] = "\n".join(lines)
    out["body_from"] = f"{choice.chosen}: {choice.reason}" if choice.chosen else choice.reason

    layout = _layout(page_lines, out["title"], lines)
    lines, headline = _headline_in_content(lines, out["title"], layout)
    if headline is not None or len(lines) != len(out["content"].splitlines()):
        if headline is not None and layout.title_idx is None:
            out["title"] = headline
        out["content"] = "\n".join(lines)
        layout = _layout(page_lines, headline or out["title"], lines)

    # ---- published_at
    cands = (line_candidates(layout, now) + meta_candidates(meta, now)
             + json_ld_candidates(jsonld, now) + time_tags)
    if not any(c.score >= 50 for c in cands):
        cands += htmldate_candidate(clean_html, now)
    best = choose_time(cands)
    if best is not None:
        r = best.reading
        out.update(published_at=r.iso, published_text=r.plain, published_from=best.source,
                   published_precision=r.precision,
                   published_confidence="high" if best.score >= 60 else "low")

    # ---- author, editor, source
    t, s, e = layout.title_idx, layout.body_start, layout.body_end
    header = layout.header_lines() + lines[:1]
    footer = lines[-3:]
    if e is not None:
        footer = footer + page_lines[e + 1:e + 9]
    near_title = []
    if t is not None:
        near_title = page_lines[t + 1:min(t + 4, s + 1 if s is not None and s > t else t + 4)]
    lo = max(0, (t if t is not None else (s or 0)) - 5)
    hi = (e if e is not None else (s or 0) + 40) + 15
    around = page_lines[lo:hi]
    site = _site_words(meta, title_text)
    people = [person_from_meta(meta.get(k), site) for k in _META_AUTHOR_KEYS]
    people += [person_from_meta(a, site) for a in _json_ld_authors(jsonld)]
    by = find_byline(header, footer, lines[-2:], [p for p in people if p], near_title, around)
    out.update(author=by.author, author_role=by.role, author_from=by.found_in, editor=by.editor)
    source = next((meta[k] for k in _META_SOURCE_KEYS if meta.get(k) and "://" not in meta[k]), None)
    out["source"] = by.source or source

    out["platform"] = meta.get("platform") or meta.get("yuqing:platform")
    metrics = {}
    for name in _METRIC_NAMES:
        for key in (f"metrics:{name}", f"yuqing:{name}", name):
            if key in meta:
                metrics[name] = _int(meta[key])
                break
    out["metrics"] = metrics
    out["description"] = meta.get("description") or meta.get("og:description")
    if not out["content"] and out["description"]:
        out["content"] = out["description"]
    debug.update(layout=layout, choice=choice, time_candidates=cands, header=header,
                 footer=footer, near_title=near_title, page_lines=page_lines)
    return out, debug
