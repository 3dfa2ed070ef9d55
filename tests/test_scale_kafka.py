"""Several workers through Kafka (a real tansu broker on 127.0.0.1), as real `yuqing` processes.

One stream (the written sets, in publish order, with poison: items a stage raises on, and one
record that is not JSON) goes through `yuqing ingest`, then through the worker stages
(pipeline/scaled.py): two `analyse` workers in one group, one `decide`, two `record`.

- the clean run ends with the same events, items in them and cases as one `yuqing worker` (stage
  all, one partition) and as `yuqing route` on the same file;
- the chaos run SIGKILLs an analyser, the decider and a recorder at seeded moments mid-stream
  and restarts them: every item stored once, the same cases, the same case events and no alert
  twice (`yuqing notifier --once` afterwards), no duplicate case;
- the poison goes to the dead-letter topic (and the store's dead letters) and the partitions
  move on.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.servers.kafka import BrokerUnavailable, TansuBroker, need

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[1]
POISON = "【毒】"


def stream() -> list[dict]:
    items = []
    for name in ("written.jsonl", "written2.jsonl"):
        for line in (ROOT / "tests" / "eval" / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                d = json.loads(line)
                d.pop("expect", None)
                items.append(d)
    items.sort(key=lambda d: (d["published_at"], d["id"]))    # the merge order the decider keeps
    for k, at in enumerate((7, 60, 150)):                      # a stage raises on these
        items.insert(at, {"id": f"poison-{k}", "platform": "weibo", "source": "网友", "title": None,
                          "content": f"{POISON}湖滨步行街这里出事了", "published_at": items[at]["published_at"],
                          "metrics": {"reposts": 1}})
    return items


class Run:
    """A config, a store, topics and the processes' environment in one folder, on one broker."""

    def __init__(self, tmp: Path, name: str, partitions: int = 4):
        self.tmp, self.name = tmp, name
        tmp.mkdir()
        try:                                   # a broker of its own: groups and topics start empty
            self.broker = TansuBroker().start()
        except BrokerUnavailable as exc:
            need("Kafka-protocol broker (tansu)", str(exc))
        servers = self.broker.servers
        self.config = tmp / "config"
        shutil.copytree(ROOT / "config", self.config)
        self.db = tmp / "store.db"
        self.topics = {k: f"{name}.{k}" for k in ("items", "analysed", "decisions", "case-events", "dead")}
        self.env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1", YUQING_CONFIG=str(self.config),
                        YUQING_STORE_URL=f"sqlite:///{self.db}", YUQING_BUS="kafka",
                        YUQING_BUS_KAFKA_SERVERS=servers, YUQING_BUS_PARTITIONS=str(partitions),
                        YUQING_BUS_SESSION_TIMEOUT_SECONDS="6", YUQING_SEARCH="none",
                        YUQING_BUS_TOPIC_ITEMS=self.topics["items"], YUQING_BUS_TOPIC_ANALYSED=self.topics["analysed"],
                        YUQING_BUS_TOPIC_DECISIONS=self.topics["decisions"],
                        YUQING_BUS_TOPIC_CASE_EVENTS=self.topics["case-events"], YUQING_BUS_TOPIC_DEAD=self.topics["dead"],
                        YUQING_STAGES='{"tests.poison_stage:PoisonStage": 650}', YUQING_WORKER_RETRIES="1",
                        YUQING_WORKER_RETRY_SECONDS="0.05")
        self.env.pop("YUQING_NOW", None)
        self.servers = servers
        # the schema made once before the processes start (SQLite DDL does not take turns)
        from yuqing.store.sql import SqlStore
        SqlStore(f"sqlite:///{self.db}").close()
        self.procs: dict[str, subprocess.Popen] = {}
        self.kills: list[tuple[str, int]] = []

    def cmd(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "yuqing.app.cli", *args]

    def ingest(self, items: list[dict]) -> Path:
        f = self.tmp / "items.jsonl"
        f.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
        r = subprocess.run(self.cmd("ingest", "--in", str(f), "--quiet"), env=self.env, cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        # a record no yuqing process wrote: not JSON at all
        from kafka import KafkaProducer
        p = KafkaProducer(bootstrap_servers=self.servers)
        p.send(self.topics["items"], key=b"junk", value=b"\xff\xfe not json").get(timeout=10)
        p.close()
        return f

    def start(self, name: str, stage: str) -> None:
        log = open(self.tmp / f"{name}.log", "ab")
        self.procs[name] = subprocess.Popen(self.cmd("worker", "--stage", stage), env=self.env, cwd=ROOT,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self, name: str, stage: str) -> None:
        self.kills.append((name, self.stored()))
        os.killpg(self.procs[name].pid, signal.SIGKILL)
        self.procs[name].wait(timeout=10)
        self.start(name, stage)

    def query(self, sql: str) -> list[tuple]:
        if not self.db.exists():
            return []
        try:
            with sqlite3.connect(self.db, timeout=5) as c:
                return c.execute(sql).fetchall()
        except sqlite3.OperationalError:      # the schema is still being made
            return []

    def stored(self) -> int:
        rows = self.query("SELECT count(*) FROM items")
        return rows[0][0] if rows else 0

    def wait(self, items: int, dead: int, timeout: float = 150) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            d = self.query("SELECT count(*) FROM dead_letters")
            if self.stored() >= items and d and d[0][0] >= dead:
                time.sleep(1.0)               # anything late (a repeat) would show now
                return
            time.sleep(0.3)
        logs = "\n".join(f"--- {n}\n" + (self.tmp / f"{n}.log").read_text(errors="replace")[-2500:]
                         for n in self.procs)
        raise AssertionError(f"{self.name}: {self.stored()} of {items} items stored in time\n{logs}")

    def stop(self) -> None:
        self._stop_procs()

    def close(self) -> None:
        self._stop_procs()
        self.broker.stop()

    def _stop_procs(self) -> None:
        for p in self.procs.values():
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in self.procs.values():
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)

    def snapshot(self) -> dict:
        r = subprocess.run(self.cmd("notifier", "--once"), env=self.env, cwd=ROOT, capture_output=True,
                           text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        return {
            "items": Counter(i for (i,) in self.query("SELECT id FROM items")),
            "membership": dict(self.query("SELECT id, event_id FROM items")),
            "cases": {e: (s, bool(em), u, json.dumps(sorted(json.loads(co or "[]")), ensure_ascii=False))
                      for e, s, em, u, co in self.query(
                          "SELECT event_id, severity, emergency, first_responsible, co_responsible FROM cases")},
            "case_events": Counter(self.query("SELECT case_id, kind FROM case_events")),
            "alerts": [k for (k,) in self.query("SELECT dedup_key FROM alerts")],
            "dead": sorted(json.loads(p).get("id") or "junk" for (p,) in self.query("SELECT payload FROM dead_letters")),
        }

    def dead_topic(self) -> list[dict]:
        from kafka import KafkaConsumer, TopicPartition
        c = KafkaConsumer(bootstrap_servers=self.servers, enable_auto_commit=False)
        tps = [TopicPartition(self.topics["dead"], p) for p in sorted(c.partitions_for_topic(self.topics["dead"]) or [])]
        c.assign(tps)
        c.seek_to_beginning(*tps)
        out, deadline = [], time.monotonic() + 10
        while len(out) < 4 and time.monotonic() < deadline:
            for recs in c.poll(timeout_ms=200).values():
                out += [json.loads(r.value) for r in recs]
        c.close()
        return out


def staged(run: Run) -> None:
    for name, stage in (("analyse-1", "analyse"), ("analyse-2", "analyse"), ("decide", "decide"),
                        ("record-1", "record"), ("record-2", "record")):
        run.start(name, stage)


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """The stream through two analysers, one decider, two recorders, untouched."""
    items = stream()
    run = Run(tmp_path_factory.mktemp("scale") / "clean", "clean")
    t0 = time.monotonic()
    try:
        f = run.ingest(items)
        staged(run)
        run.wait(len(items) - 3, 4)
        print(f"clean staged run: {time.monotonic() - t0:.1f} s")
        run.stop()
        yield {"items": items, "file": f, "run": run, "snap": run.snapshot(), "dead_topic": run.dead_topic()}
    finally:
        run.close()


def routed(run: Run, f: Path) -> dict:
    out = run.tmp / "route.jsonl"
    r = subprocess.run(run.cmd("route", "--in", str(f), "--out", str(out), "--quiet"), env=run.env, cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 1, r.stderr          # the poison items fail, the rest is routed
    decs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    last = {}
    for d in decs:
        last[d["event_id"]] = d
    return {"membership": {d["id"]: d["event_id"] for d in decs},
            "cases": {e: (d["severity"], d["emergency"], d["first_responsible"],
                          json.dumps(sorted(d["co_responsible"] or []), ensure_ascii=False))
                      for e, d in last.items() if d["severity"] != "无"}}


def test_two_analysers_decide_as_one_worker_and_as_route(clean, tmp_path):
    snap, items = clean["snap"], clean["items"]
    good = [i["id"] for i in items if not i["id"].startswith("poison")]
    assert sorted(snap["items"]) == sorted(good) and set(snap["items"].values()) == {1}
    assert len({e for e in snap["membership"].values()}) >= 60
    ours = {e: c for e, c in snap["cases"].items() if c[0] != "无"}
    assert len(ours) >= 40 and any(c[1] for c in ours.values())

    # one worker doing everything, on one partition: the order is the bus order
    one = Run(tmp_path / "one", "one", partitions=1)
    try:
        one.ingest(items)
        one.start("worker", "all")
        one.wait(len(good), 4)
        one.stop()
        base = one.snapshot()
    finally:
        one.close()
    assert base["membership"] == snap["membership"]
    assert base["cases"] == snap["cases"]

    ref = routed(clean["run"], clean["file"])
    assert ref["membership"] == snap["membership"]
    assert ref["cases"] == ours


def test_poison_goes_to_the_dead_letter_topic_and_the_partitions_move_on(clean):
    snap = clean["snap"]
    assert snap["dead"] == ["junk", "poison-0", "poison-1", "poison-2"]
    on_topic = sorted(d["payload"].get("id") or "junk" for d in clean["dead_topic"])
    assert on_topic == ["junk", "poison-0", "poison-1", "poison-2"]
    junk = next(d for d in clean["dead_topic"] if not d["payload"].get("id"))
    assert "not JSON" in junk["error"]
    # the partitions moved on: every item after each poison was stored
    assert len(snap["items"]) == len(clean["items"]) - 3


def test_sigkilled_stage_workers_lose_nothing_and_repeat_nothing(clean, tmp_path):
    items = clean["items"]
    run = Run(tmp_path / "chaos", "chaos")
    rng = random.Random(20261203)
    plan = [("analyse-1", "analyse"), ("decide", "decide"), ("record-2", "record")]
    rng.shuffle(plan)
    try:
        run.ingest(items)
        staged(run)
        total = len(items) - 3
        for k, (name, stage) in enumerate(plan):
            # each kill lands once work is under way: after a seeded share of the items is stored
            at = int(total * (0.1 + 0.2 * k + rng.uniform(0, 0.1)))
            deadline = time.monotonic() + 90
            while run.stored() < at and time.monotonic() < deadline:
                time.sleep(0.02)
            run.kill(name, stage)
        run.wait(total, 4, timeout=180)
        run.stop()
        snap = run.snapshot()
    finally:
        run.close()
    print("kills (process, items stored):", run.kills)
    assert all(0 < n < total for _, n in run.kills), run.kills
    want = clean["snap"]
    assert set(snap["items"].values()) == {1} and snap["items"] == want["items"]      # each stored once
    assert snap["membership"] == want["membership"]
    assert snap["cases"] == want["cases"]                                             # no duplicate case
    assert snap["case_events"] == want["case_events"]
    assert len(snap["alerts"]) == len(set(snap["alerts"])) and sorted(snap["alerts"]) == sorted(want["alerts"])
    assert snap["dead"] == want["dead"]
