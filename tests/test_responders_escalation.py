"""Clocks and escalation (issue 5): late detection, downtime, acknowledgement, level rise, frozen policy."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from responders.channels.inbox import InboxNotifier
from responders.dispatch import on_case_change
from responders.scheduler import sweep
from responders.testing import alert_keys, decision, kw_outbox, open_case, worker_policy
from responders.workflow import Workflow
from yuqing.config import load_config
from yuqing.store.sql import SqlStore
from yuqing.store.tables import ActionRow, AlertRow, FiringRow
from yuqing.timeutil import SHANGHAI, ManualClock

POST = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)   # a Friday


@pytest.fixture(scope="module")
def cfg():
    return load_config("config")


@pytest.fixture
def clock():
    return ManualClock(POST + timedelta(hours=3))          # detected 3 hours after the first post


@pytest.fixture
def store(tmp_path, clock):
    s = SqlStore(f"sqlite:///{tmp_path}/y.db", clock=clock)
    yield s
    s.close()


def run(store, clock, cfg):
    return sweep(store, clock, [InboxNotifier()], config=cfg, outbox=kw_outbox(cfg))


def test_late_detection_starts_with_two_hours_left(store, clock, cfg):
    open_case(store, cfg, clock, "ev1", POST, severity="重大", emergency=True)
    st = {c.kind: c for c in store.clocks("ev1")}
    assert st["statement"].due_at == POST + timedelta(hours=5)
    assert st["statement"].due_at - clock.now() == timedelta(hours=2)
    assert st["press_conference"].due_at - clock.now() == timedelta(hours=21)
    with store.session() as s:
        body = s.scalar(select(AlertRow.body).where(AlertRow.kind == "emergency").limit(1))
    assert "发布权威信息，截止 2026-11-20 15:00" in body and "剩余2小时" in body
    # the emergency alert reaches 区政府办公室 and 区委宣传部 at once (level 4)
    keys = alert_keys(store)
    assert "ev1|emergency|重大|区政府办公室|信息发布联络员" in keys
    assert not any("区政府分管领导" in k for k in keys)
    # the 60 % warning (at 13:00) is already due at the first sweep
    r = run(store, clock, cfg)
    assert r.fired == ["ev1:statement:0:warn60"]


def test_stopped_six_hours_across_the_deadline_fires_each_step_once(store, clock, cfg):
    open_case(store, cfg, clock, "ev1", POST, severity="重大", emergency=True)
    run(store, clock, cfg)                                  # 13:00: warn60
    clock.advance(timedelta(minutes=30))
    run(store, clock, cfg)                                  # 13:30: nothing new
    clock.advance(timedelta(hours=6))                       # scheduler down 13:30 → 19:30
    r = run(store, clock, cfg)
    assert r.fired == ["ev1:statement:0:warn80", "ev1:statement:0:overdue", "ev1:statement:0:leader"]
    assert r.late == ["ev1:statement:0:overdue"]
    st = {c.kind: c for c in store.clocks("ev1")}
    assert st["statement"].status == "late" and st["press_conference"].status == "running"
    late = [a for a in store.actions("ev1") if a.action == "clock.late"]
    assert len(late) == 1 and late[0].details["kind"] == "statement"
    before = alert_keys(store)
    # restarted again at once, and later: the due steps never fire twice
    r2 = run(store, clock, cfg)
    assert r2.fired == [] and r2.late == []
    keys = alert_keys(store)
    assert keys == before
    for step, levels in (("warn60", {"1", "2"}), ("warn80", {"1", "2"}), ("overdue", {"3", "4"}), ("leader", {"5"})):
        mine = [k for k in keys if k.split("|")[1] == f"{step}:statement#0"]
        assert {k.split("|")[2] for k in mine} == levels
        assert len(mine) == len(set(mine))
    assert "ev1|overdue:statement#0|4|区委宣传部|信息发布联络员" in keys
    assert "ev1|leader:statement#0|5|区政府|区政府分管领导" in keys
    # after a long stop only the latest reminder of a level fires, not one per missed hour
    rem = [k for k in keys if k.split("|")[1] == "remind:statement#0"]
    assert len([k for k in rem if k.split("|")[2] == "1"]) == 1


def test_acknowledgement_stops_repeats_of_its_level_only(store, clock, cfg):
    open_case(store, cfg, clock, "ev1", POST, severity="重大", emergency=True)
    run(store, clock, cfg)                                  # 13:00 warn60 to levels 1 and 2
    wf = Workflow(store, cfg, clock)
    assert wf.acknowledge("ev1", actor="张联络", unit="南星街道") >= 1       # the liaison (level 1)
    clock.advance(timedelta(minutes=61))
    r = run(store, clock, cfg)
    assert r.reminders == ["ev1:statement:0:remind:L2:1"]
    assert r.fired == ["ev1:statement:0:warn80"]            # a new warning: it needs its own 签收
    wf.acknowledge("ev1", actor="张联络", unit="南星街道")
    clock.advance(timedelta(minutes=60))
    r = run(store, clock, cfg)
    assert r.reminders == ["ev1:statement:0:remind:L2:2"]
    # the legal clock kept running whatever was acknowledged: 15:02 is past the 15:00 deadline
    assert {c.kind: c.status for c in store.clocks("ev1")}["statement"] == "late"
    wf.acknowledge("ev1", actor="李分管", unit="南星街道", level=2)
    clock.advance(timedelta(minutes=60))
    r = run(store, clock, cfg)
    # levels 1 and 2 acknowledged: no more reminders to them; levels 3 and 4 (overdue at 15:00,
    # not acknowledged) are reminded
    assert sorted(r.reminders) == ["ev1:statement:0:remind:L3:1", "ev1:statement:0:remind:L4:1"]


def test_level_rise_renotifies_and_emergency_starts_clocks(store, clock, cfg):
    dec, ch = open_case(store, cfg, clock, "ev2", POST, severity="一般")
    assert alert_keys(store) == ["ev2|new_case|一般|南星街道|信息发布联络员"]
    assert store.clocks("ev2") == []
    d2 = decision("ev2", "ev2-2", POST + timedelta(hours=1), severity="较大")
    ch2 = store.save_decision(d2, url_key=None, fingerprint=None, policy=worker_policy(cfg))
    on_case_change(store, cfg, d2, ch2, clock, outbox=kw_outbox(cfg))
    on_case_change(store, cfg, d2, ch2, clock, outbox=kw_outbox(cfg))      # a redelivery: no-op
    keys = alert_keys(store)
    assert [k for k in keys if "|level_up|较大|" in k] == ["ev2|level_up|较大|南星街道|信息发布联络员",
                                                           "ev2|level_up|较大|南星街道|分管领导"]
    d3 = decision("ev2", "ev2-3", POST + timedelta(hours=2), severity="重大", emergency=True)
    ch3 = store.save_decision(d3, url_key=None, fingerprint=None, policy=worker_policy(cfg))
    assert ch3["emergency_started"]
    on_case_change(store, cfg, d3, ch3, clock, outbox=kw_outbox(cfg))
    assert {c.kind for c in store.clocks("ev2")} == {"statement", "press_conference"}
    assert "ev2|emergency|重大|区委宣传部|信息发布联络员" in alert_keys(store)
    assert store.case("ev2").policy["escalation"]["grace_hours"] == 1


def test_frozen_policy_survives_a_config_edit(store, clock, cfg):
    open_case(store, cfg, clock, "old", POST, severity="重大", emergency=True)
    import copy
    edited = copy.copy(cfg)
    edited.sections = dict(cfg.sections)
    clocks = cfg.get("clocks").model_copy(deep=True)
    clocks.warn_at = [0.5]
    ch = cfg.get("channels").model_copy(deep=True)
    ch.escalation.grace_hours = 3
    edited.sections["clocks"], edited.sections["channels"] = clocks, ch
    open_case(store, edited, clock, "new", POST, severity="重大", emergency=True)
    assert store.case("old").policy["clocks"]["warn_at"] == [0.6, 0.8]
    assert store.case("new").policy["clocks"]["warn_at"] == [0.5]
    clock.set(POST + timedelta(hours=6, minutes=1))           # past old's grace (1 h), not new's (3 h)
    r = sweep(store, clock, [InboxNotifier()], config=edited, outbox=kw_outbox(edited))
    fired = set(r.fired)
    assert {"old:statement:0:warn60", "old:statement:0:warn80", "old:statement:0:leader"} <= fired
    assert "new:statement:0:warn50" in fired and "new:statement:0:warn60" not in fired
    assert "new:statement:0:leader" not in fired


def test_statement_meets_its_clock_and_starts_follow_ups_until_closed(store, clock, cfg):
    open_case(store, cfg, clock, "ev1", POST, severity="较大", emergency=True)
    wf = Workflow(store, cfg, clock)
    wf.draft_statement("ev1", actor="王编", unit="南星街道", text="情况通报")
    for stage, who in (("初审", "甲"), ("复审", "乙"), ("终审", "丙")):
        wf.review("ev1", actor=who, unit="南星街道", stage=stage)
    clock.advance(timedelta(hours=1))
    r = wf.publish_statement("ev1", actor="王编", unit="南星街道")
    assert r["on_time"] is True and r["follow_up_due"] == clock.now() + timedelta(hours=24)
    clock.advance(timedelta(hours=25))
    run(store, clock, cfg)
    fu = [c for c in store.clocks("ev1") if c.kind == "follow_up"]
    assert [(c.seq, c.status) for c in fu] == [(1, "late")]
    wf.publish_follow_up("ev1", actor="王编", unit="南星街道")
    fu = sorted((c.seq, c.status) for c in store.clocks("ev1") if c.kind == "follow_up")
    assert fu == [(1, "late"), (2, "running")]
    wf.close("ev1", actor="王编", unit="南星街道", reason="处置完毕")
    assert {(c.seq, c.status) for c in store.clocks("ev1") if c.kind == "follow_up"} == {(1, "late"), (2, "cancelled")}
    clock.advance(timedelta(days=3))
    assert run(store, clock, cfg).fired == []


def test_sweep_records_late_at_and_links_clock_alerts(store, clock, cfg):
    open_case(store, cfg, clock, "ev1", POST, severity="重大", emergency=True)
    st = {c.kind: c for c in store.clocks("ev1")}
    assert st["statement"].late_at is None
    run(store, clock, cfg)                                  # 13:00: warn60
    clock.set(POST + timedelta(hours=5, minutes=7))         # the sweep after the 15:00 deadline
    r = run(store, clock, cfg)
    assert r.late == ["ev1:statement:0:overdue"]
    st = {c.kind: c for c in store.clocks("ev1")}
    assert st["statement"].status == "late" and st["statement"].late_at == clock.now()
    assert st["statement"].late_at.tzinfo is not None
    assert st["press_conference"].late_at is None
    late = [a for a in store.actions("ev1") if a.action == "clock.late"]
    assert late[0].at == st["statement"].late_at            # same transaction, same time
    clock.advance(timedelta(hours=2))
    run(store, clock, cfg)                                  # leader, reminders: late_at unchanged
    assert {c.kind: c for c in store.clocks("ev1")}["statement"].late_at == POST + timedelta(hours=5, minutes=7)
    with store.session() as s:
        alerts = list(s.scalars(select(AlertRow).where(AlertRow.case_id == "ev1")))
    by_kind = {}
    for a in alerts:
        by_kind.setdefault(a.kind, set()).add(a.clock_id)
    assert by_kind["emergency"] == {None}                   # a case alert: no clock
    for kind in ("warn60:statement#0", "warn80:statement#0", "overdue:statement#0", "leader:statement#0",
                 "remind:statement#0"):
        assert by_kind[kind] == {st["statement"].id}, kind


def test_late_answer_before_the_sweep_sets_late_at(store, clock, cfg):
    open_case(store, cfg, clock, "ev1", POST, severity="较大", emergency=True)
    wf = Workflow(store, cfg, clock)
    wf.draft_statement("ev1", actor="王编", unit="南星街道")
    for stage, who in (("初审", "甲"), ("复审", "乙"), ("终审", "丙")):
        wf.review("ev1", actor=who, unit="南星街道", stage=stage)
    clock.set(POST + timedelta(hours=6))                    # no sweep ran since the deadline
    assert wf.publish_statement("ev1", actor="王编", unit="南星街道")["on_time"] is False
    st = {c.kind: c for c in store.clocks("ev1")}["statement"]
    assert (st.status, st.met_at, st.late_at) == ("late", clock.now(), clock.now())
    fu = [c for c in store.clocks("ev1") if c.kind == "follow_up"][0]
    assert fu.late_at is None
