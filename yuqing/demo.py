"""`yuqing demo`: the whole system on the embedded default, from one command.

Starts the demo news site (developing incidents in the sample district), the pipeline service
(crawl on an interval → bus → routing → SQLite), the escalation scheduler in its own process,
and the Streamlit dashboard; prints the dashboard's address; Ctrl-C stops everything it started.
"""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from yuqing.config import Config
from yuqing.settings import Settings

log = logging.getLogger("yuqing.demo")
ROOT = Path(__file__).resolve().parents[1]


def _wait_http(url: str, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return True
        except OSError:
            time.sleep(0.3)
    return False


def run_demo(cfg: Config, settings: Settings, *, fresh: bool = True, port: int | None = None,
             stop: threading.Event | None = None, out=sys.stdout) -> int:
    from crawlers.demo_site import DemoSite
    from yuqing.service import Service

    url = settings["STORE_URL"]
    if fresh and url.startswith("sqlite:///") and ":memory:" not in url:
        db = Path(url[len("sqlite:///"):])
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)   # a demo starts from an empty store
    site = DemoSite(speed=settings["DEMO_SPEED"], port=settings["DEMO_SITE_PORT"]).start()
    service = Service(cfg, settings, overrides={"DEMO_SITE": site.url})
    procs: list[subprocess.Popen] = []
    env = dict(os.environ, YUQING_STORE_URL=url, YUQING_CONFIG=str(cfg.dir), PYTHONUNBUFFERED="1")
    dash_port = port or settings["DASHBOARD_PORT"]
    try:
        service.start()
        procs.append(subprocess.Popen([sys.executable, "-m", "yuqing.cli", "scheduler"], env=env, cwd=ROOT,
                                      start_new_session=True))
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"),
             "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(dash_port),
             "--browser.gatherUsageStats", "false"],
            env=env, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL))
        dash = f"http://127.0.0.1:{dash_port}"
        ok = _wait_http(f"{dash}/_stcore/health", 60)
        print(f"演示新闻站 / demo news site: {site.url}", file=out)
        print(f"舆情看板 / dashboard: {dash}" + ("" if ok else "  (仍在启动 / still starting)"), file=out)
        print("按 Ctrl-C 停止全部进程 / Ctrl-C stops everything", file=out, flush=True)
        stop = stop or threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        while not stop.is_set():
            for p in procs:
                if p.poll() is not None:
                    log.error("a demo process exited (%s, code %s)", p.args[:4], p.returncode)
            stop.wait(1.0)
    except KeyboardInterrupt:
        pass
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
        service.stop()
        site.stop()
        print("已停止 / stopped", file=out)
    return 0
