"""The worker: commit after the store write; a restart continues open events."""
from tests.conftest import item
from pipeline.engine import Engine
from pipeline.worker import Worker
from yuqing.bus.inprocess import InProcessBus
from yuqing.store.sql import SqlStore
from yuqing.store.tables import ItemRow


def make(cfg, store, bus, clock):
    return Worker(Engine(cfg), store, bus, "items", clock=clock)


def test_items_flow_to_cases_and_offsets_are_committed(cfg, store, clock):
    bus = InProcessBus()
    w = make(cfg, store, bus, clock)
    bus.publish("items", "a", item("a", "凯旋路共享单车乱停，人行道堵死了"))
    bus.publish("items", "bad", {"id": "bad", "content": "no time"})
    while w.run_once(timeout=0):
        pass
    assert [c.first_responsible for c in store.cases()] == ["凯旋街道"]
    assert bus.lag("items", "pipeline") == 0
    assert w.stats["items/dropped/invalid"] == 1
    assert any(a.action == "item.rejected" for a in store.actions())


def test_redelivery_after_a_crash_is_harmless(cfg, store, clock):
    bus = InProcessBus(partitions=1)
    w = make(cfg, store, bus, clock)
    bus.publish("items", "a", item("a", "丁兰勤丰路垃圾三天没清运"))
    msgs = w.consumer.poll(timeout=0)
    w.handle(msgs[0].value)          # stored, then the process died before committing
    w.consumer.close()
    w2 = make(cfg, store, bus, clock)
    assert w2.run_once(timeout=0) == 1
    assert store.count(ItemRow) == 1 and w2.stats["items/skipped/already_stored"] == 1


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
    [case] = s2.cases()
    assert case.rule == "R4" and case.item_count == 2
    s2.close()
