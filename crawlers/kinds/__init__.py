"""Source kinds as a registry: a kind is one module with a class built by `from_config(source,
context)` whose `crawl(emit)` fetches what is new and hands each item (the `route` input format)
to `emit`, returning its CrawlStats (the Source seam in yuqing.seams). A new source of a known
kind is config only (config/sources.yaml); a new kind is one module plus one line:

    register_kind("weibo_api", "mypkg.kinds.weibo:WeiboSearchSource")

Kinds fetched over HTTP by the Scrapy spider (rss, listing, selectors, json_api) share its
politeness (robots.txt, AutoThrottle, per-domain concurrency, timeouts, retries with backoff)
and its incremental state (seen pages with their ETag / Last-Modified and text hash), which the
composition root keeps in the store through `Context.state` (a `CrawlState`).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from yuqing.timeutil import Clock, SystemClock

_KINDS: dict[str, str] = {}
_NEEDS: dict[str, dict[str, tuple[str, ...]]] = {}
_LABELS: dict[str, str] = {}


def register_kind(name: str, dotted: str, *, where: tuple[str, ...] = ("url",),
                  config: tuple[str, ...] = (), label: str | None = None) -> None:
    """`where`: url and/or path the source may name; `config`: sections of its entry it needs;
    `label`: the kind's Chinese name on the system-status page."""
    _KINDS[name] = dotted
    _NEEDS[name] = {"where": tuple(where), "config": tuple(config)}
    _LABELS[name] = label or name


def kind_label(name: str) -> str:
    return _LABELS.get(name, name)


def kinds() -> dict[str, str]:
    return dict(_KINDS)


def kind_needs(name: str) -> dict[str, tuple[str, ...]]:
    return dict(_NEEDS.get(name, {}))


def kind_class(name: str):
    if name not in _KINDS:
        raise KeyError(f"unknown source kind {name!r}; known: {', '.join(sorted(_KINDS))}")
    module, _, cls = _KINDS[name].partition(":")
    return getattr(importlib.import_module(module), cls)


class CrawlState(Protocol):
    """What a source saw before (kept in the store by the composition root)."""

    def pages(self, source: str) -> dict[str, dict[str, Any]]:
        """url_key -> {"etag", "last_modified", "content_hash", "item_id"} of what the source saw."""

    def mark(self, source: str, records: list[dict[str, Any]]) -> None:
        """Remember pages fetched in this run (url_key, etag, last_modified, content_hash, item_id)."""


class MemoryState:
    """A CrawlState in memory (tests, one-off crawls)."""

    def __init__(self):
        self.seen: dict[str, dict[str, dict[str, Any]]] = {}

    def pages(self, source: str) -> dict[str, dict[str, Any]]:
        return {k: dict(v) for k, v in self.seen.get(source, {}).items()}

    def mark(self, source: str, records: list[dict[str, Any]]) -> None:
        mine = self.seen.setdefault(source, {})
        for r in records:
            old = mine.get(r["url_key"], {})
            mine[r["url_key"]] = {k: (r.get(k) if r.get(k) is not None else old.get(k))
                                  for k in ("etag", "last_modified", "content_hash", "item_id")}


@dataclass
class Context:
    """What a source may need besides its own entry: where sources.yaml is, the filled
    placeholders, the incremental state (None: every crawl starts afresh) and a clock."""
    sources_path: Path
    overrides: dict[str, str] = field(default_factory=dict)
    timeout: float = 120.0
    extra: dict[str, Any] = field(default_factory=dict)
    state: CrawlState | None = None
    clock: Clock = field(default_factory=SystemClock)


def build_source(entry, context: Context):
    return kind_class(entry.kind).from_config(entry, context)


register_kind("rss", "crawlers.kinds.scrapy_kind:ScrapySource", label="RSS 订阅")
register_kind("listing", "crawlers.kinds.scrapy_kind:ScrapySource", label="网页列表（通用正文抽取）")
register_kind("selectors", "crawlers.kinds.scrapy_kind:ScrapySource", config=("selectors",),
              label="网页列表与详情（选择器）")
register_kind("json_api", "crawlers.kinds.scrapy_kind:ScrapySource", config=("api",), label="数据接口（JSON 分页）")
register_kind("hotline", "crawlers.kinds.hotline:HotlineSource", where=("url", "path"), label="12345 工单导出")
