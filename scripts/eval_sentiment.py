#!/usr/bin/env python3
"""Evaluate the sentiment stage on a labelled set, against bare snownlp, in one run.

    .venv/bin/python scripts/eval_sentiment.py SET [--model PATH] [--decisions OUT.jsonl] [--no-snownlp]

SET is one of: a sentiment CSV of ../shared/extdata/sentiment (labels read the way
shared/tools/ext_eval.py reads them, emoticon tokens stripped), an items JSONL from
`ext_eval.py items sentiment CSV` (no labels: only writes decisions), or a routing set JSONL
with `expect.negative` (e.g. shared/eval/dev.jsonl). Prints accuracy and negative-class F1 for
the model and bare snownlp (`SnowNLP(t).sentiments < 0.5`), and texts per second for both.
Nothing from the set is stored anywhere.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pipeline.sentiment import SentimentModel  # noqa: E402

EMOTICON = re.compile(r"\[[^\[\]]{1,6}\]")
CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff，。！？、])\s+(?=[\u4e00-\u9fff，。！？、])")


def load_set(path: str) -> list[tuple[str, str, bool | None]]:
    out: list[tuple[str, str, bool | None]] = []
    if path.endswith(".csv"):
        with open(path, encoding="utf-8-sig", newline="") as f:
            for i, r in enumerate(csv.DictReader(f)):
                if "text_segmented" in r:
                    text, neg = CJK_GAP.sub("", r["text_segmented"]), r["label"] != "0"
                elif "review" in r:
                    text, neg = r["review"], r["label"] == "0"
                else:
                    lab = int(r["label"])
                    if lab == 3:
                        continue
                    text, neg = r["text"], lab in (0, 1, 5, 6)
                text = EMOTICON.sub("", text).strip()
                if text:
                    out.append((f"s{i:06d}", text, neg))
        return out
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            d = json.loads(line)
            text = f"{d['title']}\n{d['content']}" if d.get("title") else d.get("content") or ""
            exp = d.get("expect") or {}
            out.append((d["id"], text, exp.get("negative") if "negative" in exp else None))
    return out


def metrics(pred: list[bool], gold: list[bool]) -> dict:
    tp = sum(p and g for p, g in zip(pred, gold))
    fp = sum(p and not g for p, g in zip(pred, gold))
    fn = sum(g and not p for p, g in zip(pred, gold))
    acc = sum(p == g for p, g in zip(pred, gold)) / max(1, len(gold))
    f1 = 2 * tp / max(1, 2 * tp + fp + fn)
    return {"accuracy": round(acc, 4), "negative_f1": round(f1, 4)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("set")
    ap.add_argument("--model", default=None)
    ap.add_argument("--decisions", default=None)
    ap.add_argument("--no-snownlp", action="store_true")
    a = ap.parse_args(argv)
    rows = load_set(a.set)
    t0 = time.perf_counter()
    model = SentimentModel.load(a.model)
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    res = [model.score(t) for _, t, _ in rows]
    ours_s = time.perf_counter() - t0
    if a.decisions:
        with open(a.decisions, "w", encoding="utf-8") as f:
            for (i, _, _), r in zip(rows, res):
                f.write(json.dumps({"id": i, "sentiment": r.score, "negative": r.negative}, ensure_ascii=False) + "\n")
    report = {"set": os.path.basename(a.set), "n": len(rows), "load_seconds": round(load_s, 2),
              "model_texts_per_s": round(len(rows) / max(ours_s, 1e-9), 1)}
    labelled = [(i, g) for i, (_, _, g) in enumerate(rows) if g is not None]
    if labelled:
        gold = [g for _, g in labelled]
        report["model"] = metrics([res[i].negative for i, _ in labelled], gold)
        if not a.no_snownlp:
            from snownlp import SnowNLP
            t0 = time.perf_counter()
            sp = []
            for i, _ in labelled:
                t = rows[i][1]
                try:
                    sp.append(SnowNLP(t).sentiments < 0.5)
                except ZeroDivisionError:
                    sp.append(False)
            sn_s = time.perf_counter() - t0
            report["snownlp"] = metrics(sp, gold)
            report["snownlp_texts_per_s"] = round(len(labelled) / max(sn_s, 1e-9), 1)
            report["delta_accuracy"] = round(report["model"]["accuracy"] - report["snownlp"]["accuracy"], 4)
    print(json.dumps(report, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
