#!/usr/bin/env python3
"""Throughput of the buses in one run: publish, then consume and commit, the same messages.

    python benchmarks/bench_bus.py [--messages N] [--size BYTES] [--partitions P] [--kinds ...] [--json]

Kinds: inprocess, sqlite (a file in --dir; WAL, synchronous=FULL, one transaction a publish),
kafka (a tansu broker started here; publish waits for acks=all each time) and kafka-batched
(sync=False, one flush at the end). Reported: messages per second publishing, consuming
(poll + commit per batch) and both together, that last one as a ratio to inprocess, the CPU
seconds of this process, and for Kafka the broker's CPU seconds (from /proc/<pid>/stat). A
consumer joins its group before the clock starts (a tansu join takes about 3 s).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))     # yuqing, and tests.servers.kafka for the broker

KINDS = ("inprocess", "sqlite", "kafka", "kafka-batched")
TOPIC, GROUP = "bench.items", "bench"


def proc_cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc/<pid>/stat (fields 14 and 15)."""
    with open(f"/proc/{pid}/stat") as f:
        rest = f.read().rsplit(")", 1)[1].split()    # the name may hold spaces: cut after it
    return (int(rest[11]) + int(rest[12])) / os.sysconf("SC_CLK_TCK")


def make(kind: str, partitions: int, workdir: str, broker) -> object:
    if kind == "inprocess":
        from yuqing.bus.inprocess import InProcessBus
        return InProcessBus(partitions=partitions)
    if kind == "sqlite":
        from yuqing.bus.sqlite import SqliteBus
        return SqliteBus(Path(workdir) / f"bus-{time.monotonic_ns()}.db", partitions=partitions)
    from tests.servers.kafka import HEARTBEAT_INTERVAL_MS, SESSION_TIMEOUT_MS
    from yuqing.bus.kafka import KafkaBus
    return KafkaBus(broker.servers, partitions=partitions, sync=(kind == "kafka"),
                    session_timeout_ms=SESSION_TIMEOUT_MS, heartbeat_interval_ms=HEARTBEAT_INTERVAL_MS)


def assigned(consumer) -> list[int]:
    return consumer.assignment() if hasattr(consumer, "assignment") else list(consumer.assigned)


def run(kind: str, n: int, size: int, partitions: int, workdir: str, broker) -> dict:
    bus = make(kind, partitions, workdir, broker)
    topic = f"{TOPIC}.{kind}"
    consumer = bus.consumer(topic, GROUP)
    t0 = time.perf_counter()
    deadline = time.monotonic() + 60
    while len(assigned(consumer)) < partitions:       # join before the clock starts
        if time.monotonic() > deadline:
            raise RuntimeError(f"{kind}: consumer got no partitions in 60 s")
        consumer.poll(timeout=0.1)
    join = time.perf_counter() - t0
    filler = ("某区河道出现大量死鱼，网友反映河水发黑发臭。" * (size // 60 + 1))[: size // 3]  # ~size bytes UTF-8
    values = [{"id": f"item-{i}", "n": i, "content": filler} for i in range(n)]
    broker_cpu0 = proc_cpu_seconds(broker.pid) if broker and kind.startswith("kafka") else None
    cpu0 = time.process_time()

    t0 = time.perf_counter()
    for v in values:
        bus.publish(topic, f"event-{v['n'] % 100}", v)
    if hasattr(bus, "flush"):
        bus.flush()
    t_pub = time.perf_counter() - t0

    t0 = time.perf_counter()
    got = 0
    deadline = time.monotonic() + 120
    while got < n:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{kind}: consumed {got} of {n} in 120 s")
        batch = consumer.poll(timeout=0.5, max_messages=500)
        consumer.commit(batch)
        got += len(batch)
    t_con = time.perf_counter() - t0

    out = {"bus": kind, "messages": n, "join_seconds": join, "publish_per_s": n / t_pub,
           "consume_per_s": n / t_con, "total_per_s": n / (t_pub + t_con),
           "client_cpu_s": time.process_time() - cpu0,
           "broker_cpu_s": proc_cpu_seconds(broker.pid) - broker_cpu0 if broker_cpu0 is not None else None}
    consumer.close()
    bus.close()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--messages", type=int, default=5000)
    ap.add_argument("--size", type=int, default=1000, help="approximate bytes of a message's content (UTF-8)")
    ap.add_argument("--partitions", type=int, default=4)
    ap.add_argument("--kinds", default=",".join(KINDS), help=f"comma-separated, of {', '.join(KINDS)}")
    ap.add_argument("--dir", default=None, help="directory of the SQLite file (default: a temporary one)")
    ap.add_argument("--json", action="store_true", help="print the results as JSON lines as well")
    args = ap.parse_args(argv)
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    unknown = set(kinds) - set(KINDS)
    if unknown:
        ap.error(f"unknown kinds: {', '.join(sorted(unknown))}")

    broker = None
    if any(k.startswith("kafka") for k in kinds):
        from tests.servers.kafka import BrokerUnavailable, TansuBroker
        try:
            broker = TansuBroker().start()
        except BrokerUnavailable as exc:
            print(f"kafka skipped: {exc}", file=sys.stderr)
            kinds = [k for k in kinds if not k.startswith("kafka")]
    results = []
    try:
        with tempfile.TemporaryDirectory(dir=args.dir) as workdir:
            for kind in kinds:
                results.append(run(kind, args.messages, args.size, args.partitions, workdir, broker))
    finally:
        if broker:
            broker.stop()

    base = next((r["total_per_s"] for r in results if r["bus"] == "inprocess"), None)
    print(f"{args.messages} messages of ~{args.size} bytes, {args.partitions} partitions, "
          f"{os.cpu_count()} CPUs; consume = poll (500 at most) + commit per batch")
    if broker:
        # kafka-python checks record CRCs in pure Python unless the crc32c package is there
        from kafka.record import util
        print("kafka-python CRC32C:", "native (crc32c package)" if util.crc32c_c else "pure Python")
    head = f"{'bus':<14}{'publish/s':>11}{'consume/s':>11}{'both/s':>10}{'vs inproc':>11}{'client CPU s':>14}{'broker CPU s':>14}"
    print(head)
    print("-" * len(head))
    for r in results:
        ratio = f"{r['total_per_s'] / base:.3f}" if base else "-"
        broker_cpu = f"{r['broker_cpu_s']:.2f}" if r["broker_cpu_s"] is not None else "-"
        print(f"{r['bus']:<14}{r['publish_per_s']:>11.0f}{r['consume_per_s']:>11.0f}{r['total_per_s']:>10.0f}"
              f"{ratio:>11}{r['client_cpu_s']:>14.2f}{broker_cpu:>14}")
    if args.json:
        for r in results:
            print(json.dumps(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
