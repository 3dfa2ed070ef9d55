"""Clocks: working-day calendar, clock policy and due times (rulebook §4–§5)."""
from yuqing.clocks.calendar import CalendarConfig, CalendarConfigError, DayInfo, WorkCalendar
from yuqing.clocks.due import ClockPolicy, ClockPolicyError, ClockRule, Due, due, format_due

__all__ = [
    "CalendarConfig", "CalendarConfigError", "ClockPolicy", "ClockPolicyError", "ClockRule",
    "DayInfo", "Due", "WorkCalendar", "due", "format_due",
]
