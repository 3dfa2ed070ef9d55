"""Build `lunar_dates.json`: the fallback table used when lunar-python is not installed.

Run at build time (needs lunar-python; lunardate and sxtwl are used to cross-check when
importable):  python -m yuqing.clocks.build_lunar_table [FIRST LAST]
Covers the lunar dates of the default holiday rule (正月初一, 五月初五, 八月十五) and 清明.
"""
from __future__ import annotations

import json
import sys
from datetime import date
from importlib.metadata import version

import chinese_calendar
from lunar_python import Lunar, Solar

LUNAR_DAYS = ((1, 1), (5, 5), (8, 15))
TERMS = ("清明",)


def _lp(y: int, m: int, d: int) -> date:
    s = Lunar.fromYmd(y, m, d).getSolar()
    return date(s.getYear(), s.getMonth(), s.getDay())


def _term(y: int, name: str) -> date:
    s = Solar.fromYmd(y, 6, 30).getLunar().getJieQiTable()[name]
    assert s.getYear() == y
    return date(s.getYear(), s.getMonth(), s.getDay())


def build(first: int, last: int) -> dict:
    checks = []
    try:
        import lunardate

        checks.append((f"lunardate {version('lunardate')}", lambda y, m, d: lunardate.LunarDate(y, m, d).to_solar_date()))
    except ImportError:
        pass
    try:
        import sxtwl

        def _sx(y, m, d):
            x = sxtwl.fromLunar(y, m, d)
            return date(x.getSolarYear(), x.getSolarMonth(), x.getSolarDay())

        checks.append((f"sxtwl {version('sxtwl')}", _sx))
    except ImportError:
        pass
    lunar, terms = {}, {}
    for y in range(first, last + 1):
        for m, d in LUNAR_DAYS:
            ours = _lp(y, m, d)
            for name, fn in checks:
                other = fn(y, m, d)
                if other != ours:
                    raise SystemExit(f"{y}-{m:02d}-{d:02d}: lunar-python {ours} != {name} {other}")
            lunar[f"{y:04d}-{m:02d}-{d:02d}"] = ours.isoformat()
        for t in TERMS:
            ours = _term(y, t)
            other = [n for d, n in chinese_calendar.get_solar_terms(date(y, 1, 1), date(y, 12, 31)) if n == t]
            if [ours] != [d for d, n in chinese_calendar.get_solar_terms(ours, ours) if n == t] or len(other) != 1:
                raise SystemExit(f"{y} {t}: lunar-python {ours} disagrees with chinese_calendar")
            terms[f"{y:04d}:{t}"] = ours.isoformat()
    checked = ", ".join(n for n, _ in checks) or "nothing"
    return {
        "provenance": f"built with lunar-python {version('lunar_python')}, lunar dates cross-checked "
        f"against {checked}, solar terms against chinese_calendar {version('chinese_calendar')}; years {first}-{last}",
        "lunar": lunar,
        "solar_terms": terms,
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    first, last = (int(args[0]), int(args[1])) if len(args) == 2 else (2000, 2099)
    from yuqing.clocks.lunar import TABLE_PATH

    TABLE_PATH.write_text(json.dumps(build(first, last), ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"wrote {TABLE_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
