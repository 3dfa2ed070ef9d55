"""The dashboard in a real browser: `streamlit run` as a subprocess, driven by Playwright + Debian's Chromium.

Needs the Debian packages `chromium` and `fonts-wqy-zenhei` and the PyPI package `playwright`
(the Python package only: never `playwright install`). Skipped when they are missing, except
under CI (env CI set), where that is a failure.
"""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.helpers import actions_of, clocks_of
from tests.dashboard_fixtures import EV_GAS, NOW, add_users, make_store, password_of, seed
from yuqing.records import StoredItem as ItemRow
from yuqing.store.sql import SqlStore

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("YUQING_CHROMIUM", "/usr/bin/chromium")   # Debian's package
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _missing(why: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{why} (required under CI: apt-get install chromium fonts-wqy-zenhei; pip install playwright)")
    pytest.skip(why)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"streamlit exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"streamlit not healthy after {timeout}s:\n{log.read_text(errors='replace')}")


# The README's screenshots are refreshed with YUQING_SCREENSHOTS=docs/screenshots; an ordinary
# run writes them under pytest's temporary directory and leaves the working tree clean.
SHOTS = Path(os.environ["YUQING_SCREENSHOTS"]) if os.environ.get("YUQING_SCREENSHOTS") else \
    Path(tempfile.gettempdir()) / "yuqing-screenshots"


def _index(tmp_path) -> None:
    from yuqing.search.fts5 import Fts5Index
    from yuqing.seams import SearchDoc
    idx = Fts5Index(str(tmp_path / "search.db"))
    idx.index([SearchDoc(id="it-gas-1", title="复兴街餐馆燃气爆炸", content="今天上午复兴街一家餐馆发生燃气爆炸，4人受伤送医。",
                         published_at=NOW, platform="weibo", event_id=EV_GAS, unit="南星街道", level="重大",
                         negative=True)])
    idx.close()


@pytest.fixture()
def server(tmp_path):
    store = make_store(tmp_path)
    seed(store)
    add_users(store, ["xcb", "nanxing", "leader"])
    store.close()
    _index(tmp_path)
    yield from _serve(tmp_path, store.url)


def _serve(tmp_path, store_url: str):
    """`streamlit run` on a free port over the store; yields (page URL, store URL), then stops it."""
    port = _free_port()
    env = dict(os.environ, YUQING_STORE_URL=store_url, YUQING_NOW=NOW.isoformat(),
               YUQING_SEARCH_FTS_PATH=str(tmp_path / "search.db"), STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    log = tmp_path / "streamlit.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "yuqing" / "app" / "dashboard_main.py"),
             "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
             "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_healthy(f"http://127.0.0.1:{port}/_stcore/health", proc, log)
        yield f"http://127.0.0.1:{port}/", store_url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


@pytest.fixture()
def sync_playwright():
    """Playwright's entry point, or skip (fail under CI) when the browser or the package is missing."""
    if not Path(CHROMIUM).exists():
        _missing(f"{CHROMIUM} not installed (Debian package chromium)")
    try:
        from playwright.sync_api import sync_playwright as entry
    except ImportError:
        _missing("the playwright Python package is not installed")
    if os.environ.get("CI") and not _has_chinese_font():
        pytest.fail("no Chinese font: the screenshot would show boxes (Debian package fonts-wqy-zenhei)")
    return entry


def _has_chinese_font() -> bool:
    try:
        out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return bool(out.strip())


@contextmanager
def browser_page(p, width: int, height: int):
    """A page of headless Chromium in Chinese and Shanghai time; the browser closes after."""
    browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    try:
        yield browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN",
                               timezone_id="Asia/Shanghai")
    finally:
        browser.close()


def sign_in(page, url: str, username: str) -> None:
    page.goto(url, wait_until="domcontentloaded", timeout=60_000)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password_of(username))
    page.get_by_role("button", name="登录").click()
    page.get_by_text("退出登录").first.wait_for(timeout=60_000)


def go(page, title: str) -> None:
    """Client-side navigation through the sidebar (a new URL would start a new, signed-out session)."""
    page.locator("[data-testid='stSidebarNav']").get_by_text(title, exact=True).click()


@pytest.mark.parametrize("username", ["xcb", "nanxing", "leader"])
def test_each_role_signs_in_and_opens_overview_a_case_and_search(sync_playwright, server, username):
    url, store_url = server
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        with browser_page(p, 1366, 900) as page:
            sign_in(page, url, username)
            page.get_by_text("调度器状态").first.wait_for(timeout=30_000)
            page.get_by_text("属地热力").first.wait_for(timeout=30_000)
            page.wait_for_timeout(1500)        # let the grids and the chart paint
            overview = page.inner_text("body")
            page.screenshot(path=str(SHOTS / f"overview-{username}.png"), full_page=True)
            go(page, "案件列表")
            page.get_by_text("查看本页案件详情").first.wait_for(timeout=30_000)
            page.get_by_text("研判依据").first.wait_for(timeout=30_000)
            page.wait_for_timeout(1000)
            case = page.inner_text("body")
            page.screenshot(path=str(SHOTS / f"case-{username}.png"), full_page=True)
            go(page, "舆情检索")
            page.get_by_label("关键词").fill("燃气")
            page.get_by_label("关键词").press("Enter")
            page.locator("mark").first.wait_for(timeout=30_000)
            page.wait_for_timeout(500)
            found = page.inner_text("body")
            page.screenshot(path=str(SHOTS / f"search-{username}.png"), full_page=True)
    assert "在办舆情" in overview and "南星街道" in overview
    assert "复兴街餐馆燃气爆炸" in found and "共 1 条" in found
    if username == "leader":
        assert "只读" in case and "起草回应" not in case
        assert "单位待办" not in overview and "系统状态" in overview
    elif username == "nanxing":
        assert "系统状态" not in overview and "建议夜间施工噪音" not in case
        assert "起草回应" in case or "签收" in case
    else:
        assert "特别重大" in case and re.search(r"(?<!特别)重大", overview)
        assert "起草回应" in case


def test_a_unit_acknowledges_in_the_browser(sync_playwright, server):
    url, store_url = server
    with sync_playwright() as p:
        with browser_page(p, 1366, 1200) as page:
            sign_in(page, url, "nanxing")
            go(page, "单位待办")
            page.get_by_text("【时限预警】发布权威信息").first.wait_for(timeout=30_000)
            # Streamlit paints a page in pieces: the alert's text can arrive before its button, so
            # the count is awaited (retried until it holds), not read once.
            from playwright.sync_api import expect
            ack = page.get_by_role("button", name="签收", exact=True)
            expect(ack).to_have_count(1, timeout=30_000)
            ack.first.click()
            page.get_by_text("签收成功").first.wait_for(timeout=30_000)
            page.wait_for_timeout(500)
            page.screenshot(path=str(SHOTS / "todo-nanxing.png"), full_page=True)
    store = SqlStore(store_url, create=False)
    try:
        acks = [a for a in actions_of(store) if a.action == "case.acknowledged" and a.actor == "nanxing"]
        assert len(acks) == 1 and acks[0].unit == "南星街道"
    finally:
        store.close()


HOSTILE = ('<img src="x" onerror="window.__xss=1"><script>window.__xss=2</script>'
           '<a href="javascript:window.__xss=3">点我</a> **粗体** :red[红字] $x^2$')


@pytest.fixture()
def hostile_server(tmp_path):
    """The seeded store with crawled-looking HTML in the top case's title, reasons and an item."""
    from tests.dashboard_fixtures import EV_COLLAPSE, t
    store = make_store(tmp_path)
    seed(store)
    add_users(store, ["xcb"])
    with store.transaction() as tx:
        c = tx.cases.get(EV_COLLAPSE)
        c.title, c.reasons = HOSTILE, [HOSTILE, *c.reasons]
        tx.add(ItemRow(id="it-xss", url="https://bbs.example.cn/t/1", url_key="x1", fingerprint="fx",
                       platform="forum", source=HOSTILE, author=HOSTILE, title=HOSTILE, content=HOSTILE,
                       published_at=t(-6), received_at=t(-6), metrics={}, event_id=EV_COLLAPSE,
                       duplicate_of=None, analysis={"negative": True, "reasons": [HOSTILE]}))
    store.close()
    yield from _serve(tmp_path, store.url)


def test_crawled_html_creates_no_element_in_the_browser(sync_playwright, hostile_server):
    url, _ = hostile_server
    with sync_playwright() as p:
        with browser_page(p, 1600, 1900) as page:
            dialogs = []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            sign_in(page, url, "xcb")
            go(page, "案件列表")
            page.get_by_text("研判依据").first.wait_for(timeout=60_000)
            page.get_by_text("onerror", exact=False).first.wait_for(timeout=30_000)   # shown, as text
            page.wait_for_timeout(1500)
            assert page.locator("img[src='x']").count() == 0
            assert page.locator("a[href^='javascript']").count() == 0
            assert page.locator("script:has-text('__xss')").count() == 0
            assert page.evaluate("window.__xss === undefined")
            assert dialogs == []
            body = page.inner_text("body")
            assert "**粗体**" in body and ":red[红字]" in body       # Markdown shown as typed
