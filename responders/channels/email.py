"""Email alerts over SMTP (smtplib). Settings from yuqing.settings (environment YUQING_ALERT_SMTP_*).

A server that is down or refuses for a while is a retryable error (the delivery stays pending
and the next sweep retries); a rejected address is not.
"""
from __future__ import annotations

import smtplib
import socket
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from yuqing.seams import NotConfigured


class EmailNotifier:
    name = "email"

    def __init__(self, host: str, port: int = 25, *, user: str = "", password: str = "",
                 sender: str = "yuqing@localhost", starttls: bool | None = None, timeout: float = 10.0):
        if not host:
            raise NotConfigured("email alerts: ALERT_SMTP_HOST is empty")
        self.host, self.port, self.user, self.password, self.sender = host, int(port), user, password, sender
        self.starttls = bool(user) if starttls is None else starttls
        self.timeout = timeout

    @classmethod
    def from_settings(cls, settings) -> "EmailNotifier":
        return cls(settings["ALERT_SMTP_HOST"], settings["ALERT_SMTP_PORT"], user=settings["ALERT_SMTP_USER"],
                   password=settings["ALERT_SMTP_PASSWORD"], sender=settings["ALERT_SMTP_FROM"])

    def message(self, alert: Any, address: str) -> EmailMessage:
        from responders.alerts import templates
        msg = EmailMessage()
        msg["Subject"] = alert.subject
        msg["From"] = self.sender
        msg["To"] = address
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = make_msgid(idstring=f"alert{alert.id}")
        msg["X-Yuqing-Alert"] = str(alert.dedup_key.encode("utf-8").hex()[:64])
        msg.set_content(templates().get_template("email_body.j2").render(alert=alert), charset="utf-8")
        return msg

    def send(self, alert: Any, address: str | None) -> tuple[bool, str | None]:
        if not address:
            return False, "no email address"
        msg = self.message(alert, address)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.user:
                    smtp.login(self.user, self.password)
                refused = smtp.send_message(msg)
            if refused:
                return False, f"refused: {refused}"
            return False, None
        except smtplib.SMTPRecipientsRefused as exc:
            return False, f"recipient refused: {exc.recipients}"
        except smtplib.SMTPResponseException as exc:
            # 4xx: try later; 5xx: permanent
            return 400 <= exc.smtp_code < 500, f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"
        except (OSError, socket.timeout, smtplib.SMTPException) as exc:
            return True, f"{type(exc).__name__}: {exc}"
