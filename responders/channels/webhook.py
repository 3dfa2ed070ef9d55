"""What the HTTP channels share: one JSON POST that classifies its outcome (after Alertmanager's
notifiers), secrets read from the environment and masked wherever text leaves the process, the
strict config base, and byte-budget text cutting.

Outcome of a POST, as a `SendResult`:
- connection refused/reset, DNS failure, timeout, HTTP 429 and 5xx → retryable;
- another 4xx, a redirect, or an answer that is not the platform's JSON → permanent;
- HTTP 2xx whose JSON carries a platform error code → the platform's own table decides
  (its rate-limit and busy codes retryable, the rest – invalid key, bad sign … – permanent).

Stdlib urllib only (httpx is not installed): the robots need nothing more than one POST.
"""
from __future__ import annotations

import http.client
import hashlib
import json
import logging
import os
import re
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from pydantic import BaseModel, ConfigDict, Field, field_validator

from yuqing.config.base import Strict as BaseStrict
from yuqing.seams import NotConfigured, SendResult

log = logging.getLogger("yuqing.channels")

MAX_ANSWER = 1 << 20                     # read at most 1 MiB of an answer: a robot says a few bytes
TAIL = "…（详见系统）"                    # marks a text cut to fit a channel's limit
ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")


# ------------------------------------------------------------------------------ secrets
def mask(secret: str) -> str:
    """How a secret may appear in text: its first 4 characters, never more (nothing for short ones,
    where 4 characters would be half of it)."""
    return (secret[:4] if len(secret) >= 8 else "") + "****"


class Redactor:
    """Replaces every known secret – and the forms it takes in a URL – by its mask."""

    def __init__(self, secrets: Iterable[str] = ()):
        forms: dict[str, str] = {}
        for s in secrets:
            if s:
                for form in {s, urllib.parse.quote(s, safe=""), urllib.parse.quote_plus(s)}:
                    forms[form] = mask(s)
        # longest first, so that a secret containing another is replaced whole
        self._forms = sorted(forms.items(), key=lambda kv: -len(kv[0]))

    def __call__(self, text: str) -> str:
        for form, masked in self._forms:
            text = text.replace(form, masked)
        return text


class EnvSecrets:
    """Reads the environment variables a config names, once. A missing or empty one is logged once
    (by name: a name is no secret) and makes its recipients unreachable on the channel."""

    def __init__(self, channel: str, environ: Mapping[str, str]):
        self.channel, self.environ = channel, environ
        self.values: dict[str, str] = {}
        self.missing: list[str] = []

    def get(self, name: str) -> str | None:
        if name in self.values:
            return self.values[name]
        if name in self.missing:
            return None
        value = (self.environ.get(name) or "").strip()
        if not value:
            self.missing.append(name)
            log.warning("%s: environment variable %s is not set: its recipients have no address on "
                        "this channel", self.channel, name)
            return None
        self.values[name] = value
        return value

    def redactor(self) -> Redactor:
        return Redactor(self.values.values())


# ------------------------------------------------------------------------------ config
class Strict(BaseStrict):
    # hide_input_in_errors: a secret pasted where an environment variable's name belongs must not
    # be echoed back in the validation error (pydantic shows input_value by default).
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)


def env_name(v: str) -> str:
    if not ENV_NAME.fullmatch(v):
        # the value is not repeated: it may be the secret itself
        raise ValueError("must be the NAME of an environment variable (A-Z, 0-9, _), not its value")
    return v


def base_url(v: str | None) -> str | None:
    if v is None:
        return None
    u = urllib.parse.urlsplit(v)
    if u.scheme not in ("http", "https") or not u.netloc or u.query or u.fragment:
        raise ValueError("must be an http(s) URL without query or fragment, e.g. https://oapi.dingtalk.com")
    return v.rstrip("/")


class HttpConfig(Strict):
    """Settings every HTTP channel has."""
    enabled: bool = True
    base_url: str
    timeout: float = Field(default=5.0, gt=0, le=60)        # seconds, connect and answer each
    # Direct connection unless a proxy is named: the environment's http(s)_proxy is not picked up
    # implicitly, since every request URL or header carries a secret.
    proxy: str | None = None

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, v: str | None) -> str | None:
        return base_url(v)

    @field_validator("proxy")
    @classmethod
    def _proxy(cls, v: str | None) -> str | None:
        if v is not None and urllib.parse.urlsplit(v).scheme not in ("http", "https"):
            raise ValueError("must be an http(s) proxy URL, e.g. http://proxy.gov.cn:3128")
        return v


class Robot(Strict):
    """A group robot that one unit+role is reached by; several unit+roles may share one robot."""
    unit: str = Field(min_length=1)
    role: str = Field(min_length=1)


def unique_recipients(robots: list[Any]) -> None:
    seen: set[tuple[str, str]] = set()
    for r in robots:
        if (r.unit, r.role) in seen:
            raise ValueError(f"{r.unit}（{r.role}）is listed twice")
        seen.add((r.unit, r.role))


# ------------------------------------------------------------------------------ text
def cut_bytes(text: str, budget: int) -> str:
    """The longest prefix of `text` within `budget` UTF-8 bytes, ending on a character boundary."""
    if budget <= 0:
        return ""
    raw = text.encode("utf-8")
    if len(raw) <= budget:
        return text
    # a prefix of valid UTF-8 is valid except for a partial last character, which "ignore" drops
    return raw[:budget].decode("utf-8", errors="ignore")


def fit(head: str, text: str, tail: str, limit: int) -> str:
    """head + text + tail within `limit` UTF-8 bytes: the text is cut (marked with TAIL) so that
    head and tail – the subject and the link – always survive whole."""
    whole = head + text + tail
    if len(whole.encode("utf-8")) <= limit:
        return whole
    budget = limit - len((head + TAIL + tail).encode("utf-8"))
    if budget < 0:                       # absurd subject: cut it too, still keeping the link
        head = cut_bytes(head, limit - len((TAIL + tail).encode("utf-8")))
        return head + TAIL + tail
    return head + cut_bytes(text, budget).rstrip() + TAIL + tail


_MD = str.maketrans({"[": "［", "]": "］", "<": "＜", ">": "＞", "`": "｀", "*": "＊", "#": "＃",
                     "_": "＿", "|": "｜", "~": "～"})


def md_text(s: str) -> str:
    """Crawled or typed text made inert in robot markdown: it must not turn into links, images,
    @-mentions or styling in a government work group (a post could plant a phishing link). The
    markup characters become their full-width look-alikes, which read the same in Chinese text."""
    return s.translate(_MD)


def md_link(url: str) -> str:
    """A link fit for markdown (text)(url): only http(s); characters that end the URL escaped."""
    u = urllib.parse.urlsplit(url)
    if u.scheme not in ("http", "https"):
        return ""
    return urllib.parse.quote(url, safe=":/?#&=%+@,;!$'*~-._")


# ------------------------------------------------------------------------------ POST
@dataclass(frozen=True)
class Codes:
    """How a platform reports the outcome inside its JSON answer."""
    code: tuple[str, ...]                # the code's field name(s); the first present is read
    message: tuple[str, ...]             # the error text's field name(s)
    retryable: frozenset[Any] = frozenset()
    ok: Any = 0

    def is_ok(self, code: Any) -> bool:
        return str(code) == str(self.ok)        # 0 and "0" alike: gateways differ

    def is_retryable(self, code: Any) -> bool:
        return str(code) in {str(c) for c in self.retryable}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect is not followed: it would carry the secret-bearing request elsewhere, and a robot
    # endpoint never redirects. The 3xx is then classified as permanent.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _opener(proxy: str | None) -> urllib.request.OpenerDirector:
    proxies = {"http": proxy, "https": proxy} if proxy else {}
    return urllib.request.build_opener(urllib.request.ProxyHandler(proxies), _NoRedirect())


def _is_timeout(exc: BaseException) -> bool:
    return isinstance(exc, (TimeoutError, socket.timeout)) or (
        isinstance(exc, urllib.error.URLError) and isinstance(exc.reason, (TimeoutError, socket.timeout)))


def post_json(url: str, payload: Any, *, channel: str, timeout: float, codes: Codes | None = None,
              headers: Mapping[str, str] | None = None, redact: Redactor | None = None,
              proxy: str | None = None) -> SendResult:
    """POST `payload` as UTF-8 JSON and classify the outcome. Never raises for a network or HTTP
    failure; every error text passes through `redact` (the URL itself is never put in one)."""
    redact = redact or Redactor()
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "Accept": "application/json",
        "User-Agent": "yuqing-alerts/1", **(headers or {})})
    try:
        with _opener(proxy).open(req, timeout=timeout) as resp:
            status, raw = resp.status, resp.read(MAX_ANSWER)
    except urllib.error.HTTPError as exc:          # before URLError: it is one
        status = exc.code
        try:
            raw = exc.read(MAX_ANSWER)
        except (OSError, http.client.HTTPException):
            raw = b""
        finally:
            exc.close()
    except Exception as exc:                       # the network: worth trying again
        if _is_timeout(exc):
            result = SendResult.failed(f"no answer within {timeout:g} s", retryable=True, status="timeout")
        elif isinstance(exc, (urllib.error.URLError, OSError, http.client.HTTPException, ssl.SSLError)):
            reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
            result = SendResult.failed(redact(f"cannot connect: {type(reason).__name__}: {reason}"),
                                       retryable=True, status="connection error")
        else:
            raise
        log.warning("%s: %s", channel, result.error)
        return result
    result = classify(status, raw, codes, redact)
    if not result.ok:
        log.warning("%s: %s (%s)", channel, result.error, "retryable" if result.retryable else "permanent")
    return result


def classify(status: int, raw: bytes, codes: Codes | None, redact: Redactor) -> SendResult:
    text = raw.decode("utf-8", errors="replace")
    try:
        data = json.loads(text) if text.strip() else None
    except ValueError:
        data = None
    code = msg = None
    if codes and isinstance(data, dict):
        code = next((data[f] for f in codes.code if f in data), None)
        msg = next((data[f] for f in codes.message if f in data), None)
    shown = f"HTTP {status}" + (f" {codes.code[0]} {code}" if code is not None else "")
    detail = redact(str(msg if msg is not None else text[:200]).strip())

    if status == 429 or status >= 500:
        return SendResult.failed(f"{shown}: {detail}", retryable=True, status=shown)
    if code is not None and not codes.is_ok(code):
        # A platform code in any answer (2xx or 4xx): its own table knows rate limits from bad keys.
        return SendResult.failed(f"{shown}: {detail}", retryable=codes.is_retryable(code), status=shown)
    if not 200 <= status < 300:
        return SendResult.failed(f"{shown}: {detail}", retryable=False, status=shown)
    if codes and code is None:
        # 2xx but not the platform's answer (a proxy's page?): unknown whether it arrived. Not retried,
        # since a retry could post the alert twice; the error says why.
        return SendResult.failed(f"{shown}: answer without {codes.code[0]}: {detail}", retryable=False, status=shown)
    return SendResult.sent(shown)



def alert_tag(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


# ------------------------------------------------------------------------------ robots
class RobotChannel:
    """A channel of group robots: each address names one robot (the environment variable that holds
    its key, so that an address stored or shown is no secret), each unit+role maps to one."""
    name: str
    label: str
    rate_per_minute: int | None

    def __init__(self, config: HttpConfig, routes: Mapping[tuple[str, str], str], secrets: EnvSecrets):
        self.config = config
        self._routes = dict(routes)            # (unit, role) → address
        self._secrets = secrets
        self._redact = secrets.redactor()

    def address(self, recipient) -> str | None:
        return self._routes.get((recipient.unit, recipient.role))

    def _post(self, url: str, payload: Any, codes: Codes, key: str | None = None) -> SendResult:
        # The alert's key (hashed: it names a case) lets a receiver or an audit spot a repeat.
        headers = {"X-Yuqing-Alert": alert_tag(key)} if key else None
        return post_json(url, payload, channel=self.name, timeout=self.config.timeout, codes=codes,
                         headers=headers, redact=self._redact, proxy=self.config.proxy)

    @staticmethod
    def key_in(value: str) -> str:
        """The key inside a secret variable's value (a webhook URL holds one): masked too."""
        return value

    @classmethod
    def from_robots(cls, config: HttpConfig | None, environ: Mapping[str, str] | None,
                    fields: tuple[str, ...]) -> "RobotChannel":
        """The channel for the robots of its config section. `fields` name the robot entry's
        variables: the address first, then (for a signed robot) the variable of its signing secret."""
        if config is None:
            raise NotConfigured(f"{cls.name}: no {cls.name} section in channels.yaml")
        routes, secrets = build_routes(cls.name, config, config.robots, environ, fields)
        channel = cls(config, routes, secrets)
        if len(fields) > 1:
            channel._secret_env = {getattr(r, fields[0]): getattr(r, fields[1]) for r in config.robots}
        values = list(secrets.values.values())
        channel._redact = Redactor(values + [cls.key_in(v) for v in values])
        return channel

    def _signed(self, address: str) -> tuple[str, str] | None:
        """(key, signing secret) of a signed robot's address, or None when either is not set."""
        raw = self._secrets.values.get(address)
        secret = self._secrets.values.get(self._secret_env.get(address, ""))
        key = self.key_in(raw) if raw else ""
        return (key, secret) if key and secret else None

    def _unknown(self, address: str) -> SendResult:
        return SendResult.failed(f"no {self.name} robot is configured as {address!r}", retryable=False,
                                 status="no robot")


def build_routes(channel: str, config: HttpConfig, robots: list[Any], environ: Mapping[str, str] | None,
                 names: tuple[str, ...]) -> tuple[dict[tuple[str, str], str], EnvSecrets]:
    """(unit, role) → address for every robot whose variables `names` (fields of the robot entry; the
    first is the address) are all set. Raises NotConfigured when the channel cannot reach anyone."""
    if not config.enabled:
        raise NotConfigured(f"{channel}: switched off (enabled: false)")
    if not robots:
        raise NotConfigured(f"{channel}: no robots configured")
    secrets = EnvSecrets(channel, os.environ if environ is None else environ)
    routes: dict[tuple[str, str], str] = {}
    for r in robots:
        values = [secrets.get(getattr(r, n)) for n in names if getattr(r, n) is not None]
        if all(values):
            routes[(r.unit, r.role)] = getattr(r, names[0])
    if not routes:
        raise NotConfigured(f"{channel}: none of the environment variables is set "
                            f"({', '.join(sorted(set(secrets.missing)))})")
    return routes, secrets
