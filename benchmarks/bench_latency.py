#!/usr/bin/env python3
"""From a page appearing to its case in the store, with the sources crawled on their intervals.

    python benchmarks/bench_latency.py [--minutes 4] [--interval 30]

The demo news site (crawlers/demo_site.py) publishes its storyline on 127.0.0.1, faster than real
time so that every story appears within `--minutes`; an article's publish time is the moment it
appears on the site. `yuqing run`'s service (APScheduler, each source on its own interval, never
faster than `--interval` seconds; the embedded worker in a thread; SQLite store, in-process bus)
crawls it as in production. At the end, for every news item stored, the time from its appearance
to its store write (the moment its case decision is recorded) is taken; p50, p95 and the worst are
printed. With a 30-second interval the wait for the next crawl alone is up to 30 s, so the target
(p95 under 40 s) leaves 10 s for fetching, analysis, grouping and the store. Exit status 1 when the
p95 misses the target.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=4.0, help="how long the storyline takes to appear")
    ap.add_argument("--interval", type=int, default=30, help="the shortest crawl interval (seconds)")
    ap.add_argument("--target", type=float, default=40.0, help="p95 target in seconds")
    args = ap.parse_args(argv)

    from crawlers.demo_site import DemoSite, load_storyline
    from yuqing.app.build import Parts, load_config
    from yuqing.app.service import Service
    from yuqing.records import StoredItem
    from yuqing.settings import Settings
    from yuqing.timeutil import SystemClock

    _, story = load_storyline()
    span = max(a.offset for a in story) or 1.0
    speed = span / (args.minutes * 60)
    clock = SystemClock()
    site = DemoSite(clock=clock, speed=speed).start()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.load(None, {"STORE_URL": f"sqlite:///{tmp}/latency.db", "BUS": "inprocess",
                                        "CRAWL_INTERVAL_SECONDS": str(args.interval),
                                        "SEARCH_FTS_PATH": f"{tmp}/search.db"}, environ={})
        parts = Parts(load_config(ROOT / "config"), settings, clock)
        svc = Service(parts, overrides={"DEMO_SITE": site.url}, notify=False).start()
        try:
            # the storyline, then two more intervals for the last stories to be crawled and routed
            time.sleep(args.minutes * 60 + 2 * args.interval + 5)
        finally:
            svc.stop(wait=True, close=False)
            site.stop()
        store = parts.store
        with store.reader() as r:
            rows = r.session.query(StoredItem).filter(StoredItem.platform == "news").all()
        lat = sorted((x.received_at - x.published_at).total_seconds() for x in rows)
        parts.close()
    if not lat:
        print("no news item was stored")
        return 1
    p95 = lat[min(len(lat) - 1, int(round(0.95 * (len(lat) - 1))))]
    print(f"items     {len(lat)} news items, storyline over {args.minutes:g} min, crawl interval {args.interval} s")
    print(f"latency   p50 {statistics.median(lat):.1f} s   p95 {p95:.1f} s   worst {lat[-1]:.1f} s "
          f"(target p95 < {args.target:g} s)")
    return 0 if p95 < args.target else 1


if __name__ == "__main__":
    sys.exit(main())
