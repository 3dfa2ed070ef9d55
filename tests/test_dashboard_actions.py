"""处置操作: which actions a case offers (dashboard.actions) and the panel driving the workflow (AppTest)."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import actions
from responders.workflow import OFFICE, WorkflowError
from tests.helpers import actions_of, clocks_of
from tests.dashboard_fixtures import seeded_store as store  # noqa: F401 (a fixture)
from tests.dashboard_fixtures import (EV_COLLAPSE, EV_GAS, EV_OLD, EV_OTHER, EV_SCHOOL, NOW, make_store, seed)
from yuqing.config import load_config

APP = str(Path(__file__).resolve().parents[1] / "yuqing" / "app" / "dashboard_main.py")
CONFIG = str(Path(__file__).resolve().parents[1] / "config")
UNIT = "南星街道"          # EV_GAS: 重大, emergency, first-responsible 南星街道


@pytest.fixture(scope="module")
def cfg():
    return load_config(CONFIG)



def keys(store, event_id=EV_GAS, unit=UNIT):
    return [a.key for a in actions.available_actions(store, event_id, unit, now=NOW)]


def do(store, cfg, op, *, unit=UNIT, actor="南星街道值班员", event_id=EV_GAS, **kw):
    return actions.perform(store, cfg, event_id, op, unit=unit, actor=actor, now=NOW, **kw)


def statement_clock(store, event_id=EV_GAS):
    return next(c for c in clocks_of(store, event_id) if c.kind == "statement")


# ------------------------------------------------------------------------------ available actions
def test_fresh_emergency_case(store):
    acts = actions.available_actions(store, EV_GAS, UNIT, now=NOW)
    assert [a.key for a in acts] == ["ack:分管领导", "draft", "press", "feedback_open", "consult_open",
                                     "repost_open", "close"]
    primary = [a.label for a in acts if a.primary]
    assert primary == ["签收（分管领导）", "起草回应"]
    # 签收 depends on the acting unit: 区应急管理局 has no alert on EV_GAS
    assert "ack:分管领导" not in keys(store, unit="区应急管理局")
    assert keys(store, unit="区应急管理局")[0] == "draft"


def test_after_draft_the_reviews_come_in_order(store, cfg):
    assert "已提交发布稿（第1稿）" in do(store, cfg, "draft", text="关于复兴街燃气爆炸的情况通报")
    ks = keys(store)
    assert "draft" not in ks and ks[:3] == ["ack:分管领导", "review:初审", "redraft"]
    do(store, cfg, "review", stage="初审", actor="审核甲")
    review = next(a for a in actions.available_actions(store, EV_GAS, UNIT) if a.op == "review")
    assert review.kwargs == {"stage": "复审"} and "审核甲" in review.hint
    assert "publish" not in keys(store) and "approve" not in keys(store)


def test_after_reviews_a_major_case_needs_the_office_then_publishes(store, cfg):
    do(store, cfg, "draft", text="通报")
    for stage, who in (("初审", "甲"), ("复审", "乙"), ("终审", "丙")):
        do(store, cfg, "review", stage=stage, actor=who)
    acts = {a.key: a for a in actions.available_actions(store, EV_GAS, UNIT)}
    assert "approve" in acts and "publish" not in acts and not any(k.startswith("review") for k in acts)
    assert acts["approve"].by == OFFICE and acts["approve"].primary
    do(store, cfg, "approve", unit=OFFICE, actor="区府办主任")
    ks = keys(store)
    assert "publish" in ks and "approve" not in ks and "redraft" in ks


def test_after_reviews_a_lesser_case_publishes_without_the_office(store, cfg):
    do(store, cfg, "draft", event_id=EV_SCHOOL, unit="望江街道", text="情况说明")
    for stage, who in (("初审", "甲"), ("复审", "乙"), ("终审", "丙")):
        do(store, cfg, "review", event_id=EV_SCHOOL, unit="望江街道", stage=stage, actor=who)
    ks = keys(store, EV_SCHOOL, "望江街道")
    assert "publish" in ks and "approve" not in ks


def test_after_publish_only_follow_ups(store, cfg):
    do(store, cfg, "draft", text="通报")
    for stage, who in (("初审", "甲"), ("复审", "乙"), ("终审", "丙")):
        do(store, cfg, "review", stage=stage, actor=who)
    do(store, cfg, "approve", unit=OFFICE, actor="区府办主任")
    msg = do(store, cfg, "publish", url="https://www.hzsc.gov.cn/x")
    assert msg.startswith("已发布权威信息（按时）") and "下次持续发布截止" in msg
    ks = keys(store)
    assert "follow_up" in ks
    assert not {"draft", "redraft", "approve", "publish"} & set(ks) and not any(k.startswith("review") for k in ks)
    assert statement_clock(store).status == "met"
    assert [c.kind for c in clocks_of(store, EV_GAS) if c.status == "running"] == ["press_conference", "follow_up"]


def test_feedback_clock_closed_and_non_cases(store, cfg):
    ks = keys(store, EV_SCHOOL, "望江街道")
    assert {"feedback_answer:0", "feedback_extend:0"} <= set(ks)
    assert "press" not in ks                                   # not an emergency, no press clock
    msg = do(store, cfg, "feedback_extend", event_id=EV_SCHOOL, unit="望江街道", approved_by="街道主任",
             reason="涉及学校与交警", seq=0)
    assert msg.startswith("已延期")
    ks = keys(store, EV_SCHOOL, "望江街道")
    assert "feedback_answer:0" in ks and "feedback_extend:0" not in ks   # once only
    assert keys(store, EV_OLD, "南星街道") == ["reopen"]
    assert keys(store, EV_OTHER, "南星街道") == []


def test_perform_surfaces_the_workflow_refusals(store, cfg):
    with pytest.raises(WorkflowError, match="不是案件 ev-gas 的第一责任单位"):
        do(store, cfg, "draft", unit="区应急管理局")
    with pytest.raises(WorkflowError, match="尚无待审稿件"):
        do(store, cfg, "review", stage="初审")
    with pytest.raises(WorkflowError, match="须填写上级政策的发布时间"):
        do(store, cfg, "repost_open")
    with pytest.raises(WorkflowError, match="格式不正确"):
        do(store, cfg, "feedback_open", at="明天")


# ------------------------------------------------------------------------------ the panel (AppTest)
@pytest.fixture()
def page(tmp_path, monkeypatch):
    store = make_store(tmp_path)
    seed(store)
    monkeypatch.setenv("YUQING_STORE_URL", store.url)
    monkeypatch.setenv("YUQING_NOW", NOW.isoformat())
    monkeypatch.setenv("YUQING_CONFIG", CONFIG)
    at = AppTest.from_file(APP, default_timeout=30)
    run(at)
    at.selectbox(key="case_pick").select(EV_GAS)
    run(at)
    yield store, at
    store.close()


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def k(*parts: str) -> str:
    return "::".join(("wf", EV_GAS, *parts))


def act(at: AppTest, key: str, *, unit: str | None = None, actor: str | None = None, **fields: str) -> AppTest:
    """Set the acting unit/person and the action's inputs, then press its button."""
    if unit is not None and at.selectbox(key=k("unit")).value != unit:
        at.selectbox(key=k("unit")).select(unit)
        run(at)
    u = at.selectbox(key=k("unit")).value
    if actor is not None:
        at.text_input(key=k("actor", u)).input(actor)
    for f, v in fields.items():
        widget = at.text_area(key=k(key, f)) if f == "text" else at.text_input(key=k(key, f))
        widget.input(v)
    at.button(key=k("btn", key)).click()
    return run(at)


def messages(at: AppTest) -> tuple[list[str], list[str]]:
    return [s.value for s in at.success], [e.value for e in at.error]


def test_panel_defaults_to_the_first_responsible_unit(page):
    _, at = page
    assert at.selectbox(key=k("unit")).value == UNIT
    assert at.text_input(key=k("actor", UNIT)).value == "南星街道值班员"
    labels = [b.label for b in at.button if b.key and b.key.startswith(k("btn"))]
    assert "起草回应" in labels and "发布权威信息" not in labels


def test_panel_drives_draft_reviews_approval_and_publish(page):
    store, at = page
    act(at, "draft", unit=UNIT, actor="南星街道宣传干事王五", text="关于复兴街餐馆燃气爆炸的情况通报")
    assert any("已提交发布稿（第1稿）" in m for m in messages(at)[0])
    act(at, "review:初审", actor="南星街道宣传科长赵六", note="事实核对无误")
    act(at, "review:复审", actor="南星街道分管领导李四")
    act(at, "review:终审", actor="南星街道党工委书记孙七")
    assert any("已完成终审" in m for m in messages(at)[0])
    act(at, "approve", unit=OFFICE, actor="区政府办公室主任周八")
    assert any("审核通过" in m for m in messages(at)[0])
    act(at, "publish", unit=UNIT, actor="南星街道宣传干事王五", url="https://www.hzsc.gov.cn/art/1")
    ok, err = messages(at)
    assert not err and any(m.startswith("已发布权威信息（按时）") for m in ok)

    # the statement clock is met, a follow-up clock runs, and the log has each step with its actor
    st = statement_clock(store)
    assert st.status == "met" and st.met_at == NOW
    log = [(a.action, a.actor, a.unit, (a.details or {}).get("stage")) for a in actions_of(store, EV_GAS)
           if a.action.startswith("statement.")]
    assert log == [
        ("statement.drafted", "南星街道宣传干事王五", UNIT, None),
        ("statement.reviewed", "南星街道宣传科长赵六", UNIT, "初审"),
        ("statement.reviewed", "南星街道分管领导李四", UNIT, "复审"),
        ("statement.reviewed", "南星街道党工委书记孙七", UNIT, "终审"),
        ("statement.approved", "区政府办公室主任周八", OFFICE, None),
        ("statement.published", "南星街道宣传干事王五", UNIT, None),
    ]
    assert all(a.at == NOW for a in actions_of(store, EV_GAS) if a.action.startswith("statement."))
    assert any(a.action == "clock.met" and a.details["kind"] == "statement" for a in actions_of(store, EV_GAS))

    # the page shows it on this run: clock done, the log, and the next action is 持续发布
    clocks = next(df.value for df in at.dataframe if "时限" in df.value.columns)
    row = clocks[clocks["时限"] == "发布权威信息"].iloc[0]
    assert row["状态"] == "已完成" and row["倒计时/结果"] == "已完成"
    assert "持续发布" in list(clocks["时限"].str.slice(0, 4))
    log_df = next(df.value for df in at.dataframe if "操作人" in df.value.columns)
    assert "区政府办公室主任周八" in list(log_df["操作人"]) and "发布权威信息" in list(log_df["操作"])
    labels = [b.label for b in at.button if b.key and b.key.startswith(k("btn"))]
    assert "持续发布" in labels and "发布权威信息" not in labels


def test_refused_action_shows_the_error_and_writes_nothing(page):
    store, at = page
    act(at, "draft", actor="南星街道宣传干事王五", text="通报")
    act(at, "review:初审", actor="审核甲")
    before = [(a.id, a.action) for a in actions_of(store, EV_GAS)]

    act(at, "review:复审", actor="审核甲")                  # the same person may not review twice
    ok, err = messages(at)
    assert not ok and len(err) == 1 and "三审须由不同人员进行" in err[0] and "“复审”未执行" in err[0]
    assert [(a.id, a.action) for a in actions_of(store, EV_GAS)] == before

    act(at, "review:复审", actor="审核乙")
    act(at, "review:终审", actor="审核丙")
    before = [(a.id, a.action) for a in actions_of(store, EV_GAS)]
    act(at, "approve", actor="南星街道值班员")               # not as 区政府办公室: refused
    ok, err = messages(at)
    assert not ok and any(f"须由{OFFICE}审核" in e and "无权审核" in e for e in err)
    assert [(a.id, a.action) for a in actions_of(store, EV_GAS)] == before
    assert statement_clock(store).status == "running"

    # the message is shown once: the next run is clean
    run(at)
    assert messages(at) == ([], [])


def test_panel_acknowledges_for_the_acting_unit(page):
    store, at = page
    act(at, "ack:分管领导", actor="南星街道分管领导李四")
    assert any("签收成功" in m for m in messages(at)[0])
    acks = [a for a in actions_of(store, EV_GAS) if a.action == "case.acknowledged" and a.actor == "南星街道分管领导李四"]
    assert len(acks) == 1 and acks[0].details["role"] == "分管领导"
    assert not [b for b in at.button if b.key == k("btn", "ack:分管领导")]


def test_collapse_case_offers_actions_to_its_own_unit(page):
    _, at = page
    at.selectbox(key="case_pick").select(EV_COLLAPSE)
    run(at)
    key = "::".join(("wf", EV_COLLAPSE, "unit"))
    assert at.selectbox(key=key).value == "区应急管理局"
