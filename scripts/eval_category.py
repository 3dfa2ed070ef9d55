#!/usr/bin/env python3
"""Run the categoriser (and the gazetteer) over a labelled set and write decisions.

    python scripts/eval_category.py SET [--config DIR] [--out decisions.jsonl]

SET is one of:
  * a gov_messages CSV (columns 留言编号, 留言主题, 留言详情): ids are m{留言编号}, as
    shared/tools/ext_eval.py makes them; score the output with `ext_eval.py score messages CSV OUT`;
  * items in JSON Lines (from `ext_eval.py items messages CSV`, or a labelled set such as
    eval/dev.jsonl). When items carry `expect`, agreement is printed to stderr: category on the
    items that have expect.category, and places per event against the expected unit (R2/R3
    first-responsible, R4 streets in co_responsible, not-ours for 无 events naming other places).

Decisions go to stdout (or --out), one {"id", "category", "categories", "places"} per item.
The data set is only read, never stored: its path is an argument.
"""
from __future__ import annotations

import argparse
import csv
import gzip
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from pipeline.category import Categoriser  # noqa: E402
from pipeline.places import Gazetteer  # noqa: E402
from yuqing.config.district import District  # noqa: E402


def read_items(path: str) -> list[dict]:
    opener = gzip.open if path.endswith(".gz") else open
    if path.endswith(".csv") or path.endswith(".csv.gz"):
        with opener(path, "rt", encoding="utf-8-sig", newline="") as f:
            return [{"id": f"m{r['留言编号']}", "title": r["留言主题"].strip(),
                     "content": " ".join(r["留言详情"].split())} for r in csv.DictReader(f)]
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("set")
    ap.add_argument("--config", default=str(ROOT / "config"), help="config directory with district.yaml")
    ap.add_argument("--out", default="-")
    ap.add_argument("--show-errors", action="store_true", help="print category disagreements (dev)")
    a = ap.parse_args(argv)

    with open(Path(a.config) / "district.yaml", encoding="utf-8") as f:
        district = District.model_validate(yaml.safe_load(f))
    cat = Categoriser.default(district)
    gaz = Gazetteer.default(district)
    items = read_items(a.set)

    out = sys.stdout if a.out == "-" else open(a.out, "w", encoding="utf-8")
    agree = n_cat = 0
    cat_errors: list[str] = []
    event_units: dict[str, list[str]] = defaultdict(list)
    event_not_ours: dict[str, bool] = {}
    event_last: dict[str, dict] = {}
    for it in items:
        title, content = it.get("title"), it.get("content") or ""
        r = cat.classify(title, content)
        text = f"{title}\n{content}" if title else content
        p = gaz.find(text)
        out.write(json.dumps({"id": it.get("id"), "category": r.main, "categories": r.involved,
                              "places": [h.name for h in p.places]}, ensure_ascii=False) + "\n")
        exp = it.get("expect")
        if not exp:
            continue
        ev = exp.get("event", it.get("id"))
        for u in p.units:
            if u not in event_units[ev]:
                event_units[ev].append(u)
        event_not_ours[ev] = event_not_ours.get(ev, True) and (p.not_ours or not p.places)
        event_not_ours.setdefault(ev + "#foreign", False)
        if p.foreign:
            event_not_ours[ev + "#foreign"] = True
        event_last[ev] = exp
        if "category" in exp:
            n_cat += 1
            ok = r.main == exp["category"]
            agree += ok
            if not ok:
                cat_errors.append(f"{it.get('id')} {ev}: expect {exp['category']} got {r.main} {r.scores}")
    if out is not sys.stdout:
        out.close()

    if n_cat:
        print(f"category agreement: {agree}/{n_cat} = {agree / n_cat:.3f}", file=sys.stderr)
        if a.show_errors:
            for e in cat_errors:
                print("  " + e, file=sys.stderr)
    if event_last:
        streets_zones = {s.name for s in district.streets} | {z.name for z in district.zones}
        ok = n = 0
        bad: list[str] = []
        for ev, exp in event_last.items():
            fr = exp.get("first_responsible")
            co = exp.get("co_responsible") or []
            units = event_units.get(ev, [])
            if fr in streets_zones:                       # R2 / R3: exactly that unit
                want = [fr]
                good = units == want
            elif any(c in streets_zones for c in co):     # R4: the streets/zones in co
                want = [c for c in co if c in streets_zones]
                good = sorted(units) == sorted(want)
            elif exp.get("severity") == "无" and event_not_ours.get(ev + "#foreign"):
                want = ["(not ours)"]
                good = not units
            else:
                continue                                  # R1/R5/R6/R7/无: places not checked here
            n += 1
            ok += good
            if not good:
                bad.append(f"{ev}: expect {want} got {units}")
        print(f"place agreement (events with a place expectation): {ok}/{n}", file=sys.stderr)
        for b in bad:
            print("  " + b, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
