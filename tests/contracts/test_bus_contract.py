"""The Bus contract (yuqing.seams.Bus), the same for every implementation: inprocess, sqlite, and
kafka against a tansu broker. Buses are built by make_bus from settings, as the system builds them.

Kafka joins take about 3 s each (tansu waits half the session timeout), so members of one test
that join together do so in threads.
"""
from __future__ import annotations

import threading
import time
import uuid

import pytest

from tests.contracts.bushelp import Member, drain, in_threads, quiet, settle
from tests.servers.kafka import SESSION_TIMEOUT_MS, kafka_server  # noqa: F401  (the fixture)
from yuqing.bus import make_bus
from yuqing.settings import Settings

PARTITIONS = 4
SQLITE_SESSION = 1.5          # seconds: short, so that a killed member's lease runs out quickly


class Impl:
    """Buses of one kind that share their state (one file, one broker), and names for a test."""

    def __init__(self, kind: str, settings: dict[str, str]):
        self.kind, self.settings = kind, settings
        self.uid = uuid.uuid4().hex[:8]
        self.topic = f"items.{self.uid}"
        self.session = float(settings.get("BUS_SESSION_TIMEOUT_SECONDS", 0))
        self._buses: list = []

    def bus(self):
        """A new bus object on the same state (inprocess: the one bus, its state is the object)."""
        if self.kind == "inprocess" and self._buses:
            return self._buses[0]
        b = make_bus(Settings.load(None, self.settings, environ={}))
        self._buses.append(b)
        return b

    def group(self, name: str) -> str:
        return f"{name}.{self.uid}"    # Kafka groups are broker-wide: one test's must not meet another's

    def close(self) -> None:
        for b in self._buses:
            b.close()


def _impl(kind: str, request, tmp_path) -> Impl:
    settings = {"BUS": kind, "BUS_PARTITIONS": str(PARTITIONS)}
    if kind == "sqlite":
        settings |= {"BUS_SQLITE_PATH": str(tmp_path / "bus.db"), "BUS_SESSION_TIMEOUT_SECONDS": str(SQLITE_SESSION)}
    if kind == "kafka":
        settings |= {"BUS_KAFKA_SERVERS": request.getfixturevalue("kafka_server"),
                     "BUS_SESSION_TIMEOUT_SECONDS": str(SESSION_TIMEOUT_MS / 1000)}
    return Impl(kind, settings)


@pytest.fixture(params=["inprocess", "sqlite", "kafka"])
def impl(request, tmp_path):
    i = _impl(request.param, request, tmp_path)
    yield i
    i.close()


@pytest.fixture(params=["sqlite", "kafka"])
def durable(request, tmp_path):
    """The buses whose state outlives the bus object and the process."""
    i = _impl(request.param, request, tmp_path)
    yield i
    i.close()


def test_one_key_stays_in_order_on_one_partition(impl):
    bus = impl.bus()
    c = bus.consumer(impl.topic, impl.group("g"))
    for i in range(30):
        bus.publish(impl.topic, "abc"[i % 3], {"n": i})
    got = drain(c, 30)
    assert len(got) == 30 and quiet(c) == []
    for key in "abc":
        mine = [m for m in got if m.key == key]
        assert [m.value["n"] for m in mine] == [i for i in range(30) if "abc"[i % 3] == key]
        assert len({m.partition for m in mine}) == 1
        assert [m.offset for m in mine] == sorted(m.offset for m in mine)
    assert {m.topic for m in got} == {impl.topic}


def test_each_group_sees_every_message(impl):
    bus = impl.bus()
    pipeline, audit = bus.consumer(impl.topic, impl.group("pipeline")), bus.consumer(impl.topic, impl.group("audit"))
    for i in range(40):
        bus.publish(impl.topic, f"k{i}", {"n": i})
    a, b = in_threads(lambda: drain(pipeline, 40), lambda: drain(audit, 40))
    assert sorted(m.value["n"] for m in a) == list(range(40))
    assert sorted(m.value["n"] for m in b) == list(range(40))


def test_members_of_a_group_split_the_partitions_and_see_each_message_once(impl):
    bus = impl.bus()
    group = impl.group("pipeline")
    a, b = bus.consumer(impl.topic, group), bus.consumer(impl.topic, group)
    settle([a, b], PARTITIONS)
    for i in range(40):
        bus.publish(impl.topic, f"k{i}", {"n": i})
    lock, seen = threading.Lock(), []

    def work(c):
        mine = []
        deadline = time.monotonic() + 30
        while len(seen) < 40 and time.monotonic() < deadline:
            batch = c.poll(timeout=0.2)
            c.commit(batch)
            mine += batch
            with lock:
                seen.extend(batch)
        return mine + quiet(c)          # anything more would be a second delivery

    got_a, got_b = in_threads(lambda: work(a), lambda: work(b))
    assert sorted(m.value["n"] for m in got_a + got_b) == list(range(40))
    assert got_a and got_b
    assert not {m.partition for m in got_a} & {m.partition for m in got_b}


def test_what_was_not_committed_goes_to_the_next_consumer_after_close(impl):
    bus = impl.bus()
    group = impl.group("pipeline")
    for i in range(3):
        bus.publish(impl.topic, "event-7", {"n": i})
    first = bus.consumer(impl.topic, group)
    got = drain(first, 3, commit=False)
    assert [m.value["n"] for m in got] == [0, 1, 2]
    first.commit(got[:1])             # stored the first one only, then stopped
    first.close()
    assert bus.lag(impl.topic, group) == 2
    again = bus.consumer(impl.topic, group)
    got = drain(again, 2)
    assert [m.value["n"] for m in got] == [1, 2] and quiet(again) == []
    assert bus.lag(impl.topic, group) == 0


def test_what_a_killed_member_did_not_commit_goes_to_the_next_consumer(durable):
    bus = durable.bus()
    group = durable.group("pipeline")
    for i in range(3):
        bus.publish(durable.topic, "event-7", {"n": i})
    member = Member(durable.settings, durable.topic, group, expect=3, commit=1)
    try:
        assert [v["n"] for v in member.report()["got"]] == [0, 1, 2]
    finally:
        member.kill()                 # SIGKILL: no goodbye, its lease or session must run out
    again = bus.consumer(durable.topic, group)
    got = drain(again, 2, timeout=durable.session + 30)
    assert [m.value["n"] for m in got] == [1, 2] and quiet(again) == []


def test_commits_outlive_the_bus_object(durable):
    bus = durable.bus()
    group = durable.group("pipeline")
    for i in range(5):
        bus.publish(durable.topic, "event-7", {"n": i})
    c = bus.consumer(durable.topic, group)
    got = drain(c, 5, commit=False)
    c.commit(got[:3])
    bus.close()
    later = durable.bus()
    assert later.lag(durable.topic, group) == 2
    c = later.consumer(durable.topic, group)
    assert [m.value["n"] for m in drain(c, 2)] == [3, 4] and quiet(c) == []


def test_large_and_chinese_payloads_round_trip(impl):
    bus = impl.bus()
    c = bus.consumer(impl.topic, impl.group("g"))
    big = {"title": "突发：某区化工厂附近河道出现大量死鱼", "content": "网友反映，河水发黑发臭。" * 20000,
           "emoji": "😷🐟", "nested": {"地点": ["某区", "某街道"], "n": 3.5, "ok": True, "none": None}}
    assert len(big["content"].encode("utf-8")) > 500_000
    bus.publish(impl.topic, "事件-1", big)
    bus.publish(impl.topic, "事件-1", {"content": "后续：已处置"})
    got = drain(c, 2)
    assert [m.value for m in got] == [big, {"content": "后续：已处置"}]
    assert {m.key for m in got} == {"事件-1"}


def test_poll_waits_for_a_message_and_no_longer(impl):
    bus = impl.bus()
    c = bus.consumer(impl.topic, impl.group("g"))
    settle([c], PARTITIONS)           # Kafka: join first, so that the timings below are the poll's
    t0 = time.monotonic()
    assert c.poll(timeout=0.3) == []
    assert time.monotonic() - t0 >= 0.25     # it waited, it did not return at once
    threading.Timer(0.2, lambda: bus.publish(impl.topic, "k", {"x": 1})).start()
    t0 = time.monotonic()
    got = c.poll(timeout=10)
    assert [m.value for m in got] == [{"x": 1}]
    assert time.monotonic() - t0 < 5         # it returned when the message came
