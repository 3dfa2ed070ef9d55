"""Working-day calendar: official data, overrides with sources, the provisional rule."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import chinese_calendar
import pytest

from yuqing.clocks import lunar
from yuqing.clocks.calendar import CalendarConfigError, FallbackRule, WorkCalendar
from yuqing.timeutil import SHANGHAI

NOTICE = "国务院办公厅关于2027年部分节假日安排的通知（测试用）"


def sh(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar.default()


# ---- official data (chinese_calendar)

def test_feedback_opened_on_2026_09_30_is_due_2026_10_13(cal):
    due, provisional = cal.add_working_days(sh(2026, 9, 30, 16, 45), 5)
    assert due == sh(2026, 10, 13, 23, 59, 59)
    assert due.isoformat() == "2026-10-13T23:59:59+08:00"
    assert provisional is False


def test_national_day_2026_holidays_and_the_10_10_make_up_day(cal):
    for d in range(1, 8):
        assert cal.is_working_day(date(2026, 10, d)) == (False, False)
    assert cal.is_working_day(date(2026, 10, 10)) == (True, False)  # Saturday, 调休上班
    assert cal.is_working_day(date(2026, 10, 11)) == (False, False)
    assert cal.day_info(date(2026, 10, 10)).basis == "chinese_calendar"


def test_counting_starts_the_day_after_in_shanghai_time(cal):
    # 2026-09-29T17:00Z is 2026-09-30 01:00 in Shanghai: same day as the first test.
    due, _ = cal.add_working_days(datetime(2026, 9, 29, 17, 0, tzinfo=timezone.utc), 5)
    assert due == sh(2026, 10, 13, 23, 59, 59)
    # One working day from a Friday request is the Monday.
    due, _ = cal.add_working_days(sh(2026, 11, 20, 23, 30), 1)
    assert due == sh(2026, 11, 23, 23, 59, 59)


def test_naive_start_and_non_positive_n_are_rejected(cal):
    with pytest.raises(ValueError, match="naive"):
        cal.add_working_days(datetime(2026, 9, 30, 10), 5)
    with pytest.raises(ValueError, match="positive"):
        cal.add_working_days(sh(2026, 9, 30, 10), 0)


# ---- years without data: the provisional rule

def test_2027_has_no_official_data_in_chinese_calendar():
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 3, 3))


def test_2027_day_is_provisional_not_a_crash(cal):
    assert cal.is_working_day(date(2027, 3, 3)) == (True, True)     # Wednesday
    assert cal.is_working_day(date(2027, 3, 6)) == (False, True)    # Saturday
    info = cal.day_info(date(2027, 3, 3))
    assert info.basis == "rule" and "全国年节及纪念日放假办法" in info.source


def test_2027_spring_festival_is_chuxi_to_chusan():
    # 2027-02-06 is 正月初一 (not 除夕): lunar-python, lunardate and sxtwl agree; 除夕 is 02-05.
    assert lunar.lunar_to_solar(2027, 1, 1) == date(2027, 2, 6)
    cal = WorkCalendar.default()
    off = [d for d in (date(2027, 2, 4) + timedelta(i) for i in range(6)) if not cal.is_working_day(d)[0]]
    assert off == [date(2027, 2, 5), date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8)]
    assert cal.day_info(date(2027, 2, 5)).name == "春节"
    assert cal.day_info(date(2027, 2, 8)).name == "春节"  # 初三, a Monday


def test_2027_clock_skips_spring_festival_and_is_provisional(cal):
    due, provisional = cal.add_working_days(sh(2027, 2, 4, 10, 0), 1)  # Thursday
    assert due == sh(2027, 2, 9, 23, 59, 59)                          # Fri 除夕 … Mon 初三 are off
    assert provisional is True


def test_2027_clock_skips_national_day(cal):
    assert cal.is_working_day(date(2027, 10, 1)) == (False, True)     # Friday
    due, provisional = cal.add_working_days(sh(2027, 9, 30, 10, 0), 1)
    assert due == sh(2027, 10, 4, 23, 59, 59)
    assert provisional is True
    due, _ = cal.add_working_days(sh(2027, 9, 29, 10, 0), 5)          # Thu 30, Mon 4 … Thu 7
    assert due == sh(2027, 10, 7, 23, 59, 59)


def test_clock_ending_in_2026_is_not_provisional_even_if_far_ahead_years_lack_data(cal):
    _, provisional = cal.add_working_days(sh(2026, 12, 21, 9, 0), 5)   # ends 12-28
    assert provisional is False
    _, provisional = cal.add_working_days(sh(2026, 12, 28, 9, 0), 5)   # crosses into 2027
    assert provisional is True


def test_far_years_never_crash(cal):
    for y in (2030, 2060, 2099, 2150):
        working, provisional = cal.is_working_day(date(y, 7, 1))
        assert provisional is True
        due, prov = cal.add_working_days(sh(y, 7, 1, 9), 5)
        assert prov is True and due.year == y


@pytest.mark.parametrize("year", [2025, 2026])
def test_rule_holidays_are_official_rest_days_in_years_with_data(year):
    # The rule (2025 revision) agrees with the State Council's actual calendars.
    for h in FallbackRule().holidays:
        for d in h.occurrences(year):
            assert chinese_calendar.is_holiday(d), (h.name, d)


def test_rule_dates_2027_to_2030():
    rule = {h.name: h for h in FallbackRule().holidays}
    assert rule["春节"].occurrences(2028) == [date(2028, 1, 25) + timedelta(i) for i in range(4)]
    assert rule["清明节"].occurrences(2027) == [date(2027, 4, 5)]
    assert rule["清明节"].occurrences(2028) == [date(2028, 4, 4)]
    assert rule["端午节"].occurrences(2027) == [date(2027, 6, 9)]
    assert rule["中秋节"].occurrences(2027) == [date(2027, 9, 15)]
    assert rule["中秋节"].occurrences(2028) == [date(2028, 10, 3)]
    assert rule["春节"].occurrences(2030) == [date(2030, 2, 2) + timedelta(i) for i in range(4)]


def test_shipped_lunar_table_agrees_with_the_library():
    if not lunar.HAVE_LIBRARY:
        pytest.skip("lunar-python not installed")
    table = lunar._table()
    assert "provenance" in table
    for key, value in table["lunar"].items():
        y, m, d = map(int, key.split("-"))
        assert lunar.lunar_to_solar(y, m, d).isoformat() == value, key
    for key, value in table["solar_terms"].items():
        y, name = key.split(":")
        assert lunar.solar_term(int(y), name).isoformat() == value, key


def test_shipped_table_answers_without_the_library(monkeypatch):
    monkeypatch.setattr(lunar, "HAVE_LIBRARY", False)
    lunar.lunar_to_solar.cache_clear()
    lunar.solar_term.cache_clear()
    try:
        assert lunar.lunar_to_solar(2027, 1, 1) == date(2027, 2, 6)
        assert lunar.solar_term(2029, "清明") == date(2029, 4, 4)
        with pytest.raises(lunar.LunarUnavailable):
            lunar.lunar_to_solar(2150, 1, 1)
        cal = WorkCalendar.default()  # loads fine; 2150 stays provisional, without lunar holidays
        assert cal.is_working_day(date(2150, 3, 3))[1] is True
        assert cal.is_working_day(date(2027, 2, 5)) == (False, True)
    finally:
        lunar.lunar_to_solar.cache_clear()
        lunar.solar_term.cache_clear()


def test_rest_weekdays_are_configurable():
    cal = WorkCalendar.from_config({"fallback_rule": {"rest_weekdays": [7], "holidays": []}})
    assert cal.is_working_day(date(2027, 3, 6)) == (True, True)    # Saturday works under this rule
    assert cal.is_working_day(date(2027, 2, 5)) == (True, True)    # no holidays configured


# ---- overrides

def test_override_makes_a_day_a_holiday_with_its_source():
    cal = WorkCalendar.from_config({"overrides": [
        {"date": "2027-02-09", "until": "2027-02-11", "kind": "holiday", "name": "春节", "source": NOTICE},
    ]})
    info = cal.day_info(date(2027, 2, 10))
    assert (info.working, info.provisional, info.basis) == (False, False, "override")
    assert info.source == NOTICE and info.name == "春节"
    assert cal.is_working_day(date(2027, 2, 12)) == (True, True)   # not in the notice: rule, provisional


def test_override_makes_a_day_a_working_day_with_its_source():
    cal = WorkCalendar.from_config({"overrides": [
        {"date": "2027-02-20", "kind": "workday", "name": "春节调休上班", "source": NOTICE},
    ]})
    assert cal.is_working_day(date(2027, 2, 20)) == (True, False)  # a Saturday
    assert cal.day_info(date(2027, 2, 20)).source == NOTICE


def test_override_wins_over_chinese_calendar():
    cal = WorkCalendar.from_config({"overrides": [
        {"date": "2026-10-08", "kind": "holiday", "source": "更正通知（测试用）"},
    ]})
    assert cal.is_working_day(date(2026, 10, 8)) == (False, False)
    due, _ = cal.add_working_days(sh(2026, 9, 30, 10), 5)
    assert due == sh(2026, 10, 14, 23, 59, 59)


def test_complete_year_has_no_provisional_days():
    cal = WorkCalendar.from_config({
        "overrides": [{"date": "2027-02-05", "until": "2027-02-11", "kind": "holiday", "source": NOTICE}],
        "complete_years": {2027: NOTICE},
    })
    assert cal.is_working_day(date(2027, 2, 12)) == (True, False)
    assert cal.is_working_day(date(2027, 10, 1)) == (True, False)  # whole notice given: plain Friday
    assert cal.day_info(date(2027, 2, 12)).source == NOTICE


def test_default_calendar_file_loads():
    cal = WorkCalendar.default()
    assert [h.name for h in cal.config.fallback_rule.holidays] == [
        "元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"]


# ---- bad override files

def _write(tmp_path, text: str):
    p = tmp_path / "calendar.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_bad_date_names_the_entry(tmp_path):
    p = _write(tmp_path, f"""overrides:
  - {{date: 2027-02-05, kind: holiday, name: 春节, source: {NOTICE}}}
  - {{date: 2027-02-30, kind: holiday, name: 春节, source: {NOTICE}}}
""")
    with pytest.raises(CalendarConfigError) as exc:
        WorkCalendar.from_config(p)
    msg = str(exc.value)
    assert "calendar.yaml:3: overrides[1].date (entry 2027-02-30 春节 holiday)" in msg
    assert len(exc.value.problems) == 1


def test_entry_without_source_is_rejected(tmp_path):
    p = _write(tmp_path, "overrides:\n  - {date: 2027-10-08, kind: workday, name: 国庆调休}\n")
    with pytest.raises(CalendarConfigError, match=r"overrides\[0\]\.source \(entry 2027-10-08 国庆调休 workday\): required key is missing"):
        WorkCalendar.from_config(p)


def test_blank_source_is_rejected():
    with pytest.raises(CalendarConfigError, match="source"):
        WorkCalendar.from_config({"overrides": [{"date": "2027-10-08", "kind": "workday", "source": "  "}]})


def test_unknown_key_is_rejected(tmp_path):
    p = _write(tmp_path, f"overrides:\n  - {{date: 2027-10-08, kind: workday, source: {NOTICE}, note: x}}\n")
    with pytest.raises(CalendarConfigError, match=r"overrides\[0\]\.note .*unknown key"):
        WorkCalendar.from_config(p)


def test_unknown_kind_is_rejected():
    with pytest.raises(CalendarConfigError, match=r"overrides\[0\]\.kind \(entry 2027-10-08 off\)"):
        WorkCalendar.from_config({"overrides": [{"date": "2027-10-08", "kind": "off", "source": NOTICE}]})


def test_contradicting_entries_are_rejected():
    with pytest.raises(CalendarConfigError, match=r"disagree about 2027-10-08"):
        WorkCalendar.from_config({"overrides": [
            {"date": "2027-10-01", "until": "2027-10-08", "kind": "holiday", "source": NOTICE},
            {"date": "2027-10-08", "kind": "workday", "source": NOTICE},
        ]})


def test_bad_rule_holiday_is_rejected():
    with pytest.raises(CalendarConfigError, match="exactly one anchor"):
        WorkCalendar.from_config({"fallback_rule": {"holidays": [{"name": "x", "solar": "01-01", "lunar": "01-01", "days": 1}]}})
    with pytest.raises(CalendarConfigError, match="no such date"):
        WorkCalendar.from_config({"fallback_rule": {"holidays": [{"name": "x", "solar": "02-30", "days": 1}]}})


def test_yaml_syntax_error_and_missing_file(tmp_path):
    with pytest.raises(CalendarConfigError, match="YAML syntax error"):
        WorkCalendar.from_config(_write(tmp_path, "overrides: [\n"))
    with pytest.raises(CalendarConfigError, match="file not found"):
        WorkCalendar.from_config(tmp_path / "nope.yaml")
