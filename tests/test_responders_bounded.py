"""Bounded reminders on a virtual clock, after GoAlert's smoke tests: 55 simulated days of sweeps
over cases nobody ever acknowledges. Every message that appears is checked when it appears (an
unexpected kind, step or recipient fails at once), and at the end the messages per case and
recipient must be exactly what the policy allows: each step once, `max_reminders` reminders per
clock, level and recipient, one climb to the next level per clock and level, and for the rest one
digest per recipient a day. (Before reminders were bounded, a run like this wrote 10,931
reminder actions for 168 cases.)"""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta

import pytest

from responders.alerts import Outbox
from responders.channels.inbox import InboxChannel
from responders.scheduler import sweep
from responders.workflow import Workflow
from tests.helpers import open_case
from yuqing.store.sql import SqlStore
from yuqing.timeutil import SHANGHAI, ManualClock

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=SHANGHAI)       # a Monday
LIAISON, DEPUTY, HEAD = "信息发布联络员", "分管领导", "主要负责人"
L4 = [("区政府办公室", LIAISON), ("区委宣传部", LIAISON)]
L5 = ("区政府", "区政府分管领导")
ORDINARY = {"南星街道": "复兴路小区门口的垃圾好几天没人清运了，臭气熏天，希望有关部门尽快处理。",
            "湖滨街道": "平海路一处工地晚上十一点还在施工，噪音太大吵得睡不着，希望管一管。",
            "小营街道": "小营巷的共享单车乱停乱放，人行道都堵死了，轮椅根本过不去，请尽快清理。",
            "九堡街道": "九和路一个小区电梯坏了一个星期没人修，物业一直推脱，大家上下楼很不方便。"}
URGENT = {"凯旋街道": "凯旋路一居民楼突发火灾，3名居民受伤被送往医院，消防正在现场处置。",
          "丁兰街道": "勤丰路一家餐馆燃气爆炸，门窗被震碎，4名食客受伤送医。"}
M = 3                                                    # max_reminders in config/channels.yaml


@pytest.fixture
def clock():
    return ManualClock(T0)


@pytest.fixture
def store(tmp_path, clock):
    s = SqlStore(f"sqlite:///{tmp_path}/y.db", clock=clock)
    yield s
    s.close()


def expected_for(unit: str, emergency: bool, co: list[str]) -> dict[tuple[str, str], Counter]:
    """What a case nobody answers may send each recipient over any length of time."""
    per_clock = {(unit, LIAISON): Counter(warning=2, reminder=M),
                 (unit, DEPUTY): Counter(warning=2, escalation=1, reminder=M),     # climb from level 1
                 (unit, HEAD): Counter(overdue=1, escalation=1, reminder=M),       # climb from level 2
                 **{r: Counter(overdue=1, escalation=1, reminder=M) for r in L4},  # climb from level 3
                 L5: Counter(escalation=2, reminder=M)}                            # leader + climb from 4
    n_clocks = 2 if emergency else 1                   # statement and press conference, or the 48 h answer
    out = {r: Counter({k: v * n_clocks for k, v in c.items()}) for r, c in per_clock.items()}
    if emergency:
        for r in [(unit, LIAISON), (unit, DEPUTY), (unit, HEAD), *L4]:   # emergency_depth 4
            out[r]["emergency"] += 1
    else:
        out[(unit, LIAISON)]["new_case"] += 1
    for u in co:
        out.setdefault((u, LIAISON), Counter())["emergency" if emergency else "new_case"] += 1
    return out


def test_55_days_of_sweeps_without_acknowledgement_stay_bounded(store, clock, cfg, engine):
    assert cfg.get("channels").escalation.max_reminders == M
    cases: dict[str, tuple[str, bool]] = {}
    for i, (unit, text) in enumerate(ORDINARY.items()):
        cid = open_case(store, engine, cfg, clock, f"o{i}", T0 - timedelta(hours=i), unit=unit, text=text,
                        expect="一般")
        cases[cid] = (unit, False)
    for i, (unit, text) in enumerate(URGENT.items()):
        cid = open_case(store, engine, cfg, clock, f"e{i}", T0 - timedelta(minutes=30 * i), unit=unit, text=text,
                        severity="重大", emergency=True, expect="重大")
        cases[cid] = (unit, True)
    with store.reader() as r:
        assert {cid: r.cases.get(cid).first_responsible for cid in cases} == {c: u for c, (u, _) in cases.items()}
    assert len(cases) == 6
    with store.reader() as r:
        rows = {cid: r.cases.get(cid) for cid in cases}
    expected = {cid: expected_for(unit, em, sorted(set(rows[cid].co_responsible or []) | set(rows[cid].refer_to or [])))
                for cid, (unit, em) in cases.items()}

    seen: set[int] = set()
    got: dict[str, dict[tuple[str, str], Counter]] = defaultdict(lambda: defaultdict(Counter))
    digests: dict[tuple[str, str], list[datetime]] = defaultdict(list)

    def check_new() -> None:
        with store.reader() as r:
            new = [a for a in r.alerts.all() if a.id not in seen]
        for a in new:
            seen.add(a.id)
            if a.case_id is None:
                assert a.kind == "digest", f"unexpected system message {a.kind}: {a.subject}"
                digests[(a.unit, a.role)].append(a.created_at)
                assert "催办" in a.body and a.subject.startswith("【汇总提醒】")
                continue
            allowed = expected[a.case_id].get((a.unit, a.role), Counter())
            got[a.case_id][(a.unit, a.role)][a.kind] += 1
            n = got[a.case_id][(a.unit, a.role)][a.kind]
            assert n <= allowed[a.kind], (f"unexpected message at {clock.now()}: {a.kind} #{n} ({a.step}) to "
                                          f"{a.unit}（{a.role}）on {a.case_id}: {a.subject}")

    outbox = Outbox.inbox_only(cfg)
    end = T0 + timedelta(days=55)
    sweeps = 0
    while clock.now() < end:
        rep = sweep(store, clock, {"inbox": InboxChannel()}, config=cfg, outbox=outbox)
        assert not rep.errors, rep.errors
        check_new()
        sweeps += 1
        # every 15 minutes while the clocks run out, then every 3 hours: a scheduler that sweeps
        # more often sends no more
        clock.advance(timedelta(minutes=15) if clock.now() < T0 + timedelta(days=3) else timedelta(hours=3))
    assert sweeps > 600

    for cid in cases:
        assert {r: +c for r, c in got[cid].items()} == expected[cid], cid
    # climbing happened: every level above the first was told that the one below did not answer
    with store.reader() as r:
        alerts = r.alerts.all()
        climbs = {(a.case_id, a.step, a.level) for a in alerts if (a.step or "").startswith("climb")}
        reminded = Counter(a.case_id for a in r.actions.all() if a.action == "escalation.reminded")
        climbed = Counter(a.case_id for a in r.actions.all() if a.action == "escalation.climbed")
    for cid, (unit, em) in cases.items():
        kinds = ("statement", "press_conference") if em else ("response",)
        assert {(s, lv) for c, s, lv in climbs if c == cid} == {("climb1", "2"), ("climb2", "3"), ("climb3", "4"),
                                                               ("climb4", "5")}
        # one reminder firing per level (level 4's two recipients share one) and climb, per clock
        assert reminded[cid] == 5 * M * len(kinds) and climbed[cid] == 4 * len(kinds)
    # later reminders fold into one digest per recipient a day, every day the case stays unanswered
    for who, times in digests.items():
        days = [int(t.timestamp() // 86400) for t in times]
        assert len(days) == len(set(days)), f"two digests in one day to {who}"
        assert 50 <= len(times) <= 56, (who, len(times))
    assert set(digests) >= {L5, *L4, *((u, LIAISON) for u, _ in cases.values())}


def test_acknowledging_stops_the_reminders_and_the_climb(store, clock, cfg, engine):
    cid = open_case(store, engine, cfg, clock, "a", T0, unit="南星街道", expect="一般")
    outbox = Outbox.inbox_only(cfg)
    wf = Workflow(store, cfg, clock)
    clock.set(T0 + timedelta(hours=29))                    # the 60 % warning of the 48 h answer
    sweep(store, clock, {"inbox": InboxChannel()}, config=cfg, outbox=outbox)
    wf.acknowledge(cid, actor="张联络", unit="南星街道")
    wf.acknowledge(cid, actor="李分管", unit="南星街道", level=2)
    for _ in range(8):                                     # eight hours, before the 80 % warning
        clock.advance(timedelta(hours=1))
        sweep(store, clock, {"inbox": InboxChannel()}, config=cfg, outbox=outbox)
    with store.reader() as r:
        kinds = Counter((a.kind, a.role) for a in r.alerts.of_case(cid))
    assert kinds[("reminder", LIAISON)] == 0 and kinds[("reminder", DEPUTY)] == 0
    assert not any(k == "escalation" for k, _ in kinds)
