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
   iso-8859-1/ascii/windows-1252 are ignored as typical server defaults);
5. GB18030 when the bytes decode cleanly as such and look like Chinese text;
6. charset-normalizer's best guess;
7. GB18030 or UTF-8 with replacement characters, whichever loses less.

`extract_article` takes the decoded HTML and returns title, author, published_at (ISO 8601
with offset, a time without zone read as Asia/Shanghai), content and a few extras (source,
platform, metrics from meta tags). trafilatura does the main-text work; meta tags and
patterns common on Chinese news pages (作者：, 记者, 2005-5-7 21:23:57 …) fill in the rest.
"""
from __future__ import annotations

import codecs
import html as htmllib
import re
from datetime import datetime
from typing import Any

from yuqing.timeutil import SHANGHAI

MAX_HTML_BYTES = 3_000_000       # pages above this are cut before decoding
MAX_HTML_CHARS = 2_000_000       # and the text before extraction

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


def meta_charset(body: bytes) -> str | None:
    """The charset declared in the first 4 KiB (<meta charset> or http-equiv)."""
    m = _META_CHARSET_RE.search(body[:4096])
    return m.group(1).decode("ascii", "ignore") if m else None


def _cjk_share(text: str) -> float:
    letters = [c for c in text if not c.isspace() and not c.isascii()]
    if not letters:
        return 0.0
    return len(_CJK_RE.findall(text)) / len(letters)


def decode_html(body: bytes, http_charset: str | None = None) -> tuple[str, str, str]:
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

    # 4. another declared charset that decodes cleanly
    for where, said in (("HTTP header", declared_http), ("meta tag", declared_meta)):
        if said and said not in _WEAK_NAMES and said not in ("utf-8", "utf_8"):
            try:
                return body.decode(said), said, f"{where} declares {said}"
            except (UnicodeDecodeError, LookupError):
                continue

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

_TIME_RE = re.compile(
    r"((?:19|20)\d{2})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})\s*日?"
    r"(?:\s*(?:T|\s)?\s*(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?)?")
_B = r"(?:^|(?<=[\s|｜【\[（(:：,，。；;/]))"
_END = r"(?=[\s\u3000,，。;；)）】|/]|$|报道|摄|电|讯)"
_NAMES = r"([\u4e00-\u9fa5·]{2,4}(?:[ \u3000、，,]+[\u4e00-\u9fa5·]{2,4}){0,3})" + _END
_AUTHOR_RES = [
    re.compile(_B + r"(?:作者|作\s+者|撰文|撰稿|文)\s*[:：/／]\s*([\u4e00-\u9fa5A-Za-z0-9_·]{2,20}(?:[ \u3000、，,]+[\u4e00-\u9fa5·]{2,4}){0,3})"),
    re.compile(_B + r"(?:本报记者|本台记者|记者)\s*[:：]?\s*" + _NAMES),
    re.compile(_B + r"(?:发表者|发帖人|楼主|博主|作者)\s*[:：]?\s*([\w\u4e00-\u9fa5·]{2,20})"),
    re.compile(_B + r"(?:责任编辑|编辑|责编)\s*[:：]\s*" + _NAMES),
]
_AUTHOR_STOP = {"记者", "编辑", "责任编辑", "来源", "本报", "通讯员", "作者", "未知", "佚名", "admin",
                "阅读", "评论", "点击", "分享", "收藏", "点赞", "转发", "字号", "打印", "关闭", "网易", "搜索", "报道", "摄影", "摄", "发布"}
_SOURCE_RE = re.compile(r"来源\s*[:：]\s*([\u4e00-\u9fa5A-Za-z0-9·]{2,20})")

_META_TIME_KEYS = ("article:published_time", "og:published_time", "pubdate", "publishdate",
                   "publish_date", "publishtime", "publish-time", "dc.date.issued", "dc.date",
                   "date", "datepublished", "sailthru.date", "weibo:article:create_at",
                   "og:release_date", "createdate", "firstpublishedtime")
_META_AUTHOR_KEYS = ("author", "article:author", "dc.creator", "byline", "weibo:article:author")
_META_SOURCE_KEYS = ("source", "og:site_name", "article:publisher", "mediaid", "publisher")
_METRIC_NAMES = ("reposts", "comments", "likes", "views")


def _meta_map(tree) -> dict[str, str]:
    out: dict[str, str] = {}
    for el in tree.iter("meta"):
        key = (el.get("name") or el.get("property") or el.get("itemprop") or "").strip().lower()
        val = el.get("content")
        if key and val and key not in out:
            out[key] = val.strip()
    return out


def normalise_time(text: str | None) -> tuple[str | None, str | None]:
    """Find a time in text. Returns (iso with +08:00 or own offset, 'YYYY-MM-DD[ HH:MM[:SS]]')."""
    if not text:
        return None, None
    text = text.strip()
    # ISO 8601 / RFC 3339 first: keeps a given offset
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=SHANGHAI)
        has_time = "T" in text or ":" in text
        plain = dt.strftime("%Y-%m-%d %H:%M:%S" if has_time else "%Y-%m-%d")
        return dt.isoformat(timespec="seconds"), plain
    except ValueError:
        pass
    try:
        from email.utils import parsedate_to_datetime
        dt = parsedate_to_datetime(text)
        if dt is not None:
            if dt.tzinfo is None:
                dt = dt.replace(tzinfo=SHANGHAI)
            return dt.isoformat(timespec="seconds"), dt.strftime("%Y-%m-%d %H:%M:%S")
    except (TypeError, ValueError, IndexError):
        pass
    m = _TIME_RE.search(text)
    if not m:
        return None, None
    y, mo, d, h, mi, s = m.groups()
    try:
        dt = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0),
                      tzinfo=SHANGHAI)
    except ValueError:
        return None, None
    if h is None:
        plain = dt.strftime("%Y-%m-%d")
    elif s is None:
        plain = dt.strftime("%Y-%m-%d %H:%M")
    else:
        plain = dt.strftime("%Y-%m-%d %H:%M:%S")
    return dt.isoformat(timespec="seconds"), plain


def _clean_author(a: str | None) -> str | None:
    if not a:
        return None
    a = re.sub(r"\s+", " ", a).strip(" ：:，,;；|/")
    a = re.split(r"\s*(?:责任编辑|编辑|责编|来源|发布时间|发布于|时间|日期|摄影)\s*[:：]"
                 r"|\s+(?:发布|时间|日期)", a)[0].strip()
    # drop UI words that follow a name ("张三 阅读 1234")
    parts = [p for p in re.split(r"[ \u3000]+", a) if p and p not in _AUTHOR_STOP]
    a = " ".join(parts)
    if not a or a in _AUTHOR_STOP or len(a) > 40:
        return None
    return a


def _text_lines(tree) -> list[str]:
    """Visible text of the page as lines (scripts and styles dropped)."""
    from lxml import etree
    for bad in tree.xpath("//script|//style|//noscript"):
        bad.drop_tree() if hasattr(bad, "drop_tree") else None
    text = etree.tostring(tree, method="text", encoding="unicode") or ""
    return [ln.strip() for ln in text.splitlines() if ln.strip()]


def _title_line(lines: list[str], title: str | None) -> int:
    """Index of the line holding the headline (metadata sits near it), else 0."""
    key = (title or "")[:10]
    return next((i for i, ln in enumerate(lines) if key and key in ln), 0)


def _find_time_in_lines(lines: list[str], title: str | None) -> tuple[str | None, str | None]:
    """The first full date-time near the title; else the first date-time; else a date."""
    start = _title_line(lines, title)
    best_date: tuple[str | None, str | None] = (None, None)
    for ln in lines[start:start + 60] + lines[:start]:
        m = _TIME_RE.search(ln)
        if not m:
            continue
        iso, plain = normalise_time(m.group(0))
        if iso is None:
            continue
        if m.group(4) is not None:
            return iso, plain
        if best_date[0] is None:
            best_date = (iso, plain)
    return best_date


def _find_author_in_lines(lines: list[str], title: str | None) -> str | None:
    start = _title_line(lines, title)
    window = lines[start:start + 40] + lines[-40:]
    for rx in _AUTHOR_RES:
        for ln in window:
            if len(ln) > 120:
                continue
            m = rx.search(ln)
            if m:
                a = _clean_author(m.group(1))
                if a:
                    return a
    return None


_NAV_LINE = re.compile(r"^(?:[^|｜]{1,12}[|｜]){2,}[^|｜]{0,12}$")


def _clean_content(content: str, title: str | None) -> str:
    """Drop navigation crumbs and a repeated headline at the edges of the extracted text."""
    lines = [ln.strip() for ln in content.splitlines()]
    lines = [ln for ln in lines if ln]

    def junk(ln: str) -> bool:
        if _NAV_LINE.match(ln) or (title and ln == title):
            return True
        # a byline/date line such as "2026-11-20 10:12:00 来源：钱江晚报 作者：…"
        return len(ln) < 100 and bool(_TIME_RE.search(ln)) and bool(
            re.search(r"来源|作者|记者|编辑|阅读|评论|发布", ln))

    while lines and junk(lines[0]):
        lines.pop(0)
    while lines and junk(lines[-1]):
        lines.pop()
    return "\n".join(lines)


def _int(v: Any) -> int:
    try:
        return max(0, int(float(str(v).replace(",", "").strip())))
    except (TypeError, ValueError):
        return 0


def extract_article(html_text: str, url: str | None = None) -> dict[str, Any]:
    """Main text and metadata of an article page.

    Returns a dict with title, author, published_at (ISO 8601 with offset or None), content
    (plain text, paragraphs separated by newlines, '' when nothing was found) and extras:
    published_text ('YYYY-MM-DD[ HH:MM[:SS]]' as found), published_from (where it came from),
    source, platform, metrics ({} when the page has none), description.
    """
    import lxml.html
    import trafilatura

    out: dict[str, Any] = {"title": None, "author": None, "published_at": None,
                           "published_text": None, "published_from": None, "content": "",
                           "source": None, "platform": None, "metrics": {},
                           "description": None}
    if not html_text or not html_text.strip():
        return out
    if len(html_text) > MAX_HTML_CHARS:
        html_text = html_text[:MAX_HTML_CHARS]
    # lxml rejects str input that carries an XML encoding declaration
    html_text = re.sub(r"^\s*<\?xml[^>]*\?>", "", html_text)
    try:
        tree = lxml.html.fromstring(html_text)
    except Exception:  # noqa: BLE001 - lxml raises several types on junk
        return out

    meta = _meta_map(tree)

    # ---- main text
    content = None
    try:
        content = trafilatura.extract(html_text, url=url, include_comments=False,
                                      include_tables=True, favor_precision=True, deduplicate=False)
    except Exception:  # noqa: BLE001 - trafilatura can fail on odd markup
        content = None
    out["content"] = (content or "").strip()

    # ---- metadata from trafilatura (title, author, date, sitename)
    doc = None
    try:
        doc = trafilatura.extract_metadata(html_text, default_url=url)
    except Exception:  # noqa: BLE001
        doc = None

    title = meta.get("og:title") or meta.get("title")
    if not title and doc is not None and getattr(doc, "title", None):
        title = doc.title
    if not title:
        h1 = tree.xpath("//h1")
        t = h1[0].text_content().strip() if h1 else ""
        if not t:
            tt = tree.xpath("//title")
            t = tt[0].text_content().strip() if tt else ""
        title = t or None
    out["title"] = htmllib.unescape(title).strip() if title else None

    lines = _text_lines(lxml.html.fromstring(html_text))

    # ---- published_at: structured meta first, then text near the title
    for key in _META_TIME_KEYS:
        if meta.get(key):
            iso, plain = normalise_time(meta[key])
            if iso:
                out.update(published_at=iso, published_text=plain, published_from=f"meta {key}")
                break
    if out["published_at"] is None:
        iso, plain = _find_time_in_lines(lines, out["title"])
        if iso:
            out.update(published_at=iso, published_text=plain, published_from="page text")
    if out["published_at"] is None and doc is not None and getattr(doc, "date", None):
        iso, plain = normalise_time(doc.date)
        if iso:
            out.update(published_at=iso, published_text=plain, published_from="trafilatura date")

    # ---- author
    # ---- source (outlet), platform, metrics: meta tags, then 来源：
    for key in _META_SOURCE_KEYS:
        if meta.get(key):
            out["source"] = meta[key]
            break
    if not out["source"]:
        for ln in lines[:80]:
            m = _SOURCE_RE.search(ln)
            if m:
                out["source"] = m.group(1)
                break
    # a meta author is used unless it looks like the site itself (网易, sina.com.cn ...)
    author = None
    site_words = {meta.get("og:site_name") or "", out["source"] or ""} - {""}
    for key in _META_AUTHOR_KEYS:
        val = meta.get(key)
        if val and "@" not in val and "." not in val and val not in site_words:
            author = _clean_author(val)
            if author:
                break
    if not author:
        author = _find_author_in_lines(lines, out["title"])
    out["author"] = author

    out["platform"] = meta.get("platform") or meta.get("yuqing:platform")
    metrics = {}
    for name in _METRIC_NAMES:
        for key in (f"metrics:{name}", f"yuqing:{name}", name):
            if key in meta:
                metrics[name] = _int(meta[key])
                break
    out["metrics"] = metrics
    out["description"] = meta.get("description") or meta.get("og:description")

    if out["content"]:
        out["content"] = _clean_content(out["content"], out["title"])
    if not out["content"] and out["description"]:
        out["content"] = out["description"]
    return out
