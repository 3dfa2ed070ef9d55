"""A local stand-in for the robots' and the SMS gateway's HTTP endpoints, on 127.0.0.1.

It records every request (path, query, headers, JSON body) and answers as it is told: 200 with a
JSON body, any status, a platform error code, or not at all (it hangs, for timeouts). The checks
below verify a request the way the platforms do – recomputing DingTalk's and Feishu's signatures
with the secret and refusing a timestamp more than an hour off – so that a wrong signature fails
here as it would there.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

SKEW = 3600                              # both platforms: a timestamp more than an hour off is refused


@dataclass
class Request:
    method: str
    path: str                            # without the query
    query: dict[str, str]                # decoded, one value per name
    headers: dict[str, str]              # names lower-cased
    raw: bytes
    json: Any = None
    raw_query: str = ""


@dataclass
class Answer:
    status: int = 200
    body: Any = field(default_factory=lambda: {"errcode": 0, "errmsg": "ok"})
    hang: bool = False                   # accept the request, never answer (until the server stops)


class WebhookServer:
    """`answer` is the reply to every request, or `responder(request) -> Answer` when set."""

    def __init__(self):
        self.requests: list[Request] = []
        self.answer = Answer()
        self.responder: Callable[[Request], Answer] | None = None
        self._release = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                url = urllib.parse.urlsplit(self.path)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw.decode("utf-8"))
                except ValueError:
                    body = None
                req = Request("POST", url.path, dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True)),
                              {k.lower(): v for k, v in self.headers.items()}, raw, body, url.query)
                outer.requests.append(req)
                ans = outer.responder(req) if outer.responder else outer.answer
                if ans.hang:
                    outer._release.wait(30)
                    return
                data = ans.body if isinstance(ans.body, bytes) else json.dumps(ans.body).encode("utf-8")
                self.send_response(ans.status)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):     # quiet: pytest shows failures, not access logs
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> "WebhookServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._release.set()                   # let hanging handlers end
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def last(self) -> Request:
        assert self.requests, "the server received no request"
        return self.requests[-1]


# ------------------------------------------------------------------------------ platform checks
class Refused(AssertionError):
    """The platform would refuse this request (its reason in the message)."""


def _fresh(ts_ms: int, now: float | None) -> None:
    now_ms = (time.time() if now is None else now) * 1000
    if abs(now_ms - ts_ms) > SKEW * 1000:
        raise Refused(f"timestamp {ts_ms} is more than an hour from now")


def verify_dingtalk(req: Request, secret: str, now: float | None = None) -> None:
    """DingTalk's check: timestamp (ms) and sign from the query; sign = base64(HMAC-SHA256(secret,
    f"{timestamp}\\n{secret}")), URL-encoded once (parse_qsl has decoded it)."""
    if "timestamp" not in req.query or "sign" not in req.query:
        raise Refused("timestamp or sign missing from the query")
    ts = req.query["timestamp"]
    if not ts.isdigit() or len(ts) != 13:
        raise Refused(f"timestamp {ts!r} is not milliseconds")
    _fresh(int(ts), now)
    want = base64.b64encode(hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()).decode()
    if not hmac.compare_digest(want, req.query["sign"]):
        raise Refused("sign not match")
    # the raw query must carry the sign URL-encoded (base64 has + / =), not raw
    raw_sign = dict(p.split("=", 1) for p in req.raw_query.split("&"))["sign"]
    if urllib.parse.unquote_plus(raw_sign) != want or any(c in raw_sign for c in "+/="):
        raise Refused("sign is not URL-encoded")


def verify_feishu(req: Request, secret: str, now: float | None = None) -> None:
    """Feishu's check: timestamp (seconds) and sign in the JSON body; sign =
    base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b""))."""
    body = req.json or {}
    if "timestamp" not in body or "sign" not in body:
        raise Refused("timestamp or sign missing from the body")
    ts = str(body["timestamp"])
    if not ts.isdigit() or len(ts) != 10:
        raise Refused(f"timestamp {ts!r} is not seconds")
    _fresh(int(ts) * 1000, now)
    want = base64.b64encode(hmac.new(f"{ts}\n{secret}".encode(), b"", hashlib.sha256).digest()).decode()
    if not hmac.compare_digest(want, str(body["sign"])):
        raise Refused("sign match fail or timestamp is not within one hour from current time")


def wecom_content(req: Request, limit: int = 4096) -> str:
    """WeCom's markdown check: msgtype markdown, content non-empty and ≤ `limit` bytes of UTF-8."""
    body = req.json or {}
    if body.get("msgtype") != "markdown":
        raise Refused(f"msgtype {body.get('msgtype')!r} is not markdown")
    content = body["markdown"]["content"]
    size = len(content.encode("utf-8"))
    if not content or size > limit:
        raise Refused(f"markdown.content is {size} bytes (limit {limit})")
    return content


# answers as each platform gives them, for responders
def dingtalk_responder(secret: str) -> Callable[[Request], Answer]:
    def respond(req: Request) -> Answer:
        try:
            verify_dingtalk(req, secret)
        except Refused as exc:
            return Answer(200, {"errcode": 310000, "errmsg": f"错误描述:{exc};"})
        return Answer(200, {"errcode": 0, "errmsg": "ok"})
    return respond


def feishu_responder(secret: str) -> Callable[[Request], Answer]:
    def respond(req: Request) -> Answer:
        try:
            verify_feishu(req, secret)
        except Refused as exc:
            return Answer(200, {"code": 19021, "data": {}, "msg": str(exc)})
        return Answer(200, {"StatusCode": 0, "StatusMessage": "success", "code": 0, "data": {}, "msg": "success"})
    return respond
