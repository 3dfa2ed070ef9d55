#!/usr/bin/env python3
"""At scale, in one run: pipeline throughput through Kafka with one and with two workers a stage,
publish-to-case latency at a steady load, and store writes per second on SQLite and PostgreSQL.

    python benchmarks/bench_scale.py [--repeat 4] [--rate 20] [--seconds 15] [--skip-store] [--json]

The stream is the project's written sets repeated with new ids and times (as bench_split.py).
Every process is a real `yuqing worker --stage …` on a tansu broker started here (127.0.0.1),
with a SQLite store; a configuration gets a broker and a store of its own.

- throughput: the workers are started and warmed on a few items, then `yuqing ingest` publishes
  the stream and the clock runs until the store holds every item; reported in items per second,
  as a ratio to the one-process worker (`--stage all`), with the CPU seconds the broker and the
  workers took meanwhile (from /proc);
- latency: items published at --rate per second for --seconds, each timed from its publish to the
  moment the store holds it with its case (polled every 10 ms);
- store writes: the same decisions recorded one transaction each (item, case, clocks, log, case
  events), on a SQLite file and on a PostgreSQL cluster started here with fsync on.

On a 2-core machine the broker and five worker processes share two cores: read the ratios as what
this machine gives, not as what more machines would.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_bus import proc_cpu_seconds  # noqa: E402
from benchmarks.bench_split import stream  # noqa: E402
from tests.servers.kafka import TansuBroker  # noqa: E402

CONFIGS = {"one worker (stage all)": [("all", 1)],
           "1 analyse, 1 decide, 1 record": [("analyse", 1), ("decide", 1), ("record", 1)],
           "2 analyse, 1 decide, 2 record": [("analyse", 2), ("decide", 1), ("record", 2)]}


def items_as_dicts(repeat: int, prefix: str) -> list[dict]:
    files = sorted((ROOT / "tests" / "eval").glob("written*.jsonl"))
    out = []
    for it in stream(files, repeat):
        d = it.model_dump(mode="json")
        d["id"] = f"{prefix}{d['id']}"
        out.append(d)
    return out


class Pipeline:
    def __init__(self, workdir: Path, stages: list[tuple[str, int]], partitions: int):
        self.dir = workdir
        workdir.mkdir(parents=True)
        self.broker = TansuBroker().start()
        self.db = workdir / "store.db"
        self.env = dict(os.environ, PYTHONPATH=str(ROOT), YUQING_STORE_URL=f"sqlite:///{self.db}", YUQING_BUS="kafka",
                        YUQING_BUS_KAFKA_SERVERS=self.broker.servers, YUQING_BUS_PARTITIONS=str(partitions),
                        YUQING_BUS_SESSION_TIMEOUT_SECONDS="6", YUQING_SEARCH="none")
        self.env.pop("YUQING_NOW", None)
        from yuqing.store.sql import SqlStore
        SqlStore(f"sqlite:///{self.db}").close()
        self.procs = []
        for stage, n in stages:
            for k in range(n):
                log = open(workdir / f"{stage}-{k}.log", "ab")
                self.procs.append(subprocess.Popen([sys.executable, "-m", "yuqing.app.cli", "worker", "--stage", stage],
                                                   env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                                   start_new_session=True))

    def ingest(self, items: list[dict], name: str) -> None:
        f = self.dir / f"{name}.jsonl"
        f.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
        subprocess.run([sys.executable, "-m", "yuqing.app.cli", "ingest", "--in", str(f), "--quiet"], env=self.env,
                       cwd=ROOT, check=True, capture_output=True, timeout=600)

    def stored(self, ids: list[str] | None = None) -> set[str]:
        with sqlite3.connect(self.db, timeout=10) as c:
            if ids is None:
                return {r[0] for r in c.execute("SELECT id FROM items")}
            q = ",".join("?" * len(ids))
            return {r[0] for r in c.execute(f"SELECT id FROM items WHERE id IN ({q})", ids)}

    def wait(self, n: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while len(self.stored()) < n:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.dir.name}: only {len(self.stored())} of {n} stored")
            time.sleep(0.05)

    def cpu(self) -> tuple[float, float]:
        return proc_cpu_seconds(self.broker.pid), sum(proc_cpu_seconds(p.pid) for p in self.procs)

    def close(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
        self.broker.stop()


def throughput(workdir: Path, stages, repeat: int, partitions: int) -> dict:
    pipe = Pipeline(workdir, stages, partitions)
    try:
        warm = items_as_dicts(1, "warm-")[:30]
        pipe.ingest(warm, "warm")
        pipe.wait(len(warm), 180)
        time.sleep(7)                 # every member joined, the group settled (tansu: ~3 s a join)
        items = items_as_dicts(repeat, "t-")
        b0, w0 = pipe.cpu()
        t0 = time.perf_counter()
        pipe.ingest(items, "stream")
        pipe.wait(len(warm) + len(items), 900)
        wall = time.perf_counter() - t0
        b1, w1 = pipe.cpu()
        return {"items": len(items), "seconds": round(wall, 2), "items_per_s": round(len(items) / wall, 1),
                "broker_cpu_s": round(b1 - b0, 2), "workers_cpu_s": round(w1 - w0, 2),
                "broker_share": round((b1 - b0) / max(1e-9, (b1 - b0) + (w1 - w0)), 3), "pipe": pipe}
    except Exception:
        pipe.close()
        raise


def latency(pipe: Pipeline, rate: float, seconds: float) -> dict:
    from yuqing.bus.kafka import KafkaBus
    items = items_as_dicts(1 + int(rate * seconds) // 487, "l-")[:int(rate * seconds)]
    bus = KafkaBus(pipe.broker.servers, partitions=int(pipe.env["YUQING_BUS_PARTITIONS"]))
    sent: dict[str, float] = {}
    seen: dict[str, float] = {}
    done = threading.Event()

    def watch() -> None:
        while not done.is_set() or len(seen) < len(sent):
            pending = [i for i in list(sent) if i not in seen]
            if pending:
                now = time.perf_counter()
                for i in pipe.stored(pending):
                    seen[i] = now
            if done.is_set() and time.perf_counter() - last[0] > 60:
                break
            time.sleep(0.01)

    last = [time.perf_counter()]
    t = threading.Thread(target=watch)
    t.start()
    start = time.perf_counter()
    for k, d in enumerate(items):
        wait = start + k / rate - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        sent[d["id"]] = time.perf_counter()
        bus.publish("yuqing.items", d["id"], d)
    last[0] = time.perf_counter()
    done.set()
    t.join()
    bus.close()
    lat = sorted(1000 * (seen[i] - sent[i]) for i in seen)
    return {"rate_per_s": rate, "items": len(items), "arrived": len(lat),
            "p50_ms": round(statistics.median(lat), 1), "p99_ms": round(lat[max(0, int(0.99 * len(lat)) - 1)], 1)}


def store_writes(repeat: int) -> dict:
    from pipeline.dedup import canonical_url, content_fingerprint
    from pipeline.record import record_decision
    from tests.servers.postgres import PostgresServer
    from yuqing.app.build import load_config, make_engine
    from yuqing.store.sql import SqlStore
    engine = make_engine(load_config(ROOT / "config", announce=False))
    files = sorted((ROOT / "tests" / "eval").glob("written*.jsonl"))
    decisions = [engine.process(it, now=it.published_at) for it in stream(files, repeat)]

    def run(url: str) -> float:
        store = SqlStore(url)
        t0 = time.perf_counter()
        for d in decisions:
            with store.transaction() as tx:
                record_decision(tx, d, now=d.item.published_at, url_key=canonical_url(d.item.url),
                                fingerprint=content_fingerprint(d.item.title, d.item.content))
        wall = time.perf_counter() - t0
        store.close()
        return len(decisions) / wall

    tmp = tempfile.mkdtemp(prefix="bench-store-")
    try:
        sqlite = run(f"sqlite:///{tmp}/s.db")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    with PostgresServer() as pg:
        postgres = run(pg.url)
    return {"decisions": len(decisions), "sqlite_per_s": round(sqlite, 1), "postgres_per_s": round(postgres, 1),
            "postgres_over_sqlite": round(postgres / sqlite, 2)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=4, help="copies of the written sets in the throughput stream")
    ap.add_argument("--partitions", type=int, default=4)
    ap.add_argument("--rate", type=float, default=20.0, help="items per second in the latency run")
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--skip-store", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    res: dict = {"throughput": {}}
    try:
        for k, (name, stages) in enumerate(CONFIGS.items()):
            r = throughput(work / f"c{k}", stages, args.repeat, args.partitions)
            pipe = r.pop("pipe")
            try:
                if k == len(CONFIGS) - 1:
                    res["latency"] = latency(pipe, args.rate, args.seconds)
            finally:
                pipe.close()
            res["throughput"][name] = r
        base = next(iter(res["throughput"].values()))["items_per_s"]
        for r in res["throughput"].values():
            r["ratio_to_one_worker"] = round(r["items_per_s"] / base, 2)
        if not args.skip_store:
            res["store"] = store_writes(args.repeat)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(res, ensure_ascii=False))
        return 0
    print(f"{'pipeline through Kafka (tansu)':34} {'items/s':>8} {'ratio':>6} {'broker CPU s':>13} {'workers CPU s':>14}")
    for name, r in res["throughput"].items():
        print(f"{name:34} {r['items_per_s']:8.1f} {r['ratio_to_one_worker']:6.2f} {r['broker_cpu_s']:13.2f} "
              f"{r['workers_cpu_s']:14.2f}")
    la = res["latency"]
    print(f"publish → case at {la['rate_per_s']:.0f} items/s ({la['arrived']}/{la['items']} items): "
          f"p50 {la['p50_ms']} ms, p99 {la['p99_ms']} ms")
    if "store" in res:
        s = res["store"]
        print(f"store writes ({s['decisions']} decisions, one transaction each): SQLite {s['sqlite_per_s']}/s, "
              f"PostgreSQL {s['postgres_per_s']}/s (ratio {s['postgres_over_sqlite']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
