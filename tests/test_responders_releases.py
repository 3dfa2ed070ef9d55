"""Releases the system notices (疑似已发布回应): an official item of the responsible unit or the
district's accounts joined to an open case is recorded on the case and the unit is told; nothing
is met until the unit confirms it with one action, which meets the clock at the item's publish
time. Items go through the real engine and recorder, alerts through the notifier."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from dashboard import actions
from responders.accounts import Principal
from responders.alerts import Outbox
from responders.channels.inbox import InboxChannel
from responders.scheduler import sweep
from responders.workflow import Workflow, WorkflowError
from tests.helpers import actions_of, clocks_of, notify, open_case, store_item
from yuqing.model import Item
from yuqing.store.sql import SqlStore
from yuqing.timeutil import SHANGHAI, ManualClock

POST = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)
UNIT = "南星街道"
COMPLAINT = "复兴路小区门口的垃圾好几天没人清运了，臭气熏天，希望有关部门尽快处理。"
REPLY = ("关于复兴路小区垃圾清运问题的回复：网友您好，您反映的复兴路小区门口垃圾未及时清运问题，"
         "南星街道已安排环卫人员全部清运完毕，并加密清运频次。感谢您的监督。")


@pytest.fixture
def env(tmp_path, cfg, engine):
    clock = ManualClock(POST + timedelta(hours=2))
    store = SqlStore(f"sqlite:///{tmp_path}/y.db", clock=clock)
    cid = open_case(store, engine, cfg, clock, "c1", POST, unit=UNIT, text=COMPLAINT, expect="一般")
    yield store, clock, cid
    store.close()


def official(item_id: str, at: datetime, source: str, text: str = REPLY, platform: str = "weibo") -> Item:
    return Item(id=item_id, url=f"https://weibo.example.com/{item_id}", platform=platform, source=source,
                author=source, title=None, content=text, published_at=at)


def add(store, engine, cfg, clock, item: Item) -> str:
    dec, _ = store_item(store, engine, clock, item)
    notify(store, cfg, clock)
    return dec.case.event_id


def test_a_reply_of_the_unit_is_suspected_and_met_only_when_confirmed(env, cfg, engine):
    store, clock, cid = env
    at = POST + timedelta(hours=20)
    clock.set(at + timedelta(minutes=5))
    assert add(store, engine, cfg, clock, official("r1", at, "上城区南星街道")) == cid
    (sus,) = [a for a in actions_of(store, cid) if a.action == "release.suspected"]
    assert sus.details["item"] == "r1" and "责任单位南星街道" in sus.details["why"]
    with store.reader() as r:
        (alert,) = [a for a in r.alerts.of_case(cid) if a.kind == "release_seen"]
    assert (alert.unit, alert.role) == (UNIT, "信息发布联络员")
    assert "疑似已发布的回应" in alert.body and "系统不会自动认定" in alert.body and "2026-11-24 05:00" in alert.body
    # nothing is met by the system, however long it sweeps
    clock.advance(timedelta(hours=10))
    sweep(store, clock, {"inbox": InboxChannel()}, config=cfg, outbox=Outbox.inbox_only(cfg))
    (resp,) = [k for k in clocks_of(store, cid) if k.kind == "response"]
    assert resp.met_at is None and resp.status == "running"
    notify(store, cfg, clock)                                        # replayed: recorded once
    assert len([a for a in actions_of(store, cid) if a.action == "release.suspected"]) == 1

    # the dashboard offers it; one press by the unit records it at the item's time, on time
    liaison = Principal("nanxing-zhang", "南星街道张联络", "unit", UNIT)
    acts = actions.available_actions(store, cid, UNIT, config=cfg, user=liaison)
    confirm = next(a for a in acts if a.op == "release_confirm")
    assert confirm.primary and "南星街道" in confirm.hint and "首次权威信息" in confirm.hint
    # another street's account cannot confirm it, whatever unit it names
    with pytest.raises(WorkflowError):
        actions.perform(store, cfg, cid, confirm, unit=UNIT, now=clock.now(),
                        user=Principal("hubin-li", "湖滨街道李某", "unit", "湖滨街道"))
    msg = actions.perform(store, cfg, cid, confirm, unit=UNIT, now=clock.now(), user=liaison)
    assert "2026-11-24 05:00" in msg and "按时" in msg
    (resp,) = [k for k in clocks_of(store, cid) if k.kind == "response"]
    assert (resp.status, resp.met_at) == ("met", at)
    (pub,) = [a for a in actions_of(store, cid) if a.action == "statement.published"]
    assert pub.details["item"] == "r1" and pub.details["hours_since_first_post"] == 20.0
    wf = Workflow(store, cfg, clock)
    assert wf.suspected_releases(cid) == [] and wf.progress(cid)["published"] is True
    with pytest.raises(WorkflowError, match="没有待确认的疑似已发布回应"):
        wf.confirm_release(cid, item_id="r1", actor="南星街道张联络", unit=UNIT)


def test_a_release_after_the_deadline_is_recorded_late(env, cfg, engine):
    store, clock, cid = env
    at = POST + timedelta(hours=50)
    clock.set(at + timedelta(hours=1))
    add(store, engine, cfg, clock, official("r1", at, "上城发布"))           # the district's account
    wf = Workflow(store, cfg, clock)
    (s,) = wf.suspected_releases(cid)
    assert s["why"] == "发布者“上城发布”为本区官方账号" and s["published_at"] == at
    r = wf.confirm_release(cid, item_id="r1", actor="南星街道张联络", unit=UNIT)
    assert r["on_time"] is False and r["as"] == "statement"
    (resp,) = [k for k in clocks_of(store, cid) if k.kind == "response"]
    assert resp.status == "late" and resp.met_at == at


def test_official_words_from_someone_else_are_no_release(env, cfg, engine):
    store, clock, cid = env
    clock.set(POST + timedelta(hours=6))
    # a city account, and a citizen quoting the official wording: neither is the unit's release
    assert add(store, engine, cfg, clock, official("x1", POST + timedelta(hours=5), "杭州城管")) == cid
    assert add(store, engine, cfg, clock, official("x2", POST + timedelta(hours=5, minutes=30), "热心网友",
                                            text="经核实，复兴路小区门口垃圾还是没人清运，臭气熏天。"))
    assert not [a for a in actions_of(store, cid) if a.action.startswith("release.")]
    assert Workflow(store, cfg, clock).progress(cid)["suspected_releases"] == []


def test_dismissed_is_no_longer_offered_and_the_clock_keeps_running(env, cfg, engine):
    store, clock, cid = env
    clock.set(POST + timedelta(hours=3))
    assert add(store, engine, cfg, clock, official("r1", POST + timedelta(hours=3), "南星街道")) == cid
    liaison = Principal("nanxing-zhang", "南星街道张联络", "unit", UNIT)
    acts = actions.available_actions(store, cid, UNIT, config=cfg, user=liaison)
    dismiss = next(a for a in acts if a.op == "release_dismiss")
    assert actions.perform(store, cfg, cid, dismiss, unit=UNIT, now=clock.now(), user=liaison,
                           reason="是另一小区的回复") == "已确认该条信息不是本案回应。"
    assert not any(a.op.startswith("release_")
                   for a in actions.available_actions(store, cid, UNIT, config=cfg, user=liaison))
    (resp,) = [k for k in clocks_of(store, cid) if k.kind == "response"]
    assert resp.status == "running" and resp.met_at is None


def test_an_emergency_release_then_a_follow_up_noticed(tmp_path, cfg, engine):
    clock = ManualClock(POST + timedelta(hours=1))
    store = SqlStore(f"sqlite:///{tmp_path}/y.db", clock=clock)
    text = "凯旋路一居民楼突发火灾，3名居民受伤被送往医院，消防正在现场处置。"
    cid = open_case(store, engine, cfg, clock, "f1", POST, unit="凯旋街道", text=text, severity="重大",
                    emergency=True, expect="重大")
    first = POST + timedelta(hours=3)
    clock.set(first + timedelta(minutes=10))
    add(store, engine, cfg, clock, official("s1", first, "凯旋街道", text=(
        "情况通报：今日上午凯旋路一居民楼发生火灾，3名受伤居民已送医救治，无生命危险，起火原因正在调查。")))
    wf = Workflow(store, cfg, clock)
    r = wf.confirm_release(cid, item_id="s1", actor="凯旋街道王编", unit="凯旋街道")
    assert r["as"] == "statement" and r["on_time"] is True and r["next_due"] == first + timedelta(hours=24)
    later = first + timedelta(hours=20)
    clock.set(later + timedelta(minutes=10))
    add(store, engine, cfg, clock, official("s2", later, "凯旋街道", text=(
        "凯旋路居民楼火灾处置进展通报：受伤居民均已出院，起火原因初步查明为电动自行车充电引发。")))
    r = wf.confirm_release(cid, item_id="s2", actor="凯旋街道王编", unit="凯旋街道")
    assert r["as"] == "follow_up" and r["on_time"] is True
    fu = sorted((k.seq, k.status, k.met_at) for k in clocks_of(store, cid) if k.kind == "follow_up")
    assert fu[0] == (1, "met", later) and fu[1][1] == "running"
    store.close()
