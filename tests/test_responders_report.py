"""Timeliness statistics and the period report for a week of simulated cases."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import openpyxl
import pytest

from responders.alerts import Outbox
from responders.channels.inbox import InboxChannel
from responders.report import write_report
from responders.scheduler import sweep
from responders.stats import period_bounds, timeliness
from responders.workflow import MAJOR, Workflow
from tests.helpers import case_of, open_case
from yuqing.store.sql import SqlStore
from yuqing.timeutil import SHANGHAI, ManualClock

MON = datetime(2026, 11, 16, 8, 0, tzinfo=SHANGHAI)       # Monday of ISO week 47


def test_period_bounds():
    s, e, label = period_bounds("week", date(2026, 11, 20))
    assert (s.date(), e.date()) == (date(2026, 11, 16), date(2026, 11, 23)) and "第47周" in label
    s, e, _ = period_bounds("quarter", date(2026, 11, 20))
    assert (s.date(), e.date()) == (date(2026, 10, 1), date(2027, 1, 1))
    s, e, _ = period_bounds("month", date(2026, 12, 5))
    assert (s.date(), e.date()) == (date(2026, 12, 1), date(2027, 1, 1))


def test_week_report_counts(tmp_path, cfg, engine):
    clock = ManualClock(MON)
    store = SqlStore(f"sqlite:///{tmp_path}/y.db", clock=clock)
    wf = Workflow(store, cfg, clock)
    run = lambda: sweep(store, clock, {"inbox": InboxChannel()}, config=cfg, outbox=Outbox.inbox_only(cfg))

    def publish(case, unit, reviewers=("甲", "乙", "丙")):
        wf.draft_statement(case, actor="编", unit=unit, text="情况通报")
        for st, who in zip(("初审", "复审", "终审"), reviewers):
            wf.review(case, actor=who, unit=unit, stage=st)
        if case_of(store, case).severity in MAJOR:
            wf.approve(case, actor="办公室", unit="区政府办公室")
        return wf.publish_statement(case, actor="编", unit=unit)

    # Monday: an emergency at 南星街道 answered in 2 h (on time), press conference on time
    clock.set(MON + timedelta(hours=1))
    a = open_case(store, engine, cfg, clock, "a", MON, unit="南星街道", expect="重大",
                  text="复兴路一居民楼突发火灾，3名居民受伤被送往医院，消防正在现场处置。")
    wf.acknowledge(a, actor="张", unit="南星街道")
    clock.set(MON + timedelta(hours=2))
    assert publish(a, "南星街道")["on_time"] is True
    wf.hold_press_conference(a, actor="编", unit="南星街道")
    wf.close(a, actor="编", unit="南星街道", reason="完毕")
    # Tuesday: an emergency at 南星街道 answered after 7 h (late), detected 1 h after the post
    tue = MON + timedelta(days=1)
    clock.set(tue + timedelta(hours=1))
    b = open_case(store, engine, cfg, clock, "b", tue, unit="南星街道", expect="重大",
                  text="梵天寺路一家面馆燃气爆炸，门窗被震碎，多名食客受伤送医。")
    clock.set(tue + timedelta(hours=7))
    run()                                                  # marks the statement late, escalates
    assert publish(b, "南星街道")["on_time"] is False
    # Wednesday: a 一般 case at 湖滨街道, acknowledged, 群众点题 answered; reopened on Thursday
    wed = MON + timedelta(days=2)
    clock.set(wed)
    c = open_case(store, engine, cfg, clock, "c", wed - timedelta(hours=2), severity="一般", unit="湖滨街道",
                  expect="一般")
    wf.acknowledge(c, actor="刘", unit="湖滨街道")
    wf.open_feedback(c, actor="刘", unit="湖滨街道", at=wed - timedelta(days=2))   # requested on Monday
    wf.answer_feedback(c, actor="刘", unit="湖滨街道")
    wf.close(c, actor="刘", unit="湖滨街道")
    clock.set(wed + timedelta(days=1))
    wf.reopen(c, actor="刘", unit="湖滨街道", reason="群众再次反映")
    # Saturday: a case at 湖滨街道, not acknowledged; and one next Monday (another week)
    clock.set(MON + timedelta(days=5))
    open_case(store, engine, cfg, clock, "d", MON + timedelta(days=5), unit="湖滨街道", expect="一般",
              text="湖滨街道东坡路的共享单车乱停乱放，人行道都堵死了，希望城管管一管。")
    clock.set(MON + timedelta(days=7, hours=1))
    open_case(store, engine, cfg, clock, "e", MON + timedelta(days=7), unit="湖滨街道", expect="一般",
              text="湖滨街道一家健身房突然关门，老板联系不上，会员卡里的钱退不回来。")
    clock.set(MON + timedelta(days=7, hours=2))

    rows = {r["unit"]: r for r in timeliness(store, "week", date(2026, 11, 18))}
    ns, hb = rows["南星街道"], rows["湖滨街道"]
    assert (ns["received"], ns["acknowledged"], hb["received"], hb["acknowledged"]) == (2, 1, 2, 1)
    assert ns["on_time"]["statement"] == 1 and ns["late"]["statement"] == 1
    assert ns["on_time"]["press_conference"] == 1                   # a's met; b's (due Wed 08:00) late
    assert ns["late"]["press_conference"] == 1
    assert ns["statements"] == 2 and ns["statement_median_h"] == 4.5 and ns["statement_p90_h"] == 6.5
    assert ns["escalations"] == 2 and ns["warnings"] == 2           # b's statement: warn60, warn80, overdue, leader
    assert ns["late"]["follow_up"] == 1                             # b's first follow-up (due Wed 15:00) missed
    assert hb["on_time"]["feedback"] == 1 and hb["reopened"] == 1 and hb["escalations"] == 0
    xlsx, md = write_report(store, "week", date(2026, 11, 18), tmp_path / "out", district="杭州市上城区")
    ws = openpyxl.load_workbook(xlsx).active
    header = [c.value for c in ws[3]]
    body = {r[0]: dict(zip(header, r)) for r in ws.iter_rows(min_row=4, values_only=True)}
    assert body["南星街道"]["收到"] == 2 and body["南星街道"]["发布权威信息·逾期"] == 1
    assert body["合计"]["收到"] == 4 and body["合计"]["重新打开"] == 1
    text = md.read_text(encoding="utf-8")
    assert "# 杭州市上城区政务舆情回应时效统计（2026年第47周" in text and "| 南星街道 | 2 | 1 |" in text
    store.close()
