"""`yuqing run`: the embedded system in one process.

Crawls every source on its APScheduler interval (each crawl a subprocess: Scrapy's reactor
cannot restart), publishes items on the bus, and a worker thread routes them into the store.
With BUS=kafka the same pieces run as separate processes (`yuqing crawl-loop`, `yuqing worker`).
"""
from __future__ import annotations

import logging
from datetime import datetime
import threading
import time
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler

from yuqing.config import Config
from yuqing.settings import Settings
from yuqing.timeutil import Clock, SystemClock

log = logging.getLogger("yuqing.service")


class Service:
    def __init__(self, cfg: Config, settings: Settings, *, overrides: dict[str, str] | None = None,
                 clock: Clock | None = None, crawl: bool = True):
        from pipeline.engine import Engine
        from pipeline.worker import Worker
        from yuqing.bus import make_bus
        from yuqing.store.sql import SqlStore

        self.cfg, self.settings, self.overrides = cfg, settings, dict(overrides or {})
        self.clock = clock or SystemClock()
        self.store = SqlStore(settings["STORE_URL"], clock=self.clock)
        self.bus = make_bus(settings)
        self.topic = settings["BUS_TOPIC_ITEMS"]
        self.engine = Engine(cfg, sentiment_model=settings["SENTIMENT_MODEL"] or None,
                             stages=settings["STAGES"] or None)
        self.worker = Worker(self.engine, self.store, self.bus, self.topic, clock=self.clock,
                             on_change=self._on_change())
        self.crawl_enabled = crawl
        self.scheduler = BackgroundScheduler(timezone=str(cfg.district.tz))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.crawls = 0

    def _on_change(self):
        try:
            from responders.dispatch import on_case_change
        except ImportError:       # responders not installed: cases are routed, nobody is alerted
            log.warning("responders.dispatch not available: no alerts")
            return None
        return lambda dec, changes: on_case_change(self.store, self.cfg, dec, changes, self.clock)

    # ---- crawling ----
    def crawl(self, only: tuple[str, ...] = ()) -> None:
        from crawlers.runner import crawl_once
        sources = self.cfg.dir / "sources.yaml"
        publish = lambda item: self.bus.publish(self.topic, str(item.get("id")), item)
        stats = crawl_once(sources, self.overrides, on_item=publish, timeout=120, only=only)
        self.crawls += 1
        self.store.heartbeat("crawler", {"items": stats.items, "dropped": stats.dropped,
                                         "errors": stats.errors[-5:], "returncode": stats.returncode})
        log.info("crawl %s: %d items, dropped %s", only or "all", stats.items, stats.dropped)

    def _schedule_crawls(self) -> None:
        from crawlers.sources import load_sources
        sources = load_sources(self.cfg.dir / "sources.yaml", self.overrides)
        interval = self.settings["CRAWL_INTERVAL_SECONDS"]
        for src in sources.enabled:
            every = min(src.interval_seconds, interval) if interval else src.interval_seconds
            # first run right away: the demo must show cases within a minute
            self.scheduler.add_job(self.crawl, "interval", seconds=every, args=[(src.key,)], id=f"crawl:{src.key}",
                                   # APScheduler runs on the wall clock, not the injected one
                                   next_run_time=datetime.now(self.cfg.district.tz), max_instances=1, coalesce=True,
                                   replace_existing=True)

    # ---- the worker loop ----
    def _work(self) -> None:
        restored = self.worker.restore()
        log.info("worker started (%d items restored)", restored)
        while not self._stop.is_set():
            try:
                self.worker.run_once(timeout=0.5)
            except Exception:
                log.exception("worker loop error; continuing")
                time.sleep(1)

    def start(self) -> "Service":
        self._thread = threading.Thread(target=self._work, name="pipeline-worker", daemon=True)
        self._thread.start()
        if self.crawl_enabled:
            self._schedule_crawls()
        self.scheduler.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        try:
            self.scheduler.shutdown(wait=False)
        except Exception:
            pass
        if self._thread:
            self._thread.join(timeout=10)
        self.worker.close()
        self.store.close()
