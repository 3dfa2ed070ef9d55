"""The project's own labelled sets (tests/eval/written*.jsonl) as regression guards.

Figures are computed as the route contract defines them: an event is judged on the decision
for its last item; `negative` per item; grouping as pairs of items.
"""
import itertools
import json
from pathlib import Path

import pytest

from yuqing.model import Item

EVAL = Path(__file__).parent / "eval"


def figures_of(engine, path: Path) -> dict:
    engine.reset()
    rows = [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines() if l.strip()]
    decisions = {r["id"]: engine.process(Item.model_validate(r)).to_json() for r in rows}
    last = {r["expect"]["event"]: r for r in rows}
    judged = [(r["expect"], decisions[r["id"]]) for r in last.values()]
    unit = [d["first_responsible"] == e["first_responsible"] for e, d in judged if "first_responsible" in e]
    sev = [d["severity"] == e["severity"] for e, d in judged if "severity" in e]
    em_tp = sum(e.get("emergency") and d["emergency"] for e, d in judged)
    em_fp = sum(not e.get("emergency") and d["emergency"] for e, d in judged)
    em_fn = sum(e.get("emergency") and not d["emergency"] for e, d in judged)
    pairs = [(a["expect"]["event"] == b["expect"]["event"],
              decisions[a["id"]]["event_id"] == decisions[b["id"]]["event_id"])
             for a, b in itertools.combinations(rows, 2)]
    tp = sum(w and g for w, g in pairs)
    neg = [(r["expect"]["negative"], decisions[r["id"]]["negative"]) for r in rows]
    ntp = sum(w and g for w, g in neg)
    return {
        "unit": sum(unit) / len(unit), "severity": sum(sev) / len(sev),
        "emergency_recall": em_tp / (em_tp + em_fn), "emergency_precision": em_tp / ((em_tp + em_fp) or 1),
        "grouping_f1": 2 * tp / (2 * tp + sum(g and not w for w, g in pairs) + sum(w and not g for w, g in pairs)),
        "negative_f1": 2 * ntp / (2 * ntp + sum(g and not w for w, g in neg) + sum(w and not g for w, g in neg)),
    }


@pytest.fixture(scope="module")
def figures(shared_engine):
    return {name: figures_of(shared_engine, EVAL / f"{name}.jsonl") for name in FLOORS}


FLOORS = {
    "written": {"unit": 0.95, "severity": 0.9, "emergency_recall": 1.0, "emergency_precision": 0.9,
                "grouping_f1": 0.9, "negative_f1": 0.9},
    "written2": {"unit": 0.8, "severity": 0.85, "emergency_recall": 1.0, "emergency_precision": 0.9,
                 "grouping_f1": 0.78, "negative_f1": 0.93},
    # blind figures and the figures after its fixes: tests/eval/README.md
    "written3": {"unit": 0.9, "severity": 0.85, "emergency_recall": 0.88, "emergency_precision": 0.88,
                 "grouping_f1": 0.88, "negative_f1": 0.93},
    "written4": {"unit": 0.95, "severity": 0.95, "emergency_recall": 1.0, "emergency_precision": 0.95,
                 "grouping_f1": 0.79, "negative_f1": 0.94},
    "written5": {"unit": 0.93, "severity": 0.95, "emergency_recall": 1.0, "emergency_precision": 0.95,
                 "grouping_f1": 0.92, "negative_f1": 0.92},
    "written6": {"unit": 0.93, "severity": 0.93, "emergency_recall": 1.0, "emergency_precision": 0.95,
                 "grouping_f1": 0.9, "negative_f1": 0.9},
    "written7": {"unit": 0.9, "severity": 0.85, "emergency_recall": 0.9, "emergency_precision": 0.95,
                 "grouping_f1": 0.87, "negative_f1": 0.93},
    "written8": {"unit": 0.93, "severity": 0.88, "emergency_recall": 0.9, "emergency_precision": 0.9,
                 "grouping_f1": 0.86, "negative_f1": 0.93},
    # blind 0.750 unit (2026-12-02, d307f87); these are the figures after fixing against it
    "written9": {"unit": 0.96, "severity": 0.96, "emergency_recall": 1.0, "emergency_precision": 1.0,
                 "grouping_f1": 0.93, "negative_f1": 0.95},
    # blind 0.797 unit at d307f87 and 0.848 at 9892465 (unread until then); fixed against after that
    "written10": {"unit": 0.93, "severity": 0.96, "emergency_recall": 1.0, "emergency_precision": 1.0,
                  "grouping_f1": 0.93, "negative_f1": 0.95},
    # written11-16: blind figures recorded in tests/eval/README.md before their errors were read;
    # these floors sit just below the figures after the fixes made from them
    "written11": {"unit": 0.95, "severity": 0.95, "emergency_recall": 0.9, "emergency_precision": 0.95,
                  "grouping_f1": 0.94, "negative_f1": 0.96},
    "written12": {"unit": 0.93, "severity": 0.93, "emergency_recall": 1.0, "emergency_precision": 1.0,
                  "grouping_f1": 0.94, "negative_f1": 0.95},
    "written13": {"unit": 0.92, "severity": 0.93, "emergency_recall": 1.0, "emergency_precision": 0.95,
                  "grouping_f1": 0.92, "negative_f1": 0.94},
    "written14": {"unit": 0.91, "severity": 0.89, "emergency_recall": 1.0, "emergency_precision": 0.9,
                  "grouping_f1": 0.83, "negative_f1": 0.95},
    "written15": {"unit": 0.92, "severity": 0.92, "emergency_recall": 0.9, "emergency_precision": 0.85,
                  "grouping_f1": 0.87, "negative_f1": 0.95},
    "written16": {"unit": 0.88, "severity": 0.88, "emergency_recall": 1.0, "emergency_precision": 0.95,
                  "grouping_f1": 0.85, "negative_f1": 0.94},
    # written18-24: blind figures in tests/eval/README.md (taken before their errors were read);
    # these floors sit just below the figures after the fixes made from them
    "written18": {"unit": 0.86, "severity": 0.89, "emergency_recall": 0.9, "emergency_precision": 0.95,
                  "grouping_f1": 0.87, "negative_f1": 0.94},
    "written19": {"unit": 0.96, "severity": 0.96, "emergency_recall": 1.0, "emergency_precision": 0.95,
                  "grouping_f1": 0.9, "negative_f1": 0.97},
    "written20": {"unit": 0.95, "severity": 0.97, "emergency_recall": 1.0, "emergency_precision": 0.95,
                  "grouping_f1": 0.94, "negative_f1": 0.97},
    "written21": {"unit": 0.91, "severity": 0.94, "emergency_recall": 1.0, "emergency_precision": 0.9,
                  "grouping_f1": 0.9, "negative_f1": 0.95},
    "written22": {"unit": 0.94, "severity": 0.93, "emergency_recall": 0.9, "emergency_precision": 0.95,
                  "grouping_f1": 0.91, "negative_f1": 0.96},
    "written23": {"unit": 0.87, "severity": 0.91, "emergency_recall": 0.95, "emergency_precision": 0.88,
                  "grouping_f1": 0.79, "negative_f1": 0.95},
    "written24": {"unit": 0.88, "severity": 0.86, "emergency_recall": 0.9, "emergency_precision": 0.88,
                  "grouping_f1": 0.85, "negative_f1": 0.95},
    # written25-32 likewise (blind figures in tests/eval/README.md)
    "written25": {"unit": 0.94, "severity": 0.93, "emergency_recall": 0.9, "emergency_precision": 0.9,
                  "grouping_f1": 0.91, "negative_f1": 0.96},
    "written26": {"unit": 0.95, "severity": 0.94, "emergency_recall": 0.95, "emergency_precision": 0.95,
                  "grouping_f1": 0.89, "negative_f1": 0.96},
    "written27": {"unit": 0.93, "severity": 0.95, "emergency_recall": 0.95, "emergency_precision": 0.9,
                  "grouping_f1": 0.89, "negative_f1": 0.93},
    "written28": {"unit": 0.93, "severity": 0.95, "emergency_recall": 0.95, "emergency_precision": 0.95,
                  "grouping_f1": 0.87, "negative_f1": 0.97},
    "written29": {"unit": 0.87, "severity": 0.91, "emergency_recall": 0.9, "emergency_precision": 0.9,
                  "grouping_f1": 0.86, "negative_f1": 0.92},
    "written30": {"unit": 0.83, "severity": 0.86, "emergency_recall": 0.85, "emergency_precision": 0.85,
                  "grouping_f1": 0.76, "negative_f1": 0.92},
    "written31": {"unit": 0.85, "severity": 0.83, "emergency_recall": 0.9, "emergency_precision": 0.95,
                  "grouping_f1": 0.89, "negative_f1": 0.89},
    # (in the whole suite jieba's dictionary holds words other tests added: a point or two lower)
    "written32": {"unit": 0.87, "severity": 0.86, "emergency_recall": 0.9, "emergency_precision": 0.8,
                  "grouping_f1": 0.82, "negative_f1": 0.91},
    # written33, written34: unread (their blind figures are the ones to beat); guards below them
    "written33": {"unit": 0.93, "severity": 0.89, "emergency_recall": 0.9, "emergency_precision": 0.85,
                  "grouping_f1": 0.88, "negative_f1": 0.93},
    "written34": {"unit": 0.8, "severity": 0.84, "emergency_recall": 0.85, "emergency_precision": 0.85,
                  "grouping_f1": 0.81, "negative_f1": 0.92},
    # written37, 38, 41, 42: read after their blind figures were taken (tests/eval/README.md)
    "written37": {"unit": 0.96, "severity": 0.96, "emergency_recall": 0.95, "emergency_precision": 0.95,
                  "grouping_f1": 0.92, "negative_f1": 0.94},
    "written38": {"unit": 0.93, "severity": 0.93, "emergency_recall": 0.95, "emergency_precision": 0.95,
                  "grouping_f1": 0.95, "negative_f1": 0.94},
    "written41": {"unit": 0.93, "severity": 0.91, "emergency_recall": 0.9, "emergency_precision": 0.95,
                  "grouping_f1": 0.92, "negative_f1": 0.92},
    "written42": {"unit": 0.88, "severity": 0.88, "emergency_recall": 0.88, "emergency_precision": 0.88,
                  "grouping_f1": 0.9, "negative_f1": 0.94},
    "written39": {"unit": 0.95, "severity": 0.95, "emergency_recall": 0.95, "emergency_precision": 0.9,
                  "grouping_f1": 0.95, "negative_f1": 0.96},
    "written40": {"unit": 0.96, "severity": 0.96, "emergency_recall": 0.95, "emergency_precision": 0.95,
                  "grouping_f1": 0.94, "negative_f1": 0.94},
    "written43": {"unit": 0.93, "severity": 0.93, "emergency_recall": 0.95, "emergency_precision": 0.95,
                  "grouping_f1": 0.93, "negative_f1": 0.91},
    "written44": {"unit": 0.96, "severity": 0.97, "emergency_recall": 0.95, "emergency_precision": 0.95,
                  "grouping_f1": 0.96, "negative_f1": 0.96},
    "written45": {"unit": 0.95, "severity": 0.94, "emergency_recall": 0.9, "emergency_precision": 0.95,
                  "grouping_f1": 0.93, "negative_f1": 0.94},
    "written46": {"unit": 0.94, "severity": 0.93, "emergency_recall": 0.9, "emergency_precision": 0.9,
                  "grouping_f1": 0.93, "negative_f1": 0.95},
    "written47": {"unit": 0.9, "severity": 0.89, "emergency_recall": 0.95, "emergency_precision": 0.9,
                  "grouping_f1": 0.9, "negative_f1": 0.94},
    "written48": {"unit": 0.94, "severity": 0.93, "emergency_recall": 0.95, "emergency_precision": 0.95,
                  "grouping_f1": 0.96, "negative_f1": 0.93},
    "written49": {"unit": 0.92, "severity": 0.88, "emergency_recall": 0.8, "emergency_precision": 0.8,
                  "grouping_f1": 0.92, "negative_f1": 0.92},
    "written50": {"unit": 0.93, "severity": 0.89, "emergency_recall": 0.9, "emergency_precision": 0.95,
                  "grouping_f1": 0.95, "negative_f1": 0.95},
    # written51–53: never read, their blind figures in tests/eval/README.md; written54–62: blind figures
    # recorded there before their errors were read (2026-12-04, third session); floors just below the
    # figures at the commit that added them
    "written51": {"unit": 0.96, "severity": 0.96, "emergency_recall": 0.9, "emergency_precision": 0.9,
                  "grouping_f1": 0.9, "negative_f1": 0.95},
    "written52": {"unit": 0.95, "severity": 0.93, "emergency_recall": 0.9, "emergency_precision": 0.9,
                  "grouping_f1": 0.94, "negative_f1": 0.96},
    "written53": {"unit": 0.93, "severity": 0.93, "emergency_recall": 0.9, "emergency_precision": 0.9,
                  "grouping_f1": 0.93, "negative_f1": 0.96},
    "written54": {"unit": 0.94, "severity": 0.94, "emergency_recall": 0.89, "emergency_precision": 0.9,
                  "grouping_f1": 0.91, "negative_f1": 0.93},
    "written55": {"unit": 0.89, "severity": 0.93, "emergency_recall": 0.9, "emergency_precision": 0.9,
                  "grouping_f1": 0.91, "negative_f1": 0.95},
    "written56": {"unit": 0.92, "severity": 0.96, "emergency_recall": 0.9, "emergency_precision": 0.9,
                  "grouping_f1": 0.88, "negative_f1": 0.95},
    "written57": {"unit": 0.95, "severity": 0.91, "emergency_recall": 0.9, "emergency_precision": 0.9,
                  "grouping_f1": 0.87, "negative_f1": 0.94},
    "written58": {"unit": 0.94, "severity": 0.98, "emergency_recall": 0.9, "emergency_precision": 0.9,
                  "grouping_f1": 0.95, "negative_f1": 0.97},
    "written59": {"unit": 0.93, "severity": 0.91, "emergency_recall": 0.9, "emergency_precision": 0.9,
                  "grouping_f1": 0.89, "negative_f1": 0.95},
    "written60": {"unit": 0.9, "severity": 0.91, "emergency_recall": 0.89, "emergency_precision": 0.89,
                  "grouping_f1": 0.91, "negative_f1": 0.94},
    "written61": {"unit": 0.9, "severity": 0.9, "emergency_recall": 0.82, "emergency_precision": 0.9,
                  "grouping_f1": 0.89, "negative_f1": 0.96},
    "written62": {"unit": 0.87, "severity": 0.81, "emergency_recall": 0.73, "emergency_precision": 0.79,
                  "grouping_f1": 0.8, "negative_f1": 0.95},
    # written63–65: written after 059156a froze, scored there unread, then read (tests/eval/README.md)
    "written63": {"unit": 0.86, "severity": 0.87, "emergency_recall": 0.74, "emergency_precision": 0.9,
                  "grouping_f1": 0.87, "negative_f1": 0.96},
    "written64": {"unit": 0.88, "severity": 0.82, "emergency_recall": 0.74, "emergency_precision": 0.9,
                  "grouping_f1": 0.85, "negative_f1": 0.93},
    "written65": {"unit": 0.88, "severity": 0.85, "emergency_recall": 0.9, "emergency_precision": 0.79,
                  "grouping_f1": 0.95, "negative_f1": 0.96},
    # written66–67: written after e750407 froze, scored there, never read (tests/eval/README.md)
    "written66": {"unit": 0.87, "severity": 0.89, "emergency_recall": 0.9, "emergency_precision": 0.83,
                  "grouping_f1": 0.86, "negative_f1": 0.95},
    "written67": {"unit": 0.82, "severity": 0.83, "emergency_recall": 0.9, "emergency_precision": 0.9,
                  "grouping_f1": 0.85, "negative_f1": 0.94},
}


@pytest.mark.parametrize("set_name,figure", [(s, f) for s, fl in FLOORS.items() for f in fl])
def test_written_set_figure_does_not_fall(figures, set_name, figure):
    assert figures[set_name][figure] >= FLOORS[set_name][figure], figures[set_name]
