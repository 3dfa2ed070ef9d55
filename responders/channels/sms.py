"""短信 through a generic HTTP SMS gateway: POST {base_url}{path} with JSON {phone, text, sign_name}
(field names configurable) and the API key in a header, read from the environment.

One alert is one SMS: the text is message.short, cut to what a single message holds – 70
characters, where Chinese carriers count the 【签名】 the gateway adds, and characters outside the
BMP (emoji) count twice (UCS-2). Never more: a second part may arrive late, alone, or not at all.
"""
from __future__ import annotations

import os
import re
import urllib.parse
from typing import Any, Mapping

from pydantic import ConfigDict, Field, field_validator, model_validator

from responders.channels.webhook import (Codes, EnvSecrets, HttpConfig, Robot, Strict, env_name, post_json,
                                         unique_recipients)
from yuqing.seams import AlertMessage, NotConfigured, SendResult

SMS_CHARS = 70                           # one SMS with Chinese text (UCS-2)
MOBILE = re.compile(r"1[3-9]\d{9}")


class Phone(Robot):
    phone: str

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str) -> str:
        n = re.sub(r"[\s-]", "", str(v))
        n = re.sub(r"^(\+86|0086)", "", n)
        if not MOBILE.fullmatch(n):
            raise ValueError("not a mainland mobile number (11 digits, 1[3-9]…; +86 allowed)")
        return n


class Fields(Strict):
    """The gateway's names for the JSON fields."""
    phone: str = "phone"
    text: str = "text"
    sign_name: str = "sign_name"


class Config(HttpConfig):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)
    base_url: str | None = None          # no public default: the gateway is the district's own
    path: str = "/sms/send"
    api_key_env: str = "YUQING_SMS_API_KEY"
    api_key_header: str = "X-API-Key"
    api_key_prefix: str = ""             # e.g. "Bearer " for an Authorization header
    sign_name: str = ""                  # 短信签名 without 【】, e.g. 上城区政府
    sign_counts: bool = True             # the carrier counts 【sign_name】 within the 70 characters
    fields: Fields = Field(default_factory=Fields)
    extra: dict[str, str | int] = Field(default_factory=dict)   # constant fields (template id …)
    # The gateway's answer: when result_field is set, its value must equal result_ok; the codes in
    # retryable_codes (its rate limits) are retried, any other is permanent. Unset: HTTP 2xx = sent.
    result_field: str | None = None
    result_ok: str | int = 0
    message_field: str | None = None
    retryable_codes: list[str | int] = Field(default_factory=list)
    rate_per_minute: int = Field(default=1, ge=1)                # per number: a person, not a group
    phones: list[Phone] = Field(default_factory=list)

    @field_validator("api_key_env")
    @classmethod
    def _env(cls, v: str) -> str:
        return env_name(v)

    @field_validator("path")
    @classmethod
    def _path(cls, v: str) -> str:
        if not v.startswith("/") or urllib.parse.urlsplit(v).netloc:
            raise ValueError("must be a path starting with /")
        return v

    @field_validator("api_key_header")
    @classmethod
    def _header(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9-]+", v):
            raise ValueError("not an HTTP header name")
        return v

    @model_validator(mode="after")
    def _check(self) -> "Config":
        unique_recipients(self.phones)
        if self.sign_counts and units(f"【{self.sign_name}】") >= SMS_CHARS - 10:
            raise ValueError("sign_name is too long: it leaves no room for the text")
        return self


def units(s: str) -> int:
    """Length as an SMS counts it: UTF-16 code units (an emoji is two)."""
    return len(s.encode("utf-16-le")) // 2


def cut(text: str, limit: int) -> str:
    """`text` on one line within `limit` units; a cut text ends in "…"."""
    text = " ".join(text.split())
    if units(text) <= limit:
        return text
    out, n = [], 0
    for ch in text:
        w = units(ch)
        if n + w > limit - 1:
            break
        out.append(ch)
        n += w
    return "".join(out).rstrip() + "…"


class SmsChannel:
    name = "sms"
    label = "短信"

    def __init__(self, config: Config, api_key: str, routes: Mapping[tuple[str, str], str], secrets: EnvSecrets):
        self.config = config
        self.rate_per_minute = config.rate_per_minute
        self._key = api_key
        self._routes = dict(routes)
        self._redact = secrets.redactor()
        self._phones = set(routes.values())
        self._codes = (Codes(code=(config.result_field,),
                             message=(config.message_field,) if config.message_field else (),
                             retryable=frozenset(config.retryable_codes), ok=config.result_ok)
                       if config.result_field else None)

    @classmethod
    def from_config(cls, config: Config, settings: Mapping[str, Any],
                    environ: Mapping[str, str] | None = None) -> "SmsChannel":
        if config is None:
            raise NotConfigured("sms: no sms section in channels.yaml")
        if not config.enabled:
            raise NotConfigured("sms: switched off (enabled: false)")
        if not config.base_url:
            raise NotConfigured("sms: base_url of the SMS gateway is not set")
        if not config.phones:
            raise NotConfigured("sms: no phone numbers configured")
        secrets = EnvSecrets("sms", os.environ if environ is None else environ)
        key = secrets.get(config.api_key_env)
        if not key:
            raise NotConfigured(f"sms: environment variable {config.api_key_env} (the gateway's API key) is not set")
        return cls(config, key, {(p.unit, p.role): p.phone for p in config.phones}, secrets)

    @property
    def text_limit(self) -> int:
        sign = f"【{self.config.sign_name}】" if self.config.sign_name and self.config.sign_counts else ""
        return SMS_CHARS - units(sign)

    def address(self, recipient) -> str | None:
        return self._routes.get((recipient.unit, recipient.role))

    def send(self, message: AlertMessage, address: str) -> SendResult:
        if address not in self._phones:
            # only configured numbers: an address from elsewhere could send alerts to anyone
            return SendResult.failed(f"{address!r} is not a configured number", retryable=False, status="no number")
        text = cut(message.short, self.text_limit)
        if not text:
            return SendResult.failed("the alert has no SMS text (short)", retryable=False, status="empty")
        f = self.config.fields
        body: dict[str, Any] = {**self.config.extra, f.phone: address, f.text: text}
        if self.config.sign_name:
            body[f.sign_name] = self.config.sign_name
        header = {self.config.api_key_header: f"{self.config.api_key_prefix}{self._key}"}
        return post_json(f"{self.config.base_url}{self.config.path}", body, channel=self.name,
                         timeout=self.config.timeout, codes=self._codes, headers=header,
                         redact=self._redact, proxy=self.config.proxy)
