#!/usr/bin/env python3
"""Search latency at 100,000 items against 1,000, for the FTS5 index and Elasticsearch (osmem).

    python benchmarks/bench_search.py [--items 100000] [--small 1000] [--repeat 50]
                                      [--backends fts5,osmem] [--es-url URL] [--json]

Items are synthetic Chinese posts made here from word lists (seeded: every run makes the same
items). Each backend gets a small and a large index in the same run; every query runs a few
times to warm up, then --repeat times, and the table gives p50/p99 in milliseconds for both
sizes and the ratio of the p50s (large / small). `osmem` starts osmem-server on a free
127.0.0.1 port (`pip install osmem-server`): an in-memory emulator, so its figures say how the
client code behaves, not how Elasticsearch performs. `--es-url` adds a real cluster.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from yuqing.seams import SearchDoc, SearchQuery  # noqa: E402
from yuqing.timeutil import SHANGHAI  # noqa: E402

PLACES = ["湖滨步行街", "人民广场", "滨江路", "城东新村", "西门菜市场", "火车站广场", "开发区管委会",
          "实验小学", "第一人民医院", "文化公园", "长途汽车站", "南湖花园小区", "工业园区", "老城区",
          "新华路", "解放大道", "中山路", "阳光家园", "翠苑社区", "体育中心"]
ISSUES = ["噪音扰民", "停水", "停电", "垃圾堆放", "油烟污染", "道路施工", "交通拥堵", "违章建筑",
          "食品安全", "物业纠纷", "拖欠工资", "占道经营", "路灯不亮", "井盖缺失", "积水严重",
          "排污异味", "电梯故障", "停车难", "医疗纠纷", "校园安全"]
OPENERS = ["有网友反映，", "据市民爆料，", "今天上午，", "近日，", "昨晚十点多，", "有居民投诉称，",
           "网传视频显示，", "记者从现场了解到，", "多名业主表示，", "据知情人士透露，"]
DETAILS = ["情况已经持续了一个多星期", "附近居民苦不堪言", "相关部门已到场处置", "目前尚未得到解决",
           "不少路人驻足围观", "有关单位表示将尽快整改", "希望有关部门高度重视", "视频在朋友圈广泛传播",
           "涉事商户拒绝接受采访", "街道工作人员正在协调", "评论区有大量网友留言", "已有媒体跟进报道"]
FILLER = ["大家都很关心后续进展。", "天气转凉，市民出行请注意保暖。", "周边交通一度受到影响。",
          "希望早日恢复正常秩序。", "也有网友认为是误传。", "此事引发了广泛讨论。"]
PLATFORMS = ["weibo", "wechat", "douyin", "news", "forum", "toutiao"]
UNITS = ["湖滨街道", "城东街道", "交警大队", "水务集团", "供电公司", "环卫所", "市场监管局",
         "教育局", "卫健委", "住建局", "城管局", "人社局"]
LEVELS = ["无", "一般", "较大", "重大", "特别重大"]
CATEGORIES = ["环境污染", "交通出行", "公共服务", "城市管理", "教育", "医疗卫生", "劳动保障", "食品安全"]
START = datetime(2026, 9, 1, tzinfo=SHANGHAI)


def make_docs(n: int, seed: int = 20261120) -> list[SearchDoc]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        place, issue = rnd.choice(PLACES), rnd.choice(ISSUES)
        sentences = [f"{rnd.choice(OPENERS)}{place}附近出现{issue}问题，{rnd.choice(DETAILS)}。"]
        for _ in range(rnd.randint(1, 5)):
            sentences.append(rnd.choice([f"{rnd.choice(PLACES)}一带{rnd.choice(DETAILS)}。",
                                         rnd.choice(FILLER), f"{rnd.choice(ISSUES)}的问题{rnd.choice(DETAILS)}。"]))
        out.append(SearchDoc(
            id=f"bench-{i:07d}", title=f"{place}{issue}", content="".join(sentences),
            published_at=START + timedelta(seconds=rnd.randint(0, 90 * 86400)),
            platform=rnd.choice(PLATFORMS), unit=rnd.choice(UNITS),
            level=rnd.choices(LEVELS, weights=[50, 30, 12, 6, 2])[0],
            category=rnd.choice(CATEGORIES), negative=rnd.random() < 0.4,
            event_id=f"e{rnd.randint(0, n // 20)}"))
    return out


def operations() -> list[tuple[str, object]]:
    """(label, query or ("agg", by, query)) in the order they are reported."""
    week = START + timedelta(days=60)
    return [
        ("text 5 chars 湖滨步行街", SearchQuery(text="湖滨步行街", limit=20)),
        ("text 4 chars 食品安全", SearchQuery(text="食品安全", limit=20)),
        ("text 2 chars 停水", SearchQuery(text="停水", limit=20)),
        ("text 1 char 噪", SearchQuery(text="噪", limit=20)),
        ("text 2 terms 湖滨 噪音", SearchQuery(text="湖滨 噪音", limit=20)),
        ("text no match", SearchQuery(text="不存在的词语", limit=20)),
        ("text + platform + 7 days", SearchQuery(text="噪音", platforms=["weibo"], since=week,
                                                 until=week + timedelta(days=7), limit=20)),
        ("text + level + negative", SearchQuery(text="步行街", levels=["较大", "重大"], negative=True, limit=20)),
        ("filters only, newest first", SearchQuery(units=["湖滨街道"], negative=True, limit=20)),
        ("no text, page 6 (offset 100)", SearchQuery(limit=20, offset=100)),
        ("agg day (all)", ("agg", "day", None)),
        ("agg unit (all)", ("agg", "unit", None)),
        ("agg day, text 噪音", ("agg", "day", SearchQuery(text="噪音"))),
        ("agg level, platform weibo", ("agg", "level", SearchQuery(platforms=["weibo"]))),
    ]


def run_op(index, op) -> int:
    if isinstance(op, tuple):
        return len(index.aggregate(op[1], op[2]))
    return index.search(op).total


def measure(index, op, repeat: int, warmup: int = 3) -> dict:
    for _ in range(warmup):
        result = run_op(index, op)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        run_op(index, op)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    p99 = times[min(len(times) - 1, int(round(0.99 * (len(times) - 1))))]
    return {"p50": statistics.median(times), "p99": p99, "result": result}


def open_backend(name: str, tmp: Path, label: str, url: str | None):
    if name == "fts5":
        from yuqing.search.fts5 import Fts5Index
        return Fts5Index(tmp / f"search-{label}.db")
    from yuqing.search.elastic import ElasticIndex
    options = {}
    if name == "osmem":
        from tests.servers.search import ES_OPTIONS
        options = ES_OPTIONS
    # refresh once after the load instead of after every index() call.
    return ElasticIndex(url, index=f"yuqing-bench-{label}-{uuid.uuid4().hex[:8]}", refresh=False,
                        request_timeout=120, chunk_size=1000, **options)


def load(index, docs: list[SearchDoc], batch: int = 5000) -> float:
    t0 = time.perf_counter()
    for i in range(0, len(docs), batch):
        index.index(docs[i:i + batch])
    if hasattr(index, "client"):
        index.client.indices.refresh(index=index.index_name)
    else:
        index.optimize()
    return time.perf_counter() - t0


def bench_backend(name: str, small: list, large: list, repeat: int, url: str | None, tmp: Path) -> dict:
    out: dict = {"backend": name, "sizes": {}, "ops": {}}
    for label, docs in (("small", small), ("large", large)):
        index = open_backend(name, tmp, label, url)
        seconds = load(index, docs)
        extra = {}
        if name == "fts5":
            extra["file_mb"] = round(sum(p.stat().st_size for p in tmp.glob(f"search-{label}.db*")) / 2**20, 1)
        out["sizes"][label] = {"items": len(docs), "load_seconds": round(seconds, 2),
                               "items_per_second": round(len(docs) / seconds), **extra}
        for op_label, op in operations():
            out["ops"].setdefault(op_label, {})[label] = measure(index, op, repeat)
        if hasattr(index, "drop"):
            index.drop()
        index.close()
        print(f"  {name} {label}: {len(docs)} items loaded in {seconds:.1f} s", file=sys.stderr)
    return out


def print_table(results: list[dict]) -> None:
    for r in results:
        s, l = r["sizes"]["small"], r["sizes"]["large"]
        print(f"\n{r['backend']}: load {s['items']} items {s['load_seconds']} s; "
              f"{l['items']} items {l['load_seconds']} s ({l['items_per_second']}/s)"
              + (f"; file {l['file_mb']} MB" if "file_mb" in l else ""))
        head = f"{'operation':34} {'hits/buckets':>13} {'p50 small':>10} {'p99 small':>10} " \
               f"{'p50 large':>10} {'p99 large':>10} {'ratio':>7}"
        print(head)
        print("-" * len(head))
        for op, m in r["ops"].items():
            a, b = m["small"], m["large"]
            ratio = b["p50"] / a["p50"] if a["p50"] else float("nan")
            print(f"{op:34} {str(a['result']) + '/' + str(b['result']):>13} {a['p50']:10.2f} "
                  f"{a['p99']:10.2f} {b['p50']:10.2f} {b['p99']:10.2f} {ratio:7.1f}")
    print("\nlatencies in ms; hits/buckets = total hits or buckets at each size; ratio = p50 large / p50 small")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--items", type=int, default=100_000, help="size of the large index")
    ap.add_argument("--small", type=int, default=1_000, help="size of the small index")
    ap.add_argument("--repeat", type=int, default=50, help="timed runs per operation and size")
    ap.add_argument("--backends", default="fts5,osmem", help="comma-separated: fts5, osmem, es")
    ap.add_argument("--es-url", help="a real cluster for the es backend")
    ap.add_argument("--json", action="store_true", help="print the results as JSON too")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    large = make_docs(args.items)
    small = large[:args.small]
    print(f"made {len(large)} items in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    results, server = [], None
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        try:
            for name in [b.strip() for b in args.backends.split(",") if b.strip()]:
                url = None
                if name == "osmem":
                    from tests.servers.search import OsmemProcess, osmem_binary
                    binary = osmem_binary()
                    if not binary:
                        print("osmem-server is not installed: skipping osmem", file=sys.stderr)
                        continue
                    server = OsmemProcess(binary)
                    url = server.url
                elif name == "es":
                    url = args.es_url or os.environ.get("YUQING_TEST_ES_URL")
                    if not url:
                        ap.error("--backends es needs --es-url")
                elif name != "fts5":
                    ap.error(f"unknown backend {name!r}")
                results.append(bench_backend(name, small, large, args.repeat, url, Path(tmp)))
                if server:
                    server.stop()
                    server = None
        finally:
            if server:
                server.stop()
    print_table(results)
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
