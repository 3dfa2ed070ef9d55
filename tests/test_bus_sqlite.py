"""The SQLite bus beyond the shared contract: several processes on one file, leases, durability."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.contracts.bushelp import ROOT, Member, drain, quiet
from yuqing.bus import BusUnavailable
from yuqing.bus.inprocess import InProcessBus
from yuqing.bus.sqlite import SqliteBus


@pytest.fixture
def db(tmp_path):
    return tmp_path / "bus.db"


def _python(code: str, *args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def test_keys_go_to_the_partitions_inprocess_gives_them_and_values_are_stored_as_utf8(db):
    bus = SqliteBus(db, partitions=4)
    ref = InProcessBus(partitions=4)
    for i in range(20):
        bus.publish("t", f"事件-{i}", {"n": i, "标题": "河道死鱼"})
    got = drain(bus.consumer("t", "g"), 20)
    assert {m.key: m.partition for m in got} == {f"事件-{i}": ref.partition_of(f"事件-{i}") for i in range(20)}
    raw = sqlite3.connect(db).execute("SELECT value FROM bus_messages LIMIT 1").fetchone()[0]
    assert "河道死鱼" in raw and "\\u" not in raw
    bus.close()


def test_a_topic_keeps_the_partition_count_it_was_made_with(db):
    SqliteBus(db, partitions=2).publish("t", "k", {})
    other = SqliteBus(db, partitions=8)
    assert other.topic_partitions("t") == 2
    assert other.topic_partitions("new") == 8


def test_ingest_and_two_worker_processes_share_one_file(db):
    """`yuqing ingest` publishing in one process, two `yuqing worker`s consuming in one group."""
    worker = """
import json, sys, time
from yuqing.bus.sqlite import SqliteBus
bus = SqliteBus(sys.argv[1], session_timeout=2.0)
c = bus.consumer("items", "pipeline")
announced, got, deadline = False, [], time.monotonic() + 60
# done when the publisher's 300 are all in and the group has committed every one
while time.monotonic() < deadline and not (bus.lag("items", "nobody") == 300 and bus.lag("items", "pipeline") == 0):
    if c.assignment() and not announced:
        print("holding", c.assignment(), flush=True)
        announced = True
    batch = c.poll(timeout=0.1)
    got += [m.value["n"] for m in batch]
    c.commit(batch)
print(json.dumps(got), flush=True)
c.close()
"""
    publisher = """
import sys
from yuqing.bus.sqlite import SqliteBus
bus = SqliteBus(sys.argv[1])
for i in range(300):
    bus.publish("items", f"event-{i % 37}", {"n": i})
"""
    SqliteBus(db).topic_partitions("items")
    workers = [_python(worker, str(db)) for _ in range(2)]
    try:
        # the second worker holds partitions only once the first gave them up: both are in the group
        held = [w.stdout.readline() for w in workers]
        assert all(h.startswith("holding") for h in held), held
        pub = _python(publisher, str(db))
        assert pub.wait(30) == 0, pub.stderr.read()
        outs = [w.communicate(timeout=60) for w in workers]
    finally:
        for w in workers:
            w.kill()
    got = [json.loads(out.splitlines()[-1]) for out, _ in outs]
    assert all(got), [err[-2000:] for _, err in outs]               # each worker did a share
    assert sorted(got[0] + got[1]) == list(range(300))              # every item once: clean handovers


def test_a_killed_member_keeps_its_partitions_until_its_lease_runs_out(db):
    settings = {"BUS": "sqlite", "BUS_SQLITE_PATH": str(db), "BUS_SESSION_TIMEOUT_SECONDS": "1.5"}
    bus = SqliteBus(db, session_timeout=1.5)
    for i in range(2):
        bus.publish("t", "k", {"n": i})
    member = Member(settings, "t", "g", expect=2, commit=0)
    assert [v["n"] for v in member.report()["got"]] == [0, 1]
    member.kill()
    killed = time.monotonic()
    c = bus.consumer("t", "g")
    got = drain(c, 2, timeout=10)
    waited = time.monotonic() - killed
    assert [m.value["n"] for m in got] == [0, 1]
    # its last heartbeat was at most one interval (1.5 s / 6) before the kill
    assert 1.5 - 0.25 - 0.05 <= waited < 1.5 + 2.0
    bus.close()


def test_a_live_member_keeps_its_partitions_while_it_works_and_hands_them_over_when_it_leaves(db):
    bus = SqliteBus(db, session_timeout=0.6)
    slow = bus.consumer("t", "g")
    for i in range(8):
        bus.publish("t", f"k{i}", {"n": i})
    assert slow.assignment() == [0, 1, 2, 3]
    other = bus.consumer("t", "g")
    # `slow` does not poll for five session timeouts (a long batch); its heartbeats go on
    assert quiet(other, 3.0) == [] and other.assignment() == []
    slow.close()
    t0 = time.monotonic()
    assert sorted(m.value["n"] for m in drain(other, 8, timeout=5)) == list(range(8))
    assert time.monotonic() - t0 < 1.0          # leaving says so: no lease to wait for
    bus.close()


def test_a_member_that_stops_polling_loses_its_partitions_after_max_poll_interval(db):
    bus = SqliteBus(db, session_timeout=0.6, max_poll_interval=0.5)
    stuck = bus.consumer("t", "g")
    bus.publish("t", "k", {"n": 1})
    assert stuck.assignment() == [0, 1, 2, 3]
    other = bus.consumer("t", "g")
    assert [m.value["n"] for m in drain(other, 1, timeout=5)] == [1]
    # polling again, it rejoins behind `other`, which gives it half at its next poll
    assert stuck.poll(timeout=0) == [] and stuck.assignment() == []
    assert other.poll(timeout=0) == [] and other.assignment() == [0, 2]
    assert stuck.poll(timeout=0) == [] and stuck.assignment() == [1, 3]   # n=1 was committed
    bus.close()


def test_a_message_is_durable_once_publish_returns(db):
    """SIGKILL a publisher in full flow: everything it saw publish return is there."""
    code = """
import sys
from yuqing.bus.sqlite import SqliteBus
bus = SqliteBus(sys.argv[1])
i = 0
while True:
    bus.publish("t", f"k{i % 5}", {"n": i})
    print(i, flush=True)
    i += 1
"""
    SqliteBus(db).topic_partitions("t")
    proc = _python(code, str(db))
    returned = []
    while len(returned) < 50:
        returned.append(int(proc.stdout.readline()))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    bus = SqliteBus(db)
    stored = {m.value["n"] for m in drain(bus.consumer("t", "g"), 10**6, timeout=1.0)}
    assert set(returned) <= stored
    bus.close()


def test_the_store_file_can_carry_the_bus(tmp_path, clock):
    from yuqing.store.sql import SqlStore
    url = f"sqlite:///{tmp_path / 'yuqing.db'}"
    store = SqlStore(url, clock=clock)
    bus = SqliteBus(url)
    bus.publish("items", "a", {"id": "a"})
    store.heartbeat("worker", {"ok": True})
    assert [m.value for m in drain(bus.consumer("items", "pipeline"), 1)] == [{"id": "a"}]
    with store.reader() as r:
        assert [h.name for h in r.heartbeats.all()] == ["worker"]
    bus.close()
    store.close()


def test_unusable_paths_are_refused_clearly(tmp_path):
    with pytest.raises(ValueError, match="memory"):
        SqliteBus(":memory:")
    (tmp_path / "file").write_text("")
    with pytest.raises(BusUnavailable, match="file"):
        SqliteBus(tmp_path / "file" / "bus.db")
