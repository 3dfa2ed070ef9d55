"""Dates as Chinese web pages write them, resolved in Asia/Shanghai against an injected `now`.

`find_dates(text, now)` returns every date reading in a piece of text, in order; `parse_date`
the first one; `parse_structured` reads a machine value (meta tag, JSON-LD, <time datetime>).
Forms understood (full-width digits and colons are read as ASCII):

* absolute: ``2026-11-20 10:12``, ``2026年11月20日 10:12:05``, ``2026/11/20``, ``2026.11.20``,
  ``2026-11-20T10:12:00+08:00``, ``二〇二六年十一月二十日``, ``11/20/2026 10:12 AM`` (M/D/Y, or
  D/M/Y when the first number cannot be a month; ``06/02/2022`` is read M/D/Y and marked
  ``ambiguous``), ``下午3:05`` style 12-hour times;
* year and month only: ``1996年6月`` (precision "month");
* no year: ``11-20 10:12``, ``11月20日``, ``11月20日 10:12``: the most recent such date that is
  not in the future (so in January "12-31" is last year), unless a year stands just before it
  in a separate element (``2019 09/07 19:02``);
* relative: ``刚刚``, ``30秒前``, ``5分钟前``, ``3小时前``, ``半小时前``, ``2天前``, ``今天 10:12``,
  ``昨天 08:15``, ``前天``.

A reading later than `now` (by more than `FUTURE_SLACK` for times, or a later day for dates)
is rejected: a page cannot have been published after it was fetched. Times without an offset
are Asia/Shanghai; an explicit offset (``+00:00``, ``Z``) is kept.

Each reading carries its precision ("year", "month", "day", "hour", "minute", "second"), the
matched text and span, whether it was relative or had no year, and the label written just
before it ("publish" for 发布时间/发表于..., "update" for 更新时间, "written" for 成文日期, ...).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo
from email.utils import parsedate_to_datetime

from yuqing.timeutil import SHANGHAI

FUTURE_SLACK = timedelta(minutes=10)
MIN_YEAR = 1990                     # nothing on the Chinese web is older

_PRECISIONS = ("year", "month", "day", "hour", "minute", "second")
_PLAIN = {"year": "%Y", "month": "%Y-%m", "day": "%Y-%m-%d", "hour": "%Y-%m-%d %H:%M",
          "minute": "%Y-%m-%d %H:%M", "second": "%Y-%m-%d %H:%M:%S"}

# one-to-one character map, so spans found in the mapped text are spans of the original
_FOLD = str.maketrans("０１２３４５６７８９：／－．\u3000\xa0", "0123456789:/-.  ")

_TIME = (r"(?:(?P<{p}_ap1>上午|下午|中午|晚上|凌晨|早上|早晨|傍晚|夜里|夜间)\s*)?"
         r"(?P<{p}_h>[01]?\d|2[0-3])\s*(?:(?::|时|点)\s*(?P<{p}_mi>[0-5]?\d)"
         r"(?:\s*(?::|分)\s*(?P<{p}_s>[0-5]?\d)(?:\.\d+)?\s*秒?)?\s*分?|(?P<{p}_hu>时|点)(?!\d))"
         r"(?:\s*(?P<{p}_ap2>[AaPp]\.?[Mm]\.?)(?![A-Za-z]))?")


def _t(prefix: str) -> str:
    return _TIME.format(p=prefix)


_RX = re.compile("|".join([
    # ISO 8601 with T
    r"(?P<iso>(?<!\d)(?:19|20)\d{2}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
    r"(?:Z|[+-]\d{2}:?\d{2})?)",
    # year month day [time]
    r"(?P<ymd>(?<!\d)(?P<y>(?:19|20)\d{2})\s*(?:年|-|/|\.)\s*(?P<mo>\d{1,2})\s*(?:月|-|/|\.)\s*"
    r"(?P<d>\d{1,2})(?!\d)\s*(?:日|号)?"
    r"(?:[\s,，T]*(?:(?:星期|周|礼拜)[一二三四五六日天])?[\s,，]*" + _t("a") + r")?)",
    # numbers/numbers/year [time] (M/D/Y, or D/M/Y when the first part is > 12)
    r"(?P<us>(?<![\d/])(?P<ua>\d{1,2})/(?P<ub>\d{1,2})/(?P<uy>(?:19|20)\d{2})(?!\d)"
    r"(?:[\s,]*" + _t("u") + r")?)",
    # Chinese numerals: 二〇二二年一月二十七日
    r"(?P<zh>(?P<zy>[〇零一二三四五六七八九]{4})\s*年\s*(?P<zmo>十[一二]?|[一二三四五六七八九])\s*月"
    r"(?:\s*(?P<zd>[一二]?十[一二三四五六七八九]?|三十[一]?|[一二三四五六七八九])\s*日)?)",
    # year and month only
    r"(?P<ym>(?<!\d)(?P<my>(?:19|20)\d{2})\s*年\s*(?P<mmo>1[0-2]|0?[1-9])\s*月(?!\s*\d))",
    # month day, no year: 11月20日 [10:12]
    r"(?P<md>(?<![\d年/.\-])(?P<nmo>1[0-2]|0?[1-9])\s*月\s*(?P<nd>[12]\d|3[01]|0?[1-9])\s*(?:日|号)"
    r"(?:[\s,，]*" + _t("n") + r")?)",
    # month-day time, no year: 11-20 10:12 (a bare 11-20 is too often something else)
    r"(?P<mdt>(?<![\d/.:\-])(?P<qmo>1[0-2]|0?[1-9])[-/](?P<qd>[12]\d|3[01]|0?[1-9])(?![\d/\-])"
    r"\s+" + _t("q") + r")",
    # relative
    r"(?P<rel>(?<![\d.])(?P<rnum>\d{1,3}|半|一|两|二|三|几)\s*(?P<runit>秒钟|秒|分钟|分|个?小时|个?钟头|天|日|周|星期|个月|年)\s*(?:前|以前|之前))",
    r"(?P<day>(?P<dword>今天|今日|昨天|昨日|前天|前日)(?:\s*" + _t("r") + r")?)",
    r"(?P<now>刚刚|刚才)",
]))

_LABEL_RX = re.compile(
    r"(?P<label>发布时间|发布日期|发布于|发表时间|发表日期|发表于|发帖时间|发稿时间|刊发时间|出版日期|"
    r"上传时间|日期|时间|更新时间|更新日期|更新于|修改时间|最后更新|成文日期|印发日期|生效日期|"
    r"发布|发表|更新|posted|published|updated|date)\s*[:：]?\s*$",
    re.IGNORECASE)
_LABEL_KIND = {"更": "update", "修": "update", "最": "update", "成": "written", "印": "written",
               "生": "effective", "u": "update"}

_ZH_DIGIT = {c: i for i, c in enumerate("〇一二三四五六七八九")}
_ZH_DIGIT["零"] = 0


@dataclass(frozen=True)
class DateReading:
    when: datetime            # aware; Asia/Shanghai unless the text gave an offset
    precision: str            # year / month / day / hour / minute / second
    text: str                 # the matched text
    start: int = 0
    end: int = 0
    relative: bool = False    # 3小时前, 昨天 08:15, 刚刚
    yearless: bool = False    # 11-20 10:12: the year was inferred
    label: str | None = None  # publish / update / written / effective / None
    ambiguous: bool = False   # 06/02/2022: read as M/D/Y, but D/M/Y is as likely

    @property
    def plain(self) -> str:
        """'YYYY', 'YYYY-MM', 'YYYY-MM-DD', 'YYYY-MM-DD HH:MM' or 'YYYY-MM-DD HH:MM:SS'."""
        return self.when.strftime(_PLAIN[self.precision])

    @property
    def iso(self) -> str:
        return self.when.isoformat(timespec="seconds")

    @property
    def has_time(self) -> bool:
        return _PRECISIONS.index(self.precision) >= _PRECISIONS.index("hour")

    def finer_than(self, other: "DateReading") -> bool:
        return _PRECISIONS.index(self.precision) > _PRECISIONS.index(other.precision)

    def same_day(self, other: "DateReading") -> bool:
        a, b = self.when.astimezone(SHANGHAI), other.when.astimezone(SHANGHAI)
        if self.when.utcoffset() == other.when.utcoffset():
            a, b = self.when, other.when
        return a.date() == b.date()


def _now(now: datetime | None, tz: tzinfo) -> datetime:
    if now is None:
        return datetime.now(tz)
    if now.tzinfo is None:
        return now.replace(tzinfo=tz)
    return now.astimezone(tz)


def _zh_number(s: str) -> int:
    if "十" not in s:
        return _ZH_DIGIT[s]
    tens, _, ones = s.partition("十")
    return (_ZH_DIGIT[tens] if tens else 1) * 10 + (_ZH_DIGIT[ones] if ones else 0)


def _hour(h: str, ap1: str | None, ap2: str | None) -> int:
    hour = int(h)
    pm = (ap2 or "").lower().startswith("p") or ap1 in ("下午", "晚上", "傍晚", "夜里", "夜间")
    am = (ap2 or "").lower().startswith("a") or ap1 in ("上午", "凌晨", "早上", "早晨")
    if pm and hour < 12:
        hour += 12
    elif am and hour == 12:
        hour = 0
    elif ap1 == "中午" and hour < 6:
        hour += 12
    return hour


def _time_parts(m: re.Match, p: str) -> tuple[int, int, int, str] | None:
    """(hour, minute, second, precision) from the time group with prefix p, None if absent."""
    h = m.group(f"{p}_h")
    if h is None:
        return None
    hour = _hour(h, m.group(f"{p}_ap1"), m.group(f"{p}_ap2"))
    mi, s = m.group(f"{p}_mi"), m.group(f"{p}_s")
    if mi is None:
        return hour, 0, 0, "hour"
    if s is None:
        return hour, int(mi), 0, "minute"
    return hour, int(mi), int(s), "second"


def _label_before(text: str, start: int) -> str | None:
    m = _LABEL_RX.search(text[max(0, start - 14):start])
    if not m:
        return None
    word = m.group("label")
    return _LABEL_KIND.get(word[0].lower(), "publish")


def _too_new(when: datetime, precision: str, now: datetime) -> bool:
    local = when.astimezone(now.tzinfo)
    if precision == "year":
        return local.year > now.year
    if precision == "month":
        return (local.year, local.month) > (now.year, now.month)
    if precision == "day":
        return local.date() > now.date()
    return when > now + FUTURE_SLACK


def _yearless(month: int, day: int, tp, now: datetime, tz: tzinfo) -> tuple[datetime, str] | None:
    """The most recent month/day[/time] that is not in the future."""
    hour, minute, second, prec = tp if tp else (0, 0, 0, "day")
    for year in (now.year, now.year - 1, now.year - 2, now.year - 3, now.year - 4):
        try:
            when = datetime(year, month, day, hour, minute, second, tzinfo=tz)
        except ValueError:      # 02-29 in a year without it: try an earlier year
            continue
        if not _too_new(when, prec, now):
            return when, prec
    return None


_YEAR_BEFORE = re.compile(r"((?:19|20)\d{2})\s*年?[\s/\-.]*$")


def _reading(m: re.Match, now: datetime, tz: tzinfo, before: str = "") -> DateReading | None:
    kind = m.lastgroup
    g = m.group
    relative = yearless = ambiguous = False
    try:
        if g("iso"):
            dt = datetime.fromisoformat(g("iso").replace("Z", "+00:00"))
            if dt.tzinfo is None:
                dt = dt.replace(tzinfo=tz)
            prec = "second" if len(g("iso")) > 16 and g("iso")[16:17] == ":" else "minute"
        elif g("ymd"):
            tp = _time_parts(m, "a")
            hour, minute, second, prec = tp if tp else (0, 0, 0, "day")
            dt = datetime(int(g("y")), int(g("mo")), int(g("d")), hour, minute, second, tzinfo=tz)
        elif g("us"):
            a, b = int(g("ua")), int(g("ub"))
            month, day = (a, b) if a <= 12 else (b, a)
            ambiguous = a <= 12 and b <= 12 and a != b
            tp = _time_parts(m, "u")
            hour, minute, second, prec = tp if tp else (0, 0, 0, "day")
            dt = datetime(int(g("uy")), month, day, hour, minute, second, tzinfo=tz)
        elif g("zh"):
            year = int("".join(str(_ZH_DIGIT[c]) for c in g("zy")))
            month = _zh_number(g("zmo"))
            if g("zd"):
                dt, prec = datetime(year, month, _zh_number(g("zd")), tzinfo=tz), "day"
            else:
                dt, prec = datetime(year, month, 1, tzinfo=tz), "month"
        elif g("ym"):
            dt, prec = datetime(int(g("my")), int(g("mmo")), 1, tzinfo=tz), "month"
        elif g("md") or g("mdt"):
            p = "n" if g("md") else "q"
            month, day = (int(g("nmo")), int(g("nd"))) if g("md") else (int(g("qmo")), int(g("qd")))
            tp = _time_parts(m, p)
            yb = _YEAR_BEFORE.search(before)
            if yb:                              # "2019 09/07 19:02": the year stands apart
                hour, minute, second, prec = tp if tp else (0, 0, 0, "day")
                dt = datetime(int(yb.group(1)), month, day, hour, minute, second, tzinfo=tz)
            else:
                got = _yearless(month, day, tp, now, tz)
                if got is None:
                    return None
                dt, prec = got
                yearless = True
        elif g("rel"):
            num = g("rnum")
            n = {"半": 0.5, "一": 1, "两": 2, "二": 2, "三": 3, "几": 3}.get(num)
            n = float(num) if n is None else n
            unit = g("runit")
            relative = True
            if unit.startswith("秒"):
                dt, prec = now - timedelta(seconds=n), "minute"
            elif unit.startswith("分"):
                dt, prec = now - timedelta(minutes=n), "minute"
            elif "时" in unit or "钟头" in unit:
                dt, prec = now - timedelta(hours=n), "minute"
            elif unit in ("天", "日"):
                dt, prec = now - timedelta(days=n), "day"
            elif unit in ("周", "星期"):
                dt, prec = now - timedelta(weeks=n), "day"
            elif unit == "个月":
                dt, prec = now - timedelta(days=30 * n), "month"
            else:
                dt, prec = now - timedelta(days=365 * n), "year"
            dt = dt.replace(second=0, microsecond=0)
        elif g("day"):
            back = {"今": 0, "昨": 1, "前": 2}[g("dword")[0]]
            base = (now - timedelta(days=back)).replace(hour=0, minute=0, second=0, microsecond=0)
            tp = _time_parts(m, "r")
            if tp:
                dt, prec = base.replace(hour=tp[0], minute=tp[1], second=tp[2]), tp[3]
            else:
                dt, prec = base, "day"
            relative = True
        elif g("now"):
            dt, prec, relative = now.replace(microsecond=0), "minute", True
        else:  # pragma: no cover - every alternative is named
            return None
    except (ValueError, OverflowError):
        return None
    if kind not in ("rel", "day", "now") and not yearless and dt.year < MIN_YEAR:
        return None
    if _too_new(dt, prec, now):
        return None
    return DateReading(when=dt, precision=prec, text=m.group(0).strip(), start=m.start(),
                       end=m.start() + len(m.group(0).rstrip()), relative=relative,
                       yearless=yearless, ambiguous=ambiguous)


def find_dates(text: str | None, now: datetime | None = None, tz: tzinfo = SHANGHAI,
               *, yearless: bool = True, relative: bool = True,
               limit: int = 200) -> list[DateReading]:
    """Every date reading in text, in order (at most `limit`)."""
    if not text:
        return []
    now = _now(now, tz)
    folded = text.translate(_FOLD)
    out: list[DateReading] = []
    for m in _RX.finditer(folded):
        kind = m.lastgroup
        if not yearless and kind in ("md", "mdt"):
            continue
        if not relative and kind in ("rel", "day", "now"):
            continue
        r = _reading(m, now, tz, folded[max(0, m.start() - 8):m.start()])
        if r is None:
            continue
        start = r.start
        if kind in ("md", "mdt") and not r.yearless:
            yb = _YEAR_BEFORE.search(folded[max(0, m.start() - 8):m.start()])
            start = m.start() - len(yb.group(0))
        out.append(replace(r, start=start, text=text[start:r.end],
                           label=_label_before(folded, start)))
        if len(out) >= limit:
            break
    return out


def parse_date(text: str | None, now: datetime | None = None,
               tz: tzinfo = SHANGHAI) -> DateReading | None:
    """The first date reading in text, or None."""
    found = find_dates(text, now, tz, limit=1)
    return found[0] if found else None


def parse_structured(value: str | None, now: datetime | None = None,
                     tz: tzinfo = SHANGHAI) -> DateReading | None:
    """A machine-written time: ISO 8601, RFC 2822, Unix epoch (s or ms), else any date form."""
    if not value:
        return None
    v = value.strip()
    nowz = _now(now, tz)
    dt = prec = None
    if re.fullmatch(r"\d{10}(\d{3})?", v):
        secs = int(v) / (1000 if len(v) == 13 else 1)
        dt, prec = datetime.fromtimestamp(secs, tz), "second"
    else:
        iso = v.replace("Z", "+00:00") if re.match(r"\d{4}-\d\d-\d\d", v) else None
        if iso:
            try:
                dt = datetime.fromisoformat(iso)
            except ValueError:
                dt = None
            if dt is not None:
                clock = re.search(r"[T ](\d\d):(\d\d)(:\d\d)?", v)
                prec = "day" if not clock else ("second" if clock.group(3) else "minute")
                if dt.tzinfo is None:
                    dt = dt.replace(tzinfo=tz)
        if dt is None and re.search(r"[A-Za-z]{3},? ", v):
            try:
                dt = parsedate_to_datetime(v)
                prec = "second"
                if dt is not None and dt.tzinfo is None:
                    dt = dt.replace(tzinfo=tz)
            except (TypeError, ValueError, IndexError):
                dt = None
    if dt is not None:
        if dt.year < MIN_YEAR or _too_new(dt, prec, nowz):
            return None
        return DateReading(when=dt, precision=prec, text=v, start=0, end=len(v))
    return parse_date(v, now, tz)


def day_of(reading: DateReading) -> date:
    return reading.when.date()
