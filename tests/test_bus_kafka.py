"""The Kafka bus beyond the shared contract: what is on the wire, topics, batches, errors.

These read with group-less consumers (assign, no join), so they take no group-join time.
"""
from __future__ import annotations

import json
import time
import uuid

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

from tests.servers.kafka import HEARTBEAT_INTERVAL_MS, SESSION_TIMEOUT_MS, kafka_server  # noqa: F401
from yuqing.bus import BusUnavailable
from yuqing.bus.kafka import KafkaBus


@pytest.fixture
def bus(kafka_server):
    b = KafkaBus(kafka_server, partitions=3, session_timeout_ms=SESSION_TIMEOUT_MS,
                 heartbeat_interval_ms=HEARTBEAT_INTERVAL_MS)
    yield b
    b.close()


def _raw(servers: str, topic: str, n: int) -> list:
    """The records as stored, read without a group."""
    c = KafkaConsumer(bootstrap_servers=servers, enable_auto_commit=False)
    tps = [TopicPartition(topic, p) for p in sorted(c.partitions_for_topic(topic))]
    c.assign(tps)
    c.seek_to_beginning(*tps)
    out, deadline = [], time.monotonic() + 10
    while len(out) < n and time.monotonic() < deadline:
        for recs in c.poll(timeout_ms=200).values():
            out += recs
    c.close()
    return out


def test_topics_are_made_with_the_configured_partitions_and_values_are_utf8_json(bus, kafka_server):
    topic = f"t.{uuid.uuid4().hex[:8]}"
    bus.publish(topic, "事件-1", {"标题": "河道死鱼", "n": 1})
    admin = KafkaAdminClient(bootstrap_servers=kafka_server)
    (desc,) = admin.describe_topics([topic])
    admin.close()
    assert len(desc["partitions"]) == 3
    (rec,) = _raw(kafka_server, topic, 1)
    assert rec.key == "事件-1".encode("utf-8")
    assert rec.value == '{"标题":"河道死鱼","n":1}'.encode("utf-8")     # ensure_ascii=False


def test_without_sync_flush_makes_the_batch_published(kafka_server):
    b = KafkaBus(kafka_server, sync=False)
    topic = f"t.{uuid.uuid4().hex[:8]}"
    for i in range(200):
        b.publish(topic, f"k{i}", {"n": i})
    b.flush()
    b.close()
    # read back, not with lag(): tansu's end offsets are wrong after batches (see KafkaBus.lag)
    assert sorted(json.loads(r.value)["n"] for r in _raw(kafka_server, topic, 200)) == list(range(200))


def test_a_message_over_the_limit_is_refused_before_sending(bus):
    with pytest.raises(ValueError, match="max_message_bytes"):
        bus.publish("t.big", "k", {"content": "中" * 400_000})


def test_an_unreachable_broker_is_named_in_the_error():
    t0 = time.monotonic()
    with pytest.raises(BusUnavailable, match=r"Kafka at 127\.0\.0\.1:1\b"):
        KafkaBus("127.0.0.1:1", connect_timeout_ms=500)
    assert time.monotonic() - t0 < 5
