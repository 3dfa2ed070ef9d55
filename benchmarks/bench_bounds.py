#!/usr/bin/env python3
"""Bounded cost of hostile or huge input, as ratios measured in one run (never absolute times).

    python benchmarks/bench_bounds.py [--repeat 3]

- sentiment model load time against importing bare snownlp (which loads its own model);
- facts and sentiment on a 1 MB text against a 20 KB text: the cap makes them cost about the same;
- facts on 1 MB of pathological repetition ("十十十…", "网传网传…") against 1 MB of plain text;
- facts on 2,000 short reports against snownlp's sentiment on the same texts.
A ratio far above its expectation means a cap or a regex broke. Exit status 1 when one does.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def load_seconds(code: str, repeat: int) -> float:
    """A fresh interpreter each time: import caches do not help either side."""
    runs = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", "import time; t=time.perf_counter();" + code +
                              ";print(time.perf_counter()-t)"], capture_output=True, text=True, cwd=ROOT, check=True)
        runs.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(runs)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from pipeline.facts import FactReader
    from pipeline.sentiment import SentimentModel
    import snownlp

    reader, model = FactReader.default(), SentimentModel.load()
    rows = []
    ours = load_seconds("from pipeline.sentiment import SentimentModel; SentimentModel.load()", args.repeat)
    theirs = load_seconds("import snownlp; snownlp.SnowNLP('测试').sentiments", args.repeat)
    rows.append(("sentiment load / snownlp load", ours / theirs, 1.5))

    small = "某小区3人受伤，无人员伤亡，网传爆炸系谣言。" * 1000          # about 20 KB
    huge = small * 50                                                  # about 1 MB
    rows.append(("facts 1 MB / 20 KB", best(lambda: reader.read(huge), args.repeat)
                 / best(lambda: reader.read(small), args.repeat), 5.0))
    rows.append(("sentiment 1 MB / 20 KB", best(lambda: model.score(huge), args.repeat)
                 / best(lambda: model.score(small), args.repeat), 5.0))
    plain = ("街道社区开展垃圾分类宣传活动居民积极参与" * 60000)[:1_000_000]
    t_plain = best(lambda: reader.read(plain), args.repeat)
    worst = max(best(lambda u=u: reader.read(u * (1_000_000 // len(u))), args.repeat)
                for u in ("十", "3", "受伤", "维权", "网传", "一死", "。", "<", "无"))
    rows.append(("facts worst repetition / plain, 1 MB", worst / t_plain, 5.0))
    texts = [f"第{i}号楼发生火灾，{i % 7}人受伤，无人员伤亡，约{i % 90}名居民被疏散。" for i in range(2000)]
    t_facts = best(lambda: [reader.read(t) for t in texts], args.repeat)
    t_snow = best(lambda: [snownlp.SnowNLP(t).sentiments for t in texts], args.repeat)
    rows.append(("facts on 2,000 reports / snownlp on them", t_facts / t_snow, 1.0))

    bad = 0
    print(f"{'measure':44} {'ratio':>8} {'expected ≤':>11}")
    for name, ratio, limit in rows:
        flag = "" if ratio <= limit else "  <-- above expectation"
        bad += ratio > limit
        print(f"{name:44} {ratio:8.2f} {limit:11.1f}{flag}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
