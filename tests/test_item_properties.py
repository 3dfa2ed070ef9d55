"""Property-based tests (hypothesis) of the item model and `yuqing route` on random and garbage input:
never a crash, exactly one decision or one error per line, nothing accepted is lost."""
from __future__ import annotations

import io
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from yuqing.model import METRIC_MAX, Item

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**40, 10**40),
                         st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30))
json_values = st.recursive(json_scalars, lambda kids: st.lists(kids, max_size=4) |
                           st.dictionaries(st.text(max_size=8), kids, max_size=4), max_leaves=12)
chinese = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF) | st.sampled_from("，。！？ 0123456789"),
                  min_size=0, max_size=60)
times = st.one_of(st.just("2026-11-20T10:00:00+08:00"), st.just("2026-11-20T10:00:00"), st.just("1900-01-01T00:00:00Z"),
                  st.just("2100-01-01T00:00:00+08:00"), st.just("not a time"), st.text(max_size=20),
                  st.integers(), st.none())
metric = st.one_of(st.integers(-10**12, 10**40), st.floats(allow_nan=True, allow_infinity=True),
                   st.sampled_from(["1e30", "-5", "很多", "", "3,000", "12.7"]), st.none(), st.booleans())
items = st.fixed_dictionaries(
    {"id": st.one_of(st.text(max_size=12), st.integers(), st.none()),
     "content": st.one_of(chinese, st.none(), st.integers()),
     "published_at": times},
    optional={"title": st.one_of(chinese, st.none()), "platform": st.sampled_from(["weibo", "news", "x", None]),
              "source": st.one_of(st.text(max_size=10), st.none()),
              "metrics": st.one_of(st.dictionaries(st.sampled_from(["reposts", "comments", "likes", "views"]), metric,
                                                   max_size=4), st.none(), json_values),
              "extra": json_values})


@given(items)
@settings(max_examples=400, deadline=None)
def test_the_item_model_accepts_or_refuses_cleanly(data):
    try:
        item = Item.model_validate(data)
    except ValidationError:
        return                                    # a clear refusal, naming the field
    assert item.published_at.tzinfo is not None
    m = item.metrics
    for v in (m.reposts, m.comments, m.likes, m.views):
        assert isinstance(v, int) and 0 <= v <= METRIC_MAX
    assert "\x00" not in item.content and isinstance(item.id, str) and item.id


@given(st.lists(st.one_of(items.map(lambda d: json.dumps(d, ensure_ascii=False, default=str)),
                          json_values.map(lambda v: json.dumps(v, default=str)),
                          st.text(max_size=40).filter(lambda s: "\n" not in s and "\r" not in s)),
                min_size=1, max_size=12))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
def test_route_writes_one_decision_or_one_error_per_line(tmp_path_factory, lines):
    from yuqing.app.cli import main
    d = tmp_path_factory.mktemp("route")
    src = d / "items.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = main(["route", "--in", str(src), "--out", str(d / "out.jsonl"), "--quiet"], out=out, err=err)
    assert code in (0, 1), err.getvalue()
    decisions = [json.loads(x) for x in (d / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    problems = [x for x in err.getvalue().splitlines() if x.startswith(str(src) + ":")]
    expected = sum(1 for x in lines if x.strip())
    assert len(decisions) + len(problems) == expected, (lines, err.getvalue())
    assert (code == 0) == (not problems)
    for dec in decisions:
        assert dec["severity"] in ("无", "一般", "较大", "重大", "特别重大")
