"""Run one crawl as a subprocess and hand each item over as it arrives.

    stats = crawl_once("config/sources.yaml", {"DEMO_SITE": site.url}, on_item=bus.publish)

`on_item` is called in the calling thread, once per JSON line, in arrival order. If it raises,
the crawl subprocess is stopped and the exception propagates (nothing is silently lost).
"""
from __future__ import annotations

import json
import logging
import atexit
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

log = logging.getLogger(__name__)
PROJECT_ROOT = Path(__file__).resolve().parents[1]


@dataclass
class CrawlStats:
    items: int = 0                       # lines handed to on_item
    bad_lines: int = 0                   # stdout lines that were not JSON objects
    dropped: dict[str, int] = field(default_factory=dict)   # items/dropped/* and sources/failed/*
    returncode: int | None = None
    timed_out: bool = False
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)         # DROPPED / ERROR lines from stderr
    scrapy_stats: dict = field(default_factory=dict)
    pages: int = 0                       # HTTP responses received (robots.txt included)
    page_records: list[dict] = field(default_factory=list)   # what was fetched (incremental state)

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


def crawl_command(sources_path: str | Path, overrides: dict[str, str] | None = None,
                  only: Iterable[str] = (), stats_out: str | Path | None = None,
                  spider_timeout: float | None = None, state_in: str | Path | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "crawlers.crawl", "--sources", str(sources_path), "--out", "-"]
    if state_in is not None:
        cmd += ["--state", str(state_in)]
    for k, v in (overrides or {}).items():
        cmd += ["--set", f"{k}={v}"]
    for k in only:
        cmd += ["--only", k]
    if stats_out is not None:
        cmd += ["--stats-out", str(stats_out)]
    if spider_timeout is not None:
        cmd += ["--timeout", str(spider_timeout)]
    return cmd


_LIVE: set = set()


def _kill_live() -> None:
    """A parent that exits (Ctrl-C, SIGTERM) takes its crawl subprocesses with it."""
    for proc in list(_LIVE):
        if proc.poll() is None:
            proc.kill()


atexit.register(_kill_live)


def crawl_once(sources_path: str | Path, overrides: dict[str, str] | None = None,
               on_item: Callable[[dict], None] | None = None, timeout: float = 180.0,
               only: Iterable[str] = (), max_error_lines: int = 200,
               state: dict[str, dict[str, dict]] | None = None) -> CrawlStats:
    """Run `python -m crawlers.crawl` once; call on_item for each item line as it arrives.
    With `state` (source key -> url_key -> what was seen) the crawl is incremental and the pages
    it fetched come back in `stats.page_records`."""
    stats = CrawlStats()
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="yuqing-crawl-") as tmp:
        stats_file = Path(tmp) / "stats.json"
        state_file = None
        if state is not None:
            state_file = Path(tmp) / "state.json"
            state_file.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
        cmd = crawl_command(Path(sources_path).resolve(), overrides, only, stats_file,
                            spider_timeout=max(5.0, timeout - 5.0), state_in=state_file)
        env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONIOENCODING="utf-8")
        env["PYTHONPATH"] = str(PROJECT_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        proc = subprocess.Popen(cmd, cwd=str(PROJECT_ROOT), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env, text=True, encoding="utf-8",
                                errors="replace", bufsize=1)
        _LIVE.add(proc)
        tail: deque[str] = deque(maxlen=50)

        def drain_stderr() -> None:
            assert proc.stderr is not None
            for line in proc.stderr:
                line = line.rstrip("\n")
                tail.append(line)
                if "DROPPED" in line or " ERROR:" in line or "Traceback" in line:
                    if len(stats.errors) < max_error_lines:
                        stats.errors.append(line)
                    log.warning("crawl: %s", line)
                else:
                    log.debug("crawl: %s", line)

        def kill_on_timeout() -> None:
            if proc.poll() is None:
                stats.timed_out = True
                log.error("crawl: timed out after %.0f s; stopping pid %d", timeout, proc.pid)
                proc.kill()

        err_thread = threading.Thread(target=drain_stderr, name="crawl-stderr", daemon=True)
        err_thread.start()
        timer = threading.Timer(timeout, kill_on_timeout)
        timer.daemon = True
        timer.start()
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                line = line.strip()
                if not line:
                    continue
                try:
                    item = json.loads(line)
                    if not isinstance(item, dict):
                        raise ValueError("not an object")
                except ValueError:
                    stats.bad_lines += 1
                    log.warning("crawl: not an item line: %.200s", line)
                    continue
                if "__page__" in item and state is not None:
                    stats.page_records.append(item["__page__"])
                    continue
                stats.items += 1
                if on_item is not None:
                    on_item(item)
            proc.wait()
        except BaseException:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            raise
        finally:
            timer.cancel()
            err_thread.join(timeout=5)
        stats.returncode = proc.returncode
        _LIVE.discard(proc)
        if stats_file.exists():
            try:
                stats.scrapy_stats = json.loads(stats_file.read_text(encoding="utf-8"))
            except ValueError:
                pass
    stats.dropped = {k: int(v) for k, v in stats.scrapy_stats.items()
                     if k.startswith(("items/dropped/", "sources/failed/"))}
    stats.pages = int(stats.scrapy_stats.get("response_received_count", 0))
    stats.seconds = round(time.monotonic() - t0, 2)
    if stats.returncode not in (0, None) and not stats.timed_out:
        stats.errors.extend(list(tail)[-10:])
        log.error("crawl: exit status %s; last stderr lines:\n%s", stats.returncode,
                  "\n".join(list(tail)[-10:]))
    return stats
