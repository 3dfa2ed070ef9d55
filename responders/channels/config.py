"""`config/channels.yaml`: which alert channels are on, where each unit+role receives email,
and the escalation timing that is frozen onto a case with its clocks.

Strict (unknown keys are errors). `check_against(district)` reports unit names that the district
does not know, as the config loader expects: a list of (path_tuple, reason).
"""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from yuqing.config.base import Strict

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "config" / "channels.yaml"
LIAISON = "信息发布联络员"          # the role that receives a unit's inbox alerts
LEVELS = ("一般", "较大", "重大", "特别重大")




class Address(Strict):
    unit: str
    role: str
    email: str

    @field_validator("email")
    @classmethod
    def _email(cls, v: str) -> str:
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", v):
            raise ValueError(f"not an email address: {v!r}")
        return v


class EmailChannel(Strict):
    # An explicit address (addresses, or the district's contacts) wins; else the pattern.
    pattern: str | None = "{role_key}@{unit_key}.example.gov.cn"
    unit_keys: dict[str, str] = Field(default_factory=dict)    # unit name → its address key (pinyin)
    role_keys: dict[str, str] = Field(default_factory=dict)    # role → its address key
    addresses: list[Address] = Field(default_factory=list)

    @field_validator("pattern")
    @classmethod
    def _pattern(cls, v: str | None) -> str | None:
        if v is not None:
            unknown = set(re.findall(r"{(\w*)}", v)) - {"unit_key", "role_key"}
            if unknown:
                raise ValueError(f"unknown placeholder(s) {sorted(unknown)}; use {{unit_key}} and {{role_key}}")
        return v


class EscalationTiming(Strict):
    """Who is told at each step of a clock, and when; frozen on a case with its clocks."""
    warning_levels: list[int] = Field(default_factory=lambda: [1, 2])   # at each warn_at fraction
    overdue_levels: list[int] = Field(default_factory=lambda: [3, 4])   # at the deadline
    after_grace_levels: list[int] = Field(default_factory=lambda: [5])  # deadline + grace
    grace_hours: float = Field(default=1.0, ge=0)
    repeat_minutes: int = Field(default=60, ge=0)    # reminders of an un-acknowledged level; 0 = none
    # Case alerts (new case / level raised): chain levels told, by severity; emergencies deeper.
    notify_depth: dict[str, int] = Field(default_factory=lambda: {"一般": 1, "较大": 2, "重大": 3, "特别重大": 3})
    emergency_depth: dict[str, int] = Field(default_factory=lambda: {"一般": 4, "较大": 4, "重大": 4, "特别重大": 5})
    district_unit: str = "区政府"     # inbox of chain roles that are no unit (区政府分管领导)

    @field_validator("notify_depth", "emergency_depth")
    @classmethod
    def _levels(cls, v: dict[str, int]) -> dict[str, int]:
        bad = set(v) - set(LEVELS)
        if bad:
            raise ValueError(f"unknown severity level(s) {sorted(bad)}; known: {', '.join(LEVELS)}")
        return v


class ChannelsConfig(Strict):
    enabled: list[Literal["inbox", "email"]] = Field(default_factory=lambda: ["inbox"])
    max_attempts: int = Field(default=0, ge=0)      # delivery attempts before giving up; 0 = never give up
    # A delivery that failed with a retryable error waits retry_minutes before its next attempt,
    # doubled after each further failure (1, 2, 4, 8, …) up to retry_max_minutes.
    retry_minutes: float = Field(default=1.0, gt=0)
    retry_max_minutes: float = Field(default=30.0, gt=0)
    email: EmailChannel = Field(default_factory=EmailChannel)
    escalation: EscalationTiming = Field(default_factory=EscalationTiming)

    @field_validator("enabled")
    @classmethod
    def _inbox_always(cls, v: list[str]) -> list[str]:
        if "inbox" not in v:
            raise ValueError("the dashboard inbox cannot be disabled (every alert is visible to its unit)")
        return list(dict.fromkeys(v))

    @model_validator(mode="after")
    def _retry_order(self) -> "ChannelsConfig":
        if self.retry_max_minutes < self.retry_minutes:
            raise ValueError(f"retry_max_minutes ({self.retry_max_minutes}) is less than retry_minutes "
                             f"({self.retry_minutes})")
        return self

    def retry_delay(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failed attempt: retry_minutes · 2^(attempts−1), capped."""
        n = max(int(attempts), 1) - 1
        minutes = self.retry_minutes * (2 ** min(n, 30))
        return timedelta(minutes=min(minutes, self.retry_max_minutes))

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, config: Any = None) -> "ChannelsConfig":
        """From a loaded yuqing Config (its channels section), a path, or the repository default."""
        if isinstance(config, ChannelsConfig):
            return config
        if config is not None and hasattr(config, "get"):
            sec = config.get("channels")
            if sec is not None:
                return sec
            return cls()
        path = Path(config) if config else DEFAULT_PATH
        if path.exists():
            return cls.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
        return cls()

    # ------------------------------------------------------------------ addresses
    def email_address(self, unit: str, role: str, contacts: list | None = None) -> str | None:
        for a in self.email.addresses:
            if a.unit == unit and a.role == role:
                return a.email
        for c in contacts or []:
            if getattr(c, "unit", None) == unit and getattr(c, "role", None) == role and getattr(c, "email", None):
                return c.email
        pat = self.email.pattern
        if not pat:
            return None
        uk, rk = self.email.unit_keys.get(unit), self.email.role_keys.get(role)
        if ("{unit_key}" in pat and not uk) or ("{role_key}" in pat and not rk):
            return None
        return pat.format(unit_key=uk or "", role_key=rk or "")

    def check_against(self, district) -> list[tuple[tuple, str]]:
        units = set(district.unit_names()) | {self.escalation.district_unit}
        out: list[tuple[tuple, str]] = []
        for u in self.email.unit_keys:
            if u not in units:
                out.append((("email", "unit_keys", u), f"unknown unit {u!r} (not in district.yaml)"))
        for i, a in enumerate(self.email.addresses):
            if a.unit not in units:
                out.append((("email", "addresses", i, "unit"), f"unknown unit {a.unit!r} (not in district.yaml)"))
        chain_levels = {s.level for s in district.escalation_chain}
        for key in ("warning_levels", "overdue_levels", "after_grace_levels"):
            for i, lv in enumerate(getattr(self.escalation, key)):
                if chain_levels and lv not in chain_levels:
                    out.append((("escalation", key, i), f"level {lv} is not in the district's escalation_chain"))
        if "email" in self.enabled and self.email.pattern:
            explicit = {(a.unit, a.role) for a in self.email.addresses}
            if "{unit_key}" in self.email.pattern:
                for u in sorted(district.unit_names()):
                    if u not in self.email.unit_keys and not any(x[0] == u for x in explicit):
                        out.append((("email", "unit_keys"), f"unit {u!r} has no address key: it would get no email"))
            if "{role_key}" in self.email.pattern:
                roles = {LIAISON}
                for s in district.escalation_chain:
                    roles.add(s.to[4:] if s.to.startswith("责任单位") else (LIAISON if s.to in units else s.to))
                for r in sorted(roles - set(self.email.role_keys)):
                    out.append((("email", "role_keys"), f"role {r!r} has no address key: it would get no email"))
        return out
