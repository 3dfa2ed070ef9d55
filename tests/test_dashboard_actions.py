"""处置操作: which actions a case offers (dashboard.actions) and the panel driving the workflow (AppTest)."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import actions
from responders.workflow import OFFICE, WorkflowError
from tests.helpers import actions_of, clocks_of
from tests.dashboard_fixtures import seeded_store as store  # noqa: F401 (a fixture)
from responders.accounts import Principal
from tests.dashboard_fixtures import (APP, EV_COLLAPSE, EV_GAS, EV_OLD, EV_OTHER, EV_SCHOOL, NOW, add_users, app_env,
                                      make_store, open_page, principal, run, seed, sign_in)
from yuqing.config import load_config

CONFIG = str(Path(__file__).resolve().parents[1] / "config")
UNIT = "南星街道"          # EV_GAS: 重大, emergency, first-responsible 南星街道


@pytest.fixture(scope="module")
def cfg():
    return load_config(CONFIG)



OFFICE_USER = principal("xcb")


def keys(store, event_id=EV_GAS, unit=UNIT):
    return [a.key for a in actions.available_actions(store, event_id, unit, user=OFFICE_USER, now=NOW)]


def as_user(name: str, unit: str) -> Principal:
    """A signed-in user of `unit` (区政府办公室's users are office accounts)."""
    return Principal(name, name, "office" if unit == OFFICE else "unit", unit)


def do(store, cfg, op, *, unit=UNIT, actor="南星街道值班员", event_id=EV_GAS, **kw):
    return actions.perform(store, cfg, event_id, op, user=as_user(actor, unit), unit=unit, now=NOW, **kw)


def statement_clock(store, event_id=EV_GAS):
    return next(c for c in clocks_of(store, event_id) if c.kind == "statement")


# ------------------------------------------------------------------------------ available actions
def test_fresh_emergency_case(store):
    acts = actions.available_actions(store, EV_GAS, UNIT, user=OFFICE_USER, now=NOW)
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
    review = next(a for a in actions.available_actions(store, EV_GAS, UNIT, user=OFFICE_USER) if a.op == "review")
    assert review.kwargs == {"stage": "复审"} and "审核甲" in review.hint
    assert "publish" not in keys(store) and "approve" not in keys(store)


def test_after_reviews_a_major_case_needs_the_office_then_publishes(store, cfg):
    do(store, cfg, "draft", text="通报")
    for stage, who in (("初审", "甲"), ("复审", "乙"), ("终审", "丙")):
        do(store, cfg, "review", stage=stage, actor=who)
    acts = {a.key: a for a in actions.available_actions(store, EV_GAS, UNIT, user=OFFICE_USER)}
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
def env(tmp_path, monkeypatch):
    store = make_store(tmp_path)
    seed(store)
    add_users(store)
    app_env(monkeypatch, store, tmp_path)
    yield store
    store.close()


def as_signed_in(username: str, event_id: str = EV_GAS) -> AppTest:
    """A fresh browser session: sign in, open the case list and pick the case."""
    at = sign_in(AppTest.from_file(APP, default_timeout=30), username)
    open_page(at, "cases")
    at.selectbox(key="case_pick").select(event_id)
    return run(at)


def k(*parts: str, event_id: str = EV_GAS) -> str:
    return "::".join(("wf", event_id, *parts))


def act(at: AppTest, key: str, *, unit: str | None = None, event_id: str = EV_GAS, **fields: str) -> AppTest:
    """Set the unit acted for (office accounts only) and the action's inputs, then press its button."""
    if unit is not None and at.selectbox(key=k("unit", event_id=event_id)).value != unit:
        at.selectbox(key=k("unit", event_id=event_id)).select(unit)
        run(at)
    for f, v in fields.items():
        widget = at.text_area(key=k(key, f, event_id=event_id)) if f == "text" else at.text_input(key=k(key, f, event_id=event_id))
        widget.input(v)
    at.button(key=k("btn", key, event_id=event_id)).click()
    return run(at)


def messages(at: AppTest) -> tuple[list[str], list[str]]:
    return [s.value for s in at.success], [e.value for e in at.error]


def buttons(at: AppTest, event_id: str = EV_GAS) -> list[str]:
    return [b.label for b in at.button if b.key and b.key.startswith(k("btn", event_id=event_id))]


def test_a_unit_account_acts_as_its_unit_and_is_named_in_the_log(env):
    at = as_signed_in("nanxing")
    assert not [s for s in at.selectbox if s.key == k("unit")]          # a unit account cannot pick a unit
    assert "南星街道宣传干事王五" in "\n".join(c.value for c in at.caption)
    assert "起草回应" in buttons(at) and "发布权威信息" not in buttons(at)
    act(at, "draft", text="关于复兴街餐馆燃气爆炸的情况通报")
    assert any("已提交发布稿（第1稿）" in m for m in messages(at)[0])
    a = [x for x in actions_of(env, EV_GAS) if x.action == "statement.drafted"][-1]
    assert (a.actor, a.unit, a.at) == ("nanxing", UNIT, NOW)
    log = next(df.value for df in at.dataframe if "操作人" in df.value.columns)
    assert "南星街道宣传干事王五（南星街道）" in list(log["操作人"]) and "匿名访客" not in log.to_string()


def test_three_reviews_need_three_signed_in_people_other_than_the_drafter(env):
    at = as_signed_in("nanxing")
    act(at, "draft", text="通报")
    act(at, "review:初审", note="自己审自己")                            # the drafter may not review
    ok, err = messages(at)
    assert not ok and any("起草人" in e for e in err)
    before = [(x.id, x.action) for x in actions_of(env, EV_GAS)]
    for who, stage in (("nanxing2", "初审"), ("nanxing3", "复审")):
        act(as_signed_in(who), f"review:{stage}")
    at = as_signed_in("nanxing3")
    act(at, "review:终审")                                               # the same person twice: refused
    ok, err = messages(at)
    assert not ok and any("三审须由不同人员进行" in e for e in err)
    act(as_signed_in("nanxing4"), "review:终审")
    reviews = [(x.actor, x.details["stage"]) for x in actions_of(env, EV_GAS) if x.action == "statement.reviewed"]
    assert reviews == [("nanxing2", "初审"), ("nanxing3", "复审"), ("nanxing4", "终审")]
    assert len(actions_of(env, EV_GAS)) == len(before) + 3
    # the office approves (acting as 区政府办公室), then the unit publishes: the clock is met
    at = as_signed_in("qfb")
    act(at, "approve", unit=OFFICE)
    assert any("审核通过" in m for m in messages(at)[0])
    at = as_signed_in("nanxing")
    act(at, "publish", url="https://www.hzsc.gov.cn/art/1")
    ok, err = messages(at)
    assert not err and any(m.startswith("已发布权威信息（按时）") for m in ok)
    assert statement_clock(env).status == "met"
    log = [(x.action, x.actor, x.unit) for x in actions_of(env, EV_GAS) if x.action.startswith("statement.")]
    assert log[0] == ("statement.drafted", "nanxing", UNIT) and log[-2] == ("statement.approved", "qfb", OFFICE)
    assert "持续发布" in buttons(at)


def test_a_leader_sees_every_case_but_no_action(env):
    at = as_signed_in("leader", EV_COLLAPSE)
    assert buttons(at, EV_COLLAPSE) == [] and any("只读" in i.value for i in at.info)
    with pytest.raises(WorkflowError, match="只读"):
        actions.perform(env, None, EV_GAS, "close", user=principal("leader"), now=NOW, reason="x")
    assert actions.available_actions(env, EV_GAS, None, user=principal("leader"), now=NOW) == []


def test_another_units_account_is_refused_by_the_workflow(env, cfg):
    """区城管局 is not on EV_GAS: whatever unit it names, the workflow refuses and writes nothing."""
    before = len(actions_of(env, EV_GAS))
    for unit in (None, UNIT, OFFICE):
        with pytest.raises(WorkflowError):
            actions.perform(env, cfg, EV_GAS, "draft", user=principal("chengguan"), unit=unit, now=NOW, text="x")
    with pytest.raises(WorkflowError):
        actions.available_actions(env, EV_GAS, None, user=principal("chengguan"), now=NOW)
    assert len(actions_of(env, EV_GAS)) == before


def test_acknowledge_in_the_panel_for_the_unit(env):
    at = as_signed_in("nanxing3")
    act(at, "ack:分管领导")
    assert any("签收成功" in m for m in messages(at)[0])
    acks = [a for a in actions_of(env, EV_GAS) if a.action == "case.acknowledged" and a.actor == "nanxing3"]
    assert len(acks) == 1 and acks[0].details["role"] == "分管领导"
    assert "签收（分管领导）" not in buttons(at)


def test_the_office_acts_for_the_cases_own_unit_by_default(env):
    at = as_signed_in("xcb", EV_COLLAPSE)
    assert at.selectbox(key=k("unit", event_id=EV_COLLAPSE)).value == "区应急管理局"
