"""Working-day calendar: State Council holidays and 调休 make-up days, per day.

Precedence, first that knows the day wins:
  1. `overrides` in config/calendar.yaml, each from a State Council notice with its source;
  2. the `chinese_calendar` package (official data, 2004-2026 in 1.11);
  3. for a year neither knows, `fallback_rule`: Monday-Friday less the statutory holidays of
     《全国年节及纪念日放假办法》, lunar ones computed; 调休 make-up days are unknown, so every
     day this rule decides is marked provisional.
A year listed in `complete_years` holds a whole notice in the overrides: its other days are
plain weekdays/weekends, not provisional.
"""
from __future__ import annotations

import re
import datetime as dt
import threading
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal, Mapping

import chinese_calendar
import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from yuqing.config.base import Strict

from yuqing.clocks import lunar as lunarcal
from yuqing.config.errors import ConfigError, ConfigProblem
from yuqing.config.yamlfile import load_model
from yuqing.timeutil import SHANGHAI, to_local

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "config" / "calendar.yaml"
END_OF_DAY = time(23, 59, 59)

Basis = Literal["override", "chinese_calendar", "rule"]


# ---------------------------------------------------------------- config model




class OverrideEntry(Strict):
    """One day (or an inclusive range `date`..`until`) from a State Council notice."""

    date: dt.date
    until: dt.date | None = None
    kind: Literal["holiday", "workday"]
    name: str | None = None          # e.g. 国庆节, 国庆节调休上班
    source: str = Field(min_length=1)  # the notice's title and number

    @field_validator("source")
    @classmethod
    def _source_not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("source must name the notice (title/number)")
        return v.strip()

    @model_validator(mode="after")
    def _range(self) -> "OverrideEntry":
        if self.until is not None and self.until < self.date:
            raise ValueError(f"until {self.until} is before date {self.date}")
        if self.until is not None and (self.until - self.date).days > 31:
            raise ValueError(f"range {self.date}..{self.until} is longer than 31 days")
        return self

    def days(self) -> list[dt.date]:
        end = self.until or self.date
        return [self.date + timedelta(i) for i in range((end - self.date).days + 1)]


_MMDD = re.compile(r"^(\d{2})-(\d{2})$")


class RuleHoliday(Strict):
    """A statutory holiday: an anchor (solar MM-DD, lunar MM-DD or a solar term), an offset, a length."""

    name: str = Field(min_length=1)
    solar: str | None = None        # "10-01"
    lunar: str | None = None        # "08-15" (non-leap month)
    solar_term: str | None = None   # "清明"
    offset: int = Field(default=0, ge=-30, le=30)  # days from the anchor to the first day off
    days: int = Field(ge=1, le=15)

    @model_validator(mode="after")
    def _one_anchor(self) -> "RuleHoliday":
        given = [k for k in ("solar", "lunar", "solar_term") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one anchor: solar, lunar or solar_term")
        for key in ("solar", "lunar"):
            v = getattr(self, key)
            if v is None:
                continue
            m = _MMDD.match(str(v))
            if not m:
                raise ValueError(f"{key}: expected MM-DD, got {v!r}")
            mm, dd = int(m.group(1)), int(m.group(2))
            limit = 31 if key == "solar" else 30
            if not (1 <= mm <= 12 and 1 <= dd <= limit):
                raise ValueError(f"{key}: no such date {v!r}")
            if key == "solar":
                try:
                    date(2000, mm, dd)  # leap year: 02-29 allowed, 02-30 rejected
                except ValueError:
                    raise ValueError(f"{key}: no such date {v!r}") from None
        if self.solar_term is not None and self.solar_term not in lunarcal.SOLAR_TERMS:
            raise ValueError(f"solar_term: unknown term {self.solar_term!r}")
        return self

    def occurrences(self, year: int) -> list[date]:
        """Days off this holiday gives that fall in solar year `year`."""
        out = []
        for y in (year - 1, year, year + 1):
            if self.solar is not None:
                mm, dd = map(int, self.solar.split("-"))
                try:
                    anchor = date(y, mm, dd)
                except ValueError:  # 02-29 in a common year
                    continue
            elif self.lunar is not None:
                mm, dd = map(int, self.lunar.split("-"))
                anchor = lunarcal.lunar_to_solar(y, mm, dd)
            else:
                anchor = lunarcal.solar_term(y, self.solar_term)
            first = anchor + timedelta(self.offset)
            out += [first + timedelta(i) for i in range(self.days) if (first + timedelta(i)).year == year]
        return out


def _default_holidays() -> list[RuleHoliday]:
    return [
        RuleHoliday(name="元旦", solar="01-01", days=1),
        RuleHoliday(name="春节", lunar="01-01", offset=-1, days=4),  # 除夕 … 初三
        RuleHoliday(name="清明节", solar_term="清明", days=1),
        RuleHoliday(name="劳动节", solar="05-01", days=2),
        RuleHoliday(name="端午节", lunar="05-05", days=1),
        RuleHoliday(name="中秋节", lunar="08-15", days=1),
        RuleHoliday(name="国庆节", solar="10-01", days=3),
    ]


class FallbackRule(Strict):
    source: str = "《全国年节及纪念日放假办法》（2024年修订，2025年1月1日起施行）"
    rest_weekdays: list[int] = Field(default_factory=lambda: [6, 7])  # ISO: 6 = Saturday
    holidays: list[RuleHoliday] = Field(default_factory=_default_holidays)

    @field_validator("rest_weekdays")
    @classmethod
    def _weekdays(cls, v: list[int]) -> list[int]:
        if any(d not in range(1, 8) for d in v):
            raise ValueError("rest_weekdays are ISO weekdays 1 (Monday) … 7 (Sunday)")
        if len(set(v)) >= 7:
            raise ValueError("rest_weekdays leave no working day")
        return sorted(set(v))


class CalendarConfig(Strict):
    overrides: list[OverrideEntry] = Field(default_factory=list)
    # year -> source: the overrides for that year are a whole notice (no provisional days).
    complete_years: dict[int, str] = Field(default_factory=dict)
    fallback_rule: FallbackRule = Field(default_factory=FallbackRule)

    @model_validator(mode="after")
    def _no_conflicts(self) -> "CalendarConfig":
        seen: dict[date, tuple[int, OverrideEntry]] = {}
        for i, e in enumerate(self.overrides):
            for d in e.days():
                if d in seen and seen[d][1].kind != e.kind:
                    j = seen[d][0]
                    raise ValueError(
                        f"overrides[{i}] ({_describe(e)}) and overrides[{j}] ({_describe(seen[d][1])}) "
                        f"disagree about {d}"
                    )
                seen[d] = (i, e)
        for y, src in self.complete_years.items():
            if not str(src).strip():
                raise ValueError(f"complete_years[{y}]: source must name the notice")
        return self


def _describe(e: Any) -> str:
    if isinstance(e, OverrideEntry):
        parts = [str(e.date) + (f"..{e.until}" if e.until else ""), e.name or "", e.kind]
    elif isinstance(e, Mapping):
        parts = [str(e.get("date", "?")), str(e.get("name", "") or ""), str(e.get("kind", "") or "")]
    else:
        parts = [repr(e)]
    return " ".join(p for p in parts if p)


class CalendarConfigError(ConfigError):
    """config/calendar.yaml is invalid; each problem reads 'file:line: path (entry): reason'."""


# ---------------------------------------------------------------- YAML reading


class _NoDatesLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so pydantic reports a bad date per entry."""


_NoDatesLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _entry(loc: tuple, data: Any) -> str | None:
    """Name an override entry in an error: its date, name and kind."""
    if len(loc) >= 2 and loc[0] == "overrides" and isinstance(loc[1], int):
        try:
            return f"entry {_describe(data['overrides'][loc[1]])}"
        except (KeyError, IndexError, TypeError):
            return None
    return None


def load_calendar_config(source: Path | str | Mapping | CalendarConfig | None = None) -> CalendarConfig:
    """Validate a calendar config from a YAML file, a mapping or a model."""
    if isinstance(source, CalendarConfig):
        return source
    cfg = load_model(DEFAULT_PATH if source is None else source, CalendarConfig, loader=_NoDatesLoader,
                     describe=_entry, error=CalendarConfigError, name="calendar config")
    # The rule's lunar dates must be computable (library or shipped table) for every year we may meet.
    try:
        for h in cfg.fallback_rule.holidays:
            h.occurrences(2050)
    except lunarcal.LunarUnavailable as exc:
        raise CalendarConfigError([ConfigProblem("calendar.yaml", "fallback_rule.holidays", str(exc))]) from None
    return cfg


# ---------------------------------------------------------------- the calendar


@dataclass(frozen=True)
class DayInfo:
    day: date
    working: bool
    provisional: bool
    basis: Basis
    name: str | None = None     # holiday or make-up day name, if any
    source: str | None = None   # notice / package / rule the decision rests on


def _cc_has_year(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
        return True
    except NotImplementedError:
        return False


def _cc_source() -> str:
    try:
        from importlib.metadata import version

        return f"chinese_calendar {version('chinese_calendar')}（国务院办公厅放假安排通知）"
    except Exception:  # pragma: no cover
        return "chinese_calendar（国务院办公厅放假安排通知）"


class WorkCalendar:
    def __init__(self, config: CalendarConfig):
        self.config = config
        self._overrides: dict[date, OverrideEntry] = {}
        for e in config.overrides:
            for d in e.days():
                self._overrides[d] = e
        self._years: dict[int, dict[date, DayInfo]] = {}
        self._lock = threading.Lock()
        self._cc_source = _cc_source()

    @classmethod
    def from_config(cls, cfg: Path | str | Mapping | CalendarConfig) -> "WorkCalendar":
        return cls(load_calendar_config(cfg))

    @classmethod
    def default(cls) -> "WorkCalendar":
        return cls(load_calendar_config(DEFAULT_PATH))

    # ---- per day

    def day_info(self, d: date) -> DayInfo:
        if isinstance(d, datetime):
            d = to_local(d).date()
        year = self._years.get(d.year)
        if year is None:
            with self._lock:
                year = self._years.get(d.year)
                if year is None:
                    year = self._build_year(d.year)
                    self._years[d.year] = year
        return year[d]

    def is_working_day(self, d: date) -> tuple[bool, bool]:
        """(working?, provisional?) for a calendar date in China."""
        info = self.day_info(d)
        return info.working, info.provisional

    def provisional_years(self, first: int, last: int) -> list[int]:
        return [y for y in range(first, last + 1) if any(i.provisional for i in self._year(y).values())]

    def _year(self, y: int) -> dict[date, DayInfo]:
        self.day_info(date(y, 1, 1))
        return self._years[y]

    def _build_year(self, year: int) -> dict[date, DayInfo]:
        rule = self.config.fallback_rule
        has_cc = _cc_has_year(year)
        complete = self.config.complete_years.get(year)
        rule_days: dict[date, str] = {}
        if not has_cc and complete is None:
            for h in rule.holidays:
                try:
                    days = h.occurrences(year)
                except lunarcal.LunarUnavailable:
                    # Beyond the shipped table without lunar-python: the holiday is unknown;
                    # the year is provisional anyway. Never fail a clock for it.
                    continue
                for d in days:
                    rule_days.setdefault(d, h.name)
        out: dict[date, DayInfo] = {}
        d = date(year, 1, 1)
        while d.year == year:
            e = self._overrides.get(d)
            if e is not None:
                info = DayInfo(d, e.kind == "workday", False, "override", e.name, e.source)
            elif has_cc:
                working = chinese_calendar.is_workday(d)
                _, name = chinese_calendar.get_holiday_detail(d)
                info = DayInfo(d, working, False, "chinese_calendar", name, self._cc_source)
            elif complete is not None:
                info = DayInfo(d, d.isoweekday() not in rule.rest_weekdays, False, "override", None, complete)
            else:
                name = rule_days.get(d)
                working = name is None and d.isoweekday() not in rule.rest_weekdays
                info = DayInfo(d, working, True, "rule", name, rule.source)
            out[d] = info
            d += timedelta(1)
        return out

    # ---- counting

    def add_working_days(self, start: datetime, n: int) -> tuple[datetime, bool]:
        """End (23:59:59 Asia/Shanghai) of the Nth working day after `start`'s day; (due, provisional)."""
        due, provisional, _ = self.count_working_days(start, n)
        return due, provisional

    def count_working_days(self, start: datetime, n: int) -> tuple[datetime, bool, list[DayInfo]]:
        """As add_working_days, also returning every day looked at (for reasons and audits)."""
        if not isinstance(start, datetime):
            raise TypeError("start must be a datetime")
        if start.tzinfo is None or start.utcoffset() is None:
            raise ValueError(f"start: naive datetime {start.isoformat()} (a timezone is required)")
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive number of working days, got {n!r}")
        d = to_local(start).date()
        seen: list[DayInfo] = []
        count = 0
        limit = d + timedelta(days=n * 7 + 366)  # rest_weekdays always leave a working day
        while count < n:
            d += timedelta(1)
            if d > limit:  # pragma: no cover - guarded by config validation
                raise RuntimeError(f"no {n} working days found before {limit}")
            info = self.day_info(d)
            seen.append(info)
            if info.working:
                count += 1
        due = datetime.combine(d, END_OF_DAY, tzinfo=SHANGHAI)
        return due, any(i.provisional for i in seen), seen
