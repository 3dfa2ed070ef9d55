"""The Streamlit page, rendered headless with AppTest against a seeded temp store."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.helpers import actions_of, clocks_of
from tests.dashboard_fixtures import EV_GAS, NOW, make_store, seed

# AppTest resolves a relative path against the calling file, so give it the absolute one.
APP = str(Path(__file__).resolve().parents[1] / "yuqing" / "app" / "dashboard_main.py")


@pytest.fixture()
def seeded(tmp_path, monkeypatch):
    store = make_store(tmp_path)
    ids = seed(store)
    monkeypatch.setenv("YUQING_STORE_URL", store.url)
    monkeypatch.setenv("YUQING_NOW", NOW.isoformat())
    yield store, ids
    store.close()


def page_text(at: AppTest) -> str:
    """Everything the page shows as text: markdown, captions, metrics, warnings, tables."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [w.value for w in at.warning]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [df.value.to_string() for df in at.dataframe]
    parts += [s.label for s in at.selectbox] + [str(s.format_func(s.value)) for s in at.selectbox if s.value]
    return "\n".join(parts)


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_page_renders_cases_levels_and_countdowns(seeded):
    at = run(AppTest.from_file(APP, default_timeout=30))
    text = page_text(at)
    assert "政务舆情监测与回应" in text
    assert "南星街道" in text and "区应急管理局" in text
    assert "剩余 2小时03分" in text and "已超时 1小时10分" in text
    assert "调度器状态：运行正常" in text
    assert any("假定" in w.value for w in at.warning)
    table = at.dataframe[0].value
    assert list(table["级别"]) == ["特别重大", "重大", "较大", "一般"]
    assert table.loc[1, "时钟倒计时"] == "发布权威信息 剩余 2小时03分"
    assert table.loc[0, "时钟倒计时"] == "发布权威信息 已超时 1小时10分"
    assert table.loc[0, "其他时限"] == "举行新闻发布会 剩余 17小时50分"
    assert {m.label: m.value for m in at.metric}["已超时时限"] == "1"


def test_sidebar_filters_by_unit_and_emergency(seeded):
    at = run(AppTest.from_file(APP, default_timeout=30))
    at.sidebar.selectbox(key="f_unit").select("望江街道")
    run(at)
    assert list(at.dataframe[0].value["第一责任单位"]) == ["区应急管理局", "望江街道"]
    at.sidebar.checkbox(key="f_emergency").check()
    run(at)
    assert list(at.dataframe[0].value["级别"]) == ["特别重大"]


def test_case_detail_shows_reasons_items_and_log(seeded):
    at = run(AppTest.from_file(APP, default_timeout=30))
    at.selectbox(key="case_pick").select(EV_GAS)
    run(at)
    text = page_text(at)
    assert "规则 R3：地点 复兴街 属 南星街道" in text
    assert "复兴街餐馆燃气爆炸" in text              # an item
    assert "南星街道联络员张三" in text and "签收" in text   # the action log


def test_inbox_acknowledge_records_action(seeded):
    store, ids = seeded
    at = run(AppTest.from_file(APP, default_timeout=30))
    at.selectbox(key="inbox_unit").select("南星街道")
    run(at)
    at.text_input(key="actor::南星街道").input("南星街道分管领导李四")
    run(at)
    at.button(key=f"ack-{ids['warn_alert']}").click()
    run(at)
    acts = [a for a in actions_of(store, EV_GAS) if a.action == "case.acknowledged"]
    assert acts[-1].actor == "南星街道分管领导李四" and acts[-1].details["alert_id"] == ids["warn_alert"]
    assert acts[-1].at == NOW
    assert any("签收成功" in s.value for s in at.success)
    assert not [b for b in at.button if b.key == f"ack-{ids['warn_alert']}"]   # the button is gone
    assert "已签收" in page_text(at)


def test_timeliness_tab_shows_the_report_query(seeded):
    from responders.report import table
    from responders.stats import timeliness, totals
    store, _ = seeded
    store.record("case.opened", actor="system", case_id="ev-test-stats", unit="南星街道", at=NOW)
    at = run(AppTest.from_file(APP, default_timeout=30))
    at.radio(key="stats_period").set_value("周")
    run(at)
    rows = timeliness(store, "week", NOW.date(), now=NOW)
    head, lines = table(rows, totals(rows))
    shown = at.dataframe[-1].value
    assert list(shown.columns) == head
    assert list(shown["单位"]) == [line[0] for line in lines] and "南星街道" in list(shown["单位"])
    assert shown.iloc[-1]["单位"] == "合计"
