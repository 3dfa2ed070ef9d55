"""The worker: commit after the store write; a bad item is a dead letter, not a stall; a restart
continues exactly the events it had."""
from datetime import timedelta

from pipeline.worker import Worker
from tests.conftest import item
from yuqing.app.build import make_engine
from yuqing.bus.inprocess import InProcessBus
from yuqing.store.sql import SqlStore


def make(cfg, store, bus, clock, **kw):
    return Worker(make_engine(cfg), store, bus, "items", clock=clock, retry_seconds=0, **kw)


def cases(store):
    with store.reader() as r:
        return r.cases.list()


def drain(w):
    while w.run_once(timeout=0):
        pass


def test_items_flow_to_cases_and_offsets_are_committed(cfg, store, clock):
    bus = InProcessBus()
    w = make(cfg, store, bus, clock)
    bus.publish("items", "a", item("a", "凯旋路共享单车乱停，人行道堵死了"))
    bus.publish("items", "bad", {"id": "bad", "content": "no time"})
    drain(w)
    assert [c.first_responsible for c in cases(store)] == ["凯旋街道"]
    assert bus.lag("items", "pipeline") == 0
    assert w.stats["items/dead/invalid"] == 1
    with store.reader() as r:
        [dl] = r.dead_letters.list()
    assert dl.payload["id"] == "bad" and "published_at" in dl.error and dl.attempts == 1


def test_a_failing_item_is_retried_then_dead_lettered_and_the_stream_moves_on(cfg, store, clock, monkeypatch):
    bus = InProcessBus(partitions=1)
    w = make(cfg, store, bus, clock, retries=2, dead_topic="dead")
    real = w.engine.process
    calls = []

    def flaky(it, **kw):
        if it.id == "poison":
            calls.append(it.id)
            raise RuntimeError("stage bug")
        return real(it, **kw)

    monkeypatch.setattr(w.engine, "process", flaky)
    for i, text in (("a", "凯旋路共享单车乱停，人行道堵死了"), ("poison", "丁兰勤丰路垃圾三天没清运"),
                    ("c", "湖滨步行街一商铺起火，有人被困")):
        bus.publish("items", i, item(i, text))
    drain(w)
    assert calls == ["poison"] * 3                     # the first try and two retries
    with store.reader() as r:
        [dl] = r.dead_letters.list()
        stored = {c.event_id for c in r.cases.list()}
    assert dl.payload["id"] == "poison" and dl.attempts == 3 and "stage bug" in dl.error and dl.trace
    assert stored == {"ev-a", "ev-c"}                  # the items after it were processed
    assert bus.lag("items", "pipeline") == 0
    dead = bus.consumer("dead", "ops").poll(timeout=0)
    assert [m.value["payload"]["id"] for m in dead] == ["poison"]


def test_redelivery_after_a_crash_is_harmless(cfg, store, clock):
    bus = InProcessBus(partitions=1)
    w = make(cfg, store, bus, clock)
    bus.publish("items", "a", item("a", "丁兰勤丰路垃圾三天没清运"))
    msgs = w.consumer.poll(timeout=0)
    w.handle(msgs[0].value)          # stored, then the process died before committing
    w.consumer.close()
    w2 = make(cfg, store, bus, clock)
    assert w2.run_once(timeout=0) == 1
    with store.reader() as r:
        assert r.items.count() == 1
    assert w2.stats["items/skipped/already_stored"] == 1


def test_restart_restores_open_events(cfg, tmp_path, clock):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    bus = InProcessBus()
    s1 = SqlStore(url, clock=clock)
    w1 = make(cfg, s1, bus, clock)
    bus.publish("items", "a", item("a", "凯旋路上好多共享单车乱停乱放，人行道都堵了"))
    w1.run_once(timeout=0)
    w1.close(); s1.close()
    # a new process: new engine, same database
    s2 = SqlStore(url, clock=clock)
    w2 = make(cfg, s2, bus, clock)
    assert w2.restore() == 1
    bus.publish("items", "b", item("b", "庆春东路共享单车也乱停，跟凯旋路一样", when="2026-11-20T11:00:00+08:00"))
    w2.run_once(timeout=0)
    [case] = cases(s2)
    assert case.rule == "R4" and case.item_count == 2
    s2.close()


def test_restore_keeps_stored_membership_whatever_the_order(cfg, tmp_path, clock):
    """Membership is replayed, not re-decided: an item that joined an event live stays in it after a
    restart even where grouping in another order would have split it."""
    url = f"sqlite:///{tmp_path / 'm.db'}"
    bus = InProcessBus(partitions=1)
    s1 = SqlStore(url, clock=clock)
    w1 = make(cfg, s1, bus, clock)
    # the later-published item arrives first (bus order ≠ publish order)
    bus.publish("items", "x", item("late", "湖滨步行街商铺火灾后续：3名受伤者已送医", when="2026-11-20T12:00:00+08:00"))
    bus.publish("items", "x", item("early", "湖滨步行街一商铺起火，浓烟滚滚", when="2026-11-20T10:00:00+08:00"))
    drain(w1)
    with s1.reader() as r:
        before = {i.id: i.event_id for i in r.items.since(clock.now() - timedelta(days=1))}
    w1.close(); s1.close()
    s2 = SqlStore(url, clock=clock)
    w2 = make(cfg, s2, bus, clock)
    w2.restore()
    assert {i: w2.engine._item_event[i] for i in before} == before
    bus.publish("items", "x", item("more", "湖滨步行街起火商铺已清理完毕", when="2026-11-20T14:00:00+08:00"))
    drain(w2)
    with s2.reader() as r:
        assert r.items.get("more").event_id in set(before.values())
        assert len({c.event_id for c in r.cases.list(statuses=None)}) == len(set(before.values()))
    s2.close()


def test_an_item_repeating_one_whose_event_expired_is_news_again(cfg, store, clock):
    """Regression: the item→event map kept pointing at an expired event (KeyError)."""
    bus = InProcessBus(partitions=1)
    w = make(cfg, store, bus, clock)
    text = "丁兰勤丰路垃圾三天没清运，臭气熏天"
    bus.publish("items", "a", item("a", text, when="2026-10-01T10:00:00+08:00"))
    bus.publish("items", "b", item("b", text, when="2026-10-25T10:00:00+08:00"))   # 24 days later
    bus.publish("items", "c", item("c", text, when="2026-10-25T11:00:00+08:00"))
    drain(w)
    with store.reader() as r:
        assert r.dead_letters.count() == 0
        b, c = r.items.get("b"), r.items.get("c")
    assert b.event_id == "ev-b" and b.duplicate_of is None and c.duplicate_of == "b"
