"""The unit's actions: validation, 三审三校, feedback extension (once, logged), consent by silence."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from responders.alerts import Outbox
from responders.channels.inbox import InboxChannel
from responders.scheduler import sweep
from responders.workflow import Workflow, WorkflowError
from tests.helpers import actions_of, case_of, clocks_of, open_case
from yuqing.store.sql import SqlStore
from yuqing.timeutil import SHANGHAI, ManualClock

POST = datetime(2026, 9, 30, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def env(tmp_path, cfg):
    clock = ManualClock(POST + timedelta(hours=1))
    store = SqlStore(f"sqlite:///{tmp_path}/y.db", clock=clock)
    yield store, clock, Workflow(store, cfg, clock)
    store.close()


def test_feedback_extension_is_once_only_and_logged(env, cfg, engine):
    store, clock, wf = env
    ev1 = open_case(store, engine, cfg, clock, "1", POST, severity="一般", expect="一般")
    row = wf.open_feedback(ev1, actor="赵", unit="南星街道", at=POST)
    assert row.due_at == datetime(2026, 10, 13, 23, 59, 59, tzinfo=SHANGHAI)   # 国庆 skipped, 调休 counted
    assert case_of(store, ev1).policy["escalation"]["repeat_minutes"] == 60       # frozen with the clock
    with pytest.raises(WorkflowError, match="批准人"):
        wf.extend_feedback(ev1, actor="赵", unit="南星街道", approved_by="", reason="需调查")
    ext = wf.extend_feedback(ev1, actor="赵", unit="南星街道", approved_by="钱主任", reason="涉及多部门，需调查")
    assert ext.kind == "feedback_extended" and ext.seq == 1 and ext.due_at > row.due_at
    assert [c.kind for c in clocks_of(store, ev1) if c.kind != "response"] == ["feedback_extended"]   # replaced
    logged = [a for a in actions_of(store, ev1) if a.action == "clock.extended"]
    assert len(logged) == 1 and logged[0].details["approved_by"] == "钱主任" and logged[0].actor == "赵"
    with pytest.raises(WorkflowError, match="已延期一次"):
        wf.extend_feedback(ev1, actor="赵", unit="南星街道", approved_by="钱主任", reason="再延")
    assert wf.answer_feedback(ev1, actor="赵", unit="南星街道") is True


def test_validation_unknown_case_wrong_unit_out_of_order(env, cfg, engine):
    store, clock, wf = env
    ev1 = open_case(store, engine, cfg, clock, "1", POST, severity="重大", emergency=True, expect="重大")
    with pytest.raises(WorkflowError, match="未知案件"):
        wf.acknowledge("nope", actor="x", unit="南星街道")
    with pytest.raises(WorkflowError, match="不是案件 .* 的第一责任单位"):
        wf.draft_statement(ev1, actor="x", unit="湖滨街道")
    with pytest.raises(WorkflowError, match="尚无待审稿件"):
        wf.review(ev1, actor="甲", unit="南星街道", stage="初审")
    wf.draft_statement(ev1, actor="编", unit="南星街道", text="关于火灾的情况通报")
    with pytest.raises(WorkflowError, match="当前应进行“初审”"):
        wf.review(ev1, actor="乙", unit="南星街道", stage="复审")
    with pytest.raises(WorkflowError, match="尚未完成三审三校"):
        wf.publish_statement(ev1, actor="编", unit="南星街道")
    wf.review(ev1, actor="甲", unit="南星街道", stage="初审")
    with pytest.raises(WorkflowError, match="不同人员"):
        wf.review(ev1, actor="甲", unit="南星街道", stage="复审")
    wf.review(ev1, actor="乙", unit="南星街道", stage="复审")
    wf.review(ev1, actor="丙", unit="南星街道", stage="终审")
    with pytest.raises(WorkflowError, match="须经区政府办公室审核"):
        wf.publish_statement(ev1, actor="编", unit="南星街道")
    with pytest.raises(WorkflowError, match="无权审核"):
        wf.approve(ev1, actor="丁", unit="南星街道")
    wf.approve(ev1, actor="丁", unit="区政府办公室")
    r = wf.publish_statement(ev1, actor="编", unit="南星街道")
    assert r["on_time"] is True
    with pytest.raises(WorkflowError, match="持续发布"):
        wf.publish_statement(ev1, actor="编", unit="南星街道")
    acts = [a.action for a in actions_of(store, ev1)]
    assert acts.count("statement.reviewed") == 3 and "statement.approved" in acts and "clock.met" in acts
    wf.close(ev1, actor="编", unit="南星街道")
    with pytest.raises(WorkflowError, match="已结案"):
        wf.hold_press_conference(ev1, actor="编", unit="南星街道")
    with pytest.raises(WorkflowError, match="理由"):
        wf.reopen(ev1, actor="编", unit="南星街道")
    fu = wf.reopen(ev1, actor="编", unit="南星街道", reason="出现新情况")
    assert fu is not None and fu.kind == "follow_up"


def test_a_reviewed_release_meets_the_48_hour_clock_of_an_ordinary_case(env, cfg, engine):
    store, clock, wf = env
    ev1 = open_case(store, engine, cfg, clock, "1", POST, severity="一般", expect="一般")
    (k,) = clocks_of(store, ev1)
    assert k.kind == "response" and k.due_at == POST + timedelta(hours=48) and k.status == "running"
    clock.set(POST + timedelta(hours=30))
    wf.draft_statement(ev1, actor="编", unit="南星街道", text="关于小区垃圾清运问题的回应")
    for who, stage in (("甲", "初审"), ("乙", "复审"), ("丙", "终审")):
        wf.review(ev1, actor=who, unit="南星街道", stage=stage)
    r = wf.publish_statement(ev1, actor="编", unit="南星街道")
    assert r["on_time"] is True and r["follow_up_due"] is None      # follow-ups are an emergency's
    (k,) = clocks_of(store, ev1)
    assert k.status == "met" and k.met_at == POST + timedelta(hours=30)


def test_consultation_silence_is_consent_recorded_by_the_sweep(env, cfg, engine):
    store, clock, wf = env
    ev1 = open_case(store, engine, cfg, clock, "1", POST, severity="一般", expect="一般")
    row = wf.open_consultation(ev1, actor="赵", unit="南星街道", at=POST)
    clock.set(row.due_at + timedelta(minutes=1))
    r = sweep(store, clock, {"inbox": InboxChannel()}, config=cfg, outbox=Outbox.inbox_only(cfg))
    # silence on a consultation is consent, not lateness (the case's own 48-hour clock is another matter)
    assert r.consents == [f"{ev1}:consultation:1:consent"] and r.late == [f"{ev1}:response:0:overdue"]
    c = next(k for k in clocks_of(store, ev1) if k.kind == "consultation")
    assert c.status == "met" and c.met_at == row.due_at and "视为同意" in c.reason
    assert [a.action for a in actions_of(store, ev1)].count("consultation.consent") == 1
    assert sweep(store, clock, {"inbox": InboxChannel()}, config=cfg, outbox=Outbox.inbox_only(cfg)).consents == []


def test_cli_case_commands(env, cfg, engine, tmp_path):
    import io
    from yuqing.app.cli import build_parser
    store, clock, wf = env
    ev1 = open_case(store, engine, cfg, clock, "1", POST, severity="一般", expect="一般")
    import argparse
    from yuqing.app.case_cli import register
    p = argparse.ArgumentParser()
    p.add_argument("--config", default="config")
    register(p.add_subparsers(dest="cmd", required=True))
    out, err = io.StringIO(), io.StringIO()
    args = p.parse_args(["case", "ack", "--case", ev1, "--actor", "张", "--store", store.url,
                         "--now", (POST + timedelta(hours=2)).isoformat()])
    assert args.func(args, out, err) == 0, err.getvalue()
    assert "已签收" in out.getvalue()
    args = p.parse_args(["case", "extend", "--case", ev1, "--actor", "张", "--store", store.url,
                         "--approved-by", "钱", "--reason", "调查"])
    assert args.func(args, out, err) == 1 and "没有群众点题" in err.getvalue()


def test_cli_case_list_prints_the_open_cases_most_urgent_first(env, cfg, engine):
    import argparse
    import io
    import json
    from yuqing.app.case_cli import register
    store, clock, wf = env
    ordinary = open_case(store, engine, cfg, clock, "1", POST, severity="一般", expect="一般")
    major = open_case(store, engine, cfg, clock, "2", POST + timedelta(hours=1), severity="重大", emergency=True,
                      unit="湖滨街道", expect="重大")
    p = argparse.ArgumentParser()
    p.add_argument("--config", default="config")
    register(p.add_subparsers(dest="cmd", required=True))
    out, err = io.StringIO(), io.StringIO()
    args = p.parse_args(["case", "list", "--json", "--store", store.url, "--now", (POST + timedelta(hours=7)).isoformat()])
    assert args.func(args, out, err) == 0, err.getvalue()
    rows = json.loads(out.getvalue())
    assert [r["id"] for r in rows] == [major, ordinary]
    assert rows[0]["emergency"] and rows[0]["level"] == "重大" and rows[0]["unit"] == "湖滨街道"
    assert [k["kind"] for k in rows[0]["clocks"]] == ["statement", "press_conference"]
    assert rows[0]["clocks"][0]["overdue"] is True                      # 5 hours from 11:00, now 16:00+
    assert [k["kind"] for k in rows[1]["clocks"]] == ["response"] and not rows[1]["clocks"][0]["overdue"]
    out = io.StringIO()
    args = p.parse_args(["case", "list", "--store", store.url, "--unit", "南星街道"])
    assert args.func(args, out, err) == 0
    text = out.getvalue()
    assert "回应（48小时）" in text and "共 1 件" in text and "湖滨街道" not in text
