#!/usr/bin/env python3
"""Dashboard render cost against the size of the history, as ratios measured in one run.

    python benchmarks/bench_dashboard.py [--small 1000] [--large 5000] [--items-per-case 20] [--repeat 3]

Two stores are built the same way, one with `--small` cases and one with `--large` (each case
with a clock and `--items-per-case` items, so 100,000 items at 5,000 cases; one in ten still open,
the rest closed history), and the items are indexed in FTS5. The case list, overview and
timeliness pages are rendered headless with Streamlit's AppTest, signed in as the office, and the
best of `--repeat` renders is taken for each; a search over the large store's items is timed
through the SearchIndex seam (p50 of 20 queries). The ratio large/small should stay near 1 for the
case list (it is paged in the store) and follows the open cases for the overview; a ratio near
large/small (5) would mean a page reads the whole history. Exit status 1 when the case list's
ratio is above 2.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def build(path: Path, n: int, per_case: int = 1):
    from tests.dashboard_fixtures import NOW, add_users, case, clock, make_store
    from yuqing.records import StoredItem
    from yuqing.seams import SearchDoc
    store, docs = make_store(path), []
    levels = ("一般", "较大", "重大", "特别重大")
    streets = ("南星街道", "望江街道", "湖滨街道", "小营街道")
    with store.transaction() as tx:
        for i in range(n):
            ev = f"ev-{i:06d}"
            open_ = i % 10 == 0
            first = streets[i % 4]
            tx.add(case(ev, severity=levels[i % 4], first=first, places=[first], heat=i % 500,
                        title=f"第{i}号舆情 {first}", status="open" if open_ else "closed",
                        first_published=NOW - timedelta(hours=i % 700)))
            tx.add(clock(ev, "response", NOW - timedelta(hours=i % 700), NOW + timedelta(hours=48 - i % 700),
                         status="running" if open_ else "met"))
            for k in range(per_case):
                item = StoredItem(id=f"it-{i:06d}-{k:02d}", platform="weibo",
                                  content=f"{first}第{i}号舆情的第{k}条信息：{WORDS[(i + k) % len(WORDS)]}",
                                  published_at=NOW - timedelta(hours=i % 700, minutes=k), received_at=NOW,
                                  event_id=ev)
                tx.add(item)
                docs.append(SearchDoc(id=item.id, title="", content=item.content, published_at=item.published_at,
                                      platform="weibo", event_id=ev, unit=first, level=levels[i % 4]))
    add_users(store, ["xcb"])
    return store, docs


WORDS = ["小区垃圾三天没人清运", "工地夜间施工噪音扰民", "共享单车乱停堵住人行道", "餐馆油烟熏得没法开窗",
         "电梯又坏了老人上不了楼", "菜场缺斤短两", "停车位被占还收费", "学校门口接送拥堵"]


def index_items(docs, path: Path):
    from yuqing.search.fts5 import Fts5Index
    idx = Fts5Index(str(path))
    idx.index(docs)
    return idx


def search_ms(idx, queries=("垃圾", "施工噪音", "缺斤短两", "电梯", "南星街道")) -> float:
    from yuqing.seams import SearchQuery
    times = []
    for _ in range(4):
        for q in queries:
            t0 = time.perf_counter()
            idx.search(SearchQuery(text=q, limit=50))
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return times[len(times) // 2]


def render_seconds(url: str, page: str, repeat: int) -> float:
    from streamlit.testing.v1 import AppTest
    from tests.dashboard_fixtures import APP, NOW, open_page, sign_in
    os.environ.update(YUQING_STORE_URL=url, YUQING_NOW=NOW.isoformat())
    at = sign_in(AppTest.from_file(APP, default_timeout=120), "xcb")
    open_page(at, page)
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        at.run()
        best = min(best, time.perf_counter() - t0)
        assert not at.exception, [e.value for e in at.exception]
    return best


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", type=int, default=1000)
    ap.add_argument("--large", type=int, default=5000)
    ap.add_argument("--items-per-case", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["YUQING_SEARCH_FTS_PATH"] = str(Path(tmp) / "search.db")
        built = {n: build(Path(tmp) / str(n), n, args.items_per_case) for n in (args.small, args.large)}
        stores = {n: b[0] for n, b in built.items()}
        worst, slowest = 0.0, 0.0
        for page in ("cases", "overview", "stats"):
            t = {n: render_seconds(s.url, page, args.repeat) for n, s in stores.items()}
            ratio = t[args.large] / t[args.small]
            if page == "cases":
                worst = ratio
            slowest = max(slowest, t[args.large])
            print(f"{page:9} {args.small} cases {t[args.small]:.3f}s  {args.large} cases {t[args.large]:.3f}s  "
                  f"ratio {ratio:.2f}")
        idx = index_items(built[args.large][1], Path(tmp) / "bench-search.db")
        ms = search_ms(idx)
        print(f"search    {args.large * args.items_per_case} items p50 {ms:.1f} ms (target < 300 ms)")
        print(f"slowest page at {args.large} cases: {slowest:.3f}s (target < 2 s)")
        for s in stores.values():
            s.close()
    return 1 if worst > 2 or slowest > 2 or ms > 300 else 0


if __name__ == "__main__":
    sys.exit(main())
