"""电子邮件 over SMTP (smtplib), with TLS: none | starttls | ssl (implicit TLS, port 465).

Server, port, user and sender come from the settings ALERT_SMTP_HOST/PORT/USER/FROM; the password
from the environment only (YUQING_ALERT_SMTP_PASSWORD, the variable the settings also read). The
config section is the `email` section of channels.yaml: the addresses per unit+role (explicit, or a
pattern with key tables, as before) plus the TLS options. The channel keeps the name "email".

Outcomes: a 4xx answer (at any step, also for one recipient: greylisting) → retryable; a 5xx
answer or a recipient refused with 5xx → permanent; no connection, a dropped one, a timeout → retryable.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Any, Literal, Mapping

from pydantic import ConfigDict, Field, field_validator, model_validator

from responders.channels.webhook import Redactor, Strict, env_name
from yuqing.seams import AlertMessage, NotConfigured, SendResult

log = logging.getLogger("yuqing.channels")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
FOOTER = "本邮件由政务舆情监测与回应系统自动发送，请勿直接回复。"


class Address(Strict):
    unit: str
    role: str
    email: str

    @field_validator("email")
    @classmethod
    def _email(cls, v: str) -> str:
        if not EMAIL.fullmatch(v):
            raise ValueError("not an email address")
        return v


class Config(Strict):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)
    enabled: bool = True
    # None: STARTTLS when a user logs in (the password must not travel in clear), else none – as
    # the old notifier did; name it to be sure.
    tls: Literal["none", "starttls", "ssl"] | None = None
    verify: bool = True                  # check the server's certificate and name
    ca_file: str | None = None           # a CA (or self-signed certificate) to trust instead of the system's
    timeout: float = Field(default=10.0, gt=0, le=120)
    password_env: str = "YUQING_ALERT_SMTP_PASSWORD"
    rate_per_minute: int | None = Field(default=None, ge=1)
    # Addresses: an explicit one wins; else the pattern with the unit's and the role's keys.
    pattern: str | None = "{role_key}@{unit_key}.example.gov.cn"
    unit_keys: dict[str, str] = Field(default_factory=dict)
    role_keys: dict[str, str] = Field(default_factory=dict)
    addresses: list[Address] = Field(default_factory=list)

    @field_validator("password_env")
    @classmethod
    def _env(cls, v: str) -> str:
        return env_name(v)

    @field_validator("pattern")
    @classmethod
    def _pattern(cls, v: str | None) -> str | None:
        if v is not None:
            unknown = set(re.findall(r"{(\w*)}", v)) - {"unit_key", "role_key"}
            if unknown:
                raise ValueError(f"unknown placeholder(s) {sorted(unknown)}; use {{unit_key}} and {{role_key}}")
        return v

    @model_validator(mode="after")
    def _unique(self) -> "Config":
        seen: set[tuple[str, str]] = set()
        for a in self.addresses:
            if (a.unit, a.role) in seen:
                raise ValueError(f"{a.unit}（{a.role}）has two addresses")
            seen.add((a.unit, a.role))
        return self


def _one_line(s: str) -> str:
    # header values: a line break in a crawled title must not start a new header
    return " ".join(str(s).split())


def message_id(key: str, sender: str) -> str:
    """The same alert always has the same Message-ID, so that a retried send is recognisably one."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "yuqing.localhost"
    return f"<alert.{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}@{domain}>"


class SmtpChannel:
    name = "email"
    label = "电子邮件"

    def __init__(self, config: Config, host: str, port: int, *, user: str = "", password: str = "",
                 sender: str = "yuqing@localhost"):
        self.config = config
        self.rate_per_minute = config.rate_per_minute
        self.host, self.port, self.user, self.sender = host, int(port), user, sender
        self._password = password
        self._redact = Redactor([password])
        self.tls = config.tls or ("starttls" if user else "none")

    @classmethod
    def from_config(cls, config: Config, settings: Mapping[str, Any],
                    environ: Mapping[str, str] | None = None) -> "SmtpChannel":
        if config is None:
            raise NotConfigured("email: no email section in channels.yaml")
        if not config.enabled:
            raise NotConfigured("email: switched off (enabled: false)")
        host = _setting(settings, "ALERT_SMTP_HOST", "")
        if not host:
            raise NotConfigured("email: ALERT_SMTP_HOST is empty")
        user = _setting(settings, "ALERT_SMTP_USER", "") or ""
        env = os.environ if environ is None else environ
        password = env.get(config.password_env, "")
        if user and not password:
            raise NotConfigured(f"email: ALERT_SMTP_USER is set but {config.password_env} is not")
        if user and (config.tls == "none"):
            raise NotConfigured("email: tls is none but a user logs in: the password would travel unencrypted")
        if not config.verify:
            log.warning("email: the SMTP server's certificate is not checked (verify: false)")
        sender = _setting(settings, "ALERT_SMTP_FROM", "yuqing@localhost")
        if not EMAIL.fullmatch(parseaddr(sender)[1]):
            raise NotConfigured("email: ALERT_SMTP_FROM is not an email address")
        return cls(config, host, _setting(settings, "ALERT_SMTP_PORT", 25), user=user, password=password, sender=sender)

    # ------------------------------------------------------------------ addresses
    def address(self, recipient) -> str | None:
        for a in self.config.addresses:
            if a.unit == recipient.unit and a.role == recipient.role:
                return a.email
        pat = self.config.pattern
        if not pat:
            return None
        uk, rk = self.config.unit_keys.get(recipient.unit), self.config.role_keys.get(recipient.role)
        if ("{unit_key}" in pat and not uk) or ("{role_key}" in pat and not rk):
            return None
        return pat.format(unit_key=uk or "", role_key=rk or "")

    # ------------------------------------------------------------------ message
    def message(self, m: AlertMessage, address: str) -> EmailMessage:
        msg = EmailMessage()
        msg["Subject"] = _one_line(m.subject)
        msg["From"] = self.sender
        msg["To"] = address
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = message_id(m.key, self.sender)
        msg["X-Yuqing-Alert"] = _one_line(m.key)
        msg["Auto-Submitted"] = "auto-generated"      # RFC 3834: no out-of-office replies to us
        body = m.body.rstrip()
        if m.link and m.link not in body:
            body += f"\n\n详情：{m.link}"
        msg.set_content(f"{body}\n\n--\n{FOOTER}\n", charset="utf-8")
        return msg

    def _context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=self.config.ca_file)
        if not self.config.verify:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        return ctx

    # ------------------------------------------------------------------ send
    def send(self, message: AlertMessage, address: str) -> SendResult:
        if not address or not EMAIL.fullmatch(address):
            return SendResult.failed(f"not an email address: {address!r}", retryable=False, status="bad address")
        msg = self.message(message, address)
        try:
            if self.tls == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.config.timeout,
                                                      context=self._context())
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.config.timeout)
            with smtp:
                if self.tls == "starttls":
                    smtp.starttls(context=self._context())
                if self.user:
                    smtp.login(self.user, self._password)
                refused = smtp.send_message(msg, from_addr=parseaddr(self.sender)[1], to_addrs=[address])
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [c for c, _ in exc.recipients.values()]
            detail = "; ".join(f"{a}: {c} {_text(t)}" for a, (c, t) in exc.recipients.items())
            return self._failed(f"recipient refused: {detail}", retryable=all(400 <= c < 500 for c in codes),
                                status=f"{codes[0] if codes else ''} refused")
        except smtplib.SMTPResponseException as exc:   # sender refused, data refused, auth failed …
            return self._failed(f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}",
                                retryable=400 <= exc.smtp_code < 500, status=str(exc.smtp_code))
        except smtplib.SMTPNotSupportedError as exc:   # e.g. STARTTLS asked of a server without it
            return self._failed(f"not supported by the server: {exc}", retryable=False, status="not supported")
        except (OSError, smtplib.SMTPException) as exc:  # refused, reset, timeout, TLS handshake, dropped
            return self._failed(f"{type(exc).__name__}: {exc}", retryable=True, status="connection error")
        if refused:                                     # only with several recipients; kept for safety
            return self._failed(f"refused: {refused}", retryable=False, status="refused")
        return SendResult.sent("250 accepted")

    def _failed(self, error: str, *, retryable: bool, status: str) -> SendResult:
        error = self._redact(error)
        log.warning("email: %s (%s)", error, "retryable" if retryable else "permanent")
        return SendResult.failed(error, retryable=retryable, status=status)


def _text(raw: bytes | str) -> str:
    return (raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)).strip()



def _setting(settings: Any, name: str, default: Any) -> Any:
    # yuqing.settings.Settings has no .get(); a plain dict may lack a name
    try:
        return settings[name]
    except KeyError:
        return default
