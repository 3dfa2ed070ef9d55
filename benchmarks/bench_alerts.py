#!/usr/bin/env python3
"""Alerts through the outbox to a local webhook server, against the same run with the inbox only.

    python benchmarks/bench_alerts.py [--alerts 1000] [--robots 50]

The notifier's loop as it runs: alerts are written to the outbox (`fire`, one unit of work each,
as a case change is handled) in rounds of one per recipient, and after each round one delivery
pass sends what is due. 50 recipients each have their own WeCom robot on a local HTTP server
(127.0.0.1, answering as WeCom does), so 1,000 alerts stay within WeCom's 20 a minute per robot
and none is folded into a digest. Reported: alerts per second end to end, and the p50/p99 time
from writing an alert to the server receiving it (webhook) or to it being marked delivered
(inbox); then webhook ÷ inbox. Both sides use a fresh SQLite store in the same run.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from responders.alerts import AlertSpec, Outbox, fire  # noqa: E402
from responders.channels import wecom  # noqa: E402
from responders.channels.config import ChannelsConfig  # noqa: E402
from responders.channels.inbox import InboxChannel  # noqa: E402
from responders.channels.webhook import alert_tag  # noqa: E402
from responders.delivery import deliver  # noqa: E402
from tests.servers.webhook import Answer, WebhookServer  # noqa: E402
from yuqing.records import Case  # noqa: E402
from yuqing.seams import Recipient  # noqa: E402
from yuqing.store.sql import SqlStore  # noqa: E402
from yuqing.timeutil import SystemClock  # noqa: E402

UNIT = "南星街道"


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def run(n: int, robots: int, url: str | None, received: dict[str, float]) -> tuple[float, list[float]]:
    tmp = tempfile.mkdtemp(prefix="bench-alerts-")
    store = SqlStore(f"sqlite:///{tmp}/y.db", clock=SystemClock())
    now = datetime.now(timezone.utc)
    with store.transaction() as tx:
        tx.add(Case(event_id="bench", severity="一般", first_published_at=now, last_published_at=now, updated_at=now,
                    status="open", title="基准测试案件", number="20261123-001", first_responsible=UNIT))
    roles = [f"值班{i:02d}" for i in range(robots)]
    if url:
        env = {f"BENCH_ROBOT_{i:02d}": f"key-{i:02d}-0123456789" for i in range(robots)}
        ch = wecom.WecomChannel.from_config(wecom.Config(base_url=url, robots=[
            {"unit": UNIT, "role": r, "webhook_env": f"BENCH_ROBOT_{i:02d}"} for i, r in enumerate(roles)]), {}, env)
        channels = {"inbox": InboxChannel(), "wecom": ch}
        cfg = ChannelsConfig(enabled=["inbox", "wecom"], broadcast_levels=[])
        outbox = Outbox(cfg, ["inbox", "wecom"], {"inbox": InboxChannel().address, "wecom": ch.address})
    else:
        channels = {"inbox": InboxChannel()}
        cfg = ChannelsConfig(enabled=["inbox"], broadcast_levels=[])
        outbox = Outbox(cfg, ["inbox"])
    written: dict[int, tuple[float, str]] = {}
    t0 = time.perf_counter()
    i = 0
    while i < n:
        for r in roles:
            if i >= n:
                break
            spec = AlertSpec(kind="new_case", level="一般", to=Recipient(1, UNIT, r), lead=f"第{i}条", key_suffix=f"|{i}")
            t = time.perf_counter()
            (aid,) = fire(store, f"bench:{i}", by="bench", now=datetime.now(timezone.utc), case_id="bench",
                          specs=[spec], outbox=outbox)
            with store.reader() as rd:
                written[aid] = (t, rd.alerts.get(aid).dedup_key)
            i += 1
        deliver(store, channels, cfg, now=datetime.now(timezone.utc), limit=5000)
    total = time.perf_counter() - t0
    lat = []
    if url:
        for t, key in written.values():
            lat.append(received[alert_tag(key)] - t)
    else:
        with store.reader() as rd:
            ds = {d.alert_id: d for d in rd.deliveries.all()}
        # inbox: delivered when its delivery is marked; sent_at is wall time (UTC)
        base = datetime.now(timezone.utc).timestamp() - time.perf_counter()
        for aid, (t, _) in written.items():
            lat.append(ds[aid].sent_at.timestamp() - base - t)
    assert len(lat) == n, f"{len(lat)} of {n} alerts delivered"
    store.close()
    return n / total, lat


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--alerts", type=int, default=1000)
    ap.add_argument("--robots", type=int, default=50)
    a = ap.parse_args()
    received: dict[str, float] = {}
    with WebhookServer() as server:
        def answer(req):
            received.setdefault(req.headers["x-yuqing-alert"], time.perf_counter())
            return Answer(200, {"errcode": 0, "errmsg": "ok"})
        server.responder = answer
        hook_rate, hook_lat = run(a.alerts, a.robots, server.url, received)
        dup = len(server.requests) - len(received)
    inbox_rate, inbox_lat = run(a.alerts, a.robots, None, received)
    print(f"{a.alerts} alerts, {a.robots} recipients (one robot each), one delivery pass per round of {a.robots}")
    print(f"webhook (WeCom robots on 127.0.0.1): {hook_rate:7.1f} alerts/s, p50 {pct(hook_lat, 50) * 1000:6.1f} ms, "
          f"p99 {pct(hook_lat, 99) * 1000:6.1f} ms (posts {len(server.requests)}, repeats {dup})")
    print(f"inbox only                         : {inbox_rate:7.1f} alerts/s, p50 {pct(inbox_lat, 50) * 1000:6.1f} ms, "
          f"p99 {pct(inbox_lat, 99) * 1000:6.1f} ms")
    print(f"ratio webhook / inbox: throughput {hook_rate / inbox_rate:.2f}×, p99 {pct(hook_lat, 99) / pct(inbox_lat, 99):.2f}×")
    return 0 if dup == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
