#!/usr/bin/env python3
"""Throughput of the whole analysis stage against bare snownlp, on the same items, in one run.

    python benchmarks/bench_analysis.py ITEMS.jsonl [--limit N] [--json]

ITEMS.jsonl is in the `route` input format (for example the 11,045 items of osm2022_train:
`python3 ../shared/tools/ext_eval.py items sentiment ../shared/extdata/sentiment/osm2022_train.csv`).
Each side runs in its own process, so each one's peak resident memory is its own. Reports
items per second for both, their ratio (target ≥ 0.7) and the pipeline's peak RSS (target
< 500 MB). Model loading is timed apart from the per-item work.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time


def _items(path: str, limit: int | None) -> list[dict]:
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                out.append(json.loads(line))
                if limit and len(out) >= limit:
                    break
    return out


def run_pipeline(path: str, limit: int | None) -> dict:
    t0 = time.perf_counter()
    from pipeline.engine import Engine
    from yuqing.config import load_config
    from yuqing.model import Item
    engine = Engine(load_config())
    load = time.perf_counter() - t0
    items = [Item.model_validate(d) for d in _items(path, limit)]
    t1 = time.perf_counter()
    for it in items:
        engine.process(it)
    dt = time.perf_counter() - t1
    return {"side": "pipeline", "items": len(items), "seconds": dt, "load_seconds": load,
            "rate": len(items) / dt, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run_snownlp(path: str, limit: int | None) -> dict:
    t0 = time.perf_counter()
    from snownlp import SnowNLP
    SnowNLP("加载模型").sentiments
    load = time.perf_counter() - t0
    texts = [d.get("content") or "" for d in _items(path, limit)]
    t1 = time.perf_counter()
    for t in texts:
        if t.strip():          # bare snownlp raises ZeroDivisionError on empty text
            SnowNLP(t).sentiments
    dt = time.perf_counter() - t1
    return {"side": "snownlp", "items": len(texts), "seconds": dt, "load_seconds": load,
            "rate": len(texts) / dt, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("items")
    ap.add_argument("--limit", type=int)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--side", choices=["pipeline", "snownlp"], help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.side:
        fn = run_pipeline if a.side == "pipeline" else run_snownlp
        print(json.dumps(fn(a.items, a.limit)))
        return 0
    res = {}
    for side in ("snownlp", "pipeline"):
        cmd = [sys.executable, __file__, a.items, "--side", side] + (["--limit", str(a.limit)] if a.limit else [])
        res[side] = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
    ratio = res["pipeline"]["rate"] / res["snownlp"]["rate"]
    report = {"items": res["pipeline"]["items"], "snownlp_rate": round(res["snownlp"]["rate"], 1),
              "pipeline_rate": round(res["pipeline"]["rate"], 1), "ratio": round(ratio, 3),
              "pipeline_peak_rss_mb": round(res["pipeline"]["peak_rss_mb"], 1),
              "snownlp_peak_rss_mb": round(res["snownlp"]["peak_rss_mb"], 1),
              "pipeline_load_seconds": round(res["pipeline"]["load_seconds"], 2),
              "targets": {"ratio_at_least": 0.7, "rss_below_mb": 500},
              "met": ratio >= 0.7 and res["pipeline"]["peak_rss_mb"] < 500}
    if a.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        for k, v in report.items():
            print(f"{k:24} {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
