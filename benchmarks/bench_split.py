#!/usr/bin/env python3
"""Where a worker's CPU goes: per-item analysis against grouping/routing and the store write.

    python benchmarks/bench_split.py [FILES…] [--repeat N] [--json]

The stream is the project's own written sets (tests/eval/written*.jsonl, 487 items in about 190
events) by default, each repeat with fresh ids shifted a week later so that grouping sees a
growing history, as a long-running worker does. Three parts are timed with process CPU time
(time.process_time), per item:

- analysis: `Engine.analyse` (normalise, sentiment, places, category, facts, voice): stateless;
- grouping + routing: `Engine.place` (dedup, event grouping, aggregates, severity, routing tree,
  clocks): needs every earlier item of the district;
- store write: `record_decision` in one SQLite transaction (item, case, clocks, log, case events).

The split decides the design for several workers (README, "At scale"): the stateless part is the
one worth scaling out.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from yuqing.model import Item  # noqa: E402


def stream(files: list[Path], repeat: int) -> list[Item]:
    base = [json.loads(line) for f in files for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    base.sort(key=lambda d: d["published_at"])
    out = []
    for r in range(repeat):
        for d in base:
            it = Item.model_validate({k: v for k, v in d.items() if k != "expect"})
            out.append(it.model_copy(update={"id": f"{it.id}-r{r}",
                                             "url": f"{it.url}?r={r}" if it.url else None,
                                             "published_at": it.published_at + timedelta(days=7 * r)}))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--repeat", type=int, default=4)
    ap.add_argument("--batch", type=int, default=1, help="decisions per store transaction (the writer's batch)")
    ap.add_argument("--store", default="", help="store URL (default: a new SQLite file)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    files = args.files or sorted((ROOT / "tests" / "eval").glob("written*.jsonl"))

    from pipeline.dedup import canonical_url, content_fingerprint
    from pipeline.record import record_decision
    from yuqing.app.build import load_config, make_engine
    from yuqing.store.sql import SqlStore

    cfg = load_config(ROOT / "config", announce=False)
    engine = make_engine(cfg)
    items = stream(files, args.repeat)
    tmp = tempfile.mkdtemp(prefix="bench-split-")
    store = SqlStore(args.store or f"sqlite:///{tmp}/store.db")
    # warm up (lazy tables, jieba dictionary) on an item not counted
    engine.place(items[0], engine.analyse(items[0]))
    engine.reset()
    t_an = t_place = t_store = 0.0
    wall0 = time.perf_counter()
    pending = []

    def write() -> float:
        c = time.process_time()
        with store.transaction() as tx:
            for d in pending:
                record_decision(tx, d, now=d.item.published_at, url_key=canonical_url(d.item.url),
                                fingerprint=content_fingerprint(d.item.title, d.item.content))
        pending.clear()
        return time.process_time() - c

    for it in items:
        c0 = time.process_time()
        ctx = engine.analyse(it)
        c1 = time.process_time()
        pending.append(engine.place(it, ctx, now=it.published_at))
        t_an, t_place = t_an + (c1 - c0), t_place + (time.process_time() - c1)
        if len(pending) >= args.batch:
            t_store += write()
    if pending:
        t_store += write()
    wall = time.perf_counter() - wall0
    store.close()
    n, total = len(items), t_an + t_place + t_store
    res = {"items": n, "batch": args.batch, "events": len(engine.events), "wall_s": round(wall, 2),
           "analysis_ms_per_item": round(1000 * t_an / n, 3),
           "grouping_routing_ms_per_item": round(1000 * t_place / n, 3),
           "store_write_ms_per_item": round(1000 * t_store / n, 3),
           "analysis_share": round(t_an / total, 3), "grouping_routing_share": round(t_place / total, 3),
           "store_write_share": round(t_store / total, 3)}
    if args.json:
        print(json.dumps(res))
        return 0
    print(f"{n} items ({args.repeat} × {len(files)} files), {res['events']} events held at the end, "
          f"{args.batch} decision(s) a transaction, {wall:.1f} s")
    print(f"{'part':22} {'CPU ms/item':>12} {'share':>7}")
    for k, label in (("analysis", "analysis (stateless)"), ("grouping_routing", "grouping + routing"),
                     ("store_write", "store write (SQLite)")):
        ms = res[f"{k}_ms_per_item"]
        print(f"{label:22} {ms:12.3f} {res[f'{k}_share']:7.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
