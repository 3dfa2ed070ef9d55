"""A local demo news site whose content develops over time.

    site = DemoSite(clock=ManualClock(...), speed=10).start()
    site.url            # http://127.0.0.1:<port>
    ...
    site.stop()

Serves `/` (index listing the visible articles, newest first), `/news/<slug>.html` (article
pages; 404 until the article's time has come), `/rss.xml` (RSS 2.0), a citizens' message board
as a paged JSON API with the units' replies (`/board/api/messages?page=1&size=10`, newest first)
and a 12345 hotline export (`/hotline/export.csv`, GBK, with an ETag: an unchanged export
answers 304). The storyline lives in `crawlers/demo_data/storyline.yaml`.

Time: the site starts at `clock.now()`; story time = start + (now - start) * speed. An article
is visible once story time reaches start + offset, and its published_at is start + offset
(so with speed > 1, publish times run ahead of the wall clock, as in a fast replay). Metrics
grow linearly with story time. Some pages are GBK-encoded (see `encoding` in the storyline).

Run standalone:  python -m crawlers.demo_site [--port 8765] [--speed 10]
"""
from __future__ import annotations

import argparse
import html
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

from yuqing.timeutil import SHANGHAI, Clock, SystemClock, iso_local

STORYLINE = Path(__file__).with_name("demo_data") / "storyline.yaml"
ENCODINGS = ("utf-8", "gbk-header", "gbk-meta", "gbk-none", "utf8-as-gb2312")
METRICS = ("reposts", "comments", "likes", "views")


@dataclass
class DemoArticle:
    slug: str
    offset: float
    title: str
    source: str
    platform: str
    paragraphs: list[str]
    author: str | None = None
    event: str | None = None
    encoding: str = "utf-8"
    meta_time: bool = True
    metrics: dict[str, int] = field(default_factory=dict)
    growth: dict[str, float] = field(default_factory=dict)


def load_storyline(path: str | Path = STORYLINE) -> tuple[dict, list[DemoArticle]]:
    return _load(path)[:2]


def _load(path: str | Path = STORYLINE) -> tuple[dict, list[DemoArticle], dict]:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    arts = []
    for i, a in enumerate(raw.get("articles") or []):
        try:
            art = DemoArticle(**a)
        except TypeError as exc:
            raise ValueError(f"{path}: articles[{i}]: {exc}") from exc
        if art.encoding not in ENCODINGS:
            raise ValueError(f"{path}: articles[{i}] ({art.slug}): unknown encoding {art.encoding!r}")
        arts.append(art)
    slugs = [a.slug for a in arts]
    if len(set(slugs)) != len(slugs):
        raise ValueError(f"{path}: duplicate slugs")
    extra = {"board": list(raw.get("board") or []), "hotline": list(raw.get("hotline") or [])}
    return raw.get("site") or {}, sorted(arts, key=lambda a: a.offset), extra


class DemoSite:
    def __init__(self, clock: Clock | None = None, speed: float = 1.0,
                 storyline: str | Path = STORYLINE, host: str = "127.0.0.1", port: int = 0):
        if speed <= 0:
            raise ValueError("speed must be > 0")
        self.clock = clock or SystemClock()
        self.speed = float(speed)
        self.site_info, self.articles, extra = _load(storyline)
        self.board, self.hotline = extra["board"], extra["hotline"]
        self.host, self.port = host, port
        self.started_at: datetime | None = None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.requests = 0

    # ------------------------------------------------------------ lifecycle
    def start(self) -> "DemoSite":
        if self._server is not None:
            return self
        self.started_at = self.clock.now()
        site = self

        class Handler(_Handler):
            demo = site

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="demo-site",
                                        kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "DemoSite":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("DemoSite is not started")
        return f"http://{self.host}:{self.port}"

    # ------------------------------------------------------------ time and content
    def story_elapsed(self) -> float:
        """Story seconds since the start (wall/injected seconds times speed)."""
        if self.started_at is None:
            return 0.0
        return max(0.0, (self.clock.now() - self.started_at).total_seconds() * self.speed)

    def story_now(self) -> datetime:
        assert self.started_at is not None
        return self.started_at + timedelta(seconds=self.story_elapsed())

    def published_at(self, art: DemoArticle) -> datetime:
        assert self.started_at is not None
        # Published when it appears: with speed > 1 the story unfolds faster, never in the future.
        return (self.started_at + timedelta(seconds=art.offset / self.speed)).astimezone(SHANGHAI)

    def visible(self) -> list[DemoArticle]:
        el = self.story_elapsed()
        return [a for a in self.articles if a.offset <= el]

    def metrics(self, art: DemoArticle) -> dict[str, int]:
        minutes = max(0.0, self.story_elapsed() - art.offset) / 60.0
        return {k: int(art.metrics.get(k, 0) + art.growth.get(k, 0) * minutes) for k in METRICS}

    def article(self, slug: str) -> DemoArticle | None:
        for a in self.visible():
            if a.slug == slug:
                return a
        return None

    # ------------------------------------------------------------ rendering
    def render_index(self) -> str:
        items = []
        for a in sorted(self.visible(), key=lambda a: -a.offset):
            t = self.published_at(a).strftime("%m-%d %H:%M")
            items.append(f'<li><a href="/news/{a.slug}.html">{html.escape(a.title)}</a> '
                         f'<span class="src">{html.escape(a.source)}</span> '
                         f'<span class="time">{t}</span></li>')
        name = html.escape(self.site_info.get("name", "演示新闻站"))
        return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                f"<title>{name}</title></head><body>"
                f"<div class=\"nav\"><a href=\"/\">首页</a> | <a href=\"/rss.xml\">RSS</a></div>"
                f"<h1>{name}</h1><ul class=\"list\">{''.join(items)}</ul>"
                f"<div class=\"footer\">{html.escape(self.site_info.get('description', ''))}</div>"
                "</body></html>")

    def render_article(self, a: DemoArticle) -> tuple[bytes, str]:
        """Page bytes and the Content-Type header for one article."""
        pub = self.published_at(a)
        m = self.metrics(a)
        if a.encoding == "gbk-header":
            charset_meta = '<meta http-equiv="Content-Type" content="text/html; charset=gbk">'
            ctype, codec = "text/html; charset=GBK", "gbk"
        elif a.encoding == "gbk-meta":
            charset_meta = '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
            ctype, codec = "text/html", "gbk"
        elif a.encoding == "gbk-none":
            charset_meta, ctype, codec = "", "text/html", "gbk"
        elif a.encoding == "utf8-as-gb2312":
            charset_meta = '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
            ctype, codec = "text/html", "utf-8"
        else:
            charset_meta, ctype, codec = '<meta charset="utf-8">', "text/html; charset=utf-8", "utf-8"
        e = html.escape
        metas = [f'<meta name="source" content="{e(a.source)}">',
                 f'<meta name="platform" content="{e(a.platform)}">',
                 f'<meta name="description" content="{e(a.paragraphs[0][:80])}">']
        if a.author:
            metas.append(f'<meta name="author" content="{e(a.author)}">')
        if a.meta_time:
            metas.append(f'<meta property="article:published_time" content="{iso_local(pub)}">')
        metas += [f'<meta name="metrics:{k}" content="{v}">' for k, v in m.items()]
        paras = "".join(f"<p>{e(p)}</p>\n" for p in a.paragraphs)
        byline = f"作者：{e(a.author)}　" if a.author else ""
        page = (
            "<!DOCTYPE html>\n<html><head>" + charset_meta +
            f"<title>{e(a.title)}_{e(self.site_info.get('name', '演示新闻站'))}</title>" + "".join(metas) +
            "</head><body>"
            "<div class=\"nav\"><a href=\"/\">首页</a> | 本地 | 社会 | 民生 | 政务</div>"
            f"<div class=\"article\"><h1>{e(a.title)}</h1>"
            f"<div class=\"info\">{pub.strftime('%Y-%m-%d %H:%M:%S')}　来源：{e(a.source)}　{byline}"
            f"阅读 {m['views']}　评论 {m['comments']}</div>"
            f"<div class=\"content\">\n{paras}</div></div>"
            "<div class=\"related\">相关阅读：<a href=\"/\">更多上城新闻</a></div>"
            "<div class=\"footer\">本站内容为演示数据，均为虚构。</div></body></html>")
        return page.encode(codec, "xmlcharrefreplace"), ctype

    def render_rss(self, base: str) -> str:
        e = html.escape
        items = []
        for a in sorted(self.visible(), key=lambda a: -a.offset):
            link = f"{base}/news/{a.slug}.html"
            items.append(
                "<item>"
                f"<title>{e(a.title)}</title><link>{e(link)}</link>"
                f"<guid isPermaLink=\"true\">{e(link)}</guid>"
                f"<pubDate>{format_datetime(self.published_at(a))}</pubDate>"
                f"<source url=\"{e(base)}/rss.xml\">{e(a.source)}</source>"
                + (f"<dc:creator>{e(a.author)}</dc:creator>" if a.author else "") +
                f"<description>{e(a.paragraphs[0])}</description>"
                "</item>")
        now = self.story_now() if self.started_at else self.clock.now()
        return ('<?xml version="1.0" encoding="utf-8"?>\n'
                '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
                f"<title>{e(self.site_info.get('name', '演示新闻站'))}</title><link>{e(base)}/</link>"
                f"<description>{e(self.site_info.get('description', ''))}</description>"
                f"<lastBuildDate>{format_datetime(now.astimezone(SHANGHAI))}</lastBuildDate>"
                + "".join(items) + "</channel></rss>")


    def at(self, offset: float) -> datetime:
        assert self.started_at is not None
        return (self.started_at + timedelta(seconds=offset / self.speed)).astimezone(SHANGHAI)

    def render_board(self, page: int, size: int) -> bytes:
        import json
        el = self.story_elapsed()
        msgs = sorted((m for m in self.board if m["offset"] <= el), key=lambda m: -m["offset"])
        rows = []
        for m in msgs[(page - 1) * size: page * size]:
            rows.append({"msgId": m["id"], "title": m["title"], "content": m["content"], "nickname": m["nickname"],
                         "createTime": self.at(m["offset"]).strftime("%Y-%m-%d %H:%M:%S"),
                         "replies": [{"replyId": r["id"], "unit": r["unit"], "content": r["content"],
                                      "replyTime": self.at(r["offset"]).strftime("%Y-%m-%d %H:%M:%S")}
                                     for r in m.get("replies") or [] if r["offset"] <= el]})
        return json.dumps({"code": 0, "data": {"total": len(msgs), "page": page, "list": rows}},
                          ensure_ascii=False).encode("utf-8")

    def render_hotline(self) -> bytes:
        import csv
        import io
        el = self.story_elapsed()
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["工单编号", "受理时间", "诉求类型", "诉求标题", "诉求内容", "诉求地址"])
        for r in sorted((r for r in self.hotline if r["offset"] <= el), key=lambda r: r["offset"]):
            w.writerow([r["id"], self.at(r["offset"]).strftime("%Y-%m-%d %H:%M:%S"), r["kind"], r["title"],
                        r["content"], r["address"]])
        return buf.getvalue().encode("gbk")        # what the platform's export writes


class _Handler(BaseHTTPRequestHandler):
    demo: DemoSite
    server_version = "yuqing-demo/0.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet by default
        pass

    def _send(self, status: int, body: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self) -> None:  # noqa: N802
        self.do_GET()

    def do_GET(self) -> None:  # noqa: N802
        self.demo.requests += 1
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        base = f"http://{self.headers.get('Host') or f'{self.demo.host}:{self.demo.port}'}"
        if path in ("/", "/index.html"):
            self._send(200, self.demo.render_index().encode("utf-8"), "text/html; charset=utf-8")
        elif path == "/rss.xml":
            self._send(200, self.demo.render_rss(base).encode("utf-8"),
                       "application/rss+xml; charset=utf-8")
        elif path == "/board/api/messages":
            from urllib.parse import parse_qs
            q = parse_qs(self.path.partition("?")[2])
            try:
                page, size = max(1, int(q.get("page", ["1"])[0])), min(50, max(1, int(q.get("size", ["10"])[0])))
            except ValueError:
                self._send(400, b'{"code": 400}', "application/json")
                return
            self._send(200, self.demo.render_board(page, size), "application/json; charset=utf-8")
        elif path == "/hotline/export.csv":
            import hashlib
            body = self.demo.render_hotline()
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/csv; charset=GBK")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        elif path.startswith("/news/") and path.endswith(".html"):
            art = self.demo.article(path[len("/news/"):-len(".html")])
            if art is None:
                self._send(404, "<html><body>404 未找到</body></html>".encode("utf-8"),
                           "text/html; charset=utf-8")
            else:
                body, ctype = self.demo.render_article(art)
                self._send(200, body, ctype)
        else:
            self._send(404, b"not found", "text/plain")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m crawlers.demo_site")
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--speed", type=float, default=1.0)
    args = ap.parse_args(argv)
    site = DemoSite(speed=args.speed, port=args.port).start()
    print(f"demo site at {site.url} (speed {args.speed}); Ctrl-C to stop", flush=True)
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        site.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
