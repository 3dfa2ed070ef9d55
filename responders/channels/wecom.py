"""企业微信群机器人 (WeCom group robot): POST {base_url}/cgi-bin/webhook/send?key=KEY, markdown.

The key is read from the environment variable a robot entry names (the bare key, or the whole
webhook URL as WeCom shows it: the key is taken from it, the host always from base_url). Limits
(WeCom's documentation): markdown content ≤ 4096 bytes UTF-8, 20 messages a minute per robot.
"""
from __future__ import annotations

import urllib.parse
from typing import Any, Mapping

from pydantic import ConfigDict, Field, field_validator, model_validator

from responders.channels.webhook import (Codes, HttpConfig, Robot, RobotChannel,
                                         env_name, fit, md_link, md_text, unique_recipients)
from yuqing.seams import AlertMessage, SendResult

LIMIT = 4096                             # bytes of markdown.content

# errcode: -1 system busy, 45009 API frequency out of limit, 45033 too many concurrent calls → wait.
# The rest (93000 invalid webhook url, 40008 bad message type, 44004 empty content …) will not mend.
CODES = Codes(code=("errcode",), message=("errmsg",), retryable=frozenset({-1, 45009, 45033}))


class WecomRobot(Robot):
    webhook_env: str                     # variable holding the robot's key (or its webhook URL)

    @field_validator("webhook_env")
    @classmethod
    def _env(cls, v: str) -> str:
        return env_name(v)


class Config(HttpConfig):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)
    base_url: str = "https://qyapi.weixin.qq.com"
    robots: list[WecomRobot] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> "Config":
        unique_recipients(self.robots)
        return self


def key_of(value: str) -> str:
    """The robot key from what the variable holds: the key, or the webhook URL carrying ?key=."""
    if value.startswith(("http://", "https://")):
        return (urllib.parse.parse_qs(urllib.parse.urlsplit(value).query).get("key") or [""])[0]
    return value


def render(message: AlertMessage, limit: int = LIMIT) -> str:
    """Markdown: the subject in bold, the facts (or, without facts, the body), the link last. Cut to
    `limit` bytes in the middle part only, so that subject and link always arrive."""
    head = f"**{md_text(message.subject)}**\n"
    if message.lines:
        text = "\n".join(f"> {md_text(k)}：{md_text(v)}" for k, v in message.lines)
    else:
        text = md_text(message.body)
    link = md_link(message.link) if message.link else ""
    tail = f"\n[查看详情]({link})" if link else ""
    return fit(head, text, tail, limit)


class WecomChannel(RobotChannel):
    name = "wecom"
    label = "企业微信"
    rate_per_minute = 20
    key_in = staticmethod(key_of)     # a variable holding the webhook URL: the key inside it is masked too

    @classmethod
    def from_config(cls, config: Config, settings: Mapping[str, Any],
                    environ: Mapping[str, str] | None = None) -> "WecomChannel":
        return cls.from_robots(config, environ, ("webhook_env",))

    def send(self, message: AlertMessage, address: str) -> SendResult:
        raw = self._secrets.values.get(address)
        key = key_of(raw) if raw else ""
        if not key:
            return self._unknown(address)
        url = f"{self.config.base_url}/cgi-bin/webhook/send?" + urllib.parse.urlencode({"key": key})
        payload = {"msgtype": "markdown", "markdown": {"content": render(message)}}
        return self._post(url, payload, CODES, message.key)
