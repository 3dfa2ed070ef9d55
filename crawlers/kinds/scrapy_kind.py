"""The HTTP kinds (rss, listing, selectors, json_api), crawled by the Scrapy spider in a
subprocess (Scrapy's reactor cannot restart inside one process), its items streamed back line by
line. With a `Context.state` the crawl is incremental: the pages this source saw go in, the pages
it fetched come back and are kept."""
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
        state = self.context.state
        seen = {self.key: state.pages(self.key)} if state is not None else None
        s = crawl_once(self.context.sources_path, self.context.overrides, on_item=emit,
                       timeout=self.context.timeout, only=(self.key,), state=seen)
        if state is not None and s.page_records:
            state.mark(self.key, s.page_records)
        failed = {k: v for k, v in s.dropped.items() if k.startswith("sources/failed/")}
        errors = list(s.errors)[-20:]
        if s.timed_out:
            errors.append(f"crawl timed out after {self.context.timeout:.0f} s")
        elif s.returncode not in (0, None):
            errors.append(f"crawl exited with status {s.returncode}")
        return CrawlStats(source=self.key, pages=s.pages, items=s.items, dropped=dict(s.dropped),
                          errors=errors, not_modified=int(s.scrapy_stats.get("incremental/not_modified", 0)),
                          failed=bool(failed) or not s.ok)
