"""The scheduler: one process (never inside Streamlit) that sweeps due work from the database.

Each sweep: heartbeat → escalate running clocks (warnings, late, district leader, consent,
reminders) → deliver pending alerts. The database is the source of truth: a sweep holds no
state, so a restart, a missed sweep or a second scheduler started by mistake changes nothing
(each firing has a unique key). `yuqing scheduler` runs it every SCHEDULER_SWEEP_SECONDS and
once at start; `python -m responders.scheduler --once` runs one sweep.
"""
from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
from datetime import datetime
from typing import Any, Callable, Mapping

from responders.alerts import Outbox, deliver_pending
from responders.escalation import SweepReport, escalate
from yuqing.timeutil import Clock, ManualClock, SystemClock, parse_time

log = logging.getLogger("yuqing.scheduler")


def sweep(store, clock: Clock, notifiers: Mapping[str, Any] | list | None = None, *, config=None,
          outbox: Outbox | None = None, by: str | None = None, deliver: bool = True,
          heartbeat: bool = True) -> SweepReport:
    """One sweep at clock.now(). `config` is needed only for cases whose policy is not yet frozen
    and for email addresses (default: the config directory in use)."""
    now = clock.now()
    by = by or f"scheduler@{socket.gethostname()}:{os.getpid()}"
    cfg_cache: dict[str, Any] = {}

    def config_loader():
        if config is not None:
            return config
        if "cfg" not in cfg_cache:
            from yuqing.config import load_config
            cfg_cache["cfg"] = load_config()
        return cfg_cache["cfg"]

    if notifiers is None:
        from responders.runtime import build_notifiers
        notifiers = build_notifiers(config_loader())
    if not isinstance(notifiers, Mapping):
        notifiers = {n.name: n for n in notifiers}
    if outbox is None:
        outbox = Outbox.from_config(config_loader(), active=list(notifiers))
    report = SweepReport(at=now)
    if heartbeat:
        _beat(store, now, by, "sweeping")
    escalate(store, outbox, now, by=by, config_loader=config_loader, report=report)
    if deliver:
        try:
            report.deliveries = deliver_pending(store, notifiers, now=now,
                                                max_attempts=outbox.channels.max_attempts,
                                                channels=outbox.channels)
        except Exception as exc:
            log.exception("delivery failed")
            report.errors.append(f"delivery: {type(exc).__name__}: {exc}")
    if heartbeat:
        _beat(store, now, by, "ok" if not report.errors else "errors", report.summary())
    return report


def _beat(store, now: datetime, by: str, state: str, summary: dict | None = None) -> None:
    try:
        store.heartbeat("scheduler", {"by": by, "state": state, "sweep_at": now.isoformat(), **(summary or {})})
    except Exception:
        log.exception("heartbeat failed")


def run(store, clock: Clock, notifiers, *, config, interval: int, once: bool = False) -> int:
    if once:
        r = sweep(store, clock, notifiers, config=config)
        print(_fmt(r))
        return 1 if r.errors else 0
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.interval import IntervalTrigger
    sched = BlockingScheduler(timezone="Asia/Shanghai")

    def job() -> None:
        try:
            r = sweep(store, clock, notifiers, config=config)
            log.info("sweep: %s", r.summary())
        except Exception:
            log.exception("sweep failed; next sweep in %ss", interval)

    # Once at start (next_run_time now), then every `interval` s; never two sweeps at once here.
    sched.add_job(job, IntervalTrigger(seconds=interval), id="sweep", max_instances=1, coalesce=True,
                  next_run_time=datetime.now().astimezone(), misfire_grace_time=interval)
    print(f"调度器已启动：每 {interval} 秒扫描一次到期时限与待发提醒（Ctrl-C 停止）", flush=True)
    try:
        sched.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    return 0


def _fmt(r: SweepReport) -> str:
    d = r.deliveries or {}
    return (f"扫描完成：时限 {r.clocks} 个，触发 {len(r.fired)} 次（逾期 {len(r.late)}，视为同意 {len(r.consents)}），"
            f"催办 {len(r.reminders)} 次，已触发跳过 {r.already} 次；投递 成功 {d.get('sent', 0)}、"
            f"待重试 {d.get('retry', 0)}、失败 {d.get('failed', 0)}" + (f"；错误 {len(r.errors)}" if r.errors else ""))


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--once", action="store_true", help="run one sweep and exit")
    p.add_argument("--store", help="store URL (default: setting STORE_URL)")
    p.add_argument("--now", help="sweep as if it were this ISO time (replays, tests); implies a fixed clock")
    p.add_argument("--interval", type=int, help="seconds between sweeps (default: SCHEDULER_SWEEP_SECONDS)")
    p.add_argument("--set", action="append", metavar="NAME=VALUE", help="override a setting")


def cmd_scheduler(args, out=None, err=None) -> int:
    from responders.runtime import build_notifiers, load_settings
    from yuqing.config import ConfigError, load_config
    from yuqing.store.sql import SqlStore
    try:
        cfg = load_config(getattr(args, "config", None))
    except ConfigError as exc:
        for p in exc.problems:
            print(f"  {p}", file=err or sys.stderr)
        return 2
    overrides = dict(kv.partition("=")[::2] for kv in (args.set or []))
    settings = load_settings(cfg, overrides)
    clock: Clock = ManualClock(parse_time(args.now)) if args.now else SystemClock()
    store = SqlStore(args.store or settings["STORE_URL"], clock=clock)
    try:
        notifiers = build_notifiers(cfg, settings)
        return run(store, clock, notifiers, config=cfg, interval=args.interval or settings["SCHEDULER_SWEEP_SECONDS"],
                   once=args.once or bool(args.now))
    finally:
        store.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m responders.scheduler", description="舆情时限调度器")
    p.add_argument("--config", help="config directory")
    add_arguments(p)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    return cmd_scheduler(args)


if __name__ == "__main__":
    sys.exit(main())
