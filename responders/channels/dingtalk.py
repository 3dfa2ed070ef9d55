"""钉钉自定义机器人 (DingTalk custom robot) with 加签 (signing), markdown messages.

POST {base_url}/robot/send?access_token=TOKEN&timestamp=T&sign=S, as DingTalk documents it:
T = milliseconds since the epoch, S = urlencode(base64(HMAC-SHA256(key=secret, msg=f"{T}\\n{secret}"))).
DingTalk refuses a T more than an hour from its clock. Token and secret (SEC…) come from the
environment variables a robot entry names; the token variable may hold the whole webhook URL.
Limits: 20 messages a minute per robot; markdown text kept ≤ 20000 bytes.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.parse
from typing import Any, Callable, Mapping

from pydantic import ConfigDict, Field, field_validator, model_validator

from responders.channels.webhook import (Codes, HttpConfig, Robot, RobotChannel,
                                         env_name, fit, md_link, md_text, unique_recipients)
from yuqing.seams import AlertMessage, SendResult

LIMIT = 20000                            # bytes of markdown.text

# errcode: -1 system busy, 130101 sending too fast (> 20/min), 410100 throttled → wait.
# 310000 (sign / keyword / IP check failed), 300001 / 400101 (bad or unknown token) … will not mend.
CODES = Codes(code=("errcode",), message=("errmsg",), retryable=frozenset({-1, 130101, 410100}))


class DingtalkRobot(Robot):
    token_env: str                       # variable holding access_token (or the webhook URL)
    secret_env: str                      # variable holding the signing secret (SEC…)

    @field_validator("token_env", "secret_env")
    @classmethod
    def _env(cls, v: str) -> str:
        return env_name(v)


class Config(HttpConfig):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)
    base_url: str = "https://oapi.dingtalk.com"
    robots: list[DingtalkRobot] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> "Config":
        unique_recipients(self.robots)
        secret_of: dict[str, str] = {}
        for r in self.robots:
            if secret_of.setdefault(r.token_env, r.secret_env) != r.secret_env:
                raise ValueError(f"robot {r.token_env} is listed with two secrets "
                                 f"({secret_of[r.token_env]}, {r.secret_env})")
        return self


def sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature, before URL encoding: base64(HMAC-SHA256(secret, "T\\nsecret"))."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def token_of(value: str) -> str:
    if value.startswith(("http://", "https://")):
        return (urllib.parse.parse_qs(urllib.parse.urlsplit(value).query).get("access_token") or [""])[0]
    return value


def render(message: AlertMessage, limit: int = LIMIT) -> dict[str, str]:
    """title (the notification line; plain text) and markdown text. DingTalk's markdown wants a blank
    line between lines, or they run together."""
    title = " ".join(message.subject.split())
    head = f"#### {md_text(title)}\n\n"
    if message.lines:
        text = "\n\n".join(f"> {md_text(k)}：{md_text(v)}" for k, v in message.lines)
    else:
        text = "\n\n".join(md_text(line) for line in message.body.splitlines() if line.strip())
    link = md_link(message.link) if message.link else ""
    tail = f"\n\n[查看详情]({link})" if link else ""
    return {"title": title[:64], "text": fit(head, text, tail, limit)}


class DingtalkChannel(RobotChannel):
    name = "dingtalk"
    label = "钉钉"
    rate_per_minute = 20
    clock: Callable[[], float] = staticmethod(time.time)   # seconds; replaced in tests
    key_in = staticmethod(token_of)

    @classmethod
    def from_config(cls, config: Config, settings: Mapping[str, Any],
                    environ: Mapping[str, str] | None = None) -> "DingtalkChannel":
        return cls.from_robots(config, environ, ("token_env", "secret_env"))

    def send(self, message: AlertMessage, address: str) -> SendResult:
        signed = self._signed(address)
        if signed is None:
            return self._unknown(address)
        token, secret = signed
        ts = int(round(self.clock() * 1000))
        # the query exactly as DingTalk's sample builds it: sign URL-encoded with quote_plus
        url = (f"{self.config.base_url}/robot/send?access_token={urllib.parse.quote_plus(token)}"
               f"&timestamp={ts}&sign={urllib.parse.quote_plus(sign(secret, ts))}")
        payload = {"msgtype": "markdown", "markdown": render(message)}
        return self._post(url, payload, CODES, message.key)
