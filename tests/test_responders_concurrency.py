"""Two schedulers at once (by mistake): every due escalation still fires exactly once."""
from __future__ import annotations

import subprocess
import sys
import threading
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from responders.alerts import Outbox
from responders.channels.config import ChannelsConfig
from responders.channels.inbox import InboxChannel
from responders.delivery import LEASE, deliver
from responders.scheduler import sweep
from tests.helpers import alert_keys, open_case
from yuqing.app.build import load_config, make_engine
from yuqing.seams import SendResult
from yuqing.store.sql import SqlStore
from yuqing.timeutil import SHANGHAI, ManualClock

POST = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)
ROOT = Path(__file__).resolve().parents[1]


def _prepare(tmp_path, n=3):
    cfg = load_config(ROOT / "config")
    clock = ManualClock(POST + timedelta(hours=1))
    url = f"sqlite:///{tmp_path}/y.db"
    store = SqlStore(url, clock=clock)
    engine = make_engine(cfg)
    texts = ["南星街道一居民楼突发火灾，3名居民受伤被送往医院，消防正在现场处置。",
             "湖滨街道一家餐馆燃气爆炸，门窗被震碎，多名食客受伤送医。",
             "望江街道一处在建工地脚手架坍塌，有工人被困，救援正在进行。"]
    ids = [open_case(store, engine, cfg, clock, f"{i}", POST, text=texts[i], expect="重大") for i in range(n)]
    assert len(set(ids)) == n
    return cfg, store, url, ids


def _check(store, ids):
    keys = alert_keys(store)
    assert len(keys) == len(set(keys))
    for cid in ids:
        # statement: warn60, warn80, overdue, leader; press conference (due 10:00 next day): none yet
        for step, count in (("warn60", 2), ("warn80", 2), ("overdue", 3), ("leader", 1)):
            assert sum(1 for k in keys if k.startswith(f"{cid}|") and k.split("|")[2:4] == [step, "statement#0"]) \
                == count, (cid, step)
    with store.reader() as r:
        deliveries = r.deliveries.all()
        late = [a for a in r.actions.all() if a.action == "clock.late"]
    assert all(d.status == "sent" for d in deliveries)
    assert len(deliveries) == len(keys)                      # one inbox delivery per alert
    assert len(late) == len(ids)


def test_two_scheduler_processes_fire_each_escalation_once(tmp_path):
    cfg, store, url, ids = _prepare(tmp_path)
    now = (POST + timedelta(hours=7)).isoformat()
    cmd = [sys.executable, "-m", "yuqing.app.cli", "--config", str(ROOT / "config"), "scheduler", "--once",
           "--store", url, "--now", now]
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = []
    for p in procs:
        try:
            out, err = p.communicate(timeout=120)
        finally:
            if p.poll() is None:
                p.kill()
        outs.append((p.returncode, out, err))
    assert all(rc == 0 for rc, _, _ in outs), outs
    _check(store, ids)
    with store.reader() as r:
        hb = r.heartbeats.all()
    assert [h.name for h in hb] == ["scheduler"]
    store.close()


def test_two_scheduler_threads_with_their_own_engines(tmp_path):
    cfg, store, url, ids = _prepare(tmp_path)
    clock = ManualClock(POST + timedelta(hours=7))
    stores = [SqlStore(url, clock=clock, create=False) for _ in range(2)]
    barrier = threading.Barrier(2)
    reports = []

    def go(i):
        barrier.wait()
        reports.append(sweep(stores[i], clock, {"inbox": InboxChannel()}, config=cfg, outbox=Outbox.inbox_only(cfg),
                             by=f"t{i}"))

    ts = [threading.Thread(target=go, args=(i,)) for i in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    assert all(not r.errors for r in reports)
    assert sum(len(r.fired) for r in reports) == 3 * 4
    _check(store, ids)
    for s in stores:
        s.close()
    store.close()


class _Recording:
    name, label, rate_per_minute = "inbox", "记录", None

    def __init__(self, during=None):
        self.sent, self.during = [], during

    def address(self, recipient):
        return recipient.unit

    def send(self, message, address):
        if self.during is not None:
            during, self.during = self.during, None
            during()                            # a second process delivers while this one is sending
        self.sent.append(message.alert_id)
        return SendResult.sent()


def test_a_leased_delivery_is_not_sent_twice_and_a_dead_lease_expires(tmp_path):
    cfg, store, url, ids = _prepare(tmp_path, n=1)
    chcfg = ChannelsConfig()
    clock = store.clock
    other = SqlStore(url, clock=clock, create=False)
    with store.reader() as r:
        rows = r.deliveries.all()
    dids, aids = [d.id for d in rows], [d.alert_id for d in rows]   # one inbox delivery per alert
    assert len(dids) >= 3
    # a process that died while sending the first delivery left its lease behind
    with store.transaction() as tx:
        d = tx.deliveries.get(dids[0])
        d.status, d.attempts, d.lease_until = "sending", 1, clock.now() + LEASE
    nested = []
    second = _Recording()
    first = _Recording(during=lambda: nested.append(deliver(other, {"inbox": second}, chcfg, now=clock.now())))
    rep = deliver(store, {"inbox": first}, chcfg, now=clock.now())
    # the second process, delivering mid-send, took only what the first had not claimed yet
    assert first.sent == [aids[1]] and second.sent == aids[2:]
    assert rep.sent + nested[0].sent == len(dids) - 1
    with store.reader() as r:
        d0 = r.deliveries.get(dids[0])
    assert d0.status == "sending" and d0.attempts == 1
    # once the lease has expired, the delivery is sent (at least once)
    clock.advance(LEASE)
    third = _Recording()
    assert deliver(store, {"inbox": third}, chcfg, now=clock.now()).sent == 1
    assert third.sent == [aids[0]]
    with store.reader() as r:
        d0 = r.deliveries.get(dids[0])
        statuses = {d.status for d in r.deliveries.all()}
        attempts = r.deliveries.attempts(dids[0])
    assert (d0.status, d0.attempts, d0.lease_until) == ("sent", 2, None) and statuses == {"sent"}
    assert [a.ok for a in attempts] == [True]              # the interrupted attempt left no outcome
    other.close()
    store.close()
