"""One crawl in its own process (Scrapy's reactor cannot be restarted in one process).

    python -m crawlers.crawl --sources config/sources.yaml --set DEMO_SITE=http://127.0.0.1:8765 --out -

Writes one JSON item per line to --out ('-' = stdout), flushed as each item is scraped; logs
go to stderr. Exit status 0 when the crawl ran (even if some pages failed: their errors are on
stderr as `DROPPED ...` lines), 2 when the sources file or arguments are unusable.

--set NAME=URL fills the `${NAME}` placeholder in source URLs; when NAME is a source key it
replaces that source's URL. --only KEY limits the crawl to some sources (repeatable).
--stats-out FILE writes the final Scrapy stats as JSON.
--state FILE (JSON: source key -> url_key -> {etag, last_modified, content_hash, item_id}) makes
the crawl incremental; at the end, one line `{"__page__": {...}}` per page fetched follows the
items on --out, for the caller to keep.

Politeness (every HTTP source): robots.txt obeyed unless a source says `robots: false`;
AutoThrottle adapts the delay to each server's latency, starting at the source's
`delay_seconds`; at most `concurrency` requests at once to one host (a download slot per host);
`timeout_seconds` per request; `retries` with exponential backoff (crawlers.middleware).
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from crawlers.sources import SourcesError, load_sources

SETTINGS: dict[str, Any] = {
    "BOT_NAME": "yuqing",
    "USER_AGENT": "yuqing-crawler/0.1 (+public-opinion monitoring)",
    "ROBOTSTXT_OBEY": True,           # a source may opt out (`robots: false`, per request)
    "LOG_LEVEL": "INFO",
    "LOG_STDOUT": False,
    "TELNETCONSOLE_ENABLED": False,
    "HTTPCACHE_ENABLED": False,
    "COOKIES_ENABLED": False,
    "DOWNLOAD_TIMEOUT": 15,
    "RETRY_TIMES": 2,
    "RETRY_BACKOFF_BASE": 1.0,        # seconds before the first retry, doubling (crawlers.middleware)
    "RETRY_BACKOFF_MAX": 30.0,
    # a 10 MB page is still read (its head: extraction caps the markup); beyond this it is refused
    "DOWNLOAD_MAXSIZE": 16 * 1024 * 1024,
    "DOWNLOAD_WARNSIZE": 4 * 1024 * 1024,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
    "AUTOTHROTTLE_ENABLED": True,
    "AUTOTHROTTLE_START_DELAY": 0.5,
    "AUTOTHROTTLE_MAX_DELAY": 30.0,
    "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
    "REDIRECT_MAX_TIMES": 10,
    "DOWNLOADER_MIDDLEWARES": {
        "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
        "crawlers.middleware.BackoffRetryMiddleware": 550,
        "crawlers.middleware.BackoffMiddleware": 560,
    },
    "HTTPERROR_ALLOW_ALL": False,
    "CLOSESPIDER_TIMEOUT": 120,       # safety net; normally the spider closes when idle
    "DUPEFILTER_DEBUG": False,
    "ITEM_PIPELINES": {},
    "EXTENSIONS": {"scrapy.extensions.telnet.TelnetConsole": None},
}


def _parse_sets(pairs: list[str]) -> dict[str, str]:
    out = {}
    for p in pairs:
        if "=" not in p:
            raise SourcesError(f"--set {p!r}: expected NAME=URL")
        k, v = p.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m crawlers.crawl", description=__doc__.splitlines()[0])
    ap.add_argument("--sources", required=True, type=Path)
    ap.add_argument("--set", dest="sets", action="append", default=[], metavar="NAME=URL")
    ap.add_argument("--only", action="append", default=[], metavar="KEY")
    ap.add_argument("--out", default="-")
    ap.add_argument("--stats-out", type=Path)
    ap.add_argument("--state", type=Path, help="what the sources saw before (JSON); makes the crawl incremental")
    ap.add_argument("--timeout", type=float, default=SETTINGS["CLOSESPIDER_TIMEOUT"],
                    help="close the spider after this many seconds")
    ap.add_argument("--log-level", default="INFO")
    args = ap.parse_args(argv)

    try:
        cfg = load_sources(args.sources, _parse_sets(args.sets))
    except SourcesError as exc:
        print(f"crawl: bad sources: {exc}", file=sys.stderr, flush=True)
        return 2
    sources = cfg.enabled
    if args.only:
        unknown = set(args.only) - {s.key for s in cfg.sources}
        if unknown:
            print(f"crawl: --only: unknown source key(s) {sorted(unknown)}", file=sys.stderr)
            return 2
        sources = [s for s in cfg.sources if s.key in args.only]
    from crawlers.spiders.news import SPIDER_KINDS
    skipped = [s.key for s in sources if s.kind not in SPIDER_KINDS]
    if skipped:                          # file imports and other kinds crawl without the spider
        print(f"crawl: not spider kinds, skipped: {', '.join(skipped)}", file=sys.stderr, flush=True)
    sources = [s for s in sources if s.kind in SPIDER_KINDS]
    if not sources:
        print("crawl: no enabled sources", file=sys.stderr, flush=True)
        _write_stats(args.stats_out, {"items/ok": 0})
        return 0

    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    from crawlers.spiders.news import NewsSpider

    out = sys.stdout if args.out == "-" else open(args.out, "w", encoding="utf-8")  # noqa: SIM115
    settings = dict(SETTINGS, LOG_LEVEL=args.log_level.upper(), CLOSESPIDER_TIMEOUT=args.timeout)
    settings.update(politeness(sources))
    state = None
    if args.state is not None:
        try:
            state = json.loads(args.state.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError) as exc:
            print(f"crawl: unreadable --state {args.state}: {exc}", file=sys.stderr, flush=True)
            return 2
    process = CrawlerProcess(settings=settings)
    crawler = process.create_crawler(NewsSpider)
    written = {"n": 0}

    def on_item(item, response, spider):
        out.write(json.dumps(dict(item), ensure_ascii=False) + "\n")
        out.flush()
        written["n"] += 1

    crawler.signals.connect(on_item, signal=signals.item_scraped)
    process.crawl(crawler, sources=sources, state=state)
    process.start()
    if state is not None and crawler.spider is not None:
        for rec in crawler.spider.page_records:
            out.write(json.dumps({"__page__": rec}, ensure_ascii=False) + "\n")
        out.flush()

    stats = crawler.stats.get_stats() if crawler.stats else {}
    stats = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in stats.items()}
    stats["items/written"] = written["n"]
    _write_stats(args.stats_out, stats)
    dropped = {k: v for k, v in stats.items() if k.startswith(("items/dropped/", "sources/failed/"))}
    logging.getLogger("crawlers.crawl").info("crawl done: %d items written; failures: %s",
                                             written["n"], dropped or "none")
    if out is not sys.stdout:
        out.close()
    return 0


def politeness(sources) -> dict[str, Any]:
    """Per-host download slots from the sources: the smallest concurrency and the largest delay
    any source on that host asks for (two sources on one site share its limits)."""
    from urllib.parse import urlsplit
    slots: dict[str, dict[str, float]] = {}
    for s in sources:
        host = urlsplit(s.url or "").hostname
        if not host:
            continue
        slot = slots.setdefault(host, {"concurrency": s.concurrency, "delay": s.delay_seconds})
        slot["concurrency"] = min(slot["concurrency"], s.concurrency)
        slot["delay"] = max(slot["delay"], s.delay_seconds)
    delays = [s["delay"] for s in slots.values()]
    return {"DOWNLOAD_SLOTS": slots, "AUTOTHROTTLE_START_DELAY": min(delays) if delays else 0.5,
            "DOWNLOAD_DELAY": min(delays) if delays else 0.0}


def _write_stats(path: Path | None, stats: dict) -> None:
    if path is not None:
        path.write_text(json.dumps(stats, ensure_ascii=False, default=str), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
