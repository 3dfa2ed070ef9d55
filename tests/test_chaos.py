"""Nothing lost, nothing twice — with real processes killed at random.

A seeded stream of about 200 items (a district's day: complaints, follow-ups, emergencies, poison
items at random places) goes through `yuqing ingest` onto the durable SQLite bus; `yuqing worker`
and `yuqing notifier` run as real processes and deliver email to a real SMTP server (aiosmtpd).
The chaos run SIGKILLs the worker and the notifier at seeded random moments and restarts them; a
clean run does the same work untouched. Both must end with the same cases (same ids, units,
levels and clocks), the same alerts, every alert received by the SMTP server, and the poison items
in the dead letters. After GoAlert's smoke tests, any extra or missing message fails: a repeat is
only allowed where the store shows an attempt that was cut off by the kill (at least once; the
Message-ID lets a mail client fold it).

One partition: processing order is then the bus order in both runs (with several partitions the
order across them depends on timing, and grouping with it).
"""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path

import pytest
import yaml

from yuqing.bus.sqlite import SqliteBus
from yuqing.store.sql import SqlStore
from yuqing.timeutil import SHANGHAI

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[1]
T0 = datetime(2026, 11, 23, 7, 0, tzinfo=SHANGHAI)

STREETS = {"湖滨街道": ["湖滨步行街", "平海路", "东坡路"], "小营街道": ["大学路", "小营巷", "梅花碑"],
           "南星街道": ["复兴路", "梵天寺路", "南星桥"], "凯旋街道": ["凯旋路", "景芳", "南肖埠"],
           "丁兰街道": ["勤丰路", "丁桥", "皋亭坝"], "九堡街道": ["九堡", "九和路", "格畈"]}
COMPLAINTS = ["{p}小区门口垃圾好几天没人清运，臭气熏天，希望尽快处理。",
              "{p}附近工地晚上十一点还在施工，噪音太大吵得睡不着。",
              "{p}的共享单车乱停乱放，人行道都堵死了，轮椅过不去。",
              "{p}一家健身房突然关门，老板联系不上，会员卡里的钱退不回来。",
              "{p}小区电梯坏了一个星期没人修，物业一直推脱。"]
FOLLOW = ["{p}那边还是没人管，问题依旧。", "今天又去看了{p}，情况一点没变，大家都很着急。"]
EMERGENCIES = ["{p}一居民楼突发火灾，{n}名居民受伤被送往医院，消防正在现场处置。",
               "{p}一家餐馆燃气爆炸，门窗被震碎，{n}名食客受伤送医。"]


def make_items(seed: int, n: int = 200) -> list[dict]:
    rng = random.Random(seed)
    items, open_threads, t = [], [], T0
    for i in range(n):
        t += timedelta(minutes=rng.randint(2, 9))
        street = rng.choice(list(STREETS))
        place = rng.choice(STREETS[street])
        r = rng.random()
        if r < 0.05:
            items.append({"id": f"x{i:03d}", "platform": "weibo", "source": "网友", "title": None,
                          "content": f"【毒】{place}这里出事了", "published_at": t.isoformat(),
                          "metrics": {"reposts": 1, "comments": 1, "likes": 1}})
            continue
        if r < 0.08:
            bad = rng.choice([{"content": None}, {"published_at": "昨天下午"}, {"metrics": {"likes": "很多"}}])
            items.append({"id": f"x{i:03d}", "platform": "forum", "source": "网友", "content": f"{place}有问题",
                          "published_at": t.isoformat(), **bad})
            continue
        if r < 0.25 and open_threads:
            p = rng.choice(open_threads)
            text = rng.choice(FOLLOW).format(p=p)
        elif r < 0.32:
            text = rng.choice(EMERGENCIES).format(p=place, n=rng.randint(3, 6))
        else:
            text = rng.choice(COMPLAINTS).format(p=place)
            open_threads.append(place)
        items.append({"id": f"i{i:03d}", "url": f"https://weibo.example.com/{seed}/{i}", "platform": "weibo",
                      "source": "网友", "author": f"用户{rng.randint(1, 60)}", "title": None, "content": text,
                      "published_at": t.isoformat(),
                      "metrics": {"reposts": rng.randint(0, 50), "comments": rng.randint(0, 50),
                                  "likes": rng.randint(0, 200)}})
    return items


class Sink:
    def __init__(self):
        self.tags: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.content)
        self.tags.append(str(make_header(decode_header(msg["X-Yuqing-Alert"]))))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class World:
    """A config directory, a store, a bus and the processes' environment, in one temp folder."""

    def __init__(self, tmp: Path, smtp_port: int):
        self.tmp = tmp
        self.config = tmp / "config"
        shutil.copytree(ROOT / "config", self.config)
        ch = yaml.safe_load((self.config / "channels.yaml").read_text(encoding="utf-8"))
        ch["enabled"] = ["inbox", "email"]
        ch["lease_seconds"] = 2          # a send cut off by a kill is tried again soon
        (self.config / "channels.yaml").write_text(yaml.safe_dump(ch, allow_unicode=True), encoding="utf-8")
        self.store_url = f"sqlite:///{tmp / 'store.db'}"
        self.bus_path = tmp / "bus.db"
        self.env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1", YUQING_CONFIG=str(self.config),
                        YUQING_STORE_URL=self.store_url, YUQING_BUS="sqlite", YUQING_BUS_SQLITE_PATH=str(self.bus_path),
                        YUQING_BUS_PARTITIONS="1", YUQING_BUS_SESSION_TIMEOUT_SECONDS="1.5", YUQING_SEARCH="none",
                        YUQING_STAGES='{"tests.poison_stage:PoisonStage": 650}', YUQING_WORKER_RETRIES="2",
                        YUQING_WORKER_RETRY_SECONDS="0.05", YUQING_ALERT_SMTP_HOST="127.0.0.1",
                        YUQING_ALERT_SMTP_PORT=str(smtp_port), YUQING_ALERT_SMTP_FROM="yuqing@example.gov.cn")
        self.env.pop("YUQING_NOW", None)
        self.kill_points: list[tuple[str, int, int]] = []

    def cmd(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "yuqing.app.cli", *args]

    def ingest(self, items: list[dict]) -> None:
        f = self.tmp / "items.jsonl"
        f.write_text("\n".join(json.dumps(i, ensure_ascii=False) for i in items) + "\n", encoding="utf-8")
        r = subprocess.run(self.cmd("ingest", "--in", str(f), "--quiet"), env=self.env, cwd=ROOT, capture_output=True,
                           text=True, timeout=120)
        assert r.returncode in (0, 1), r.stderr            # 1: lines rejected at the door are fine
        assert "published" in r.stderr

    def start(self, which: str) -> subprocess.Popen:
        args = ("worker",) if which == "worker" else ("notifier", "--interval", "0.2")
        log = open(self.tmp / f"{which}.log", "ab")
        return subprocess.Popen(self.cmd(*args), env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)

    def progress(self) -> tuple[int, int]:
        """(items stored, deliveries sent) now: where a kill landed."""
        try:
            store = SqlStore(self.store_url, create=False)
        except Exception:
            return 0, 0
        try:
            with store.reader() as r:
                return r.items.count(), sum(1 for d in r.deliveries.all() if d.status == "sent")
        except Exception:                 # the schema is still being created by the first process
            return 0, 0
        finally:
            store.close()

    def done(self) -> bool:
        bus = SqliteBus(str(self.bus_path))
        try:
            if bus.lag("yuqing.items", "pipeline"):
                return False
        finally:
            bus.close()
        store = SqlStore(self.store_url, create=False)
        try:
            with store.reader() as r:
                if r.case_events.pending(1):
                    return False
                if any(d.status not in ("sent", "failed") for d in r.deliveries.all()):
                    return False
                dead = r.dead_letters.list("open")
                fired = r.firings.claimed([f"system:dead_letter:{d.id}" for d in dead])
                return len(fired) == len(dead)
        finally:
            store.close()

    def snapshot(self) -> dict:
        store = SqlStore(self.store_url, create=False)
        try:
            with store.reader() as r:
                cases = {c.event_id: (c.status, c.severity, c.emergency, c.first_responsible,
                                      tuple(sorted(c.co_responsible or [])), c.number)
                         for c in r.cases.list(statuses=None)}
                clocks = {(k.case_id, k.kind, k.seq, k.due_at.isoformat(), k.status)
                          for cid in cases for k in r.clocks.of_case(cid)}
                alerts = r.alerts.all()
                deliveries = r.deliveries.all()
                attempts = Counter(a.delivery_id for a in r.deliveries.attempts())
                dead = sorted(d.payload.get("id") for d in r.dead_letters.list(None))
                items = r.items.count()
        finally:
            store.close()
        keys = [a.dedup_key for a in alerts]
        email = {d.alert_id: d for d in deliveries if d.channel == "email"}
        by_alert = {a.id: a for a in alerts}
        interrupted = Counter()
        for d in email.values():
            interrupted[by_alert[d.alert_id].dedup_key] = d.attempts - attempts[d.id]
        return {"cases": cases, "clocks": clocks, "keys": keys, "dead": dead, "items": items,
                "emailed": sorted(by_alert[a].dedup_key for a in email), "interrupted": interrupted,
                "email_failed": [d.id for d in email.values() if d.status != "sent"]}


def run(world: World, items: list[dict], kills: list[tuple[float, str]] = ()) -> None:
    world.ingest(items)
    procs = {"worker": world.start("worker"), "notifier": world.start("notifier")}
    try:
        for delay, which in kills:
            # let the process get to work (it starts in a few seconds), then kill it at a random moment
            before = world.progress()[0 if which == "worker" else 1]
            until = time.monotonic() + 30
            while time.monotonic() < until and world.progress()[0 if which == "worker" else 1] <= before \
                    and not world.done():
                time.sleep(0.05)
            time.sleep(delay)
            world.kill_points.append((which, *world.progress()))
            os.killpg(procs[which].pid, signal.SIGKILL)
            procs[which].wait(timeout=10)
            procs[which] = world.start(which)
        deadline = time.monotonic() + 240
        stable = 0
        while time.monotonic() < deadline:
            stable = stable + 1 if world.done() else 0
            # escalations come due on the notifier's ticks: quiet for several of them under load
            if stable >= 12:
                break
            time.sleep(0.5)
        else:
            logs = "\n".join((world.tmp / f"{w}.log").read_text(errors="replace")[-3000:] for w in procs)
            raise AssertionError(f"not done in time:\n{logs}")
    finally:
        for p in procs.values():
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs.values():
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


@pytest.mark.parametrize("seed", [20261202])
def test_random_sigkills_lose_nothing_and_send_nothing_twice(tmp_path, seed):
    from aiosmtpd.controller import Controller
    items = make_items(seed)
    poison = sorted(i["id"] for i in items if i["id"].startswith("x"))
    assert 8 <= len(poison) <= 30
    rng = random.Random(seed)
    kills = [(rng.uniform(0.0, 0.6), rng.choice(["worker", "notifier"])) for _ in range(8)]
    assert {w for _, w in kills} == {"worker", "notifier"}

    results, received = {}, {}
    for name, plan in (("clean", []), ("chaos", kills)):
        sink, port = Sink(), free_port()
        ctl = Controller(sink, hostname="127.0.0.1", port=port)
        ctl.start()
        try:
            (tmp_path / name).mkdir()
            world = World(tmp_path / name, port)
            run(world, items, plan)
            results[name] = world.snapshot()
            results[name]["kill_points"] = world.kill_points
        finally:
            ctl.stop()
        received[name] = Counter(sink.tags)

    clean, chaos = results["clean"], results["chaos"]
    # the kills landed while work was under way, not only before or after it
    stored_total = clean["items"]
    assert any(w == "worker" and 0 < n < stored_total for w, n, _ in chaos["kill_points"]), chaos["kill_points"]
    assert any(w == "notifier" and s > 0 for w, _, s in chaos["kill_points"]), chaos["kill_points"]
    print("kills (process, items stored, emails sent):", chaos["kill_points"])
    assert clean["items"] >= 150 and len(clean["cases"]) >= 5
    assert any(c[2] for c in clean["cases"].values()), "the stream has emergencies"
    # the same cases, with the same ids, numbers, units, levels and clocks
    assert chaos["cases"] == clean["cases"]
    assert chaos["clocks"] == clean["clocks"]
    assert chaos["items"] == clean["items"]
    # every alert exactly once in the store, the same in both runs
    assert len(chaos["keys"]) == len(set(chaos["keys"]))
    assert sorted(chaos["keys"]) == sorted(clean["keys"])
    # the poison items are dead letters (invalid ones were stopped at the door or by the worker), once each
    assert chaos["dead"] == clean["dead"] and len(chaos["dead"]) == len(set(chaos["dead"]))
    assert {d for d in clean["dead"]} <= set(poison)
    # every email arrived; a repeat only where a send was cut off by a kill
    for name in ("clean", "chaos"):
        r = results[name]
        assert not r["email_failed"]
        assert set(received[name]) == set(r["emailed"]), name
    assert all(n == 1 for n in received["clean"].values())
    for key, n in received["chaos"].items():
        assert n == 1 or n <= 1 + chaos["interrupted"][key], (key, n, chaos["interrupted"][key])
