"""The dashboard inbox: an alert row in the store is visible to its unit as soon as it is written,
so delivery only marks it delivered. Always on."""
from __future__ import annotations

from typing import Any


class InboxNotifier:
    name = "inbox"

    def send(self, alert: Any, address: str | None) -> tuple[bool, str | None]:
        if address and address != alert.unit:
            return False, f"inbox address {address!r} is not the alert's unit {alert.unit!r}"
        return False, None
