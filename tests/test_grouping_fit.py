"""Fitting the grouping weights to labelled items (pipeline/grouping_fit.py)."""
import itertools
import json
from pathlib import Path

from hypothesis import given, settings, strategies as st

from pipeline import grouping_fit as gf

EVAL = Path(__file__).parent / "eval"


def _rows(name: str, n: int | None = None) -> list[dict]:
    rows = [json.loads(l) for l in (EVAL / name).read_text(encoding="utf-8").splitlines() if l.strip()]
    return rows[:n] if n else rows


def _brute_f1(labels: dict, got: dict) -> float:
    tp = fp = fn = 0
    for a, b in itertools.combinations(sorted(labels), 2):
        want, have = labels[a] == labels[b], got[a] == got[b]
        tp += want and have
        fp += have and not want
        fn += want and not have
    if not tp + fp + fn:
        return 1.0
    return 2 * tp / (2 * tp + fp + fn)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=1, max_size=30))
def test_pair_f1_counted_from_the_table_equals_counting_every_pair(pairs):
    labels = {f"i{n}": f"e{w}" for n, (w, _) in enumerate(pairs)}
    got = {f"i{n}": f"g{h}" for n, (_, h) in enumerate(pairs)}
    assert abs(gf.pair_f1(labels, got) - _brute_f1(labels, got)) < 1e-9


def test_replaying_the_recorded_calls_groups_as_the_engine_did(engine):
    rows = _rows("written5.jsonl", 80)
    engine.reset()
    from yuqing.model import Item
    direct = {r["id"]: engine.process(Item.model_validate({k: v for k, v in r.items() if k != "expect"})).case.event_id
              for r in rows}
    rec = gf.record(engine, "written5", rows)
    assert len(rec.calls) + len(rec.duplicate_of) == len(rows)
    again = gf.replay(engine.new_grouper, engine.rules.grouping, rec)
    assert gf.pair_f1(direct, again) == 1.0
    assert gf.pair_f1(rec.labels, again) == gf.pair_f1(rec.labels, direct)


def test_a_weight_set_far_off_is_brought_back_by_the_search(engine):
    rows = _rows("written5.jsonl", 80)
    rec = gf.record(engine, "written5", rows)
    good = engine.rules.grouping
    # a bar no item reaches: every item its own event, F1 0
    bad = gf.with_value(good, "join_threshold", 4.0)
    assert gf.score(engine.new_grouper, bad, [rec]) < 0.2
    seen = []
    fitted, best, steps = gf.fit(engine.new_grouper, bad, [rec], names=["join_threshold"], passes=2,
                                 steps=(0.1,), on_step=seen.append)
    assert fitted.join_threshold < 1.0
    assert best > 0.7 and best == seen[-1].after
    assert [s.name for s in steps] == ["join_threshold"] * len(steps)
    # the configured weights are untouched: the search works on copies
    assert engine.rules.grouping.join_threshold == good.join_threshold


def test_a_gain_below_min_gain_is_not_taken(engine):
    rec = gf.record(engine, "written5", _rows("written5.jsonl", 40))
    fitted, best, steps = gf.fit(engine.new_grouper, engine.rules.grouping, [rec], names=["title"],
                                 min_gain=2.0)
    assert steps == [] and fitted == engine.rules.grouping
    assert best == gf.score(engine.new_grouper, engine.rules.grouping, [rec])


def test_every_fitted_parameter_is_a_weight_of_the_config():
    names = gf.parameters()
    assert "join_threshold" in names and "place_mismatch" in names
    assert not set(names) & gf.FIXED
