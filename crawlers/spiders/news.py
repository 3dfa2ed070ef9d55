"""The news spider: RSS feeds and listing pages -> article pages -> items.

One item per article, in the project's item format (docs: /work/shared/spec/item-format.md).
Every page or feed that cannot be used is logged at ERROR as

    DROPPED <what> url=<url> reason=<reason> detail=<detail>

and counted as a Scrapy stat (`items/dropped/<reason>` for article pages,
`sources/failed/<reason>` for feeds and listings); the crawl goes on.
"""
from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import Any, Iterable
from urllib.parse import urljoin, urlsplit

import scrapy
from pydantic import ValidationError
from w3lib.url import canonicalize_url

from crawlers.extract import (MAX_HTML_BYTES, decode_html, extract_article, looks_mojibake,
                              normalise_time)
from crawlers.sources import Source
from yuqing.model import PLATFORMS, Item
from yuqing.timeutil import SystemClock, iso_local

MIN_CONTENT_CHARS = 8          # shorter main text = navigation only / no article
_ATOM = "{http://www.w3.org/2005/Atom}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?([\w\-:.]+)", re.I)
_SKIP_EXT = re.compile(r"\.(?:jpe?g|png|gif|webp|svg|css|js|ico|pdf|zip|rar|mp4|mp3|xml)$", re.I)


def item_id(prefix: str, url: str) -> str:
    """Stable id: source prefix + hash of the canonical URL (fragment dropped, query sorted)."""
    canon = canonicalize_url(url, keep_fragments=False)
    return f"{prefix}-{hashlib.sha1(canon.encode('utf-8')).hexdigest()[:16]}"


def _http_charset(response) -> str | None:
    ct = response.headers.get(b"Content-Type")
    if not ct:
        return None
    m = _CHARSET_RE.search(ct.decode("latin-1"))
    return m.group(1) if m else None


def _text(el, tag: str) -> str | None:
    if el is None:
        return None
    child = el.find(tag)
    if child is None or child.text is None:
        return None
    return child.text.strip() or None


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(self, sources: Iterable[Source | dict] = (), clock=None, **kwargs):
        super().__init__(**kwargs)
        self.sources = [s if isinstance(s, Source) else Source.model_validate(s) for s in sources]
        self.clock = clock or SystemClock()
        self._article_count: dict[str, int] = {}

    # ------------------------------------------------------------------ start
    async def start(self):  # Scrapy >= 2.13
        for req in self.start_requests():
            yield req

    def start_requests(self):
        for src in self.sources:
            if not src.enabled:
                continue
            cb = self.parse_feed if src.kind == "rss" else self.parse_listing
            yield scrapy.Request(src.url, callback=cb, errback=self.on_source_error,
                                 cb_kwargs={"src": src}, dont_filter=True,
                                 meta={"src_key": src.key})

    # ------------------------------------------------------------------ errors
    def _drop(self, what: str, url: str, reason: str, detail: str = "") -> None:
        stat = f"items/dropped/{reason}" if what == "article" else f"sources/failed/{reason}"
        self.crawler.stats.inc_value(stat)
        self.logger.error("DROPPED %s url=%s reason=%s detail=%s", what, url, reason,
                          (detail or "-").replace("\n", " ")[:300])

    @staticmethod
    def _failure_reason(failure) -> tuple[str, str]:
        from scrapy.spidermiddlewares.httperror import HttpError
        exc = failure.value
        if failure.check(HttpError):
            return f"http_{exc.response.status}", f"HTTP status {exc.response.status}"
        # match by class name: Scrapy >= 2.13 wraps Twisted's errors in its own classes
        names = " ".join(c.__name__ for c in type(exc).__mro__).lower()
        detail = f"{type(exc).__name__}: {exc}"
        for needle, reason in (("refused", "connection_refused"), ("timeout", "timeout"),
                               ("timedout", "timeout"), ("dns", "dns"),
                               ("cancelled", "too_large_or_cancelled"),
                               ("connectionlost", "connection_lost"),
                               ("responsenevercreceived", "connection_lost"),
                               ("responsenotreceived", "connection_lost")):
            if needle in names:
                return reason, detail
        return "download_error", detail

    def on_source_error(self, failure):
        reason, detail = self._failure_reason(failure)
        self._drop("source", failure.request.url, reason, detail)

    def on_article_error(self, failure):
        reason, detail = self._failure_reason(failure)
        self._drop("article", failure.request.url, reason, detail)

    # ------------------------------------------------------------------ feeds
    def _article_request(self, src: Source, url: str, hint: dict[str, Any]):
        n = self._article_count.get(src.key, 0)
        if n >= src.max_items:
            self.crawler.stats.inc_value("items/skipped/max_items")
            return None
        self._article_count[src.key] = n + 1
        return scrapy.Request(url, callback=self.parse_article, errback=self.on_article_error,
                              cb_kwargs={"src": src, "hint": hint}, meta={"src_key": src.key})

    def parse_feed(self, response, src: Source):
        from lxml import etree
        body = response.body or b""
        if not body.strip():
            self._drop("source", response.url, "feed_empty", "empty body")
            return
        if len(body) > MAX_HTML_BYTES:
            self._drop("source", response.url, "feed_too_large", f"{len(body)} bytes")
            return
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        try:
            root = etree.fromstring(body, parser=parser)
        except etree.XMLSyntaxError as exc:
            # clear error first, then salvage what a recovering parser can still read
            self._drop("source", response.url, "feed_malformed", str(exc))
            try:
                root = etree.fromstring(body, parser=etree.XMLParser(
                    recover=True, resolve_entities=False, no_network=True))
            except etree.XMLSyntaxError:
                root = None
            if root is None:
                return
        entries = root.findall("./channel/item") or root.findall(".//item")
        atom = root.findall(f".//{_ATOM}entry")
        if not entries and not atom:
            if root.tag not in ("rss", "rdf", f"{_ATOM}feed") and not str(root.tag).endswith("RDF"):
                self._drop("source", response.url, "feed_not_rss", f"root element <{root.tag}>")
            else:
                self.logger.info("feed %s has no items", response.url)
            return
        n = 0
        for it in entries:
            link = _text(it, "link") or _text(it, "guid")
            if not link:
                self.crawler.stats.inc_value("sources/feed_item_without_link")
                continue
            src_el = it.find("source")
            hint = {"title": _text(it, "title"), "pubDate": _text(it, "pubDate") or _text(it, f"{_DC}date"),
                    "author": _text(it, "author") or _text(it, f"{_DC}creator"),
                    "source": src_el.text.strip() if src_el is not None and src_el.text else None,
                    "description": _text(it, "description")}
            req = self._article_request(src, urljoin(response.url, link.strip()), hint)
            if req is not None:
                n += 1
                yield req
        for it in atom:
            link_el = it.find(f"{_ATOM}link")
            link = link_el.get("href") if link_el is not None else None
            if not link:
                continue
            hint = {"title": _text(it, f"{_ATOM}title"),
                    "pubDate": _text(it, f"{_ATOM}published") or _text(it, f"{_ATOM}updated")}
            req = self._article_request(src, urljoin(response.url, link.strip()), hint)
            if req is not None:
                n += 1
                yield req
        self.crawler.stats.inc_value("sources/feed_links", n)

    def parse_listing(self, response, src: Source):
        body = response.body or b""
        if not body.strip():
            self._drop("source", response.url, "listing_empty", "empty body")
            return
        text, _enc, _why = decode_html(body, _http_charset(response))
        import lxml.html
        try:
            tree = lxml.html.fromstring(re.sub(r"^\s*<\?xml[^>]*\?>", "", text))
        except Exception as exc:  # noqa: BLE001
            self._drop("source", response.url, "listing_unparsable", str(exc))
            return
        host = urlsplit(response.url).hostname
        follow = re.compile(src.follow) if src.follow else None
        seen: set[str] = set()
        for a in tree.iter("a"):
            href = (a.get("href") or "").strip()
            if not href or href.startswith(("#", "javascript:", "mailto:")):
                continue
            url = urljoin(response.url, href).split("#")[0]
            if url in seen or url.rstrip("/") == response.url.rstrip("/"):
                continue
            if follow is not None:
                if not follow.search(url):
                    continue
            elif urlsplit(url).hostname != host or _SKIP_EXT.search(urlsplit(url).path):
                continue
            seen.add(url)
            req = self._article_request(src, url, {"title": a.text_content().strip() or None})
            if req is not None:
                yield req
        self.crawler.stats.inc_value("sources/listing_links", len(seen))

    # ------------------------------------------------------------------ articles
    def parse_article(self, response, src: Source, hint: dict[str, Any]):
        try:
            item = self._build_item(response, src, hint)
        except Exception as exc:  # noqa: BLE001 - one bad page must not stop the crawl
            self._drop("article", response.url, "extract_error", f"{type(exc).__name__}: {exc}")
            return
        if item is not None:
            self.crawler.stats.inc_value("items/ok")
            yield item

    def _build_item(self, response, src: Source, hint: dict[str, Any]) -> dict | None:
        url0 = (response.request.meta.get("redirect_urls") or [response.url])[0] \
            if response.request is not None else response.url
        body = response.body or b""
        if not body.strip():
            self._drop("article", response.url, "empty_page", "empty body")
            return None
        ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1").lower()
        if ctype and not any(t in ctype for t in ("html", "xml", "text/plain")):
            self._drop("article", response.url, "not_html", f"Content-Type {ctype}")
            return None
        if len(body) > MAX_HTML_BYTES:
            self.crawler.stats.inc_value("items/truncated")
            self.logger.warning("page %s is %d bytes; only the first %d are read",
                                response.url, len(body), MAX_HTML_BYTES)
        text, enc, why = decode_html(body, _http_charset(response))
        self.crawler.stats.inc_value(f"decode/{enc}")
        art = extract_article(text, response.url, now=self.clock.now())
        content = (art.get("content") or "").strip()
        if len(re.sub(r"\s+", "", content)) < MIN_CONTENT_CHARS:
            self._drop("article", response.url, "no_content", f"decoded as {enc} ({why})")
            return None
        if looks_mojibake(content):
            self._drop("article", response.url, "mojibake", f"decoded as {enc} ({why})")
            return None

        # published_at: the page's own header or structured data > feed pubDate > a weaker
        # reading of the page (dates below the article, htmldate) > fetch time
        published = None
        if art.get("published_at") and art.get("published_confidence") == "high":
            published = art["published_at"]
        if published is None and hint.get("pubDate"):
            published, _ = normalise_time(hint["pubDate"], now=self.clock.now())
        if published is None and art.get("published_at"):
            published = art["published_at"]
        if published is None:
            published = iso_local(self.clock.now())
            self.crawler.stats.inc_value("items/published_at_fallback")
            self.logger.warning("no publish time on %s; using the fetch time", response.url)
        else:
            published = iso_local(datetime.fromisoformat(published))

        platform = art.get("platform") if art.get("platform") in PLATFORMS else src.platform
        metrics = {"reposts": 0, "comments": 0, "likes": 0, "views": 0}
        metrics.update(art.get("metrics") or {})
        item = {
            "id": item_id(src.prefix, url0),
            "url": response.url,
            "platform": platform,
            "source": art.get("source") or hint.get("source") or src.source or src.name,
            "author": art.get("author") or hint.get("author"),
            "title": hint.get("title") or art.get("title"),
            "content": content,
            "published_at": published,
            "metrics": metrics,
        }
        try:
            Item.model_validate(item)
        except ValidationError as exc:
            self._drop("article", response.url, "invalid_item", str(exc))
            return None
        return item
