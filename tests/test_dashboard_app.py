"""The Streamlit pages, rendered headless with AppTest against a seeded temp store, signed in as
each role: what each page shows, what each role is offered, and what a forged request gets."""
from __future__ import annotations

from datetime import timedelta

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import data
from responders.accounts import AccessDenied, SessionPolicy, add_user, resolve, sign_in as account_sign_in
from tests.dashboard_fixtures import (APP, EV_COLLAPSE, EV_GAS, EV_NOISE, NOW, add_users, app_env, make_store,
                                      open_page, page_text, principal, run, seed, sign_in)
from tests.helpers import actions_of
from tests.test_architecture import internal_codes
from yuqing.seams import SearchDoc

ROLES = {"office": "xcb", "unit": "nanxing", "leader": "leader"}
ALL_PAGES = ("overview", "cases", "case", "todo", "stats", "search", "system")
OFFERED = {"xcb": set(ALL_PAGES), "nanxing": set(ALL_PAGES) - {"system"}, "leader": set(ALL_PAGES) - {"todo"}}


@pytest.fixture()
def seeded(tmp_path, monkeypatch):
    store = make_store(tmp_path)
    ids = seed(store)
    add_users(store)
    app_env(monkeypatch, store, tmp_path)
    from yuqing.search.fts5 import Fts5Index
    idx = Fts5Index(str(tmp_path / "search.db"))
    idx.index([SearchDoc(id="it-gas-1", title="复兴街餐馆燃气爆炸", content="今天上午复兴街一家餐馆发生燃气爆炸，4人受伤<b>送医</b>。",
                         published_at=NOW - timedelta(hours=3), platform="weibo", event_id=EV_GAS, unit="南星街道",
                         level="重大", negative=True),
               SearchDoc(id="it-col-1", title="居民楼局部坍塌", content="居民楼坍塌，燃气管道受损。",
                         published_at=NOW - timedelta(hours=6), platform="news", event_id=EV_COLLAPSE,
                         unit="区应急管理局", level="特别重大", negative=True)])
    idx.close()
    yield store, ids
    store.close()


def new(username: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    return sign_in(at, username) if username else run(at)


# ---------------------------------------------------------------------------------------- sign-in
def test_nothing_shows_before_sign_in_and_a_wrong_password_is_refused(seeded):
    at = new()
    assert not at.dataframe and not at.metric and "南星街道" not in page_text(at)
    sign_in(at, "xcb", "wrong-password")
    assert any("用户名或密码错误" in e.value for e in at.error) and not at.metric
    sign_in(at, "nobody", "whatever-123")
    assert any("用户名或密码错误" in e.value for e in at.error)


def test_a_forged_session_value_signs_nobody_in(seeded):
    at = new()
    at.session_state["yq_token"] = "forged-token"
    at.session_state["user"] = principal("xcb")            # whatever a page might once have kept
    run(at)
    assert not at.metric and at.text_input(key="login_user") is not None


def test_sessions_expire_and_sign_out_ends_them(seeded):
    store, _ = seeded
    pol = SessionPolicy(hours=8, idle_minutes=30)
    token, _ = account_sign_in(store, "nanxing", "pw-nanxing-2026", now=NOW, policy=pol)
    assert resolve(store, token, now=NOW + timedelta(minutes=29), policy=pol).unit == "南星街道"
    assert resolve(store, token, now=NOW + timedelta(minutes=58), policy=pol) is not None   # used at 29
    assert resolve(store, token, now=NOW + timedelta(hours=2), policy=pol) is None           # idle
    token, _ = account_sign_in(store, "nanxing", "pw-nanxing-2026", now=NOW, policy=pol)
    assert resolve(store, token, now=NOW + timedelta(hours=8), policy=SessionPolicy(8, 10_000)) is None  # absolute
    at = new("nanxing")
    assert at.metric
    at.button(key="logout_btn").click()
    run(at)
    assert not at.metric and at.text_input(key="login_user") is not None


def test_passwords_are_hashed_with_argon2(seeded):
    store, _ = seeded
    add_user(store, "newbie", "a-long-password", role="unit", unit="区城管局", now=NOW)
    with store.reader() as r:
        h = r.users.get("newbie").password_hash
    assert h.startswith("$argon2id$") and "a-long-password" not in h


# ---------------------------------------------------------------------------------------- pages
@pytest.mark.parametrize("username", list(OFFERED))
def test_every_page_renders_for_every_role_without_internal_codes(seeded, username):
    at = new(username)
    for page in ALL_PAGES:
        if page not in OFFERED[username]:
            with pytest.raises(ValueError):
                open_page(at, page)
            continue
        open_page(at, page)
        text = page_text(at)
        assert not internal_codes(text), (username, page, internal_codes(text))
        assert "无权访问" not in text and "无法读取" not in text, (username, page, text[:500])


def test_overview_shows_levels_clocks_units_streets_and_breakdowns(seeded):
    at = new("xcb")
    text = page_text(at)
    assert "调度器状态：运行正常" in text
    m = {x.label: x.value for x in at.metric}
    assert m["在办舆情"] == "4" and m["已超时时限"] == "1"
    nearest = next(df.value for df in at.dataframe if "倒计时" in df.value.columns)
    assert list(nearest["倒计时"])[:2] == ["发布权威信息 已超时 1小时10分", "发布权威信息 剩余 2小时03分"]
    units = next(df.value for df in at.dataframe if "按时率" in df.value.columns)
    assert dict(zip(units["单位"], units["超时时限"]))["区应急管理局"] == 1
    assert "南星街道" in text and "清波街道" in text            # the street grid names every street
    assert "微博" in text and "负面" in text                     # platform and sentiment
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")


def test_a_unit_user_sees_its_own_cases_only(seeded):
    at = open_page(new("chengguan"), "cases")
    table = at.dataframe[0].value
    assert list(table["舆情标题"]) == ["建议夜间施工噪音加强管理"]
    at = open_page(new("nanxing"), "cases")
    titles = list(at.dataframe[0].value["舆情标题"])
    assert "复兴街一餐馆燃气爆炸 多人受伤" in titles and "建议夜间施工噪音加强管理" not in titles


def test_a_unit_user_forging_another_units_case_id_is_refused(seeded):
    at = new("chengguan")
    at.query_params["case"] = EV_GAS                       # a URL edited by hand
    open_page(at, "case")
    text = page_text(at)
    assert "无权访问" in text and "复兴街一餐馆燃气爆炸" not in text and "南星街道" not in text
    # the data layer refuses too, whatever the page does
    with pytest.raises(AccessDenied):
        data.case_detail(seeded[0], EV_GAS, NOW, viewer=principal("chengguan"))
    with pytest.raises(AccessDenied):
        data.case_detail(seeded[0], "no-such-case", NOW, viewer=principal("chengguan"))
    with pytest.raises(AccessDenied):
        data.inbox(seeded[0], "南星街道", NOW, viewer=principal("chengguan"))
    with pytest.raises(AccessDenied):
        data.case_rows(seeded[0], NOW, viewer=principal("chengguan"), unit="南星街道")


def test_the_office_opens_a_case_by_its_reference(seeded):
    at = new("xcb")
    at.query_params["case"] = EV_GAS
    open_page(at, "case")
    text = page_text(at)
    assert "复兴街一餐馆燃气爆炸 多人受伤" in text and "规则 R3：地点 复兴街 属 南星街道" in text
    assert "R3" in text and "签收" in text


def test_case_list_filters_and_detail(seeded):
    at = open_page(new("xcb"), "cases")
    assert list(at.dataframe[0].value["级别"]) == ["特别重大", "重大", "较大", "一般"]
    at.sidebar.selectbox(key="f_clock").select("已超时")
    run(at)
    assert list(at.dataframe[0].value["级别"]) == ["特别重大"]
    at.sidebar.selectbox(key="f_clock").select("全部")
    at.sidebar.selectbox(key="f_street").select("望江街道")
    run(at)
    assert set(at.dataframe[0].value["第一责任单位"]) == {"区应急管理局", "望江街道"}
    at.sidebar.selectbox(key="f_street").select("全部")
    at.sidebar.selectbox(key="f_ack").select("未签收")
    at.sidebar.selectbox(key="f_category").select("教育")
    run(at)
    assert list(at.dataframe[0].value["类别"]) == ["教育"]


def test_case_detail_shows_reasons_items_clocks_and_a_chinese_log(seeded):
    at = open_page(new("xcb"), "cases")
    at.selectbox(key="case_pick").select(EV_GAS)
    run(at)
    text = page_text(at)
    assert "规则 R3：地点 复兴街 属 南星街道" in text and "复兴街餐馆燃气爆炸" in text
    log = next(df.value for df in at.dataframe if "操作人" in df.value.columns)
    assert list(log["操作"]) == ["立案", "时限启动", "签收"]
    assert "南星街道联络员张三" in list(log["操作人"]) and "系统" in list(log["操作人"])
    assert not internal_codes(log.to_string())


def test_todo_lists_the_units_queue_and_acknowledges_as_the_user(seeded):
    store, ids = seeded
    at = open_page(new("nanxing3"), "todo")
    queue = next(df.value for df in at.dataframe if "最近时限" in df.value.columns)
    assert list(queue["舆情标题"])[0] == "上城区一居民楼局部坍塌 3人遇难"   # overdue first
    text = page_text(at)
    assert "第2级" in text and "第重大级" not in text and "第1级" in text
    at.button(key=f"ack-{ids['warn_alert']}").click()
    run(at)
    acts = [a for a in actions_of(store, EV_GAS) if a.action == "case.acknowledged"]
    assert acts[-1].actor == "nanxing3" and acts[-1].at == NOW
    assert "南星街道分管领导李四（南星街道）" in page_text(at)
    assert not [b for b in at.button if b.key == f"ack-{ids['warn_alert']}"]


def test_inbox_keeps_line_breaks_as_text(seeded):
    store, ids = seeded
    with store.transaction() as tx:
        tx.alerts.get(ids["warn_alert"]).body = "第一行\n第二行 <b>粗</b>"
    at = open_page(new("nanxing"), "todo")
    body = next(m.value for m in at.markdown if "第一行" in m.value)
    assert "第一行  \n第二行" in body and "<b>" not in body


def test_a_leader_reads_everything_and_acts_on_nothing(seeded):
    at = new("leader")
    assert {m.label: m.value for m in at.metric}["在办舆情"] == "4"
    open_page(at, "cases")
    at.selectbox(key="case_pick").select(EV_GAS)
    run(at)
    assert not [b for b in at.button if b.key and b.key.startswith("wf::")]
    with pytest.raises(KeyError):
        data.acknowledge(seeded[0], seeded[1]["warn_alert"], principal("chengguan"), NOW)
    from responders.workflow import WorkflowError
    with pytest.raises(WorkflowError, match="只读"):
        data.acknowledge(seeded[0], seeded[1]["warn_alert"], principal("leader"), NOW)


def test_stats_page_defaults_to_today_in_shanghai_and_offers_the_xlsx(seeded, monkeypatch):
    from openpyxl import load_workbook
    import io
    store, _ = seeded
    late_evening = NOW.replace(hour=23, minute=30)          # 15:30 UTC: still the 20th in UTC, …
    monkeypatch.setenv("YUQING_NOW", (late_evening + timedelta(hours=1)).isoformat())   # … 00:30 the 21st here
    store.record("case.opened", actor="system", case_id="ev-test-stats", unit="南星街道", at=NOW)
    at = open_page(new("xcb"), "stats")
    assert str(at.date_input(key="stats_at").value) == "2026-11-21"
    at.radio(key="stats_period").set_value("月")
    run(at)
    assert "2026年11月" in page_text(at)
    shown = at.dataframe[0].value
    assert "南星街道" in list(shown["单位"]) and shown.iloc[-1]["单位"] == "合计"
    button = at.get("download_button")[0]
    assert button.proto.label == "下载 XLSX" and button.proto.url.endswith(".xlsx")
    # the bytes behind the button: the same query, scoped to the user
    blob = data.timeliness_xlsx(store, "month", NOW.date(), NOW, viewer=principal("chengguan"))
    units = [c.value for c in load_workbook(io.BytesIO(blob)).active["A"]]
    assert "合计" in units and "南星街道" not in units
    blob = data.timeliness_xlsx(store, "month", NOW.date(), NOW, viewer=principal("leader"))
    assert "南星街道" in [c.value for c in load_workbook(io.BytesIO(blob)).active["A"]]


def test_a_unit_sees_only_its_own_statistics(seeded):
    store, _ = seeded
    store.record("case.opened", actor="system", case_id="ev-test-stats", unit="南星街道", at=NOW)
    store.record("case.opened", actor="system", case_id="ev-test-stats2", unit="区城管局", at=NOW)
    rows = data.timeliness(store, "week", NOW.date(), NOW, viewer=principal("chengguan"))
    assert [r["unit"] for r in rows] == ["区城管局"]


def test_search_highlights_escaped_and_scoped_to_the_unit(seeded):
    at = open_page(new("xcb"), "search")
    at.text_input(key="q_text").input("燃气")
    run(at)
    text = page_text(at)
    assert "共 2 条" in text and "<mark>" in text and "<b>" not in text
    # 南星街道 finds its own case and the collapse it is co-responsible for; 区城管局 neither
    at = open_page(new("nanxing"), "search")
    at.text_input(key="q_text").input("燃气")
    run(at)
    text = page_text(at)
    assert "共 2 条" in text and "坍塌" in text
    at = open_page(new("chengguan"), "search")
    at.text_input(key="q_text").input("燃气")
    run(at)
    text = page_text(at)
    assert "共 0 条" in text and "坍塌" not in text and "爆炸" not in text


def test_system_page_shows_heartbeats_failures_and_dead_letters(seeded):
    store, _ = seeded
    from yuqing.records import DeadLetter
    with store.transaction() as tx:
        tx.add(DeadLetter(topic="yuqing.items", payload={"id": "bad-1"}, error="ValueError: 坏数据",
                          first_failed_at=NOW, last_failed_at=NOW, attempts=4))
    at = open_page(new("xcb"), "system")
    text = page_text(at)
    assert "调度器" in text and "连接超时" in text and "bad-1" in text and "待处理 1 条" in text
    with pytest.raises(AccessDenied):
        data.system_status(store, NOW, viewer=principal("nanxing"))
