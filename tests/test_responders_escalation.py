"""Clocks and escalation: late detection, downtime, acknowledgement, level rise, frozen policy.

Cases are opened through the real engine and recorder (tests/helpers.py), alerts by the notifier."""
from __future__ import annotations

import copy
from datetime import datetime, timedelta

import pytest

from responders.alerts import Outbox
from responders.channels.inbox import InboxChannel
from responders.scheduler import sweep
from responders.workflow import Workflow
from tests.helpers import alert_keys, notify, open_case, post, store_item
from yuqing.store.sql import SqlStore
from yuqing.timeutil import SHANGHAI, ManualClock

POST = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)   # a Friday


@pytest.fixture
def clock():
    return ManualClock(POST + timedelta(hours=3))          # detected 3 hours after the first post


@pytest.fixture
def store(tmp_path, clock):
    s = SqlStore(f"sqlite:///{tmp_path}/y.db", clock=clock)
    yield s
    s.close()


def run(store, clock, cfg):
    return sweep(store, clock, {"inbox": InboxChannel()}, config=cfg, outbox=Outbox.inbox_only(cfg))


def key(cid, kind, level, unit, role, step="", ref=""):
    return f"{cid}|{kind}|{step}|{ref}|{level}|{unit}|{role}"


def clocks(store, cid):
    with store.reader() as r:
        return {c.kind: c for c in r.clocks.of_case(cid)}


def all_clocks(store, cid):
    with store.reader() as r:
        return r.clocks.of_case(cid)


def actions(store, cid, name):
    with store.reader() as r:
        return r.actions.of_case(cid, name)


def emergency(store, engine, cfg, clock, item_id="1"):
    return open_case(store, engine, cfg, clock, item_id, POST, severity="重大", emergency=True, expect="重大")


def reviewed(wf, cid, unit="南星街道"):
    wf.draft_statement(cid, actor="王编", unit=unit, text="关于火灾的情况通报")
    for stage, who in (("初审", "甲"), ("复审", "乙"), ("终审", "丙")):
        wf.review(cid, actor=who, unit=unit, stage=stage)
    wf.approve(cid, actor="办公室赵", unit="区政府办公室")      # 重大: approved by 区政府办公室


def test_late_detection_starts_with_two_hours_left(store, clock, cfg, engine):
    cid = emergency(store, engine, cfg, clock)
    st = clocks(store, cid)
    assert st["statement"].due_at == POST + timedelta(hours=5)
    assert st["statement"].due_at - clock.now() == timedelta(hours=2)
    assert st["press_conference"].due_at - clock.now() == timedelta(hours=21)
    with store.reader() as r:
        body = next(a.body for a in r.alerts.of_case(cid) if a.kind == "emergency")
    assert "发布权威信息，截止 2026-11-20 15:00" in body and "剩余2小时" in body
    # the emergency alert reaches 区政府办公室 and 区委宣传部 at once (level 4)
    keys = alert_keys(store)
    assert key(cid, "emergency", "重大", "区政府办公室", "信息发布联络员") in keys
    assert not any("区政府分管领导" in k for k in keys)
    # the 60 % warning (at 13:00) is already due at the first sweep
    r = run(store, clock, cfg)
    assert r.fired == [f"{cid}:statement:0:warn60"]


def test_stopped_six_hours_across_the_deadline_fires_each_step_once(store, clock, cfg, engine):
    cid = emergency(store, engine, cfg, clock)
    run(store, clock, cfg)                                  # 13:00: warn60
    clock.advance(timedelta(minutes=30))
    run(store, clock, cfg)                                  # 13:30: nothing new
    clock.advance(timedelta(hours=6))                       # scheduler down 13:30 → 19:30
    r = run(store, clock, cfg)
    assert r.fired == [f"{cid}:statement:0:warn80", f"{cid}:statement:0:overdue", f"{cid}:statement:0:leader"]
    assert r.late == [f"{cid}:statement:0:overdue"]
    st = clocks(store, cid)
    assert st["statement"].status == "late" and st["press_conference"].status == "running"
    late = actions(store, cid, "clock.late")
    assert len(late) == 1 and late[0].details["kind"] == "statement"
    before = alert_keys(store)
    # restarted again at once, and later: the due steps never fire twice
    r2 = run(store, clock, cfg)
    assert r2.fired == [] and r2.late == []
    keys = alert_keys(store)
    assert keys == before
    parts = [k.split("|") for k in keys]
    for step, levels in (("warn60", {"1", "2"}), ("warn80", {"1", "2"}), ("overdue", {"3", "4"}), ("leader", {"5"})):
        mine = ["|".join(p) for p in parts if p[2] == step and p[3] == "statement#0"]
        assert {k.split("|")[4] for k in mine} == levels, step
        assert len(mine) == len(set(mine))
    assert key(cid, "overdue", "4", "区委宣传部", "信息发布联络员", "overdue", "statement#0") in keys
    assert key(cid, "escalation", "5", "区政府", "区政府分管领导", "leader", "statement#0") in keys
    # after a long stop only the latest reminder of a level fires, not one per missed hour
    rem = [p for p in parts if p[1] == "reminder" and p[3] == "statement#0" and p[4] == "1"]
    assert len(rem) == 1


def test_acknowledgement_stops_repeats_of_its_level_only(store, clock, cfg, engine):
    cid = emergency(store, engine, cfg, clock)
    run(store, clock, cfg)                                  # 13:00 warn60 to levels 1 and 2
    wf = Workflow(store, cfg, clock)
    assert wf.acknowledge(cid, actor="张联络", unit="南星街道") >= 1       # the liaison (level 1)
    clock.advance(timedelta(minutes=61))
    r = run(store, clock, cfg)
    assert r.reminders == [f"{cid}:statement:0:remind:L2:1"]
    assert r.fired == [f"{cid}:statement:0:warn80"]          # a new warning: it needs its own 签收
    wf.acknowledge(cid, actor="张联络", unit="南星街道")
    clock.advance(timedelta(minutes=60))
    r = run(store, clock, cfg)
    assert r.reminders == [f"{cid}:statement:0:remind:L2:2"]
    # the legal clock kept running whatever was acknowledged: 15:02 is past the 15:00 deadline
    assert clocks(store, cid)["statement"].status == "late"
    wf.acknowledge(cid, actor="李分管", unit="南星街道", level=2)
    clock.advance(timedelta(minutes=60))
    r = run(store, clock, cfg)
    # levels 1 and 2 acknowledged: no more reminders to them; levels 3 and 4 (overdue at 15:00,
    # not acknowledged) are reminded
    assert sorted(r.reminders) == [f"{cid}:statement:0:remind:L3:1", f"{cid}:statement:0:remind:L4:1"]


def test_level_rise_renotifies_and_emergency_starts_clocks(store, clock, cfg, engine):
    cid = open_case(store, engine, cfg, clock, "1", POST, severity="一般", expect="一般",
                    text="南星街道复兴街小区门口垃圾好几天没人清运了，臭气熏天，希望尽快处理。")
    with store.reader() as r:
        co = r.cases.get(cid).co_responsible
    # 一般: the unit's liaison, and the liaison of each co-responsible unit
    assert sorted(alert_keys(store)) == sorted([key(cid, "new_case", "一般", "南星街道", "信息发布联络员")]
                                               + [key(cid, "new_case", "一般", u, "信息发布联络员") for u in co])
    assert all_clocks(store, cid) == [] or {c.kind for c in all_clocks(store, cid)} == {"response"}
    # the same street, the same rubbish, now at a primary school's gate: 较大 (students)
    d2, _ = store_item(store, engine, clock, post("2", POST + timedelta(hours=1),
                       text="复兴街小区门口垃圾还是没人清运，旁边就是小学，孩子们天天闻着臭味上学，家长很着急。"))
    assert d2.case.event_id == cid and d2.case.severity == "较大", d2.case.reasons
    notify(store, cfg, clock)
    notify(store, cfg, clock)                                # a second pass: no-op
    keys = alert_keys(store)
    assert {key(cid, "level_up", "较大", "南星街道", "信息发布联络员"),
            key(cid, "level_up", "较大", "南星街道", "分管领导")} <= set(keys)
    assert len([k for k in keys if "|level_up|" in k]) == len(set(k for k in keys if "|level_up|" in k))
    d3, ch3 = store_item(store, engine, clock, post("3", POST + timedelta(hours=2),
                         text="复兴街小区垃圾堆突然起火，火势蔓延到旁边居民楼，3名居民受伤送医。"))
    assert d3.case.event_id == cid and ch3["emergency_started"], d3.case.reasons
    notify(store, cfg, clock)
    assert {"statement", "press_conference"} <= set(clocks(store, cid))
    assert key(cid, "emergency", d3.case.severity, "区委宣传部", "信息发布联络员") in alert_keys(store)
    with store.reader() as r:
        assert r.cases.get(cid).policy["escalation"]["grace_hours"] == 1


def test_frozen_policy_survives_a_config_edit(store, clock, cfg, engine):
    old = emergency(store, engine, cfg, clock, "old")
    edited = copy.copy(cfg)
    edited.sections = dict(cfg.sections)
    cl = cfg.get("clocks").model_copy(deep=True)
    cl.warn_at = [0.5]
    ch = cfg.get("channels").model_copy(deep=True)
    ch.escalation.grace_hours = 3
    edited.sections["clocks"], edited.sections["channels"] = cl, ch
    from yuqing.app.build import make_engine
    engine2 = make_engine(edited)
    new = open_case(store, engine2, edited, clock, "new", POST, severity="重大", emergency=True, unit="湖滨街道",
                    expect="重大")
    with store.reader() as r:
        assert r.cases.get(old).policy["clocks"]["warn_at"] == [0.6, 0.8]
        assert r.cases.get(new).policy["clocks"]["warn_at"] == [0.5]
    clock.set(POST + timedelta(hours=6, minutes=1))           # past old's grace (1 h), not new's (3 h)
    r = sweep(store, clock, {"inbox": InboxChannel()}, config=edited, outbox=Outbox.inbox_only(edited))
    fired = set(r.fired)
    assert {f"{old}:statement:0:warn60", f"{old}:statement:0:warn80", f"{old}:statement:0:leader"} <= fired
    assert f"{new}:statement:0:warn50" in fired and f"{new}:statement:0:warn60" not in fired
    assert f"{new}:statement:0:leader" not in fired


def test_statement_meets_its_clock_and_starts_follow_ups_until_closed(store, clock, cfg, engine):
    cid = emergency(store, engine, cfg, clock)
    wf = Workflow(store, cfg, clock)
    reviewed(wf, cid)
    clock.advance(timedelta(hours=1))
    r = wf.publish_statement(cid, actor="王编", unit="南星街道")
    assert r["on_time"] is True and r["follow_up_due"] == clock.now() + timedelta(hours=24)
    clock.advance(timedelta(hours=25))
    run(store, clock, cfg)
    fu = [c for c in all_clocks(store, cid) if c.kind == "follow_up"]
    assert [(c.seq, c.status) for c in fu] == [(1, "late")]
    wf.publish_follow_up(cid, actor="王编", unit="南星街道")
    fu = sorted((c.seq, c.status) for c in all_clocks(store, cid) if c.kind == "follow_up")
    assert fu == [(1, "late"), (2, "running")]
    wf.close(cid, actor="王编", unit="南星街道", reason="处置完毕")
    assert {(c.seq, c.status) for c in all_clocks(store, cid) if c.kind == "follow_up"} == {(1, "late"), (2, "cancelled")}
    clock.advance(timedelta(days=3))
    assert run(store, clock, cfg).fired == []


def test_sweep_records_late_at_and_links_clock_alerts(store, clock, cfg, engine):
    cid = emergency(store, engine, cfg, clock)
    assert clocks(store, cid)["statement"].late_at is None
    run(store, clock, cfg)                                  # 13:00: warn60
    clock.set(POST + timedelta(hours=5, minutes=7))         # the sweep after the 15:00 deadline
    r = run(store, clock, cfg)
    assert r.late == [f"{cid}:statement:0:overdue"]
    st = clocks(store, cid)
    assert st["statement"].status == "late" and st["statement"].late_at == clock.now()
    assert st["statement"].late_at.tzinfo is not None
    assert st["press_conference"].late_at is None
    late = actions(store, cid, "clock.late")
    assert late[0].at == st["statement"].late_at            # same transaction, same time
    clock.advance(timedelta(hours=2))
    run(store, clock, cfg)                                  # leader, reminders: late_at unchanged
    assert clocks(store, cid)["statement"].late_at == POST + timedelta(hours=5, minutes=7)
    with store.reader() as rd:
        alerts = rd.alerts.of_case(cid)
    by_step = {}
    for a in alerts:
        by_step.setdefault(a.step or a.kind, set()).add(a.clock_id)
    assert by_step["emergency"] == {None}                   # a case alert: no clock
    for step in ("warn60", "warn80", "overdue", "leader"):
        assert by_step[step] == {st["statement"].id}, step
    assert any(s.startswith("remind") and ids == {st["statement"].id} for s, ids in by_step.items())


def test_late_answer_before_the_sweep_sets_late_at(store, clock, cfg, engine):
    cid = emergency(store, engine, cfg, clock)
    wf = Workflow(store, cfg, clock)
    reviewed(wf, cid)
    clock.set(POST + timedelta(hours=6))                    # no sweep ran since the deadline
    assert wf.publish_statement(cid, actor="王编", unit="南星街道")["on_time"] is False
    st = clocks(store, cid)["statement"]
    assert (st.status, st.met_at, st.late_at) == ("late", clock.now(), clock.now())
    fu = [c for c in all_clocks(store, cid) if c.kind == "follow_up"][0]
    assert fu.late_at is None
