"""Clock policy (config/clocks.yaml) and due times.

A clock is either an hour clock (wall-clock absolute: start + N hours, never provisional) or
a working-day clock (end, 23:59:59 Asia/Shanghai, of the Nth working day counted from the day
after the start; provisional when it counts over a day the calendar only assumes).
The start is the event's own time (earliest publish time, the request, the publication),
never the time we detected it: crawl delay does not buy time.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from yuqing.config.base import Strict

from yuqing.config.errors import ConfigError
from yuqing.config.yamlfile import load_model
from yuqing.clocks.calendar import WorkCalendar
from yuqing.timeutil import SHANGHAI, iso_local, to_local

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "config" / "clocks.yaml"




class ClockRule(Strict):
    label: str = Field(min_length=1)                # Chinese name used in reasons, e.g. 群众点题反馈
    hours: int | None = Field(default=None, gt=0)
    working_days: int | None = Field(default=None, gt=0)
    source: str = Field(min_length=1)               # the rulebook clause
    repeats: bool = False                           # re-armed after each release (follow_up)
    on_timeout: Literal["late", "consent"] = "late"  # consent: silence counts as consent

    @model_validator(mode="after")
    def _one_duration(self) -> "ClockRule":
        if (self.hours is None) == (self.working_days is None):
            raise ValueError("give exactly one of hours or working_days")
        return self


class ClockPolicy(Strict):
    clocks: dict[str, ClockRule]
    warn_at: list[float] = Field(default_factory=lambda: [0.6, 0.8])  # escalation warnings

    @field_validator("warn_at")
    @classmethod
    def _fractions(cls, v: list[float]) -> list[float]:
        if any(not (0 < f < 1) for f in v):
            raise ValueError("warn_at fractions must lie strictly between 0 and 1")
        if v != sorted(set(v)):
            raise ValueError("warn_at fractions must be strictly increasing")
        return v

    @field_validator("clocks")
    @classmethod
    def _some(cls, v: dict[str, ClockRule]) -> dict[str, ClockRule]:
        if not v:
            raise ValueError("at least one clock kind is required")
        return v

    @classmethod
    def from_config(cls, source: Path | str | Mapping | "ClockPolicy") -> "ClockPolicy":
        if isinstance(source, ClockPolicy):
            return source
        return load_model(source, cls, error=ClockPolicyError, name="clock policy")

    @classmethod
    def default(cls) -> "ClockPolicy":
        return cls.from_config(DEFAULT_PATH)


class ClockPolicyError(ConfigError):
    """config/clocks.yaml is invalid; each problem names file, line, path and reason."""


class Due(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: str
    starts_at: datetime
    due_at: datetime
    provisional: bool = False
    reason: str = ""
    warn_at: list[datetime] = Field(default_factory=list)  # escalation warnings before due_at
    on_timeout: Literal["late", "consent"] = "late"
    source: str = ""

    def to_clock_state(self) -> Any:
        """The shared model's ClockState for this clock (status running)."""
        from yuqing.model import ClockState

        return ClockState(kind=self.kind, starts_at=self.starts_at, due_at=self.due_at,
                          provisional=self.provisional, reason=self.reason)


def _fmt(dt: datetime) -> str:
    return to_local(dt).strftime("%Y-%m-%d %H:%M:%S")


def due(kind: str, start: datetime, policy: ClockPolicy, calendar: WorkCalendar) -> Due:
    """When a clock of `kind` started at `start` (timezone-aware) is due."""
    rule = policy.clocks.get(kind)
    if rule is None:
        raise ValueError(f"unknown clock kind {kind!r}; known kinds: {', '.join(sorted(policy.clocks))}")
    if not isinstance(start, datetime):
        raise TypeError(f"start must be a datetime, got {type(start).__name__}")
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError(f"start: naive datetime {start.isoformat()} (a timezone is required)")
    starts_at = to_local(start)
    if rule.hours is not None:
        due_at = to_local(starts_at + timedelta(hours=rule.hours))
        provisional = False
        reason = f"{rule.label}：{rule.hours}小时，自{_fmt(starts_at)}起，至{_fmt(due_at)}"
    else:
        n = rule.working_days
        due_at, provisional, seen = calendar.count_working_days(starts_at, n)
        reason = f"{rule.label}：{n}个工作日，自次日起算，至{_fmt(due_at)}"
        overrides = sorted({(i.name or i.day.isoformat(), i.source) for i in seen if i.basis == "override"})
        if overrides:
            reason += "；依" + "、".join(f"{src}（{name}）" for name, src in overrides)
        if provisional:
            years = sorted({i.day.year for i in seen if i.provisional})
            ys = "、".join(f"{y}年" for y in years)
            reason += (f"；{ys}尚无国务院放假安排，按{calendar.config.fallback_rule.source}推定，"
                       f"调休未知，截止时间暂定")
    if rule.on_timeout == "consent":
        reason += "；逾期未回复视为同意"
    span = due_at - starts_at
    warns = [to_local(starts_at + span * f).replace(microsecond=0) for f in policy.warn_at]
    return Due(kind=kind, starts_at=starts_at, due_at=due_at, provisional=provisional, reason=reason,
               warn_at=warns, on_timeout=rule.on_timeout, source=rule.source)


def format_due(d: Due) -> str:
    """ISO 8601 in +08:00, then ' provisional' when the due time rests on an assumed calendar."""
    text = iso_local(d.due_at, SHANGHAI)
    return f"{text} provisional" if d.provisional else text
