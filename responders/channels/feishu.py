"""飞书自定义机器人 (Feishu / Lark custom bot) with 签名校验, interactive card messages.

POST {base_url}/open-apis/bot/v2/hook/TOKEN with "timestamp" (seconds, a string as in Feishu's
sample) and "sign" in the body, as Feishu documents it:
sign = base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b"")) – the secret is in the KEY, the
message is empty. Feishu refuses a timestamp more than an hour off. An answer with code != 0 is an
error (older deployments answer StatusCode). Limits: 100 a minute and 5 a second per bot; the
request body ≤ 20 KB.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.parse
from typing import Any, Callable, Mapping

from pydantic import ConfigDict, Field, field_validator, model_validator

from responders.channels.webhook import (Codes, HttpConfig, Robot, RobotChannel,
                                         TAIL, cut_bytes, env_name, md_link, unique_recipients)
from yuqing.seams import AlertMessage, SendResult

LIMIT = 20000                            # bytes of the whole JSON body (Feishu: 20 K)

# code: 11232 frequency limited → wait. 19021 sign or timestamp check failed, 19022 IP not allowed,
# 19024 keyword missing, 9499 bad request … will not mend.
CODES = Codes(code=("code", "StatusCode"), message=("msg", "StatusMessage"), retryable=frozenset({11232}))

# card header colour by severity (Feishu templates), so a 重大 alert stands out in the group
TEMPLATE = {"特别重大": "red", "重大": "orange", "较大": "yellow", "一般": "blue"}


class FeishuRobot(Robot):
    hook_env: str                        # variable holding the hook token (or the whole hook URL)
    secret_env: str                      # variable holding the signing secret

    @field_validator("hook_env", "secret_env")
    @classmethod
    def _env(cls, v: str) -> str:
        return env_name(v)


class Config(HttpConfig):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)
    base_url: str = "https://open.feishu.cn"
    robots: list[FeishuRobot] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> "Config":
        unique_recipients(self.robots)
        secret_of: dict[str, str] = {}
        for r in self.robots:
            if secret_of.setdefault(r.hook_env, r.secret_env) != r.secret_env:
                raise ValueError(f"robot {r.hook_env} is listed with two secrets "
                                 f"({secret_of[r.hook_env]}, {r.secret_env})")
        return self


def sign(secret: str, timestamp: int) -> str:
    """Feishu's signature: HMAC-SHA256 keyed with "timestamp\\nsecret" over an empty message."""
    digest = hmac.new(f"{timestamp}\n{secret}".encode("utf-8"), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def token_of(value: str) -> str:
    """The hook token from the variable: the token, or the hook URL ending in /hook/TOKEN."""
    if value.startswith(("http://", "https://")):
        return value.rstrip("/").rsplit("/", 1)[-1]
    return value


def card(message: AlertMessage, text: str) -> dict[str, Any]:
    """An interactive card. Every text is plain_text, never lark_md: crawled words cannot become
    links or @-mentions; the only link is the button's."""
    elements: list[dict[str, Any]] = [{"tag": "div", "text": {"tag": "plain_text", "content": text}}]
    link = md_link(message.link) if message.link else ""
    if link:
        elements.append({"tag": "action", "actions": [{
            "tag": "button", "type": "primary", "url": link,
            "text": {"tag": "plain_text", "content": "查看详情"}}]})
    return {"config": {"wide_screen_mode": True},
            "header": {"template": TEMPLATE.get(message.severity or "", "blue"),
                       "title": {"tag": "plain_text", "content": " ".join(message.subject.split())[:200]}},
            "elements": elements}


def payload(message: AlertMessage, timestamp: int, signature: str, limit: int = LIMIT) -> dict[str, Any]:
    """The body within `limit` bytes of JSON: the card's text is cut (marked), header and button kept."""
    text = "\n".join(f"{k}：{v}" for k, v in message.lines) if message.lines else message.body
    def build(t: str) -> dict[str, Any]:
        return {"timestamp": str(timestamp), "sign": signature, "msg_type": "interactive", "card": card(message, t)}
    def size(t: str) -> int:
        return len(json.dumps(build(t), ensure_ascii=False).encode("utf-8"))
    if size(text) <= limit:
        return build(text)
    cut = cut_bytes(text, limit - size(TAIL) + len(TAIL.encode("utf-8")))
    while cut and size(cut.rstrip() + TAIL) > limit:
        # JSON escapes (\n, \") take more bytes than the text: drop what is still over
        cut = cut_bytes(cut, len(cut.encode("utf-8")) - (size(cut.rstrip() + TAIL) - limit))
    return build(cut.rstrip() + TAIL)


class FeishuChannel(RobotChannel):
    name = "feishu"
    label = "飞书"
    rate_per_minute = 100
    clock: Callable[[], float] = staticmethod(time.time)   # seconds; replaced in tests
    key_in = staticmethod(token_of)

    @classmethod
    def from_config(cls, config: Config, settings: Mapping[str, Any],
                    environ: Mapping[str, str] | None = None) -> "FeishuChannel":
        return cls.from_robots(config, environ, ("hook_env", "secret_env"))

    def send(self, message: AlertMessage, address: str) -> SendResult:
        signed = self._signed(address)
        if signed is None:
            return self._unknown(address)
        token, secret = signed
        ts = int(self.clock())
        url = f"{self.config.base_url}/open-apis/bot/v2/hook/{urllib.parse.quote(token, safe='')}"
        return self._post(url, payload(message, ts, sign(secret, ts)), CODES, message.key)
