"""The long-running processes, built from `Parts` (the composition root):

- `Service` (`yuqing run`): crawls every source on its own APScheduler interval (each crawl a
  subprocess: Scrapy's reactor cannot restart) and publishes items on the bus; optionally the
  worker and the notifier run in threads of the same process (the embedded default);
- `worker_loop` (`yuqing worker`): bus → engine → store, with retries and dead letters;
- `notifier_loop` (`yuqing notifier`): case events → alerts → delivery, every few seconds;
- `scheduler_loop` (`yuqing scheduler`): escalation sweeps every SCHEDULER_SWEEP_SECONDS.
Every loop stops cleanly on SIGTERM/SIGINT (`Stop`), and a stopped parent stops its children.
"""
from __future__ import annotations

import logging
import signal
import threading
import time
from datetime import datetime

from yuqing.app.build import Parts

log = logging.getLogger("yuqing.service")


class Stop:
    """A stop flag set by SIGTERM/SIGINT (installed in the main thread) or by code."""

    def __init__(self, install: bool = False):
        self.event = threading.Event()
        if install and threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: self.event.set())

    def set(self) -> None:
        self.event.set()

    def is_set(self) -> bool:
        return self.event.is_set()

    def wait(self, seconds: float) -> bool:
        return self.event.wait(seconds)


def build_worker(p: Parts, *, group: str = "pipeline"):
    from pipeline.worker import Worker
    s = p.settings
    return Worker(p.engine, p.store, p.bus, s["BUS_TOPIC_ITEMS"], group=group, clock=p.clock,
                  dead_topic=s["BUS_TOPIC_DEAD"], retries=s["WORKER_RETRIES"],
                  retry_seconds=s["WORKER_RETRY_SECONDS"], search=p.search, config=p.config)


def build_stage(p: Parts, stage: str):
    """One stage of the pipeline for several workers (pipeline/scaled.py); "all" is the one-process worker."""
    if stage == "all":
        return build_worker(p)
    from pipeline.scaled import Analyser, Decider, Recorder
    s = p.settings
    common = dict(clock=p.clock, dead_topic=s["BUS_TOPIC_DEAD"], retries=s["WORKER_RETRIES"],
                  retry_seconds=s["WORKER_RETRY_SECONDS"], config=p.config)
    if stage == "analyse":
        return Analyser(p.engine, p.store, p.bus, s["BUS_TOPIC_ITEMS"], group="analyse",
                        out_topic=s["BUS_TOPIC_ANALYSED"], **common)
    if stage == "decide":
        return Decider(p.engine, p.store, p.bus, s["BUS_TOPIC_ANALYSED"], group="decide",
                       out_topic=s["BUS_TOPIC_DECISIONS"], raw_topic=s["BUS_TOPIC_ITEMS"], **common)
    if stage == "record":
        return Recorder(None, p.store, p.bus, s["BUS_TOPIC_DECISIONS"], group="record",
                        case_topic=s["BUS_TOPIC_CASE_EVENTS"], search=p.search, **common)
    raise ValueError(f"WORKER_STAGE: unknown stage {stage!r} (all | analyse | decide | record)")


def worker_loop(p: Parts, stop: Stop, *, worker=None, poll_seconds: float = 0.5) -> None:
    worker = worker or build_worker(p)
    restored = worker.restore()
    log.info("worker started (%d items restored)", restored)
    try:
        while not stop.is_set():
            try:
                worker.run_once(timeout=poll_seconds)
            except Exception:              # the store is down, the bus is gone: wait, try again
                log.exception("worker loop error; retrying in 1 s")
                stop.wait(1.0)
    finally:
        worker.close()


def notify_once(p: Parts, *, now: datetime | None = None, name: str = "notifier"):
    from responders.scheduler import sweep
    from yuqing.timeutil import ManualClock
    clock = ManualClock(now) if now is not None else p.clock
    return sweep(p.store, clock, p.channels, config=p.config, outbox=p.outbox, escalation=False, name=name)


def notifier_loop(p: Parts, stop: Stop, *, interval: float | None = None) -> None:
    every = interval if interval is not None else p.settings["NOTIFIER_POLL_SECONDS"]
    log.info("notifier started: every %ss", every)
    while not stop.is_set():
        try:
            notify_once(p)
        except Exception:
            log.exception("notifier pass failed")
        stop.wait(every)


def scheduler_loop(p: Parts, stop: Stop, *, interval: int | None = None, out=None) -> None:
    """Escalation sweeps (and case events and delivery, which are idempotent) on APScheduler."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.interval import IntervalTrigger
    from responders.scheduler import sweep
    every = interval or p.settings["SCHEDULER_SWEEP_SECONDS"]
    sched = BackgroundScheduler(timezone=str(p.config.district.tz))

    def job() -> None:
        try:
            r = sweep(p.store, p.clock, p.channels, config=p.config, outbox=p.outbox)
            log.info("sweep: %s", r.summary())
        except Exception:
            log.exception("sweep failed; next sweep in %ss", every)

    # Once at start (APScheduler runs on the wall clock), then every `every` s; never two at once.
    sched.add_job(job, IntervalTrigger(seconds=every), id="sweep", max_instances=1, coalesce=True,
                  next_run_time=datetime.now().astimezone(), misfire_grace_time=every)
    sched.start()
    if out is not None:
        print(f"调度器已启动：每 {every} 秒扫描一次到期时限与待发提醒（Ctrl-C 停止）", file=out, flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        sched.shutdown(wait=True)


class StoreCrawlState:
    """The crawlers' incremental state (crawlers.kinds.CrawlState) kept in the store."""

    def __init__(self, store, clock):
        self.store, self.clock = store, clock

    def pages(self, source: str) -> dict:
        with self.store.reader() as r:
            return r.sources.pages(source)

    def mark(self, source: str, records: list[dict]) -> None:
        with self.store.transaction() as tx:
            tx.sources.mark(source, records, self.clock.now())


class Service:
    """`yuqing run`: crawling, and (embedded) the worker and the notifier in threads."""

    def __init__(self, p: Parts, *, overrides: dict[str, str] | None = None, crawl: bool = True,
                 work: bool = True, notify: bool = True):
        from apscheduler.schedulers.background import BackgroundScheduler
        self.p = p
        self.overrides = dict(overrides or {})
        self.crawl_enabled, self.work, self.notify = crawl, work, notify
        self.scheduler = BackgroundScheduler(timezone=str(p.config.district.tz))
        self.stop_flag = Stop()
        self._threads: list[threading.Thread] = []
        self.crawls = 0

    # ---- crawling ----
    def crawl(self, only: tuple[str, ...] | str = ()) -> None:
        """Crawl the given sources (default: every enabled one), each through its kind, and
        record each run (pages, items, errors, failures in a row) in the store."""
        from crawlers.kinds import Context, build_source
        from crawlers.sources import load_sources
        only = (only,) if isinstance(only, str) else tuple(only)
        topic = self.p.settings["BUS_TOPIC_ITEMS"]
        bus = self.p.bus
        publish = lambda item: bus.publish(topic, str(item.get("id")), item)
        path = self.p.config.dir / "sources.yaml"
        ctx = Context(path, self.overrides, state=StoreCrawlState(self.p.store, self.p.clock), clock=self.p.clock)
        for entry in load_sources(path, self.overrides).enabled:
            if only and entry.key not in only:
                continue
            self.crawl_source(entry, ctx, publish)

    def crawl_source(self, entry, ctx, publish):
        from crawlers.kinds import build_source, kind_label
        try:
            stats = build_source(entry, ctx).crawl(publish)
        except Exception as exc:             # a kind that raises is a failed run, not a dead scheduler
            log.exception("crawl %s failed", entry.key)
            from yuqing.seams import CrawlStats
            stats = CrawlStats(source=entry.key, failed=True, errors=[f"{type(exc).__name__}: {exc}"])
        self.crawls += 1
        errors = sum(v for k, v in stats.dropped.items())
        with self.p.store.transaction() as tx:
            tx.sources.record_run(entry.key, now=self.p.clock.now(), ok=not stats.failed, pages=stats.pages,
                                  items=stats.items, errors=errors + (1 if stats.failed and not errors else 0),
                                  error="\n".join(stats.errors[-3:]),
                                  details={"name": entry.name, "kind": entry.kind, "kind_label": kind_label(entry.kind),
                                           "alert_after": entry.alert_after_failures})
        self.p.store.heartbeat(f"crawler:{entry.key}", {"items": stats.items, "dropped": stats.dropped,
                                                        "errors": stats.errors[-5:]})
        log.info("crawl %s: %d pages, %d items, dropped %s%s", entry.key, stats.pages, stats.items, stats.dropped,
                 " (FAILED)" if stats.failed else "")
        return stats

    def _schedule_crawls(self) -> None:
        from crawlers.schedule import schedule_sources
        from crawlers.sources import load_sources
        sources = load_sources(self.p.config.dir / "sources.yaml", self.overrides)
        schedule_sources(self.scheduler, sources.enabled, self.crawl, floor=self.p.settings["CRAWL_INTERVAL_SECONDS"],
                         tz=self.p.config.district.tz)

    def start(self) -> "Service":
        self.p.store      # open (and on first use create) the store once, before threads race to do it
        if self.work:
            self._threads.append(threading.Thread(target=worker_loop, args=(self.p, self.stop_flag),
                                                  name="pipeline-worker", daemon=True))
        if self.notify:
            self._threads.append(threading.Thread(target=notifier_loop, args=(self.p, self.stop_flag),
                                                  name="notifier", daemon=True))
        for t in self._threads:
            t.start()
        if self.crawl_enabled:
            self._schedule_crawls()
        self.scheduler.start()
        return self

    def stop(self, *, wait: bool = False, close: bool = True) -> None:
        """Stop crawling and the threads; `wait` lets a running crawl finish, `close=False` keeps
        the parts open (a benchmark reads the store afterwards)."""
        self.stop_flag.set()
        try:
            self.scheduler.shutdown(wait=wait)
        except Exception:
            pass
        for t in self._threads:
            t.join(timeout=10)
        if close:
            self.p.close()


def wait_forever(stop: Stop) -> None:
    while not stop.wait(0.5):
        pass

