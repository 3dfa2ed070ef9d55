"""Two schedulers at once (by mistake): every due escalation still fires exactly once."""
from __future__ import annotations

import subprocess
import sys
import threading
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from responders.channels.inbox import InboxNotifier
from responders.scheduler import sweep
from responders.testing import alert_keys, kw_outbox, open_case
from yuqing.config import load_config
from yuqing.store.sql import SqlStore
from yuqing.store.tables import DeliveryRow, FiringRow
from yuqing.timeutil import SHANGHAI, ManualClock

POST = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)
ROOT = Path(__file__).resolve().parents[1]


def _prepare(tmp_path, n=3):
    cfg = load_config(ROOT / "config")
    clock = ManualClock(POST + timedelta(hours=1))
    url = f"sqlite:///{tmp_path}/y.db"
    store = SqlStore(url, clock=clock)
    for i in range(n):
        open_case(store, cfg, clock, f"ev{i}", POST, severity="重大", emergency=True, unit="南星街道")
    return cfg, store, url


def _check(store, n):
    keys = alert_keys(store)
    assert len(keys) == len(set(keys))
    steps = Counter(k.split("|")[1] for k in keys)
    for i in range(n):
        # statement: warn60, warn80, overdue, leader; press conference (due 10:00 next day): none yet
        for step, count in (("warn60", 2), ("warn80", 2), ("overdue", 3), ("leader", 1)):
            assert sum(1 for k in keys if k.startswith(f"ev{i}|{step}:statement#0|")) == count
    with store.session() as s:
        from sqlalchemy import func, select
        fired = Counter(s.scalars(select(FiringRow.by)))
        deliveries = list(s.scalars(select(DeliveryRow)))
    assert all(d.status == "sent" for d in deliveries)
    assert len(deliveries) == len(keys)                      # one inbox delivery per alert
    late = [a for a in store.actions() if a.action == "clock.late"]
    assert len(late) == n


def test_two_scheduler_processes_fire_each_escalation_once(tmp_path):
    cfg, store, url = _prepare(tmp_path)
    now = (POST + timedelta(hours=7)).isoformat()
    cmd = [sys.executable, "-m", "responders.scheduler", "--config", str(ROOT / "config"), "--once",
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
    _check(store, 3)
    with store.session() as s:
        from sqlalchemy import select
        hb = store.heartbeats()
    assert [h.name for h in hb] == ["scheduler"]
    store.close()


def test_two_scheduler_threads_with_their_own_engines(tmp_path):
    cfg, store, url = _prepare(tmp_path)
    clock = ManualClock(POST + timedelta(hours=7))
    stores = [SqlStore(url, clock=clock, create=False) for _ in range(2)]
    barrier = threading.Barrier(2)
    reports = []

    def go(i):
        barrier.wait()
        reports.append(sweep(stores[i], clock, [InboxNotifier()], config=cfg, outbox=kw_outbox(cfg), by=f"t{i}"))

    ts = [threading.Thread(target=go, args=(i,)) for i in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    assert all(not r.errors for r in reports)
    assert sum(len(r.fired) for r in reports) == 3 * 4
    _check(store, 3)
    for s in stores:
        s.close()
    store.close()


class _Recording:
    name = "inbox"

    def __init__(self, during=None):
        self.sent, self.during = [], during

    def send(self, alert, address):
        if self.during is not None:
            during, self.during = self.during, None
            during()                            # a second scheduler sweeps while this one is sending
        self.sent.append(alert.id)
        return False, None


def test_a_leased_delivery_is_not_sent_twice_and_a_dead_lease_expires(tmp_path):
    from sqlalchemy import select, update
    from responders.alerts import LEASE, deliver_pending
    cfg, store, url = _prepare(tmp_path, n=1)
    clock = store.clock
    other = SqlStore(url, clock=clock, create=False)
    with store.session() as s:
        ids, aids = zip(*s.execute(select(DeliveryRow.id, DeliveryRow.alert_id).order_by(DeliveryRow.id)))
    ids, aids = list(ids), list(aids)         # the notifiers see alerts: one inbox delivery per alert
    assert len(ids) >= 3
    # a scheduler that died while sending the first delivery left its lease behind
    with store.session() as s, s.begin():
        s.execute(update(DeliveryRow).where(DeliveryRow.id == ids[0])
                  .values(status="sending", attempts=1, lease_until=clock.now() + LEASE))
    nested: list[dict] = []
    second = _Recording()
    first = _Recording(during=lambda: nested.append(deliver_pending(other, [second], now=clock.now())))
    counts = deliver_pending(store, [first], now=clock.now())
    # the second scheduler, sweeping mid-send, took only what the first had not claimed yet
    assert first.sent == [aids[1]] and second.sent == aids[2:]
    assert counts["sent"] + nested[0]["sent"] == len(ids) - 1
    with store.session() as s:
        d0 = s.get(DeliveryRow, ids[0])
    assert d0.status == "sending" and d0.attempts == 1
    # once the lease has expired, the delivery is sent (at least once)
    clock.advance(LEASE)
    third = _Recording()
    assert deliver_pending(store, [third], now=clock.now()) == {"sent": 1, "retry": 0, "failed": 0}
    assert third.sent == [aids[0]]
    with store.session() as s:
        d0 = s.get(DeliveryRow, ids[0])
        statuses = set(s.scalars(select(DeliveryRow.status)))
    assert (d0.status, d0.attempts, d0.lease_until) == ("sent", 2, None) and statuses == {"sent"}
    other.close()
    store.close()
