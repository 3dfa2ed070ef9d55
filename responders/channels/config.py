"""`config/channels.yaml`: which alert channels are on (in fallback order), each channel's own
section (validated by that channel's `Config` model), delivery retries and rate limits, reminder
bounds, and the escalation timing that is frozen onto a case with its clocks.

Strict: a key that is neither a setting here nor a registered channel is an error.
`check_against(district)` reports unit names that the district does not know.
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from pydantic import ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from yuqing import vocab
from yuqing.config.base import Strict

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "config" / "channels.yaml"
LIAISON = vocab.LIAISON          # the role that receives a unit's case alerts
LEVELS = vocab.CASE_LEVELS


class EscalationTiming(Strict):
    """Who is told at each step of a clock, and when; frozen on a case with its clocks."""
    warning_levels: list[int] = Field(default_factory=lambda: [1, 2])   # at each warn_at fraction
    overdue_levels: list[int] = Field(default_factory=lambda: [3, 4])   # at the deadline
    after_grace_levels: list[int] = Field(default_factory=lambda: [5])  # deadline + grace
    grace_hours: float = Field(default=1.0, ge=0)
    repeat_minutes: int = Field(default=60, ge=0)    # reminders of an un-acknowledged level; 0 = none
    # Bounded reminders (after Opsgenie's repeat count): at most this many per clock, level and
    # recipient; then the next chain level is told once that this level has not acknowledged,
    # and the recipient's later reminders fold into one digest a day.
    max_reminders: int = Field(default=3, ge=0)
    climb_after_reminders: bool = True
    digest_hours: float = Field(default=24.0, gt=0)
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
        if any(n < 1 for n in v.values()):
            raise ValueError("depths are chain levels: 1 or more")
        return v


class ChannelsConfig(Strict):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    # Channels on, in the order a recipient is tried: the inbox always; then the first channel
    # the recipient has an address on; when it fails for good, the next (ending, say, in sms).
    enabled: list[str] = Field(default_factory=lambda: ["inbox"])
    # For these levels every enabled channel is used at once, not one after the other.
    broadcast_levels: list[str] = Field(default_factory=lambda: ["重大", "特别重大"])
    max_attempts: int = Field(default=0, ge=0)      # attempts on one channel; 0 = retry until fallback_minutes
    # A delivery that failed with a retryable error waits retry_minutes before its next attempt,
    # doubled after each further failure (1, 2, 4, 8, …) up to retry_max_minutes.
    retry_minutes: float = Field(default=1.0, gt=0)
    retry_max_minutes: float = Field(default=30.0, gt=0)
    # After this long failing on one channel, the next channel is tried too (the first keeps retrying).
    fallback_minutes: float = Field(default=10.0, gt=0)
    # A delivery claimed by a process that died (SIGKILL mid-send) is tried again after this.
    lease_seconds: float = Field(default=600.0, gt=0)
    # Per address and minute, when the channel states no limit of its own.
    default_rate_per_minute: int | None = Field(default=None, ge=1)
    link_base: str | None = None             # the dashboard's address, for "查看详情" links
    operators: list[dict[str, str]] = Field(default_factory=lambda: [{"unit": "区委宣传部", "role": vocab.OPERATOR}])
    escalation: EscalationTiming = Field(default_factory=EscalationTiming)
    _sections: dict[str, Any] = PrivateAttr(default_factory=dict)

    @field_validator("enabled")
    @classmethod
    def _inbox_always(cls, v: list[str]) -> list[str]:
        from responders.channels import registered
        unknown = [c for c in v if c not in registered()]
        if unknown:
            raise ValueError(f"unknown channel(s) {unknown}; known: {', '.join(sorted(registered()))}")
        if "inbox" not in v:
            raise ValueError("the dashboard inbox cannot be disabled (every alert is visible to its unit)")
        return list(dict.fromkeys(v))

    @field_validator("broadcast_levels")
    @classmethod
    def _broadcast(cls, v: list[str]) -> list[str]:
        bad = set(v) - set(LEVELS)
        if bad:
            raise ValueError(f"unknown severity level(s) {sorted(bad)}")
        return v

    @model_validator(mode="after")
    def _sections_and_order(self) -> "ChannelsConfig":
        from responders.channels import config_model, registered
        if self.retry_max_minutes < self.retry_minutes:
            raise ValueError(f"retry_max_minutes ({self.retry_max_minutes}) is less than retry_minutes "
                             f"({self.retry_minutes})")
        for key, value in (self.model_extra or {}).items():
            if key not in registered():
                raise ValueError(f"unknown key {key!r} (neither a setting nor a channel: "
                                 f"{', '.join(sorted(registered()))})")
            try:
                self._sections[key] = config_model(key).model_validate(value or {})
            except ValidationError as exc:
                msgs = "; ".join(f"{key}.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
                raise ValueError(msgs) from None
        return self

    def section(self, name: str) -> Any:
        """A channel's validated section; None when channels.yaml has none."""
        return self._sections.get(name)

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
            return sec if sec is not None else cls()
        path = Path(config) if config else DEFAULT_PATH
        if path.exists():
            return cls.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
        return cls()

    def check_against(self, district) -> list[tuple[tuple, str]]:
        units = set(district.unit_names()) | {self.escalation.district_unit}
        out: list[tuple[tuple, str]] = []
        for name, sec in self._sections.items():
            for key in ("robots", "phones", "addresses"):
                for i, entry in enumerate(getattr(sec, key, None) or []):
                    if getattr(entry, "unit", None) not in units:
                        out.append(((name, key, i, "unit"), f"unknown unit {entry.unit!r} (not in district.yaml)"))
            for u in getattr(sec, "unit_keys", None) or {}:
                if u not in units:
                    out.append(((name, "unit_keys", u), f"unknown unit {u!r} (not in district.yaml)"))
        for i, op in enumerate(self.operators):
            if op.get("unit") not in units:
                out.append((("operators", i, "unit"), f"unknown unit {op.get('unit')!r} (not in district.yaml)"))
        chain_levels = {s.level for s in district.escalation_chain}
        for key in ("warning_levels", "overdue_levels", "after_grace_levels"):
            for i, lv in enumerate(getattr(self.escalation, key)):
                if chain_levels and lv not in chain_levels:
                    out.append((("escalation", key, i), f"level {lv} is not in the district's escalation_chain"))
        email = self._sections.get("email")
        if "email" in self.enabled and email is not None and email.pattern:
            explicit = {(a.unit, a.role) for a in email.addresses}
            if "{unit_key}" in email.pattern:
                for u in sorted(district.unit_names()):
                    if u not in email.unit_keys and not any(x[0] == u for x in explicit):
                        out.append((("email", "unit_keys"), f"unit {u!r} has no address key: it would get no email"))
            if "{role_key}" in email.pattern:
                roles = {LIAISON}
                for s in district.escalation_chain:
                    roles.add(s.to[4:] if s.to.startswith("责任单位") else (LIAISON if s.to in units else s.to))
                for r in sorted(roles - set(email.role_keys)):
                    out.append((("email", "role_keys"), f"role {r!r} has no address key: it would get no email"))
        return out
