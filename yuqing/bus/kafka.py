"""A Kafka bus on kafka-python (3.x): the at-scale yuqing.seams.Bus.

Topics are created on first use with the configured partition count (replication: the
broker's default). `publish` waits for the broker's acknowledgement (acks=all, idempotent
producer), so a message is durable when it returns. `KafkaBus(..., sync=False)` only queues
it: much faster for batches, and the caller must call `flush()` (which raises the first
failed send) before it counts the batch as published.

Keys choose partitions with Kafka's default partitioner (murmur2, as the Java client does),
not inprocess's crc32, so any other Kafka producer puts a key on the same partition.

Each consumer is one KafkaConsumer in its group: enable_auto_commit=False, `commit` commits
exactly the offsets of the messages handed in, a new group starts from the earliest offset
(it sees everything). Values are JSON in UTF-8 (ensure_ascii=False); a record that is not comes as
{UNDECODABLE: its text, "error": why}, for the consumer to dead-letter.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any, Iterable

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka import errors as kerrors
from kafka.admin import OffsetSpec
from kafka.structs import OffsetAndMetadata

from yuqing.bus.errors import BusUnavailable
from yuqing.seams import Message

log = logging.getLogger("yuqing.bus.kafka")
UNDECODABLE = "__undecodable__"      # key of the value a record that is not JSON is handed on as

# what kafka-python raises when no broker answers (bootstrap, metadata, acknowledgement)
_UNREACHABLE = (kerrors.KafkaTimeoutError, kerrors.KafkaConnectionError)


class KafkaBus:
    def __init__(self, servers: str | list[str], *, partitions: int = 4, client_id: str = "yuqing",
                 session_timeout_ms: int = 10000, heartbeat_interval_ms: int | None = None,
                 sync: bool = True, connect_timeout_ms: int = 10000, send_timeout: float = 30.0,
                 max_message_bytes: int = 1048576):
        self.servers = [s.strip() for s in servers.split(",") if s.strip()] if isinstance(servers, str) \
            else list(servers)
        if not self.servers:
            raise ValueError("Kafka bus: no bootstrap servers")
        self.partitions = partitions
        self.client_id = client_id
        self.session_timeout_ms = session_timeout_ms
        self.heartbeat_interval_ms = heartbeat_interval_ms or max(100, session_timeout_ms // 6)
        self.sync = sync
        self.connect_timeout_ms = connect_timeout_ms
        self.send_timeout = send_timeout
        self.max_message_bytes = max_message_bytes
        self._lock = threading.Lock()
        self._topics: set[str] = set()
        self._producer: KafkaProducer | None = None
        self._failed: list[Exception] = []
        self._consumers: set[KafkaBusConsumer] = set()
        self._closed = False
        # connect now: a worker started against a wrong address says so at once
        self._admin = self._connect("admin client", lambda: KafkaAdminClient(
            bootstrap_servers=self.servers, client_id=client_id, bootstrap_timeout_ms=connect_timeout_ms))

    def _connect(self, what: str, make):
        try:
            return make()
        except _UNREACHABLE as exc:
            raise self.unavailable(f"{what} cannot connect", exc) from exc

    def unavailable(self, what: str, exc: BaseException | None = None) -> BusUnavailable:
        return BusUnavailable(f"Kafka at {','.join(self.servers)}: {what}" + (f" ({exc})" if exc else ""))

    def ensure_topic(self, topic: str) -> None:
        if topic in self._topics:
            return
        with self._lock:
            try:
                res = self._admin.create_topics({topic: {"num_partitions": self.partitions, "replication_factor": -1}},
                                                raise_errors=False, wait_for_metadata=True)
            except _UNREACHABLE as exc:
                raise self.unavailable(f"cannot create topic {topic}", exc) from exc
            for t in res["topics"]:
                err = kerrors.for_code(t["error_code"])
                if t["error_code"] and err is not kerrors.TopicAlreadyExistsError:
                    raise RuntimeError(f"Kafka at {','.join(self.servers)}: cannot create topic {topic}: "
                                       f"{err.__name__} {t.get('error_message') or ''}")
            self._topics.add(topic)

    def _get_producer(self) -> KafkaProducer:
        if self._producer is None:       # made on first publish: a consumer-only process needs none
            with self._lock:
                if self._producer is None:
                    self._producer = self._connect("producer cannot connect", lambda: KafkaProducer(
                        bootstrap_servers=self.servers, client_id=self.client_id, acks="all",
                        enable_idempotence=True, max_request_size=self.max_message_bytes,
                        bootstrap_timeout_ms=self.connect_timeout_ms, max_block_ms=self.connect_timeout_ms))
        return self._producer

    def publish(self, topic: str, key: str, value: dict[str, Any]) -> None:
        data = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        if len(data) > self.max_message_bytes:
            raise ValueError(f"Kafka bus: message of {len(data)} bytes for {topic} exceeds "
                             f"max_message_bytes={self.max_message_bytes}")
        self.ensure_topic(topic)
        try:
            fut = self._get_producer().send(topic, key=key.encode("utf-8"), value=data)
            if not self.sync:
                fut.add_errback(self._failed.append)
                return
            fut.get(timeout=self.send_timeout)
        except _UNREACHABLE as exc:
            raise self.unavailable(f"publish to {topic} not acknowledged", exc) from exc

    def flush(self) -> None:
        """Wait until everything published is acknowledged; raise the first failure (sync=False)."""
        if self._producer is None:
            return
        try:
            self._producer.flush(timeout=self.send_timeout)
        except _UNREACHABLE as exc:
            raise self.unavailable("flush: messages not acknowledged", exc) from exc
        if self._failed:
            first, n = self._failed[0], len(self._failed)
            self._failed.clear()
            raise self.unavailable(f"{n} message(s) not published", first)

    def consumer(self, topic: str, group: str) -> "KafkaBusConsumer":
        self.ensure_topic(topic)
        c = KafkaBusConsumer(self, topic, group)
        with self._lock:
            self._consumers.add(c)
        return c

    def lag(self, topic: str, group: str) -> int:
        """Messages the group has not committed yet (from the earliest kept one where it never committed).

        Exact on Kafka. tansu 0.6 reports a partition's end as its last record batch's base
        offset + 1, so there lag is short after batched (sync=False) publishing."""
        self.ensure_topic(topic)
        with self._lock:
            try:
                (desc,) = self._admin.describe_topics([topic])
                tps = [TopicPartition(topic, p["partition_index"]) for p in desc["partitions"]]
                end = self._admin.list_partition_offsets({tp: OffsetSpec.LATEST for tp in tps})
                start = self._admin.list_partition_offsets({tp: OffsetSpec.EARLIEST for tp in tps})
                done = self._admin.list_group_offsets({group: tps}).get(group, {})
            except _UNREACHABLE as exc:
                raise self.unavailable(f"cannot read the lag of {group} on {topic}", exc) from exc
        total = 0
        for tp in tps:
            c = done.get(tp)
            at = c.offset if c is not None and c.offset >= 0 else start[tp].offset
            total += end[tp].offset - at
        return total

    def topic_partitions(self, topic: str) -> int:
        """How many partitions the topic has (it may predate the BUS_PARTITIONS in force)."""
        self.ensure_topic(topic)
        with self._lock:
            try:
                (desc,) = self._admin.describe_topics([topic])
            except _UNREACHABLE as exc:
                raise self.unavailable(f"cannot describe topic {topic}", exc) from exc
        return len(desc["partitions"])

    def caught_up(self, topic: str, group: str, probe_seconds: float = 2.0) -> bool:
        """True when the group has committed every record of the topic: lag() first, then reading
        from its committed offsets (tansu's end offsets are short after batches: lag() alone can
        say 0 too early). The probe is long enough for a new consumer's first fetch on a busy machine."""
        if self.lag(topic, group) > 0:
            return False
        self.ensure_topic(topic)
        with self._lock:
            try:
                (desc,) = self._admin.describe_topics([topic])
                tps = [TopicPartition(topic, p["partition_index"]) for p in desc["partitions"]]
                done = self._admin.list_group_offsets({group: tps}).get(group, {})
            except _UNREACHABLE as exc:
                raise self.unavailable(f"cannot read the offsets of {group} on {topic}", exc) from exc
        c = KafkaConsumer(bootstrap_servers=self.servers, client_id=self.client_id, enable_auto_commit=False,
                          bootstrap_timeout_ms=self.connect_timeout_ms)
        try:
            c.assign(tps)
            for tp in tps:
                at = done.get(tp)
                if at is not None and at.offset >= 0:
                    c.seek(tp, at.offset)
                else:
                    c.seek_to_beginning(tp)
            deadline = time.monotonic() + probe_seconds
            while time.monotonic() < deadline:
                if any(c.poll(timeout_ms=100, max_records=1).values()):
                    return False
            return True
        finally:
            c.close(autocommit=False)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for c in list(self._consumers):
            c.close()
        if self._producer is not None:
            self._producer.close(timeout=self.send_timeout)   # sends what is queued first
        self._admin.close()


class KafkaBusConsumer:
    def __init__(self, bus: KafkaBus, topic: str, group: str):
        self.bus, self.topic, self.group = bus, topic, group
        self._c = bus._connect("consumer cannot connect", lambda: KafkaConsumer(
            bootstrap_servers=bus.servers, client_id=bus.client_id, group_id=group,
            enable_auto_commit=False, auto_offset_reset="earliest",
            session_timeout_ms=bus.session_timeout_ms, heartbeat_interval_ms=bus.heartbeat_interval_ms,
            bootstrap_timeout_ms=bus.connect_timeout_ms,
            max_partition_fetch_bytes=max(1048576, bus.max_message_bytes)))
        self._c.subscribe([topic])
        self._closed = False

    def poll(self, timeout: float = 1.0, max_messages: int = 100) -> list[Message]:
        """Messages in partition order; the first polls also join the group (that takes a while)."""
        records = self._c.poll(timeout_ms=int(timeout * 1000), max_records=max_messages)
        out: list[Message] = []
        for tp in sorted(records, key=lambda tp: tp.partition):
            for r in records[tp]:
                try:
                    value = json.loads(r.value.decode("utf-8"))
                except (ValueError, AttributeError) as exc:
                    # another producer's bytes: handed on marked, so the worker dead-letters it and the
                    # partition moves on (raising here would stall the partition for good)
                    value = {UNDECODABLE: (r.value or b"")[:4000].decode("utf-8", "replace"),
                             "error": f"{r.topic}[{r.partition}]@{r.offset} is not JSON in UTF-8: {exc}"}
                out.append(Message(r.topic, r.key.decode("utf-8") if r.key is not None else "", value,
                                   r.partition, r.offset))
        return out

    def commit(self, messages: Iterable[Message]) -> None:
        upto: dict[TopicPartition, int] = {}
        for m in messages:
            if m.topic != self.topic:
                raise ValueError(f"commit: message of topic {m.topic!r} on a consumer of {self.topic!r}")
            tp = TopicPartition(m.topic, m.partition)
            upto[tp] = max(upto.get(tp, 0), m.offset + 1)
        if not upto:
            return
        try:
            self._c.commit({tp: OffsetAndMetadata(o, "", -1) for tp, o in upto.items()})
        except kerrors.CommitFailedError as exc:
            # the group rebalanced since the poll: the partitions' new holders get these messages
            # again from the last committed offset (at-least-once), so this is not fatal
            log.warning("commit of %s lost to a rebalance of group %s; they will be delivered again: %s",
                        {tp.partition: o for tp, o in upto.items()}, self.group, exc)
        except _UNREACHABLE as exc:
            raise self.bus.unavailable(f"commit of group {self.group} failed", exc) from exc

    def assignment(self) -> list[int]:
        """The partitions this member holds now."""
        return sorted(tp.partition for tp in self._c.assignment())

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._c.close(autocommit=False)      # leaves the group: the others rebalance at once
        with self.bus._lock:
            self.bus._consumers.discard(self)
