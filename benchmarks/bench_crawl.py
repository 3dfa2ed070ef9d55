#!/usr/bin/env python3
"""Pages and items per second of each source kind from a local server, as ratios against the RSS
kind in the same run.

    python benchmarks/bench_crawl.py [--pages 200] [--json]

One local site (tests/servers/site.py) serves, per kind, the same N synthetic article pages
behind an RSS feed (rss), an index page (listing: the general extractor), a paged list read by
selectors (selectors: list + detail), a paged JSON API of N records with a reply each (json_api),
and a 12345 CSV export of N rows (hotline, GBK). Each kind crawls once, with politeness delays off
(delay_seconds 0, concurrency 8) so the figure is the parser's and the spider's cost, not a wait;
the crawl subprocess's start-up is included, as in production (one untimed warm-up crawl first). Reported: wall seconds, pages
(HTTP responses, robots.txt included), items, items per second, and items per second relative to
rss (above 1: faster than RSS).
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PARA = ("{n}号楼门口的共享单车乱停乱放，人行道被堵得严严实实，推着婴儿车和坐轮椅的居民只能绕到机动车道上走，"
        "居民多次向物业和社区反映，至今没有人来清理，希望城管部门尽快处理。")


def article(n: int) -> str:
    return (f'<html><head><meta charset="utf-8"><title>凯旋路小区单车乱停第{n}篇_测试网</title></head><body>'
            '<div class="nav"><a href="/">首页</a> | 本地</div><div class="article">'
            f'<h1 class="t">凯旋路小区单车乱停第{n}篇</h1><div class="info">2026-11-19 08:{n % 60:02d}　作者：记者{n}</div>'
            f'<div class="content"><p>{PARA.format(n=n)}</p><p>{PARA.format(n=n + 1)}</p></div></div>'
            '<div class="footer">版权所有</div></body></html>')


def build(site, n: int, per_page: int = 20) -> None:
    from tests.servers.site import Page
    for i in range(n):
        site.pages[f"/a/{i}.html"] = Page(article(i))
    items = "".join(f"<item><title>凯旋路小区单车乱停第{i}篇</title><link>/a/{i}.html</link>"
                    f"<pubDate>Thu, 19 Nov 2026 08:{i % 60:02d}:00 +0800</pubDate></item>" for i in range(n))
    site.pages["/feed.xml"] = Page(f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
                                   f'{items}</channel></rss>', ctype="application/rss+xml")
    site.pages["/index.html"] = Page("<html><body>" + "".join(f'<a href="/a/{i}.html">第{i}篇</a>' for i in range(n))
                                     + "</body></html>")
    pages = (n + per_page - 1) // per_page
    for p in range(pages):
        links = "".join(f'<li><a href="/a/{i}.html">第{i}篇</a></li>' for i in range(p * per_page, min(n, (p + 1) * per_page)))
        nxt = f'<a class="next" href="/list/{p + 2}.html">下一页</a>' if p + 1 < pages else ""
        site.pages[f"/list/{p + 1}.html"] = Page(f'<html><body><ul class="l">{links}</ul>{nxt}</body></html>')
        recs = [{"id": i, "title": f"凯旋路小区单车乱停第{i}篇", "content": PARA.format(n=i), "user": f"网友{i}",
                 "time": f"2026-11-19 08:{i % 60:02d}:00",
                 "replies": [{"id": 1, "unit": "区城管局", "content": f"已安排执法队员到{i}号楼清理。",
                              "time": "2026-11-19 12:00:00"}]}
                for i in range(p * per_page, min(n, (p + 1) * per_page))]
        site.pages[f"/api?page={p + 1}&size={per_page}"] = Page(json.dumps({"data": {"list": recs}}, ensure_ascii=False),
                                                                ctype="application/json")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=200)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    import logging
    logging.disable(logging.WARNING)
    import yaml
    from crawlers.kinds import Context, MemoryState, build_source
    from crawlers.sources import load_sources
    from tests.servers.site import Site
    n, per = args.pages, 20
    tmp = Path(tempfile.mkdtemp(prefix="bench-crawl-"))
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["工单编号", "受理时间", "诉求标题", "诉求内容", "诉求地址"])
    for i in range(n):
        w.writerow([f"GD{i:06d}", f"2026-11-19 08:{i % 60:02d}:00", f"单车乱停{i}", PARA.format(n=i), "凯旋路"])
    (tmp / "export.csv").write_bytes(buf.getvalue().encode("gbk"))
    common = {"platform": "news", "interval_seconds": 60, "delay_seconds": 0, "concurrency": 8, "retries": 0,
              "max_items": 5000, "max_pages": 200}
    entries = [
        {"key": "rss", "kind": "rss", "url": "${S}/feed.xml"},
        {"key": "listing", "kind": "listing", "url": "${S}/index.html", "follow": r"/a/\d+\.html$"},
        {"key": "selectors", "kind": "selectors", "url": "${S}/list/1.html",
         "selectors": {"link": "ul.l a", "next": "a.next::attr(href)", "title": "h1.t::text", "content": "div.content"}},
        {"key": "json_api", "kind": "json_api", "url": "${S}/api", "platform": "gov_board",
         "api": {"items": "data.list", "page_size_param": "size", "page_size": per, "max_pages": 200,
                 "fields": {"id": "id", "title": "title", "content": "content", "author": "user", "published_at": "time"},
                 "replies": {"items": "replies", "fields": {"id": "id", "content": "content", "author": "unit",
                                                            "published_at": "time"}}}},
        {"key": "hotline", "kind": "hotline", "path": str(tmp / "export.csv"), "platform": "hotline"},
    ]
    path = tmp / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": [{"name": e["key"], **common, **e} for e in entries]},
                                   allow_unicode=True), encoding="utf-8")
    rows = []
    with Site() as site:
        build(site, n, per)
        ctx = Context(path, {"S": site.url}, timeout=600, state=MemoryState())
        srcs = load_sources(path, ctx.overrides).enabled
        # warm-up, untimed: the first crawl of a run pays for cold imports and disk caches
        build_source(srcs[0], Context(path, {"S": site.url}, timeout=600)).crawl(lambda it: None)
        for e in srcs:
            got = []
            t0 = time.perf_counter()
            st = build_source(e, ctx).crawl(got.append)
            secs = time.perf_counter() - t0
            rows.append({"kind": e.kind, "seconds": round(secs, 2), "pages": st.pages, "items": len(got),
                         "items_per_s": round(len(got) / secs, 1), "pages_per_s": round(st.pages / secs, 1)})
    base = next(r for r in rows if r["kind"] == "rss")["items_per_s"]
    for r in rows:
        r["ratio_vs_rss"] = round(r["items_per_s"] / base, 2) if base else None
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        print(f"{'kind':10} {'seconds':>8} {'pages':>6} {'items':>6} {'pages/s':>8} {'items/s':>8} {'× rss':>6}")
        for r in rows:
            print(f"{r['kind']:10} {r['seconds']:8.2f} {r['pages']:6d} {r['items']:6d} {r['pages_per_s']:8.1f} "
                  f"{r['items_per_s']:8.1f} {r['ratio_vs_rss']:6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
