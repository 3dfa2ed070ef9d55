"""One time source for the whole system, injectable so tests run days in milliseconds.

Every timestamp in yuqing is timezone-aware. Storage keeps UTC; everything shown to a
person is converted to Asia/Shanghai (`to_local`). Code asks a `Clock` for "now" and
never calls `datetime.now()` itself.
"""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Protocol
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = timezone.utc


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to (tests, simulations, replays)."""

    def __init__(self, start: datetime):
        _require_aware(start, "ManualClock start")
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._now = self._now + delta
            return self._now

    def set(self, when: datetime) -> None:
        _require_aware(when, "ManualClock.set")
        with self._lock:
            self._now = when


def _require_aware(dt: datetime, what: str) -> None:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"{what}: naive datetime {dt.isoformat()} (a timezone is required)")


def parse_time(text: str, *, what: str = "time") -> datetime:
    """Parse ISO 8601; a time without an offset is read as Asia/Shanghai (the district's zone)."""
    try:
        dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except (ValueError, AttributeError) as exc:
        raise ValueError(f"{what}: not an ISO 8601 time: {text!r}") from exc
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=SHANGHAI)
    return dt


def to_local(dt: datetime, tz: ZoneInfo = SHANGHAI) -> datetime:
    _require_aware(dt, "to_local")
    return dt.astimezone(tz)


def iso_local(dt: datetime | None, tz: ZoneInfo = SHANGHAI) -> str | None:
    """ISO 8601 in the district's zone, e.g. 2026-11-20T15:12:00+08:00."""
    return None if dt is None else to_local(dt, tz).isoformat(timespec="seconds")


def ensure_aware(dt: datetime) -> datetime:
    """Values read back from SQLite lose their zone; they were stored as UTC."""
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt


def fmt_local(dt: datetime | None, pattern: str = "%Y-%m-%d %H:%M", tz: ZoneInfo = SHANGHAI) -> str:
    """A time as people read it (Asia/Shanghai); — for none."""
    return "—" if dt is None else to_local(dt, tz).strftime(pattern)


def fmt_span(td: timedelta) -> str:
    """A duration in Chinese, sign ignored: 45分钟, 2小时03分, 3天4小时."""
    mins = int(abs(td.total_seconds()) // 60)
    d, rem = divmod(mins, 1440)
    h, m = divmod(rem, 60)
    if d:
        return f"{d}天{h}小时" if h else f"{d}天"
    if h:
        return f"{h}小时{m:02d}分" if m else f"{h}小时"
    return f"{m}分钟"
