"""RSS feeds and HTML listing pages, crawled by the Scrapy spider in a subprocess (Scrapy's
reactor cannot restart inside one process), its items streamed back line by line."""
from __future__ import annotations

from typing import Any, Callable

from yuqing.seams import CrawlStats


class ScrapySource:
    def __init__(self, entry, context):
        self.entry, self.context = entry, context
        self.key, self.kind = entry.key, entry.kind

    @classmethod
    def from_config(cls, entry, context) -> "ScrapySource":
        return cls(entry, context)

    def crawl(self, emit: Callable[[dict[str, Any]], None]) -> CrawlStats:
        from crawlers.runner import crawl_once
        s = crawl_once(self.context.sources_path, self.context.overrides, on_item=emit,
                       timeout=self.context.timeout, only=(self.key,))
        return CrawlStats(source=self.key, pages=getattr(s, "pages", 0), items=s.items, dropped=dict(s.dropped),
                          errors=list(s.errors)[-20:])
