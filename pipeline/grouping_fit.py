"""Fit the grouping score's weights to labelled items (a learned component of the grouper).

The grouping score (pipeline/events.py) is a sum of pieces of evidence, each with a weight in
config (`grouping.weights`, `join_threshold`, `gap_weight`). Those weights were set by hand; here
they are learned from labelled items: the district's own corrections, or sets written for the
purpose — never evaluation data.

How: the items are run once through the real engine, recording what the grouper was asked for
each (the analysis is the slow part and does not depend on the weights); then a coordinate search
on a multiplicative grid changes one weight at a time, replaying only the grouper, and keeps a
change when the mean pairwise F1 of "same event" over the sets rises by at least `min_gain`.
Each step is printed, so a person can see which evidence moved and by how much.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterable

from yuqing.config.rules import Grouping, GroupingWeights
from yuqing.model import Item

from pipeline.events import EventGrouper

# weights that are bounds or durations, not evidence: the search leaves them as they are
FIXED = frozenset({"incident_hours", "continuation_hours", "topic_min", "claim_min", "conflict_text_cap",
                   "policy_apart_text", "policy_react_text", "untroubled_text", "place_words"})
STEPS = (0.5, 0.75, 1.25, 1.6)


@dataclass
class Recorded:
    """One labelled set as the grouper saw it: its calls, its duplicates, its labels."""
    name: str
    calls: list[tuple[tuple, dict]] = field(default_factory=list)
    duplicate_of: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)


def record(engine, name: str, labelled: Iterable[dict]) -> Recorded:
    """Run labelled items ({…item, "expect": {"event": …}}) through the engine, keeping each call
    to the grouper."""
    rec = Recorded(name)
    engine.reset()
    assign = engine.grouper.assign

    def keep(*args, **kwargs):
        rec.calls.append((args, kwargs))
        return assign(*args, **kwargs)

    engine.grouper.assign = keep
    try:
        for it in labelled:
            item = Item.model_validate({k: v for k, v in it.items() if k != "expect"})
            dec = engine.process(item)
            rec.labels[item.id] = it["expect"]["event"]
            if dec.duplicate_of:
                rec.duplicate_of[item.id] = dec.duplicate_of
    finally:
        engine.reset()
    return rec


def pair_f1(labels: dict[str, str], got: dict[str, str]) -> float:
    """Pairwise F1 of "same event", counted from the contingency table (no loop over pairs)."""
    pairs = lambda counts: sum(n * (n - 1) // 2 for n in counts.values())
    ids = [i for i in labels if i in got]
    both = pairs(Counter((labels[i], got[i]) for i in ids))
    want, have = pairs(Counter(labels[i] for i in ids)), pairs(Counter(got[i] for i in ids))
    if not want and not have:
        return 1.0
    p = both / have if have else 0.0
    r = both / want if want else 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def replay(make_grouper: Callable[[Grouping], EventGrouper], grouping: Grouping, rec: Recorded) -> dict[str, str]:
    g = make_grouper(grouping)
    got: dict[str, str] = {}
    for args, kwargs in rec.calls:
        got[args[0]] = g.assign(*args, **kwargs).event_id
    for dup, orig in rec.duplicate_of.items():
        got[dup] = got.get(orig, f"dup-{dup}")
    return got


def score(make_grouper, grouping: Grouping, sets: list[Recorded]) -> float:
    return sum(pair_f1(r.labels, replay(make_grouper, grouping, r)) for r in sets) / max(len(sets), 1)


def with_value(grouping: Grouping, name: str, value: float) -> Grouping:
    if name in ("join_threshold", "gap_weight"):
        return grouping.model_copy(update={name: value})
    return grouping.model_copy(update={"weights": grouping.weights.model_copy(update={name: value})})


def value_of(grouping: Grouping, name: str) -> float:
    return getattr(grouping, name) if name in ("join_threshold", "gap_weight") else getattr(grouping.weights, name)


def parameters() -> list[str]:
    return ["join_threshold", "gap_weight"] + [n for n, f in GroupingWeights.model_fields.items()
                                               if f.annotation is float and n not in FIXED]


@dataclass
class Step:
    name: str
    old: float
    new: float
    before: float
    after: float


_STATE: dict = {}     # what forked workers score against (set by `fit` before the pool forks)


def _score_state(grouping: Grouping) -> float:
    return score(_STATE["make"], grouping, _STATE["sets"])


def fit(make_grouper, grouping: Grouping, sets: list[Recorded], *, passes: int = 2, min_gain: float = 0.002,
        steps: tuple[float, ...] = STEPS, names: list[str] | None = None, workers: int = 1,
        on_step: Callable[[Step], None] | None = None) -> tuple[Grouping, float, list[Step]]:
    """Coordinate search: for each weight in turn try it times each step; keep the best change that
    raises the mean F1 by at least `min_gain` (a small gain on the sets fitted is noise, not signal)."""
    _STATE.update(make=make_grouper, sets=sets)
    pool = None
    if workers > 1:
        import multiprocessing
        pool = multiprocessing.get_context("fork").Pool(workers)
    mapper = pool.map if pool else lambda f, xs: list(map(f, xs))
    try:
        best = _score_state(grouping)
        taken: list[Step] = []
        for _ in range(passes):
            moved = False
            for name in names or parameters():
                old = value_of(grouping, name)
                values = sorted({round(old * f, 4) if old else round(0.05 * (f - 1) * 4, 4) for f in steps} - {old})
                cands = [with_value(grouping, name, v) for v in values]
                scores = mapper(_score_state, cands)
                s, v, cand = max(zip(scores, values, cands), key=lambda t: t[0], default=(-1.0, old, grouping))
                if s >= best + min_gain:
                    step = Step(name, old, v, best, s)
                    taken.append(step)
                    if on_step:
                        on_step(step)
                    best, grouping = s, cand
                    moved = True
            if not moved:
                break
        return grouping, best, taken
    finally:
        if pool:
            pool.close()
            pool.join()
        _STATE.clear()


def to_yaml(grouping: Grouping, *, provenance: dict) -> str:
    """The fitted weights as a file `GROUPING_WEIGHTS` loads (and a person can read: what was fitted
    on, and each step taken)."""
    import yaml
    body = {"provenance": provenance, "join_threshold": grouping.join_threshold, "gap_weight": grouping.gap_weight,
            "weights": grouping.weights.model_dump()}
    return yaml.safe_dump(body, allow_unicode=True, sort_keys=False)


def load_fitted(grouping: Grouping, path: str) -> Grouping:
    """The configured grouping with the weights of a fitted file (cues and concepts stay as configured).
    A file that is not one names what is wrong and where."""
    import yaml
    from pydantic import ValidationError
    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f) or {}
        if not isinstance(data, dict):
            raise ValueError("not a mapping")
        unknown = set(data) - {"provenance", "join_threshold", "gap_weight", "weights"}
        if unknown:
            raise ValueError(f"unknown keys {', '.join(sorted(unknown))}")
        weights = GroupingWeights.model_validate({**grouping.weights.model_dump(), **(data.get("weights") or {})})
        update = {"weights": weights}
        for k in ("join_threshold", "gap_weight"):
            if k in data:
                update[k] = float(data[k])
        return Grouping.model_validate({**grouping.model_dump(), **update, "weights": weights.model_dump()})
    except (OSError, ValueError, ValidationError, yaml.YAMLError) as exc:
        raise ValueError(f"GROUPING_WEIGHTS {path}: {exc}") from exc
