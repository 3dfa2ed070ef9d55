"""Delivery from the outbox against real local webhook servers: a robot answering 500 or hanging is
retried and falls back to the recipient's next channel (SMS) without holding up anyone else; a
burst to one robot becomes digests within its rate limit, nothing lost; a notifier process
SIGKILLed in the middle of delivery and restarted delivers each alert exactly once; a late-found
ordinary case shows its 48-hour clock already running from the first post."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from responders.alerts import AlertSpec, Outbox, fire
from responders.channels import sms, wecom
from responders.channels.config import ChannelsConfig
from responders.channels.inbox import InboxChannel
from responders.channels.webhook import alert_tag
from responders.delivery import deliver
from tests.helpers import open_case
from tests.servers.webhook import Answer, WebhookServer
from yuqing.seams import Recipient
from yuqing.store.sql import SqlStore
from yuqing.timeutil import SHANGHAI, ManualClock

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[1]
POST = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)
NX, HB = "南星街道", "湖滨街道"
LIAISON = "信息发布联络员"
ENV = {"YUQING_T_WECOM_NX": "nx-key-0123456789", "YUQING_T_WECOM_HB": "hb-key-0123456789",
       "YUQING_T_SMS": "sms-key-0123456789"}


@pytest.fixture
def clock():
    return ManualClock(POST + timedelta(minutes=5))


@pytest.fixture
def store(tmp_path, clock):
    s = SqlStore(f"sqlite:///{tmp_path}/y.db", clock=clock)
    yield s
    s.close()


def channels_for(robot_url: str, sms_url: str, timeout: float = 0.5):
    w = wecom.WecomChannel.from_config(wecom.Config(base_url=robot_url, timeout=timeout, robots=[
        {"unit": NX, "role": LIAISON, "webhook_env": "YUQING_T_WECOM_NX"},
        {"unit": HB, "role": LIAISON, "webhook_env": "YUQING_T_WECOM_HB"}]), {}, ENV)
    s = sms.SmsChannel.from_config(sms.Config(base_url=sms_url, api_key_env="YUQING_T_SMS", phones=[
        {"unit": NX, "role": LIAISON, "phone": "13800138000"}]), {}, ENV)
    chs = {"inbox": InboxChannel(), "wecom": w, "sms": s}
    cfg = ChannelsConfig(enabled=["inbox", "wecom", "sms"], retry_minutes=1, retry_max_minutes=4, fallback_minutes=10,
                         broadcast_levels=[])
    return chs, cfg, Outbox(cfg, ["inbox", "wecom", "sms"], {n: c.address for n, c in chs.items()})


def burst(store, clock, case_id: str, outbox: Outbox, unit: str, n: int) -> list[int]:
    specs = [AlertSpec(kind="new_case", level="一般", to=Recipient(1, unit, LIAISON), lead=f"第{i}条测试提醒",
                       key_suffix=f"|{i}") for i in range(n)]
    return fire(store, f"test:burst:{unit}:{n}", by="test", now=clock.now(), case_id=case_id, specs=specs,
                outbox=outbox)


def deliveries(store):
    with store.reader() as r:
        return {(d.alert_id, d.channel): d for d in r.deliveries.all()}


@pytest.mark.parametrize("failure", ["500", "hang"])
def test_a_failing_robot_is_retried_then_falls_back_to_sms_without_blocking_others(store, clock, cfg, engine,
                                                                                 failure):
    with WebhookServer() as robots, WebhookServer() as gateway:
        gateway.answer = Answer(200, {"code": 0})
        nx_key = ENV["YUQING_T_WECOM_NX"]
        bad = Answer(hang=True) if failure == "hang" else Answer(500, {"errcode": -1, "errmsg": "busy"})
        robots.responder = lambda req: bad if req.query.get("key") == nx_key else Answer(200, {"errcode": 0,
                                                                                             "errmsg": "ok"})
        chs, chcfg, outbox = channels_for(robots.url, gateway.url)
        nx_case = open_case(store, engine, cfg, clock, "n1", POST, unit=NX, expect="一般", outbox=outbox,
                            text="复兴路小区门口的垃圾好几天没人清运了，臭气熏天，希望有关部门尽快处理。")
        (nx,) = burst(store, clock, nx_case, outbox, NX, 1)
        (hb,) = burst(store, clock, nx_case, outbox, HB, 1)
        started = time.monotonic()
        rep = deliver(store, chs, chcfg, now=clock.now())
        assert time.monotonic() - started < 5                # the hang cost one timeout, not the pass
        d = deliveries(store)
        assert d[(hb, "wecom")].status == "sent"              # the other robot was not held up
        assert d[(nx, "wecom")].status == "pending" and d[(nx, "wecom")].attempts == 1 and rep.retry >= 1
        assert (nx, "sms") not in d
        # retried with backoff (1, 2, 4 … minutes); after 10 minutes failing, SMS too
        for minutes in (1, 2, 4, 4):
            clock.advance(timedelta(minutes=minutes, seconds=1))
            deliver(store, chs, chcfg, now=clock.now())
        deliver(store, chs, chcfg, now=clock.now())           # the SMS made by the last failure
        d = deliveries(store)
        assert d[(nx, "wecom")].attempts == 5 and d[(nx, "wecom")].status == "pending"
        # SMS allows one message a minute per number: the two alerts failing over arrive as one digest
        assert d[(nx, "sms")].status == "folded" and d[(nx, "sms")].fallback_of == d[(nx, "wecom")].id
        posts = [r for r in gateway.requests if r.json["phone"] == "13800138000"]
        assert len(posts) == 1 and posts[0].headers["x-api-key"] == ENV["YUQING_T_SMS"]
        assert "2条新提醒" in posts[0].json["text"]
        nx_posts = [r for r in robots.requests if r.query.get("key") == nx_key]
        assert len(nx_posts) == 2 * 5                         # five attempts each (still retried after the fallback)
        clock.advance(timedelta(minutes=30))
        deliver(store, chs, chcfg, now=clock.now())
        assert len([r for r in gateway.requests if r.json["phone"] == "13800138000"]) == 1   # never again


def test_a_burst_of_100_to_one_robot_becomes_digests_within_its_rate_limit(store, clock, cfg, engine):
    with WebhookServer() as robots, WebhookServer() as gateway:
        chs, chcfg, outbox = channels_for(robots.url, gateway.url)
        case = open_case(store, engine, cfg, clock, "b1", POST, unit=HB, expect="一般",
                         text="平海路一处工地晚上十一点还在施工，噪音太大吵得睡不着，希望管一管。")
        robots.requests.clear()
        with store.reader() as r:
            before = {a.id for a in r.alerts.all()}
        ids = burst(store, clock, case, outbox, HB, 100)
        assert len(ids) == 100
        for _ in range(3):                                    # the same minute, three passes
            deliver(store, chs, chcfg, now=clock.now())
            clock.advance(timedelta(seconds=10))
        hb_key = ENV["YUQING_T_WECOM_HB"]
        posts = [r for r in robots.requests if r.query.get("key") == hb_key]
        assert len(posts) <= wecom.WecomChannel.rate_per_minute
        digests = [p for p in posts if "条提醒待查看" in p.json["markdown"]["content"]]
        d = deliveries(store)
        mine = [d[(i, "wecom")] for i in ids]
        assert {x.status for x in mine} <= {"sent", "folded"}
        singles = sum(1 for x in mine if x.status == "sent")
        folded_n = sum(int(re.search(r"(\d+)条提醒待查看", p.json["markdown"]["content"]).group(1)) for p in digests)
        assert singles + folded_n == 100 + sum(1 for a in d if a[1] == "wecom" and a[0] in before
                                               and d[a].status == "folded")
        assert singles + len(digests) == len(posts)
        assert sum(1 for x in mine if x.status == "folded") == folded_n - sum(
            1 for a in d if a[1] == "wecom" and a[0] in before and d[a].status == "folded")
        # nothing waits: the next minute has nothing left to send
        clock.advance(timedelta(minutes=1))
        assert deliver(store, chs, chcfg, now=clock.now()).sent == 0


def test_a_notifier_killed_during_delivery_and_restarted_sends_each_alert_once(tmp_path, cfg, engine):
    """The robot server hangs on the 5th post (the platform has not taken it); the notifier is
    SIGKILLed while waiting for it and started again. Every alert is then accepted exactly once:
    the ones sent before the kill are not sent again, the cut-off one is sent after its lease."""
    config = tmp_path / "config"
    import shutil
    shutil.copytree(ROOT / "config", config)
    clock = ManualClock(datetime.now(SHANGHAI) - timedelta(minutes=5))
    url = f"sqlite:///{tmp_path / 'store.db'}"
    store = SqlStore(url, clock=clock)
    accepted: list[str] = []
    seen = threading.Event()
    count = {"n": 0}
    lock = threading.Lock()

    def responder(req):
        with lock:
            count["n"] += 1
            n = count["n"]
        if n == 5:
            seen.set()
            return Answer(hang=True)
        accepted.append(req.headers["x-yuqing-alert"])
        return Answer(200, {"errcode": 0, "errmsg": "ok"})

    with WebhookServer() as robots:
        robots.responder = responder
        ch = yaml.safe_load((config / "channels.yaml").read_text(encoding="utf-8"))
        ch.update(enabled=["inbox", "wecom"], lease_seconds=2)
        ch["wecom"] = {"base_url": robots.url, "timeout": 20,
                       "robots": [{"unit": HB, "role": LIAISON, "webhook_env": "YUQING_T_WECOM_HB"}]}
        (config / "channels.yaml").write_text(yaml.safe_dump(ch, allow_unicode=True), encoding="utf-8")
        w = wecom.WecomChannel.from_config(wecom.Config(base_url=robots.url, robots=ch["wecom"]["robots"]), {}, ENV)
        chcfg = ChannelsConfig(enabled=["inbox", "wecom"])
        outbox = Outbox(chcfg, ["inbox", "wecom"], {"inbox": InboxChannel().address, "wecom": w.address})
        case = open_case(store, engine, cfg, clock, "k1", clock.now() - timedelta(hours=1), unit=HB, expect="一般",
                         outbox=outbox, text="平海路一处工地晚上十一点还在施工，噪音太大吵得睡不着，希望管一管。")
        burst(store, clock, case, outbox, HB, 11)
        with store.reader() as r:
            want = sorted(alert_tag(a.dedup_key) for a in r.alerts.all() if a.unit == HB)
        assert len(want) == 12
        store.close()
        env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1", YUQING_CONFIG=str(config),
                   YUQING_STORE_URL=url, YUQING_BUS="inprocess", YUQING_SEARCH="none", **ENV)
        env.pop("YUQING_NOW", None)
        cmd = [sys.executable, "-m", "yuqing.app.cli", "notifier", "--interval", "0.2"]

        def start():
            return subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    start_new_session=True)

        p = start()
        try:
            assert seen.wait(60), "the notifier never reached the 5th post"
            os.kill(p.pid, signal.SIGKILL)                    # mid-delivery: one post in flight
            p.wait(10)
            assert len(accepted) == 4
            p = start()
            deadline = time.monotonic() + 60
            while len(accepted) < 12 and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(3)                                     # past a lease: nothing more may come
        finally:
            os.kill(p.pid, signal.SIGKILL)
            p.wait(10)
    assert sorted(accepted) == want                           # each exactly once
    store = SqlStore(url, clock=clock)
    with store.reader() as r:
        assert {d.status for d in r.deliveries.all() if d.channel == "wecom"} == {"sent"}
    store.close()


def test_a_late_found_ordinary_case_shows_its_48_hours_running_from_the_first_post(store, clock, cfg, engine):
    clock.set(POST + timedelta(hours=30))                      # found 30 hours after the first post
    cid = open_case(store, engine, cfg, clock, "l1", POST, unit=NX, expect="一般",
                    text="复兴路小区门口的垃圾好几天没人清运了，臭气熏天，希望有关部门尽快处理。")
    with store.reader() as r:
        (k,) = r.clocks.of_case(cid)
        alert = next(a for a in r.alerts.of_case(cid) if a.kind == "new_case" and a.unit == NX)
    assert (k.kind, k.starts_at, k.due_at) == ("response", POST, POST + timedelta(hours=48))
    assert "回应（48小时），截止 2026-11-25 09:00，剩余18小时" in alert.body
