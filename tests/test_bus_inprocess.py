"""The in-process bus keeps Kafka's contract: keyed order, groups, commit after the write."""
from yuqing.bus.inprocess import InProcessBus


def test_same_key_keeps_order_on_one_partition():
    bus = InProcessBus(partitions=4)
    for i in range(10):
        bus.publish("t", "event-7", {"n": i})
    msgs = bus.consumer("t", "g").poll(timeout=0)
    assert [m.value["n"] for m in msgs] == list(range(10))
    assert len({m.partition for m in msgs}) == 1


def test_each_group_sees_every_message_and_members_share_partitions():
    bus = InProcessBus(partitions=4)
    for i in range(40):
        bus.publish("t", f"k{i}", {"n": i})
    other = bus.consumer("t", "audit").poll(timeout=0, max_messages=100)
    a, b = bus.consumer("t", "pipeline"), bus.consumer("t", "pipeline")
    got_a, got_b = a.poll(timeout=0, max_messages=100), b.poll(timeout=0, max_messages=100)
    assert len(other) == 40
    assert sorted(m.value["n"] for m in got_a + got_b) == list(range(40))
    assert not {m.partition for m in got_a} & {m.partition for m in got_b}


def test_uncommitted_messages_are_delivered_again():
    bus = InProcessBus(partitions=1)
    for i in range(3):
        bus.publish("t", "k", {"n": i})
    c = bus.consumer("t", "g")
    first = c.poll(timeout=0)
    c.commit(first[:1])          # crashed after storing the first one only
    c.close()
    again = bus.consumer("t", "g").poll(timeout=0)
    assert [m.value["n"] for m in again] == [1, 2]
    assert bus.lag("t", "g") == 2


def test_poll_waits_for_a_message():
    import threading
    bus = InProcessBus()
    c = bus.consumer("t", "g")
    threading.Timer(0.1, lambda: bus.publish("t", "k", {"x": 1})).start()
    assert [m.value for m in c.poll(timeout=2)] == [{"x": 1}]
