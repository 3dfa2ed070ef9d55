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

from datetime import datetime, timezone

from yuqing.app.build import Parts

log = logging.getLogger("yuqing.app.demo")
ROOT = Path(__file__).resolve().parents[2]
DEMO_PREFIXES = ("demo",)     # id prefixes of the demo's sources (config/sources.yaml: demo, demoboard, demohotline)


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


def _demo_only(p: Parts) -> bool:
    """True when the store holds nothing but the demo's own items (or does not exist yet)."""
    from yuqing.store.sql import sqlite_path
    path = sqlite_path(p.settings["STORE_URL"])
    if path is None or not path.exists():
        return True
    try:
        with p.store.reader() as r:
            rows = r.items.since(datetime(2000, 1, 1, tzinfo=timezone.utc), limit=2000)
    except Exception:
        return False
    return all(row.id.startswith(DEMO_PREFIXES) for row in rows)


DEMO_OFFICE = (("xcb", "区委宣传部", "宣传部值班员"), ("qfb", "区政府办公室", "区政府办公室值班员"),
               ("shenhe1", "区委宣传部", "审核员一"), ("shenhe2", "区委宣传部", "审核员二"),
               ("shenhe3", "区委宣传部", "审核员三"))


def demo_accounts(p: Parts, out=sys.stdout, environ=None) -> list[tuple[str, str, str | None]]:
    """Accounts to sign in to the demo dashboard: the office (and three reviewers for 三审三校),
    a leader, and one account per unit of the district named after the unit. The password is
    YUQING_DEMO_PASSWORD, or generated and printed once; an account that exists is kept as it is."""
    import secrets
    from concurrent.futures import ThreadPoolExecutor
    from responders.accounts import AccountError, add_user
    env = os.environ if environ is None else environ
    given = env.get("YUQING_DEMO_PASSWORD") or ""
    password = given or secrets.token_urlsafe(9)
    d = p.config.district
    wanted = [(u, "office", unit, name) for u, unit, name in DEMO_OFFICE] + [("leader", "leader", None, "区领导")]
    wanted += [(u.name, "unit", u.name, f"{u.name}值班员") for u in [*d.streets, *d.zones, *d.departments]]
    now = p.clock.now()
    with p.store.reader() as r:
        have = {u.username for u in r.users.list()}

    def add(w):
        try:
            add_user(p.store, w[0], password, role=w[1], unit=w[2], display_name=w[3], now=now)
            return w
        except AccountError:          # created meanwhile: kept
            return None
    with ThreadPoolExecutor(max_workers=8) as pool:     # Argon2 is slow by design and frees the GIL
        made = [w for w in pool.map(add, [w for w in wanted if w[0] not in have]) if w]
    if made:
        shown = "（来自 YUQING_DEMO_PASSWORD）/ from YUQING_DEMO_PASSWORD" if given else password
        print(f"演示账号 / demo accounts ({len(made)})，密码 / password: {shown}", file=out)
        print("  宣传部/办公室: xcb（区委宣传部）、qfb（区政府办公室）、shenhe1–3（三审三校审核人）", file=out)
        print("  领导: leader；责任单位: 以单位名称登录，如 南星街道、湖滨街道、区城管局", file=out)
    elif have:
        print("演示账号已存在，密码未改变 / demo accounts kept (passwords unchanged; yuqing user passwd …)", file=out)
    return [(w[0], w[1], w[2]) for w in made]


def run_demo(p: Parts, *, fresh: bool = True, port: int | None = None, stop=None, out=sys.stdout,
             err=sys.stderr) -> int:
    """The demo on the store every command uses (STORE_URL): `yuqing case`, `yuqing report` and the
    dashboard see what it makes. A store holding other data is never wiped."""
    from crawlers.demo_site import DemoSite
    from yuqing.app.commands import stop_children, streamlit_command
    from yuqing.app.service import Service, Stop
    from yuqing.store.sql import sqlite_path

    url = p.settings["STORE_URL"]
    path = sqlite_path(url)
    if fresh and path is not None:
        if not _demo_only(p):
            print(f"注意 / note: {path} 中有非演示数据，保留不清空（演示接着写入）/ the store holds other data: "
                  f"it is kept", file=err)
        else:
            p.close()
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)   # a demo starts from an empty store
            p._cache.clear()
    site = DemoSite(speed=p.settings["DEMO_SPEED"], port=p.settings["DEMO_SITE_PORT"]).start()
    stop = stop or Stop(install=True)
    service = Service(p, overrides={"DEMO_SITE": site.url})
    procs: list[subprocess.Popen] = []
    env = dict(os.environ, YUQING_STORE_URL=url, YUQING_CONFIG=str(p.config.dir), PYTHONUNBUFFERED="1")
    for k in ("BUS", "BUS_SQLITE_PATH"):
        env[f"YUQING_{k}"] = str(p.settings.get(k, ""))
    dash_port = port or p.settings["DASHBOARD_PORT"]
    try:
        p.store                                   # migrated before the children start
        demo_accounts(p, out)
        service.start()
        procs.append(subprocess.Popen([sys.executable, "-m", "yuqing.app.cli", "scheduler"], env=env, cwd=ROOT,
                                      start_new_session=True))
        procs.append(subprocess.Popen(streamlit_command(dash_port), env=env, cwd=ROOT, start_new_session=True,
                                      stdout=subprocess.DEVNULL))
        dash = f"http://127.0.0.1:{dash_port}"
        ok = _wait_http(f"{dash}/_stcore/health", 60)
        print(f"演示新闻站 / demo news site: {site.url}", file=out)
        print(f"舆情看板 / dashboard: {dash}" + ("" if ok else "  (仍在启动 / still starting)"), file=out)
        print("按 Ctrl-C 停止全部进程 / Ctrl-C stops everything", file=out, flush=True)
        while not stop.wait(1.0):
            for proc in procs:
                if proc.poll() is not None:
                    log.error("a demo process exited (%s, code %s)", proc.args[:4], proc.returncode)
    except KeyboardInterrupt:
        pass
    finally:
        stop_children(procs)
        service.stop()
        site.stop()
        print("已停止 / stopped", file=out)
    return 0
