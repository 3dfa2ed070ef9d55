#!/usr/bin/env python3
"""Event grouping F1 over a range of join thresholds, on labelled item sets.

    python scripts/eval_grouping.py SET.jsonl [SET2.jsonl …] [--thresholds 0.2,0.25,0.3,0.35,0.4]

Each set is replayed through the real engine (config/ of the repository, or --config) once per
threshold; pairwise precision, recall and F1 of "same event" are printed per set and threshold,
so the threshold in config/rules.yaml (grouping.join_threshold) is chosen on a curve, not a point.
The sets are evaluation data: they are read from the paths given, never stored in the project.
"""
from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def pair_scores(labelled: list[dict], got: dict[str, str]) -> tuple[float, float, float]:
    tp = fp = fn = 0
    for a, b in itertools.combinations(labelled, 2):
        want = a["expect"]["event"] == b["expect"]["event"]
        have = got[a["id"]] == got[b["id"]]
        tp += want and have
        fp += have and not want
        fn += want and not have
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sets", nargs="+")
    ap.add_argument("--config", default=str(ROOT / "config"))
    ap.add_argument("--thresholds", default="0.20,0.25,0.30,0.35,0.40,0.45")
    args = ap.parse_args()
    from yuqing.app.build import load_config, make_engine
    from yuqing.model import Item
    cfg = load_config(args.config, announce=False)
    engine = make_engine(cfg)
    thresholds = [float(x) for x in args.thresholds.split(",")]
    base = engine.rules.grouping.join_threshold
    print(f"{'set':28} " + " ".join(f"{t:>17.2f}" for t in thresholds) + f"   (config: {base})")
    for path in args.sets:
        labelled = [json.loads(x) for x in open(path, encoding="utf-8") if x.strip()]
        cells = []
        for t in thresholds:
            engine.rules.grouping.join_threshold = t
            engine.reset()
            got = {}
            for it in labelled:
                data = {k: v for k, v in it.items() if k != "expect"}
                got[it["id"]] = engine.process(Item.model_validate(data)).case.event_id
            p, r, f = pair_scores(labelled, got)
            cells.append(f"P{p:.2f} R{r:.2f} F{f:.3f}")
        print(f"{Path(path).name[:28]:28} " + " ".join(f"{c:>17}" for c in cells))
    engine.rules.grouping.join_threshold = base
    return 0


if __name__ == "__main__":
    sys.exit(main())
