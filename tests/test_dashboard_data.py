"""dashboard.data against a seeded temp SQLite store (tests/dashboard_fixtures.py)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from dashboard import data
from tests.helpers import actions_of, clocks_of
from tests.dashboard_fixtures import seeded_store as store  # noqa: F401 (a fixture)
from tests.dashboard_fixtures import (EV_COLLAPSE, EV_GAS, EV_NOISE, EV_OLD, EV_OTHER, EV_SCHOOL, NOW,
                                      make_store, principal, seed)

V = principal("xcb")          # 宣传部/办公室: reads everything
from yuqing.timeutil import SHANGHAI



def by_id(rows):
    return {r["event_id"]: r for r in rows}


def test_countdown_strings():
    assert data.countdown(NOW + timedelta(hours=2, minutes=3), NOW) == "剩余 2小时03分"
    assert data.countdown(NOW + timedelta(hours=2, minutes=3, seconds=59), NOW) == "剩余 2小时03分"
    assert data.countdown(NOW - timedelta(hours=1, minutes=10), NOW) == "已超时 1小时10分"
    assert data.countdown(NOW + timedelta(days=3, hours=4, minutes=5), NOW) == "剩余 3天04小时05分"
    assert data.countdown(NOW, NOW) == "剩余 0小时00分"


def test_case_clocks_have_countdowns_in_local_time(store):
    rows = by_id(data.case_rows(store, NOW, viewer=V))
    gas = rows[EV_GAS]
    st = gas["clocks"][0]
    assert st["kind"] == "statement" and st["label"] == "发布权威信息"
    assert st["countdown"] == "剩余 2小时03分"
    assert st["remaining"] == timedelta(hours=2, minutes=3) and not st["late"]
    assert st["due_at"].utcoffset() == timedelta(hours=8) and st["due_at"].hour == 14
    assert [k["label"] for k in gas["clocks"]] == ["发布权威信息", "举行新闻发布会"]
    assert gas["first_published_at"].utcoffset() == timedelta(hours=8)

    late = rows[EV_COLLAPSE]["clocks"][0]
    assert late["countdown"] == "已超时 1小时10分"
    assert late["remaining"] < timedelta(0) and late["late"] and late["status"] == "late"
    assert rows[EV_COLLAPSE]["late_clocks"] == 1
    assert rows[EV_NOISE]["clocks"] == [] and rows[EV_NOISE]["next_countdown"] == ""


def test_running_clock_past_due_counts_as_late_before_the_scheduler_marks_it(store):
    later = NOW + timedelta(hours=3)
    gas = by_id(data.case_rows(store, later, viewer=V))[EV_GAS]["clocks"][0]
    assert gas["status"] == "running" and gas["late"] and gas["countdown"] == "已超时 0小时57分"


def test_sort_order_level_then_emergency_then_nearest_clock(store):
    ids = [r["event_id"] for r in data.case_rows(store, NOW, viewer=V)]
    assert ids == [EV_COLLAPSE, EV_GAS, EV_SCHOOL, EV_NOISE]


def test_closed_and_non_cases(store):
    assert EV_OLD not in by_id(data.case_rows(store, NOW, viewer=V))
    rows = by_id(data.case_rows(store, NOW, include_closed=True, viewer=V))
    assert EV_OLD in rows and rows[EV_OLD]["status_label"] == "已结案"
    assert EV_OTHER not in rows


def test_filters_by_unit_and_level(store):
    nanxing = data.case_rows(store, NOW, unit="南星街道", viewer=V)
    assert [r["event_id"] for r in nanxing] == [EV_COLLAPSE, EV_GAS]
    assert [r["unit_role"] for r in nanxing] == ["配合单位", "第一责任单位"]
    assert [r["event_id"] for r in data.case_rows(store, NOW, unit="南星街道", lead_only=True, viewer=V)] == [EV_GAS]
    assert [r["event_id"] for r in data.case_rows(store, NOW, level="重大", viewer=V)] == [EV_GAS]
    assert [r["event_id"] for r in data.case_rows(store, NOW, level=["较大", "一般"], viewer=V)] == [EV_SCHOOL, EV_NOISE]
    assert [r["event_id"] for r in data.case_rows(store, NOW, emergency_only=True, viewer=V)] == [EV_COLLAPSE, EV_GAS]
    assert data.case_rows(store, NOW, unit="区城管局", level="特别重大", viewer=V) == []


def test_case_row_fields(store):
    gas = by_id(data.case_rows(store, NOW, viewer=V))[EV_GAS]
    assert gas["severity"] == "重大" and gas["emergency"] is True
    assert gas["first_responsible"] == "南星街道" and gas["co_responsible"] == ["区应急管理局"]
    assert gas["rule"] == "R3" and gas["handling_type"] == "重大问题" and gas["category"] == "安全生产与事故"
    assert gas["places"] == ["南星街道", "复兴街"] and gas["heat"] == 12000 and gas["item_count"] == 2
    assert gas["next_countdown"] == "发布权威信息 剩余 2小时03分"
    assert by_id(data.case_rows(store, NOW, viewer=V))[EV_COLLAPSE]["refer_to"] == ["区委宣传部"]


def test_case_detail_has_reasons_items_clocks_alerts_actions(store):
    d = data.case_detail(store, EV_GAS, NOW, viewer=V)
    assert d["case"]["first_responsible"] == "南星街道"
    assert any("R3" in r for r in d["reasons"])
    assert [i["id"] for i in d["items"]] == ["it-gas-1", "it-gas-2"]
    first = d["items"][0]
    assert first["negative"] and first["platform_label"] == "微博" and first["source"] == "上城发布"
    assert first["url"].startswith("https://") and "燃气爆炸" in first["snippet"]
    assert first["reasons"] == ["地点：复兴街 → 南星街道", "事实：爆炸；受伤4人"]
    assert first["interactions"] == 11000 and first["published_at"].tzinfo is not None
    assert [k["kind"] for k in d["clocks"]] == ["statement", "press_conference"]
    assert len(d["alerts"]) == 2 and d["alerts"][0]["kind_label"] == "时限预警"
    assert {x["status_label"] for x in d["alerts"][0]["deliveries"]} == {"已发送", "发送失败"}
    assert [a["action"] for a in d["actions"]] == ["case.opened", "clock.started", "case.acknowledged"]
    assert d["actions"][2]["actor"] == "南星街道联络员张三" and d["actions"][2]["action_label"] == "签收"
    assert data.case_detail(store, "nope", NOW, viewer=V) is None


def test_inbox_newest_first_with_ack_state(store):
    box = data.inbox(store, "南星街道", NOW, viewer=V)
    assert [a["id"] for a in box] == [store.ids["warn_alert"], store.ids["ack_alert"]]
    assert [a["acknowledged"] for a in box] == [False, True]
    assert box[1]["acknowledged_by"] == "南星街道联络员张三"
    assert box[0]["case_title"].startswith("复兴街") and box[0]["case_severity"] == "重大"
    assert data.inbox(store, "南星街道", NOW, unacknowledged_only=True, viewer=V)[0]["id"] == store.ids["warn_alert"]
    assert data.inbox(store, "无此单位", NOW, viewer=V) == []


def test_acknowledge_goes_through_the_workflow(store):
    """签收 is the workflow's: the alert's recipient (unit, role) acknowledges and `case.acknowledged`
    is logged (counted by the timeliness report) in the same transaction."""
    aid = store.ids["warn_alert"]
    when = NOW + timedelta(minutes=1)
    seeded = len([a for a in actions_of(store, EV_GAS) if a.action == "case.acknowledged"])
    assert data.acknowledge(store, aid, principal("nanxing3"), when) is True
    box = {a["id"]: a for a in data.inbox(store, "南星街道", when, viewer=V)}
    assert box[aid]["acknowledged"] and box[aid]["acknowledged_by"] == "nanxing3"
    assert box[aid]["acknowledged_at"] == when.astimezone(SHANGHAI)
    acts = [a for a in actions_of(store, EV_GAS) if a.action == "case.acknowledged"]
    assert len(acts) == seeded + 1
    assert acts[-1].actor == "nanxing3" and acts[-1].unit == "南星街道"
    assert acts[-1].details["alert_id"] == aid and acts[-1].details["role"] == "分管领导"
    assert acts[-1].details["alerts"] == 1 and acts[-1].at == when
    # the other alert (联络员, acknowledged before) is untouched
    assert box[store.ids["ack_alert"]]["acknowledged_by"] == "南星街道联络员张三"
    # a second press does not overwrite or log again
    assert data.acknowledge(store, aid, principal("nanxing2"), when + timedelta(minutes=5)) is False
    assert len([a for a in actions_of(store, EV_GAS) if a.action == "case.acknowledged"]) == seeded + 1
    assert data.inbox(store, "南星街道", when, viewer=V)[0]["acknowledged_by"] == "nanxing3"
    with pytest.raises(KeyError):
        data.acknowledge(store, 99999, principal("nanxing"), when)


def test_acknowledge_is_counted_by_the_timeliness_report(store):
    from responders.stats import timeliness
    data.acknowledge(store, store.ids["overdue_alert"], principal("yingji"), NOW)
    rows = {r["unit"]: r for r in timeliness(store, "week", NOW.date(), now=NOW)}
    assert rows["区应急管理局"]["acknowledged"] == 1


def test_acknowledge_on_a_closed_case_is_refused_and_writes_nothing(store):
    from responders.workflow import Workflow, WorkflowError
    from yuqing.timeutil import ManualClock
    Workflow(store, None, ManualClock(NOW)).close(EV_GAS, actor="南星街道值班员", unit="南星街道")
    before = len(actions_of(store, EV_GAS))
    with pytest.raises(WorkflowError, match="已结案"):
        data.acknowledge(store, store.ids["warn_alert"], principal("nanxing"), NOW)
    assert len(actions_of(store, EV_GAS)) == before
    assert not data.inbox(store, "南星街道", NOW, viewer=V)[0]["acknowledged"]


def test_scheduler_status_healthy_and_stale(tmp_path, store):
    ok = data.scheduler_status(store, NOW)
    assert ok["healthy"] and ok["latest"]["name"] == "scheduler" and ok["latest"]["age_seconds"] == 20
    stale = data.scheduler_status(store, NOW + timedelta(seconds=75))
    assert not stale["healthy"] and stale["latest"]["age_seconds"] == 95
    empty = make_store(tmp_path, "empty.db")
    assert data.scheduler_status(empty, NOW) == {"healthy": False, "latest": None, "heartbeats": []}
    empty.close()


def test_summary_counts(store):
    s = data.summary(store, NOW, viewer=V)
    assert s["open"] == 4
    assert s["by_level"] == {"特别重大": 1, "重大": 1, "较大": 1, "一般": 1}
    assert s["emergencies"] == 2 and s["clocks_late"] == 1 and s["clocks_due_soon"] == 0
    s2 = data.summary(store, NOW + timedelta(hours=1, minutes=30), viewer=V)   # gas statement due in 33 min
    assert s2["clocks_due_soon"] == 1


def test_provisional_warnings(store):
    warns = data.provisional_warnings(store, viewer=V)
    assert len(warns) == 1
    assert "望江某小学" in warns[0] and "群众点题反馈" in warns[0] and "假定" in warns[0]


def test_units_and_naive_now_rejected(store):
    assert {"南星街道", "望江街道", "区应急管理局", "区城管局", "区教育局"} <= set(data.units(store, viewer=V))
    with pytest.raises(ValueError):
        data.case_rows(store, NOW.replace(tzinfo=None), viewer=V)


def test_inbox_counts(store):
    assert data.inbox_counts(store, viewer=V) == {"南星街道": (2, 1), "区应急管理局": (1, 1)}


def test_reasons_name_other_events_by_number_or_headline_never_by_id(tmp_path):
    from dashboard.data import case_detail
    from tests.dashboard_fixtures import NOW, case, make_store
    store = make_store(tmp_path)
    with store.transaction() as tx:
        a = tx.add(case("ev-a1", severity="一般", first="南星街道", title="复兴街垃圾清运不及时"))
        a.number = "20261120-001"
        tx.add(case("ev-b2", severity="一般", first="南星街道", title="复兴街垃圾",
                    reasons=["并入事件 ev-a1：文本相似 0.8", "新事件：最相近的事件 ev-gone 未达并入标准"]))
    d = case_detail(store, "ev-b2", NOW, viewer=V)
    assert d["reasons"] == ["并入事件 “20261120-001”：文本相似 0.8", "新事件：最相近的事件 另一事件 未达并入标准"]
    store.close()


def test_a_units_search_follows_the_cases_it_may_read_now_not_the_unit_indexed(tmp_path):
    """Co-responsible cases are found; a case reassigned since indexing is not, whatever the index says."""
    from responders.accounts import Principal
    from tests.dashboard_fixtures import case, make_store
    from yuqing.search.fts5 import Fts5Index
    from yuqing.seams import SearchDoc

    st = make_store(tmp_path, "scope.db")
    try:
        with st.transaction() as tx:
            tx.add(case("ev-a", severity="一般", first="南星街道", title="复兴路垃圾"))
            tx.add(case("ev-b", severity="一般", first="望江街道", co=["南星街道"], title="两街道垃圾"))
            tx.add(case("ev-c", severity="一般", first="湖滨街道", title="已改派的垃圾"))
        idx = Fts5Index(str(tmp_path / "scope-search.db"))
        idx.index([SearchDoc(id=i, title="", content=f"小区垃圾没人清运 {i}", published_at=NOW, event_id=e, unit=u)
                   for i, e, u in [("a1", "ev-a", "南星街道"), ("b1", "ev-b", "望江街道"), ("c1", "ev-c", "南星街道")]])
        nanxing = Principal("nx", "南星街道值班员", "unit", "南星街道")
        got = data.search(idx, nanxing, text="垃圾", store=st)
        assert {h["id"] for h in got["hits"]} == {"a1", "b1"} and got["total"] == 2
        # by the indexed unit only (no store): the reassigned case's item leaks, the co-responsible one hides
        assert {h["id"] for h in data.search(idx, nanxing, text="垃圾")["hits"]} == {"a1", "c1"}
        office = Principal("xcb", "宣传部值班员", "office", "区委宣传部")
        assert data.search(idx, office, text="垃圾", store=st)["total"] == 3
    finally:
        st.close()
