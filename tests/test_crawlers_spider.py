"""The crawl subprocess against a small local fixture server (127.0.0.1 only)."""
from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from crawlers.runner import PROJECT_ROOT, crawl_command, crawl_once
from yuqing.model import Item

pytestmark = pytest.mark.integration
PAGES = Path(__file__).parent / "fixtures" / "pages"


class FixtureServer:
    """Serves fixture pages; {BASE} in feeds is replaced by the server's URL."""

    def __init__(self):
        routes: dict[str, tuple[int, bytes, str]] = {}
        self.routes = routes

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):  # noqa: N802
                status, body, ctype = routes.get(self.path, (404, b"not found", "text/plain"))
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        feed = lambda name: (200, (PAGES / name).read_text(encoding="utf-8")  # noqa: E731
                             .replace("{BASE}", self.url).encode("utf-8"),
                             "application/rss+xml; charset=utf-8")
        gbk = (PAGES / "article_gbk_template.html").read_text(encoding="utf-8").encode("gbk")
        notime = (PAGES / "article_no_time.html").read_bytes()
        self.routes.update({
            "/feed.xml": feed("feed_ok.xml"),
            "/bad.xml": feed("feed_malformed.xml"),
            "/a/utf8.html": (200, (PAGES / "article_utf8.html").read_bytes(), "text/html; charset=utf-8"),
            "/a/gbk.html": (200, gbk, "text/html"),                       # no declaration anywhere
            "/a/notime.html": (200, notime, "text/html"),
            "/a/salvaged.html": (200, notime.replace("复兴路口".encode(), "婺江路口".encode()), "text/html"),
            "/a/error500.html": (500, b"oops", "text/html"),
            "/a/empty.html": (200, b"", "text/html"),
            "/a/nocontent.html": (200, b"<html><body><div>\xe9\xa6\x96\xe9\xa1\xb5</div></body></html>",
                                  "text/html; charset=utf-8"),
        })
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture()
def server():
    with FixtureServer() as s:
        yield s


@pytest.fixture()
def sources_file(tmp_path):
    cfg = {"sources": [
        {"key": "fx_ok", "name": "fixture ok", "kind": "rss", "url": "${FX}/feed.xml",
         "platform": "news", "source": "测试源", "interval_seconds": 60, "enabled": True},
        {"key": "fx_bad", "name": "fixture malformed", "kind": "rss", "url": "${FX}/bad.xml",
         "platform": "forum", "interval_seconds": 60, "enabled": True},
        {"key": "fx_gone", "name": "refused", "kind": "listing", "url": "http://127.0.0.1:9/",
         "platform": "news", "interval_seconds": 60, "enabled": True},
        {"key": "fx_off", "name": "disabled", "kind": "rss", "url": "http://127.0.0.1:9/x.xml",
         "platform": "news", "interval_seconds": 60, "enabled": False},
    ]}
    p = tmp_path / "sources.yaml"
    p.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return p


def test_crawl_subprocess_items_and_errors(server, sources_file):
    cmd = crawl_command(sources_file, {"FX": server.url})
    proc = subprocess.run(cmd, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    items = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    by_title = {i["title"]: i for i in items}
    assert set(by_title) == {"望江路一小区电梯停运半月", "南星桥菜场周边占道经营严重",
                             "复兴路口信号灯坏了三天", "残缺源里的好文章"}, proc.stderr[-3000:]
    for it in items:
        Item.model_validate(it)                      # the project's item format
        assert set(it) == {"id", "url", "platform", "source", "author", "title", "content",
                           "published_at", "metrics"}
        assert datetime.fromisoformat(it["published_at"]).utcoffset() is not None
        assert set(it["metrics"]) == {"reposts", "comments", "likes", "views"}
    gbk = by_title["南星桥菜场周边占道经营严重"]
    assert "流动摊贩" in gbk["content"] and gbk["published_at"] == "2026-11-19T08:05:00+08:00"
    assert gbk["author"] == "王小测" and gbk["source"] == "测试源" and gbk["platform"] == "news"
    utf8 = by_title["望江路一小区电梯停运半月"]
    assert utf8["published_at"] == "2026-11-18T09:30:00+08:00"
    assert utf8["metrics"]["comments"] == 17 and utf8["author"] == "李测试"
    assert utf8["id"].startswith("fx_ok-")
    # no time in the page: the feed's pubDate
    assert by_title["复兴路口信号灯坏了三天"]["published_at"] == "2026-11-19T21:40:00+08:00"
    salv = by_title["残缺源里的好文章"]
    assert salv["platform"] == "forum" and salv["id"].startswith("fx_bad-")

    err = proc.stderr
    assert "reason=feed_malformed" in err and "/bad.xml" in err
    assert "reason=http_500" in err and "error500.html" in err
    assert "reason=empty_page" in err and "reason=no_content" in err
    assert "reason=connection_refused" in err


def test_crawl_once_streams_items_and_counts_drops(server, sources_file):
    got = []
    stats = crawl_once(sources_file, {"FX": server.url}, on_item=got.append, timeout=120)
    assert stats.ok and stats.items == len(got) == 4
    assert stats.dropped.get("items/dropped/http_500") == 1
    assert stats.dropped.get("items/dropped/empty_page") == 1
    assert stats.dropped.get("items/dropped/no_content") == 1
    assert stats.dropped.get("sources/failed/feed_malformed") == 1
    assert any("feed_malformed" in e for e in stats.errors)
    # stable ids: a second crawl gives the same ids
    again = []
    crawl_once(sources_file, {"FX": server.url}, on_item=again.append, timeout=120)
    assert sorted(i["id"] for i in again) == sorted(i["id"] for i in got)


def test_bad_sources_file_exits_2(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text("sources:\n  - {key: x, name: x, kind: rss, url: 'nope', typo: 1}\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "crawlers.crawl", "--sources", str(p), "--out", "-"],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "key 'x'" in proc.stderr and "typo" in proc.stderr
    assert proc.stdout == ""


def test_on_item_error_propagates(server, sources_file):
    def boom(item):
        raise RuntimeError("bus down")
    with pytest.raises(RuntimeError, match="bus down"):
        crawl_once(sources_file, {"FX": server.url}, on_item=boom, timeout=120)
