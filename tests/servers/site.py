"""A local web site for crawler tests, on 127.0.0.1: routes to fixed pages, ETag / Last-Modified
answered with 304 when the client already has the page, redirect loops, a page that never
answers (until the server stops), robots.txt, and a log of every request."""
from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Page:
    body: bytes | str = b""
    status: int = 200
    ctype: str = "text/html; charset=utf-8"
    etag: bool = False                  # send an ETag and honour If-None-Match
    last_modified: str | None = None    # send it and honour If-Modified-Since (exact match)
    location: str | None = None         # a redirect target
    hang: bool = False                  # accept, never answer

    @property
    def raw(self) -> bytes:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


class Site:
    def __init__(self):
        self.pages: dict[str, Page] = {}
        self.log: list[tuple[str, dict[str, str]]] = []        # (path, headers) of each request
        self._release = threading.Event()
        outer = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):  # noqa: N802
                outer.log.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                page = outer.pages.get(self.path) or outer.pages.get(self.path.split("?")[0]) \
                    or Page(b"not found", 404, "text/plain")
                if page.hang:
                    outer._release.wait(60)
                    return
                body = page.raw
                tag = '"' + hashlib.sha1(body).hexdigest()[:12] + '"' if page.etag else None
                if (tag and self.headers.get("If-None-Match") == tag) or \
                        (page.last_modified and self.headers.get("If-Modified-Since") == page.last_modified):
                    self.send_response(304)
                    if tag:
                        self.send_header("ETag", tag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(page.status)
                if page.location:
                    self.send_header("Location", page.location)
                if tag:
                    self.send_header("ETag", tag)
                if page.last_modified:
                    self.send_header("Last-Modified", page.last_modified)
                self.send_header("Content-Type", page.ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def requests_to(self, path: str) -> list[dict[str, str]]:
        return [h for p, h in self.log if p == path]

    def __enter__(self) -> "Site":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
