"""Clock policy from config, due times, format_due and the `yuqing due` CLI."""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest

from yuqing.clocks.calendar import WorkCalendar
from yuqing.app.due import main
from yuqing.clocks.due import ClockPolicy, ClockPolicyError, due, format_due
from yuqing.timeutil import SHANGHAI, ManualClock, parse_time


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar.default()


@pytest.fixture(scope="module")
def policy() -> ClockPolicy:
    return ClockPolicy.default()


def sh(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def test_default_policy_has_every_kind_with_a_source(policy):
    assert set(policy.clocks) == {"statement", "press_conference", "response", "follow_up", "feedback",
                                  "feedback_extended", "consultation", "repost"}
    assert all(rule.source for rule in policy.clocks.values())
    assert policy.warn_at == [0.6, 0.8]


def test_statement_is_due_five_hours_after_the_earliest_publish_time(cal, policy):
    d = due("statement", parse_time("2026-11-20T10:12+08:00"), policy, cal)
    assert d.due_at == sh(2026, 11, 20, 15, 12)
    assert format_due(d) == "2026-11-20T15:12:00+08:00"
    assert d.provisional is False
    assert d.reason == "发布权威信息：5小时，自2026-11-20 10:12:00起，至2026-11-20 15:12:00"


def test_detection_time_does_not_buy_time(cal, policy):
    published = parse_time("2026-11-20T10:12+08:00")
    clock = ManualClock(published + timedelta(hours=3, minutes=28))  # crawled 13:40
    d = due("statement", published, policy, cal)
    assert d.due_at == sh(2026, 11, 20, 15, 12)
    assert d.due_at - clock.now() == timedelta(hours=1, minutes=32)
    # The same instant written in UTC gives the same due time, shown in Shanghai.
    d_utc = due("statement", datetime(2026, 11, 20, 2, 12, tzinfo=timezone.utc), policy, cal)
    assert d_utc.due_at == d.due_at and d_utc.due_at.utcoffset() == timedelta(hours=8)
    assert d_utc.starts_at.tzinfo == SHANGHAI


def test_hour_clocks(cal, policy):
    start = sh(2026, 11, 20, 10, 12)
    assert due("press_conference", start, policy, cal).due_at == sh(2026, 11, 21, 10, 12)
    assert due("follow_up", start, policy, cal).due_at == sh(2026, 11, 21, 10, 12)
    assert due("repost", start, policy, cal).due_at == sh(2026, 11, 21, 10, 12)


def test_hour_clocks_run_through_holidays_and_are_never_provisional(cal, policy):
    d = due("press_conference", sh(2027, 2, 5, 20, 0), policy, cal)  # 2027 除夕, no official data
    assert d.due_at == sh(2027, 2, 6, 20, 0)
    assert d.provisional is False
    assert not format_due(d).endswith("provisional")


def test_feedback_opened_2026_09_30_is_due_2026_10_13(cal, policy):
    d = due("feedback", sh(2026, 9, 30, 11, 0), policy, cal)
    assert format_due(d) == "2026-10-13T23:59:59+08:00"
    assert d.reason == "群众点题反馈：5个工作日，自次日起算，至2026-10-13 23:59:59"
    assert d.provisional is False


def test_feedback_extended_is_twenty_working_days(cal, policy):
    d = due("feedback_extended", sh(2026, 9, 30, 11, 0), policy, cal)
    # Oct 8, 9, 10 (调休), 12-16, 19-23, 26-30, Nov 2, 3 = 20 working days
    assert d.due_at == sh(2026, 11, 3, 23, 59, 59)
    assert d.reason.startswith("群众点题反馈（延期）：20个工作日")


def test_consultation_silence_is_consent_and_2027_is_provisional(cal, policy):
    d = due("consultation", sh(2027, 2, 3, 10, 0), policy, cal)
    assert d.due_at == sh(2027, 2, 12, 23, 59, 59)  # skips 除夕 2027-02-05 … 初三 02-08
    assert d.provisional is True
    assert format_due(d) == "2027-02-12T23:59:59+08:00 provisional"
    assert d.on_timeout == "consent"
    assert "逾期未回复视为同意" in d.reason and "2027年尚无国务院放假安排" in d.reason


def test_reason_cites_the_override_notice(policy):
    notice = "国务院办公厅关于2027年部分节假日安排的通知（测试用）"
    cal = WorkCalendar.from_config({
        "overrides": [{"date": "2027-02-05", "until": "2027-02-11", "kind": "holiday", "name": "春节",
                       "source": notice}],
        "complete_years": {2027: notice},
    })
    d = due("feedback", sh(2027, 2, 3, 10, 0), policy, cal)
    assert d.due_at == sh(2027, 2, 17, 23, 59, 59)  # Feb 4, then 12, 15, 16, 17 (05-11 off by the notice)
    assert d.provisional is False
    assert notice in d.reason


def test_warnings_at_configured_fractions(cal, policy):
    d = due("statement", sh(2026, 11, 20, 10, 12), policy, cal)
    assert d.warn_at == [sh(2026, 11, 20, 13, 12), sh(2026, 11, 20, 14, 12)]


def test_durations_come_from_the_policy(cal):
    policy = ClockPolicy.from_config({
        "warn_at": [0.5],
        "clocks": {
            "statement": {"label": "发布权威信息", "hours": 2, "source": "测试"},
            "feedback": {"label": "群众点题反馈", "working_days": 3, "source": "测试"},
        },
    })
    assert due("statement", sh(2026, 11, 20, 10, 12), policy, cal).due_at == sh(2026, 11, 20, 12, 12)
    d = due("feedback", sh(2026, 9, 30, 11, 0), policy, cal)
    assert d.due_at == sh(2026, 10, 10, 23, 59, 59)  # Oct 8, 9, 10 (调休上班)
    assert d.warn_at == [(d.starts_at + (d.due_at - d.starts_at) / 2).replace(microsecond=0)]
    with pytest.raises(ValueError, match="press_conference"):
        due("press_conference", sh(2026, 11, 20, 10, 12), policy, cal)


def test_policy_file_is_read(tmp_path, cal):
    p = tmp_path / "clocks.yaml"
    p.write_text("clocks:\n  statement: {label: 发布权威信息, hours: 3, source: 测试}\n", encoding="utf-8")
    policy = ClockPolicy.from_config(p)
    assert due("statement", sh(2026, 11, 20, 10, 12), policy, cal).due_at == sh(2026, 11, 20, 13, 12)


@pytest.mark.parametrize("rule, message", [
    ({"label": "x", "hours": 5, "working_days": 5, "source": "s"}, "exactly one of hours or working_days"),
    ({"label": "x", "source": "s"}, "exactly one of hours or working_days"),
    ({"label": "x", "hours": 5}, "clocks.statement.source: required key is missing"),
    ({"label": "x", "hours": 0, "source": "s"}, "greater than 0"),
    ({"label": "x", "hours": 5, "source": "s", "minutes": 3}, "clocks.statement.minutes: unknown key"),
])
def test_bad_policy_is_rejected(rule, message):
    with pytest.raises(ClockPolicyError, match=message):
        ClockPolicy.from_config({"clocks": {"statement": rule}})


def test_bad_warning_fractions_are_rejected():
    rule = {"label": "x", "hours": 5, "source": "s"}
    with pytest.raises(ClockPolicyError, match="between 0 and 1"):
        ClockPolicy.from_config({"clocks": {"statement": rule}, "warn_at": [0.6, 1.2]})
    with pytest.raises(ClockPolicyError, match="increasing"):
        ClockPolicy.from_config({"clocks": {"statement": rule}, "warn_at": [0.8, 0.6]})


def test_unknown_kind_names_it_and_the_known_kinds(cal, policy):
    with pytest.raises(ValueError) as exc:
        due("statment", sh(2026, 11, 20, 10, 12), policy, cal)
    assert "'statment'" in str(exc.value)
    assert "consultation, feedback, feedback_extended, follow_up, press_conference, repost, response, statement" in str(exc.value)


def test_naive_start_is_rejected(cal, policy):
    with pytest.raises(ValueError, match="naive"):
        due("statement", datetime(2026, 11, 20, 10, 12), policy, cal)


def test_due_converts_to_clock_state(cal, policy):
    state = due("feedback", sh(2027, 2, 3, 10, 0), policy, cal).to_clock_state()
    assert state.kind == "feedback" and state.provisional is True
    assert state.due_at == sh(2027, 2, 12, 23, 59, 59)


# ---- CLI

def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_cli_prints_the_due_time():
    assert run("statement", "--from", "2026-11-20T10:12+08:00") == (0, "2026-11-20T15:12:00+08:00\n", "")
    assert run("due", "feedback", "--from", "2026-09-30T11:00:00+08:00")[1] == "2026-10-13T23:59:59+08:00\n"


def test_cli_reads_a_time_without_offset_as_shanghai():
    assert run("statement", "--from", "2026-11-20T10:12")[1] == "2026-11-20T15:12:00+08:00\n"
    assert run("statement", "--from", "2026-11-20T02:12Z")[1] == "2026-11-20T15:12:00+08:00\n"


def test_cli_marks_provisional():
    assert run("feedback", "--from", "2027-02-03T10:00")[1] == "2027-02-12T23:59:59+08:00 provisional\n"


def test_cli_bad_kind_and_bad_time():
    code, out, err = run("bogus", "--from", "2026-11-20T10:12")
    assert code == 2 and out == "" and "unknown clock kind 'bogus'" in err and "statement" in err
    code, out, err = run("statement", "--from", "tomorrow")
    assert code == 2 and "not an ISO 8601 time" in err


def test_cli_bad_config_file(tmp_path):
    p = tmp_path / "clocks.yaml"
    p.write_text("clocks:\n  statement: {hours: 5}\n", encoding="utf-8")
    code, _, err = run("statement", "--from", "2026-11-20T10:12", "--policy", str(p))
    assert code == 2 and "invalid configuration" in err and "source" in err
