"""Chinese date strings, resolved in Asia/Shanghai against an injected now."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from crawlers.dates import find_dates, parse_date, parse_structured
from yuqing.timeutil import SHANGHAI

NOW = datetime(2026, 11, 20, 15, 30, tzinfo=SHANGHAI)


@pytest.mark.parametrize("text, plain, precision", [
    ("2026年11月20日 10:12", "2026-11-20 10:12", "minute"),
    ("2026-11-20 10:12", "2026-11-20 10:12", "minute"),
    ("2026-11-20 10:12:05", "2026-11-20 10:12:05", "second"),
    ("2026/11/20", "2026-11-20", "day"),
    ("2026.11.20", "2026-11-20", "day"),
    ("2005-5-7 21:23:57", "2005-05-07 21:23:57", "second"),
    ("２０２６年１１月１９日　０８：０５", "2026-11-19 08:05", "minute"),   # full-width
    ("2026年11月19日下午3:05", "2026-11-19 15:05", "minute"),
    ("2026年11月19日 星期四 09:00", "2026-11-19 09:00", "minute"),
    ("9/17/2004 5:54:13 AM", "2004-09-17 05:54:13", "second"),
    ("17/09/2004", "2004-09-17", "day"),                                 # D/M/Y: 17 is no month
    ("9/17/2004 5:54 PM", "2004-09-17 17:54", "minute"),
    ("二〇二二年一月二十七日", "2022-01-27", "day"),
    ("二〇二二年十二月三十一日", "2022-12-31", "day"),
    ("《北京之春》1996年6月号", "1996-06", "month"),
])
def test_absolute_forms(text, plain, precision):
    r = parse_date(text, NOW)
    assert r is not None, text
    assert (r.plain, r.precision) == (plain, precision)
    assert r.when.utcoffset() == timedelta(hours=8)
    assert not r.relative and not r.yearless


def test_iso_with_offset_keeps_the_offset():
    r = parse_date("2022-02-06T12:48:06+00:00", NOW)
    assert r.when.utcoffset() == timedelta(0)
    assert r.when.astimezone(SHANGHAI).hour == 20 and r.precision == "second"


@pytest.mark.parametrize("text, expected, precision", [
    ("刚刚", datetime(2026, 11, 20, 15, 30), "minute"),
    ("30秒前", datetime(2026, 11, 20, 15, 29), "minute"),
    ("5分钟前", datetime(2026, 11, 20, 15, 25), "minute"),
    ("3小时前", datetime(2026, 11, 20, 12, 30), "minute"),
    ("半小时前", datetime(2026, 11, 20, 15, 0), "minute"),
    ("2天前", datetime(2026, 11, 18, 15, 30), "day"),
    ("今天 10:12", datetime(2026, 11, 20, 10, 12), "minute"),
    ("昨天 08:15", datetime(2026, 11, 19, 8, 15), "minute"),
    ("前天 23:59", datetime(2026, 11, 18, 23, 59), "minute"),
    ("昨天", datetime(2026, 11, 19), "day"),
])
def test_relative_to_injected_now(text, expected, precision):
    r = parse_date(text, NOW)
    assert r is not None and r.relative
    assert r.when.replace(tzinfo=None) == expected
    assert r.precision == precision
    assert r.when.tzinfo is not None


def test_relative_follows_now_not_the_wall_clock():
    other = datetime(2020, 1, 2, 1, 0, tzinfo=SHANGHAI)
    assert parse_date("昨天 08:15", other).plain == "2020-01-01 08:15"
    assert parse_date("3小时前", other).plain == "2020-01-01 22:00"


def test_naive_now_is_read_as_shanghai_and_utc_now_is_converted():
    utc_now = datetime(2026, 11, 20, 17, 0, tzinfo=timezone.utc)      # 01:00 next day in Shanghai
    assert parse_date("昨天 08:15", utc_now).plain == "2026-11-20 08:15"
    assert parse_date("今天", datetime(2026, 11, 20, 12, 0)).plain == "2026-11-20"


@pytest.mark.parametrize("text, plain", [
    ("11-20 10:12", "2026-11-20 10:12"),
    ("11月19日", "2026-11-19"),
    ("11月20日 09:00", "2026-11-20 09:00"),
    ("12-31 23:00", "2025-12-31 23:00"),       # later this year would be future: last year
    ("11月21日", "2025-11-21"),                 # tomorrow: a year ago
    ("11-20 16:00", "2025-11-20 16:00"),        # later today: a year ago
])
def test_yearless_resolves_to_most_recent_past(text, plain):
    r = parse_date(text, NOW)
    assert r is not None and r.yearless
    assert r.plain == plain


def test_yearless_leap_day_goes_back_to_a_leap_year():
    r = parse_date("2月29日", datetime(2026, 3, 1, tzinfo=SHANGHAI))
    assert r.plain == "2024-02-29"


@pytest.mark.parametrize("text", [
    "2026-11-21", "2026年11月20日 16:00", "2027年1月", "2026-11-20T08:00:00Z",
    "2099-01-01 00:00",
])
def test_future_dates_rejected(text):
    assert parse_date(text, NOW) is None


def test_small_clock_skew_allowed():
    assert parse_date("2026-11-20 15:35", NOW) is not None


@pytest.mark.parametrize("text", [
    "", "无日期", "电话 010-64676390", "13:45", "2026-13-01", "2026-02-30", "1985-01-01",
    "第11-20期", "比分 3-2", "v2.11.20",
])
def test_not_dates(text):
    assert parse_date(text, NOW) is None, text


def test_find_dates_in_order_with_labels_and_spans():
    text = "首页 2026年11月20日 星期五 | 发布时间：2026-11-18 09:30 来源：测试日报 更新时间：2026-11-19 10:00"
    found = find_dates(text, NOW)
    assert [r.plain for r in found] == ["2026-11-20", "2026-11-18 09:30", "2026-11-19 10:00"]
    assert [r.label for r in found] == [None, "publish", "update"]
    assert all(text[r.start:r.end] == r.text for r in found)
    assert find_dates("成文日期：二〇二二年一月二十七日", NOW)[0].label == "written"


def test_find_dates_switches():
    text = "3小时前 11-19 08:00 2026-11-01"
    assert len(find_dates(text, NOW)) == 3
    assert [r.plain for r in find_dates(text, NOW, relative=False, yearless=False)] == ["2026-11-01"]


@pytest.mark.parametrize("value, plain, precision", [
    ("2026-11-18T09:30:00+08:00", "2026-11-18 09:30:00", "second"),
    ("2026-11-18 09:30", "2026-11-18 09:30", "minute"),
    ("2026-11-18", "2026-11-18", "day"),
    ("Wed, 18 Nov 2026 01:30:00 GMT", "2026-11-18 01:30:00", "second"),
    ("1795000000", None, "second"),
    ("2026年11月18日", "2026-11-18", "day"),
])
def test_parse_structured(value, plain, precision):
    r = parse_structured(value, NOW)
    assert r is not None and r.precision == precision
    if plain:
        assert r.plain == plain
    else:
        assert r.when == datetime.fromtimestamp(1795000000, SHANGHAI)


def test_parse_structured_rejects_future_and_junk():
    assert parse_structured("2027-01-01T00:00:00+08:00", NOW) is None
    assert parse_structured("not a date", NOW) is None
    assert parse_structured(None, NOW) is None
