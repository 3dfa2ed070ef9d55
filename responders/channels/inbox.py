"""The dashboard inbox: an alert in the store is visible to its unit as soon as it is written,
so delivery only records it delivered. Always on: every alert is in some unit's inbox."""
from __future__ import annotations

from typing import Any, Mapping

from yuqing.config.base import Strict
from yuqing.seams import AlertMessage, Recipient, SendResult


class Config(Strict):
    pass


class InboxChannel:
    name = "inbox"
    label = "系统收件箱"
    rate_per_minute = None

    @classmethod
    def from_config(cls, config: Config | None, settings: Mapping[str, Any],
                    environ: Mapping[str, str] | None = None) -> "InboxChannel":
        return cls()

    def address(self, recipient: Recipient) -> str | None:
        return recipient.unit

    def send(self, message: AlertMessage, address: str) -> SendResult:
        if address != message.recipient.unit:
            return SendResult.failed(f"inbox address {address!r} is not the alert's unit", retryable=False)
        return SendResult.sent("in the store")
