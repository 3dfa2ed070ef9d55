"""Lunar dates and solar terms for the statutory-holiday rule.

Primary source: the `lunar-python` package (6tail, pure Python, MIT). When it is not
installed, a table shipped beside this module (`lunar_dates.json`, built by
`build_lunar_table.py` from lunar-python and cross-checked against `lunardate` and `sxtwl`)
answers for the dates the default rule needs. Anything else raises `LunarUnavailable`,
which the calendar turns into a config error at load time, never at clock time.
"""
from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from pathlib import Path

try:  # pragma: no cover - exercised by whichever branch is installed
    from lunar_python import Lunar, Solar

    HAVE_LIBRARY = True
except ImportError:  # pragma: no cover
    Lunar = Solar = None  # type: ignore[assignment]
    HAVE_LIBRARY = False

TABLE_PATH = Path(__file__).with_name("lunar_dates.json")

# Solar terms the rule may name, in lunar-python's spelling.
SOLAR_TERMS = (
    "小寒", "大寒", "立春", "雨水", "惊蛰", "春分", "清明", "谷雨", "立夏", "小满", "芒种", "夏至",
    "小暑", "大暑", "立秋", "处暑", "白露", "秋分", "寒露", "霜降", "立冬", "小雪", "大雪", "冬至",
)


class LunarUnavailable(LookupError):
    """No library and no table entry for the requested date."""


@lru_cache(maxsize=1)
def _table() -> dict:
    try:
        return json.loads(TABLE_PATH.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"lunar": {}, "solar_terms": {}}


def source_name() -> str:
    if HAVE_LIBRARY:
        from importlib.metadata import PackageNotFoundError, version

        try:
            return f"lunar-python {version('lunar_python')}"
        except PackageNotFoundError:  # pragma: no cover
            return "lunar-python"
    return f"table {TABLE_PATH.name} ({_table().get('provenance', 'no provenance')})"


@lru_cache(maxsize=4096)
def lunar_to_solar(year: int, month: int, day: int) -> date:
    """Solar date of day `day` of (non-leap) lunar month `month` of lunar year `year`."""
    if HAVE_LIBRARY:
        s = Lunar.fromYmd(year, month, day).getSolar()
        return date(s.getYear(), s.getMonth(), s.getDay())
    key = f"{year:04d}-{month:02d}-{day:02d}"
    try:
        return date.fromisoformat(_table()["lunar"][key])
    except KeyError:
        raise LunarUnavailable(
            f"lunar date {key}: lunar-python is not installed and {TABLE_PATH.name} has no entry"
        ) from None


@lru_cache(maxsize=1024)
def solar_term(year: int, name: str) -> date:
    """Date (China time) of solar term `name` in solar year `year`."""
    if name not in SOLAR_TERMS:
        raise ValueError(f"unknown solar term {name!r}; known: {', '.join(SOLAR_TERMS)}")
    if HAVE_LIBRARY:
        # A lunar year's table spans two solar years; ask from mid-year and keep year's own.
        for probe in (date(year, 6, 30), date(year, 1, 15), date(year, 12, 15)):
            table = Solar.fromYmd(probe.year, probe.month, probe.day).getLunar().getJieQiTable()
            s = table.get(name)
            if s is not None and s.getYear() == year:
                return date(s.getYear(), s.getMonth(), s.getDay())
        raise LunarUnavailable(f"solar term {name} of {year} not found")  # pragma: no cover
    key = f"{year:04d}:{name}"
    try:
        return date.fromisoformat(_table()["solar_terms"][key])
    except KeyError:
        raise LunarUnavailable(
            f"solar term {key}: lunar-python is not installed and {TABLE_PATH.name} has no entry"
        ) from None
