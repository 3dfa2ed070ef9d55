"""The spider of every HTTP source kind: RSS feeds and listing pages -> article pages, HTML
lists and detail pages read by configured selectors, paged JSON APIs (records and their replies)
-> items.

Incremental: given what each source saw before (`state`: url_key -> ETag, Last-Modified, text
hash), a page seen before is asked for with If-None-Match / If-Modified-Since; a 304, or a page
whose text hash is unchanged, gives no item; a page whose text changed gives a new version (its id
with `-v<hash>`). What was fetched is collected in `page_records` for the caller to keep.

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
from yuqing.timeutil import SHANGHAI, SystemClock, iso_local

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


SPIDER_KINDS = ("rss", "listing", "selectors", "json_api")


def url_key(url: str) -> str:
    return canonicalize_url(url, keep_fragments=False)[:500]


def text_hash(*parts: str | None) -> str:
    return hashlib.sha1(re.sub(r"\s+", "", "\x00".join(p or "" for p in parts)).encode("utf-8")).hexdigest()


def dig(obj: Any, path: str) -> Any:
    """A dotted path into JSON ("data.cards", "user.screen_name", "items.0.id"); "" = obj."""
    for part in [p for p in path.split(".") if p]:
        if isinstance(obj, dict):
            obj = obj.get(part)
        elif isinstance(obj, list) and part.lstrip("-").isdigit() and -len(obj) <= int(part) < len(obj):
            obj = obj[int(part)]
        else:
            return None
    return obj


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(self, sources: Iterable[Source | dict] = (), clock=None,
                 state: dict[str, dict[str, dict]] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.sources = [s if isinstance(s, Source) else Source.model_validate(s) for s in sources]
        self.clock = clock or SystemClock()
        self._article_count: dict[str, int] = {}
        self.state = state or {}
        self.page_records: list[dict[str, Any]] = []      # (source, url_key, etag, …) fetched this run
        self._pending_source_pages: dict[str, list[dict]] = {}
        self._article_failures: dict[str, int] = {}
        self._requested: set[tuple[str, str]] = set()

    # ------------------------------------------------------------------ start
    async def start(self):  # Scrapy >= 2.13
        for req in self.start_requests():
            yield req

    def start_requests(self):
        for src in self.sources:
            if not src.enabled:
                continue
            cb = {"rss": self.parse_feed, "listing": self.parse_listing, "selectors": self.parse_selector_list,
                  "json_api": self.parse_api}[src.kind]
            if src.kind == "json_api":
                yield self._api_request(src, src.api.page_start)
            else:
                yield self._request(src, src.url, cb, self.on_source_error, {"src": src}, dont_filter=True,
                                    conditional=True)

    # ------------------------------------------------------------------ requests and state
    def _request(self, src: Source, url: str, callback, errback, cb_kwargs: dict, *, dont_filter: bool = False,
                 conditional: bool = False, meta: dict | None = None):
        headers = {}
        seen = self.state.get(src.key, {}).get(url_key(url)) if conditional else None
        if seen:
            if seen.get("etag"):
                headers["If-None-Match"] = seen["etag"]
            if seen.get("last_modified"):
                headers["If-Modified-Since"] = seen["last_modified"]
        m = {"src_key": src.key, "download_timeout": src.timeout_seconds, "max_retry_times": src.retries,
             "dont_obey_robotstxt": not src.robots, "handle_httpstatus_list": [304]}
        m.update(meta or {})
        return scrapy.Request(url, callback=callback, errback=errback, cb_kwargs=cb_kwargs, headers=headers,
                              dont_filter=dont_filter, meta=m)

    def _record(self, src: Source, response, *, content_hash: str | None = None, item_id: str | None = None,
                key: str | None = None, source_page: bool = False) -> None:
        h = response.headers if response is not None else {}
        rec = {"source": src.key, "url_key": key or url_key(response.url),
               "etag": (h.get(b"ETag") or b"").decode("latin-1") or None if response is not None else None,
               "last_modified": (h.get(b"Last-Modified") or b"").decode("latin-1") or None
               if response is not None else None,
               "content_hash": content_hash, "item_id": item_id}
        if source_page:
            # kept at the end only if no article of this source failed: else a 304 on the feed would
            # hide the article that failed this time from the next crawl
            self._pending_source_pages.setdefault(src.key, []).append(rec)
        else:
            self.page_records.append(rec)

    def _not_modified(self, response, src: Source) -> bool:
        if response.status != 304:
            return False
        self.crawler.stats.inc_value("incremental/not_modified")
        key = url_key(response.url)
        old = self.state.get(src.key, {}).get(key, {})
        self.page_records.append({"source": src.key, "url_key": key, "etag": old.get("etag"),
                                  "last_modified": old.get("last_modified"),
                                  "content_hash": old.get("content_hash"), "item_id": old.get("item_id")})
        return True

    def closed(self, reason):
        for key, recs in self._pending_source_pages.items():
            if not self._article_failures.get(key):
                self.page_records.extend(recs)

    # ------------------------------------------------------------------ errors
    def _drop(self, what: str, url: str, reason: str, detail: str = "", src_key: str | None = None) -> None:
        stat = f"items/dropped/{reason}" if what == "article" else f"sources/failed/{reason}"
        if what == "article" and src_key:
            self._article_failures[src_key] = self._article_failures.get(src_key, 0) + 1
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
        if "ignorerequest" in names:
            text = str(exc).lower()
            if "robots" in text:
                return "robots_disallowed", detail
            if "redirect" in text:
                return "redirect_loop", detail
            return "ignored", detail
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
        self._drop("article", failure.request.url, reason, detail, src_key=failure.request.meta.get("src_key"))

    # ------------------------------------------------------------------ feeds
    def _article_request(self, src: Source, url: str, hint: dict[str, Any], callback=None):
        n = self._article_count.get(src.key, 0)
        if n >= src.max_items:
            self.crawler.stats.inc_value("items/skipped/max_items")
            return None
        if not src.revisit and url_key(url) in self.state.get(src.key, {}):
            self.crawler.stats.inc_value("incremental/seen_skipped")
            return None
        # once per run per id prefix: sources that share a prefix reach the same pages, same ids
        if (src.prefix, url_key(url)) in self._requested:
            return None
        self._requested.add((src.prefix, url_key(url)))
        self._article_count[src.key] = n + 1
        # dont_filter: duplicates are skipped above; Scrapy's filter would also swallow a redirect
        # loop's second visit silently, where REDIRECT_MAX_TIMES names it
        return self._request(src, url, callback or self.parse_article, self.on_article_error,
                             {"src": src, "hint": hint}, conditional=True, dont_filter=True)

    def parse_feed(self, response, src: Source):
        from lxml import etree
        if self._not_modified(response, src):
            return
        self._record(src, response, source_page=True)
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

    def _listing_text(self, response, src: Source) -> str | None:
        """A listing page's decoded text, or None (not modified since the last crawl, or empty)."""
        if self._not_modified(response, src):
            return None
        self._record(src, response, source_page=True)
        body = response.body or b""
        if not body.strip():
            self._drop("source", response.url, "listing_empty", "empty body")
            return None
        return decode_html(body, _http_charset(response))[0]

    def parse_listing(self, response, src: Source):
        text = self._listing_text(response, src)
        if text is None:
            return
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

    # ------------------------------------------------------------------ selectors
    @staticmethod
    def _select(sel, expr: str) -> list:
        return sel.xpath(expr[6:]) if expr.startswith("xpath:") else sel.css(expr)

    @classmethod
    def _select_text(cls, sel, expr: str | None) -> str | None:
        if not expr:
            return None
        parts = []
        for node in cls._select(sel, expr):
            v = node.get() if isinstance(node.root, str) else node.xpath("string()").get()
            if v and v.strip():
                parts.append(v.strip())
        return "\n".join(parts) or None

    def parse_selector_list(self, response, src: Source, page: int = 1):
        from parsel import Selector
        text = self._listing_text(response, src)
        if text is None:
            return
        sel = Selector(text=re.sub(r"^\s*<\?xml[^>]*\?>", "", text))
        links = 0
        for node in self._select(sel, src.selectors.link):
            href = node.get() if isinstance(node.root, str) else (node.attrib.get("href") or "")
            title = None if isinstance(node.root, str) else (node.xpath("string()").get() or "").strip() or None
            href = (href or "").strip()
            if not href or href.startswith(("#", "javascript:", "mailto:")):
                continue
            links += 1
            req = self._article_request(src, urljoin(response.url, href), {"title": title})
            if req is not None:
                yield req
        self.crawler.stats.inc_value("sources/listing_links", links)
        if links == 0:
            self._drop("source", response.url, "selector_found_nothing", f"link selector {src.selectors.link!r}")
        nxt = self._select_text(sel, src.selectors.next) if src.selectors.next else None
        if nxt and not nxt.startswith("http") and self._select(sel, src.selectors.next):
            node = self._select(sel, src.selectors.next)[0]
            nxt = node.get() if isinstance(node.root, str) else node.attrib.get("href")
        if nxt and page < src.max_pages:
            yield self._request(src, urljoin(response.url, nxt.strip()), self.parse_selector_list,
                                self.on_source_error, {"src": src, "page": page + 1}, conditional=True)

    def _by_selectors(self, text: str, url: str, src: Source, art: dict) -> dict:
        """Configured selectors win over the general extractor where they find something."""
        from parsel import Selector
        sel = Selector(text=re.sub(r"^\s*<\?xml[^>]*\?>", "", text))
        cfg = src.selectors
        out = dict(art)
        for field in ("title", "content", "author", "source"):
            v = self._select_text(sel, getattr(cfg, field))
            if v:
                out[field] = v
                out[f"{field}_selected"] = True
            elif getattr(cfg, field):
                # the selector missed (the page differs, or the site changed): the general extractor
                self.crawler.stats.inc_value(f"selectors/fallback/{field}")
                out[f"{field}_selected"] = bool(out.get(field))
        when = self._select_text(sel, cfg.published_at)
        if when:
            iso, _ = normalise_time(when, now=self.clock.now())
            if iso:
                out["published_at"], out["published_confidence"] = iso, "high"
        return out

    # ------------------------------------------------------------------ JSON APIs
    def _api_request(self, src: Source, page: int):
        from w3lib.url import add_or_replace_parameter
        api = src.api
        url = add_or_replace_parameter(src.url, api.page_param, str(page))
        if api.page_size_param:
            url = add_or_replace_parameter(url, api.page_size_param, str(api.page_size))
        return self._request(src, url, self.parse_api, self.on_source_error, {"src": src, "page": page},
                             dont_filter=True)

    def _api_time(self, src: Source, v: Any) -> str | None:
        if v is None or v == "":
            return None
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            ts = v / 1000 if v > 1e11 else v          # epoch seconds or milliseconds
            return iso_local(datetime.fromtimestamp(ts, tz=SHANGHAI))
        if src.api.time_format:
            try:
                t = datetime.strptime(str(v).strip(), src.api.time_format)
                return iso_local(t if t.tzinfo else t.replace(tzinfo=SHANGHAI))
            except ValueError:
                pass
        iso, _ = normalise_time(str(v), now=self.clock.now())
        return iso_local(datetime.fromisoformat(iso)) if iso else None

    def _api_text(self, src: Source, v: Any) -> str:
        text = "" if v is None else str(v)
        if src.api.html and "<" in text:
            import lxml.html
            try:
                text = lxml.html.fromstring(f"<div>{text.replace('<br />', chr(10)).replace('<br>', chr(10))}</div>").text_content()
            except Exception:  # noqa: BLE001 - unparsable markup: keep the text as it came
                pass
        return text.strip()

    def _api_item(self, src: Source, rec: dict, fields: dict[str, str], base: str, ident: str) -> dict | None:
        get = lambda f: dig(rec, fields[f]) if f in fields else None  # noqa: E731
        content = self._api_text(src, get("content"))
        if len(re.sub(r"\s+", "", content)) < 2:
            return None
        url = get("url")
        if not url and src.api.url:
            url = src.api.url.format(base=base, id=ident, **{k: v for k, v in rec.items() if isinstance(v, (str, int))})
        published = self._api_time(src, get("published_at"))
        if published is None:
            published = iso_local(self.clock.now())
            self.crawler.stats.inc_value("items/published_at_fallback")
        metrics = {"reposts": 0, "comments": 0, "likes": 0, "views": 0}
        for m in metrics:
            try:
                metrics[m] = max(0, int(get(m) or 0))
            except (TypeError, ValueError):
                pass
        title = get("title")
        return {"id": f"{src.prefix}-{ident}", "url": urljoin(base + "/", str(url)) if url else None,
                "platform": src.platform, "source": str(get("source") or src.source or src.name),
                "author": str(get("author")) if get("author") not in (None, "") else None,
                "title": self._api_text(src, title) or None if title else None,
                "content": content, "published_at": published, "metrics": metrics}

    def parse_api(self, response, src: Source, page: int):
        import json
        api = src.api
        try:
            data = json.loads(response.body or b"")
        except ValueError as exc:
            self._drop("source", response.url, "api_not_json", str(exc))
            return
        records = dig(data, api.items)
        if not isinstance(records, list):
            self._drop("source", response.url, "api_no_items", f"{api.items!r} is {type(records).__name__}")
            return
        parts = urlsplit(response.url)
        base = f"{parts.scheme}://{parts.netloc}"
        fresh = kept = 0
        for rec in records:
            if not isinstance(rec, dict) or any(dig(rec, k) != v for k, v in api.where.items()):
                continue
            kept += 1
            ident = dig(rec, api.fields["id"])
            if ident in (None, ""):
                self.crawler.stats.inc_value("items/dropped/api_no_id")
                continue
            ident = re.sub(r"[^\w\-]", "_", str(ident))[:80]
            item = self._api_item(src, rec, api.fields, base, ident)
            if item is None:
                self.crawler.stats.inc_value("items/dropped/no_content")
                continue
            replies = []
            if api.replies is not None:
                for n, r in enumerate(dig(rec, api.replies.items) or [], 1):
                    if not isinstance(r, dict):
                        continue
                    rid = dig(r, api.replies.fields["id"]) if "id" in api.replies.fields else None
                    rid = re.sub(r"[^\w\-]", "_", str(rid))[:40] if rid not in (None, "") else f"r{n}"
                    reply = self._api_item(src, r, {"id": "", **api.replies.fields}, base, f"{ident}-{rid}")
                    if reply is None:
                        continue
                    reply["url"] = reply["url"] or item["url"]
                    reply["title"] = reply["title"] or (f"回复：{item['title']}" if item["title"] else None)
                    replies.append(reply)
            for it in [item] + replies:
                # each message and each reply is seen apart: a new reply to an old message is new
                key = f"api:{it['id']}"
                h = text_hash(it["title"], it["content"])
                old = self.state.get(src.key, {}).get(key)
                if old and old.get("content_hash") == h:
                    self.crawler.stats.inc_value("incremental/unchanged")
                    self.page_records.append({"source": src.key, "url_key": key, "etag": None,
                                              "last_modified": None, "content_hash": h,
                                              "item_id": old.get("item_id")})
                    continue
                if old and old.get("content_hash"):
                    it["id"] = f"{it['id']}-v{h[:8]}"
                    self.crawler.stats.inc_value("incremental/changed")
                try:
                    Item.model_validate(it)
                except ValidationError as exc:
                    self._drop("article", response.url, "invalid_item", str(exc))
                    continue
                fresh += 1
                self.crawler.stats.inc_value("items/ok")
                self.page_records.append({"source": src.key, "url_key": key, "etag": None, "last_modified": None,
                                          "content_hash": h, "item_id": it["id"]})
                yield it
        self.crawler.stats.inc_value("sources/api_records", len(records))
        # the next page, unless this one was short (the last) or held nothing new (seen before)
        if fresh and kept >= api.page_size and page - api.page_start + 1 < api.max_pages:
            yield self._api_request(src, page + 1)

    # ------------------------------------------------------------------ articles
    def parse_article(self, response, src: Source, hint: dict[str, Any]):
        if self._not_modified(response, src):
            return
        try:
            item = self._build_item(response, src, hint)
        except Exception as exc:  # noqa: BLE001 - one bad page must not stop the crawl
            self._drop("article", response.url, "extract_error", f"{type(exc).__name__}: {exc}", src.key)
            return
        if item is not None:
            item = self._versioned(src, response, item)
        if item is not None:
            self.crawler.stats.inc_value("items/ok")
            yield item

    def _versioned(self, src: Source, response, item: dict, key: str | None = None) -> dict | None:
        """None when the source saw this text before; a changed text is a new version of the item."""
        key = key or url_key((response.request.meta.get("redirect_urls") or [response.url])[0]
                             if response is not None and response.request is not None else item["url"])
        h = text_hash(item.get("title"), item["content"])
        old = self.state.get(src.key, {}).get(key)
        if old and old.get("content_hash") == h:
            self.crawler.stats.inc_value("incremental/unchanged")
            self._record(src, response, content_hash=h, item_id=old.get("item_id"), key=key)
            return None
        if old and old.get("content_hash"):
            item["id"] = f"{item['id']}-v{h[:8]}"
            self.crawler.stats.inc_value("incremental/changed")
        self._record(src, response, content_hash=h, item_id=item["id"], key=key)
        return item

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
        if src.selectors is not None:
            art = self._by_selectors(text, response.url, src, art)
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
            # a configured title selector knows better than a link's text; else the feed's title
            "title": (art.get("title") if art.get("title_selected") else None) or hint.get("title") or art.get("title"),
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
