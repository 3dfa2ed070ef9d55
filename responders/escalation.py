"""Escalation of running clocks (rulebook §5), from the policy frozen on each case.

For a clock from `starts_at` to `due_at` the steps are:
  warn<NN>  at each warn_at fraction  → warning_levels (联络员, 分管领导)
  overdue   at due_at                 → the clock is marked late (status late, late_at; action clock.late);
                                        overdue_levels (主要负责人; 区政府办公室, 区委宣传部)
  leader    at due_at + grace_hours   → after_grace_levels (区政府分管领导)
A clock whose silence counts as consent (征求意见) has `consent` at due_at instead of overdue and
leader: the clock is met by consent (action consultation.consent) and the unit is told.
Clock alerts carry the clock's id (alerts.clock_id); their kind ("warn60:statement#0") is for display.
Every step has the key f"{case}:{kind}:{seq}:{step}", claimed in the same transaction as its
alerts: exactly once, across restarts and concurrent schedulers. A step missed while no
scheduler ran fires at the next sweep, once; its text says how late it is.
Reminders are bounded (channels.yaml `escalation`): while a recipient has not acknowledged (签收)
this clock's alerts to it, it is reminded repeat_minutes after the level's last reminder, key
…:remind:L<level>:<n>, at most max_reminders times; after a long stop one reminder fires, not one
per missed period. Then the next chain level is told once (…:climb:L<level>) and the recipient's
still-open clocks fold into one digest per digest_hours (digest:<unit>|<role>:…). Acknowledgement
stops the reminders of its level only.
"""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from responders.alerts import AlertSpec, Outbox, fire
from responders.policy import Policy, ensure_frozen
from yuqing import vocab
from yuqing.records import Action, Alert, Case, Clock, Delivery
from yuqing.seams import Recipient
from yuqing.timeutil import fmt_local as fmt_time, fmt_span

log = logging.getLogger("yuqing.escalation")
PRIMARY = ("warning", "overdue", "escalation")     # the alert kinds a reminder repeats


@dataclass(frozen=True)
class Step:
    name: str           # warn60 | warn80 | overdue | leader | consent
    at: datetime
    levels: tuple[int, ...]


def steps_of(clock: Clock, policy: Policy) -> list[Step]:
    span = clock.due_at - clock.starts_at
    t = policy.timing
    rule = policy.clocks.clocks.get(clock.kind)
    out = [Step(f"warn{round(f * 100)}", clock.starts_at + span * f, tuple(t.warning_levels))
           for f in policy.clocks.warn_at]
    if rule is not None and rule.on_timeout == "consent":
        out.append(Step("consent", clock.due_at, (1,)))
    else:
        out.append(Step("overdue", clock.due_at, tuple(t.overdue_levels)))
        out.append(Step("leader", clock.due_at + timedelta(hours=t.grace_hours), tuple(t.after_grace_levels)))
    return out


def clock_ref(clock: Clock) -> str:
    return f"{clock.kind}#{clock.seq}"


def step_key(clock: Clock, step: str) -> str:
    return f"{clock.case_id}:{clock.kind}:{clock.seq}:{step}"


@dataclass
class SweepReport:
    at: datetime | None = None
    clocks: int = 0
    fired: list[str] = field(default_factory=list)
    late: list[str] = field(default_factory=list)
    consents: list[str] = field(default_factory=list)
    reminders: list[str] = field(default_factory=list)
    climbs: list[str] = field(default_factory=list)
    digests: list[str] = field(default_factory=list)
    already: int = 0
    deliveries: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {"clocks": self.clocks, "fired": len(self.fired), "late": len(self.late),
                "consents": len(self.consents), "reminders": len(self.reminders),
                "climbs": len(self.climbs), "digests": len(self.digests),
                "deliveries": self.deliveries, "errors": len(self.errors)}


def _lead(step: Step, clock: Clock, case: Case, policy: Policy, now: datetime) -> str:
    label = vocab.clock_label(clock.kind)
    left = clock.due_at - now
    when = f"截止 {fmt_time(clock.due_at)}，" + (f"已逾期{fmt_span(left)}" if left.total_seconds() < 0
                                              else f"剩余{fmt_span(left)}")
    unit = case.first_responsible or "区政府办公室"
    if step.name.startswith("warn"):
        return (f"时限预警：{unit}“{label}”时限已过{step.name[4:]}%，{when}。请抓紧办理"
                + ("（三审三校及区政府办公室审核时间计入时限）。" if clock.kind == "statement" else "。"))
    if step.name == "overdue":
        return f"逾期通报：{unit}“{label}”已超过时限（{when}），请督促立即办理。逾期情况记入时效统计。"
    if step.name == "leader":
        return f"逾期升级：{unit}“{label}”逾期仍未完成（{when}），报请区政府分管领导督办。"
    if step.name == "consent":
        return f"“{label}”已到期（截止 {fmt_time(clock.due_at)}），逾期未回复，依规视为同意，已记录。"
    return f"催办：{unit}“{label}”{when}，相关提醒尚未签收，请及时签收办理。"


def _still_open(clocks: list[Clock], clock_id: int) -> Clock | None:
    for c in clocks:
        if c.id == clock_id:
            return c if (c.met_at is None and c.status in ("running", "late")) else None
    return None


def _fire_step(store, outbox: Outbox, policy: Policy, clock: Clock, step: Step, now: datetime, by: str,
               report: SweepReport) -> None:
    key = step_key(clock, step.name)
    kind = vocab.STEP_KINDS[step.name.rstrip("0123456789")]
    flags: dict[str, bool] = {}

    def mutate(tx, case: Case) -> None:
        if step.name == "overdue":
            if tx.clocks.transition(clock.id, status="late", late_at=now):
                flags["late"] = True
                tx.actions.append(Action(at=now, actor="scheduler", action="clock.late", case_id=case.event_id,
                                unit=case.first_responsible,
                                details={"kind": clock.kind, "seq": clock.seq, "clock_id": clock.id,
                                         "due_at": clock.due_at.isoformat(), "late_at": now.isoformat()}))
        elif step.name == "consent":
            if tx.clocks.transition(clock.id, status="met", met_at=clock.due_at,
                                    reason=(clock.reason or "") + "；逾期未回复，视为同意"):
                flags["consent"] = True
                tx.actions.append(Action(at=now, actor="scheduler", action="consultation.consent",
                                         case_id=case.event_id,
                                unit=case.first_responsible,
                                details={"kind": clock.kind, "seq": clock.seq, "clock_id": clock.id,
                                         "due_at": clock.due_at.isoformat(), "why": "逾期未回复，视为同意"}))

    def specs(tx, case: Case, clocks: list[Clock]) -> list[AlertSpec]:
        if case.status != "open":
            return []
        if step.name == "consent":
            if not flags.get("consent"):
                return []
            c = next(c for c in clocks if c.id == clock.id)
        else:
            c = _still_open(clocks, clock.id)
            if c is None:
                return []
        lead = _lead(step, c, case, policy, now)
        return [AlertSpec(kind=kind, step=step.name, level=str(r.level), to=r, lead=lead, clock=c,
                          level_label=policy.label(r.level))
                for r in policy.recipients(case, step.levels)]

    actions = [{"action": "escalation.fired", "actor": "scheduler",
                "details": {"kind": clock.kind, "seq": clock.seq, "step": step.name, "levels": list(step.levels),
                            "scheduled_at": step.at.isoformat()}}]
    ids = fire(store, key, by=by, now=now, case_id=clock.case_id, specs=specs, outbox=outbox,
               actions=actions, mutate=mutate)
    if ids is None:
        report.already += 1
        return
    report.fired.append(key)
    if flags.get("late"):
        report.late.append(key)
    if flags.get("consent"):
        report.consents.append(key)


def _n_of(a) -> int:
    """The number of a reminder alert (step "remind3" → 3)."""
    tail = (a.step or "")[6:]
    return int(tail) if tail.isdigit() else 0


def _reminders(store, outbox: Outbox, policy: Policy, clock: Clock, now: datetime, by: str,
               report: SweepReport, capped: dict) -> None:
    """Bounded reminders of one clock (after Opsgenie's repeat count, GoAlert's per-alert limits).

    Per chain level: while a recipient there has not acknowledged this clock's alerts, it is
    reminded `repeat_minutes` after the level's last reminder (or its first pending alert), at most
    `max_reminders` times. When every waiting recipient of a level has had its reminders, the
    next level of the chain is told once (a climb, itself reminded and climbing in turn), and the
    waiting recipients only appear in their daily digest (`capped`, filled here, fired by
    `_digests`). So an unanswered clock writes a bounded number of messages, whatever the sweeps.
    """
    t = policy.timing
    every = t.repeat_minutes
    if not every:
        return
    with store.reader() as r:
        rows = r.alerts.of_clock(clock.id)
    by_level: dict[str, list] = {}
    for a in rows:
        if a.level.isdigit():
            by_level.setdefault(a.level, []).append(a)
    levels = policy.levels()
    for level, alerts in sorted(by_level.items(), key=lambda kv: int(kv[0])):
        pending = [a for a in alerts if a.kind in PRIMARY and a.acknowledged_at is None]
        if not pending:
            continue                    # acknowledged: no reminders for this level
        reminders = [a for a in alerts if a.kind == "reminder"]
        sent = Counter((a.unit, a.role) for a in reminders)
        waiting = sorted({(a.unit, a.role) for a in pending})
        base = max([min(a.created_at for a in pending)] + [a.created_at for a in reminders])
        due = now - base >= timedelta(minutes=every)
        todo = [w for w in waiting if sent[w] < t.max_reminders]
        for w in waiting:
            if sent[w] >= t.max_reminders:
                capped.setdefault((int(level), *w), []).append((clock, policy))
        if not due:
            continue
        if todo:
            n = max((_n_of(a) for a in reminders), default=0) + 1
            _fire_reminder(store, outbox, policy, clock, level, todo, n, now, by, report)
        elif t.climb_after_reminders:
            higher = [lv for lv in levels if lv > int(level)]
            if higher:
                _climb(store, outbox, policy, clock, int(level), higher[0], now, by, report)


def _fire_reminder(store, outbox, policy: Policy, clock: Clock, level: str, recips, n: int, now: datetime,
                   by: str, report: SweepReport) -> None:
    key = f"{step_key(clock, 'remind')}:L{level}:{n}"

    def specs(tx, case: Case, clocks: list[Clock]) -> list[AlertSpec]:
        c = _still_open(clocks, clock.id)
        if c is None or case.status != "open":
            return []
        last = "（最后一次催办，此后并入每日汇总）" if n >= policy.timing.max_reminders else ""
        lead = _lead(Step("remind", now, ()), c, case, policy, now) + f"（第{n}次催办）{last}"
        return [AlertSpec(kind="reminder", step=f"remind{n}", level=level,
                          to=Recipient(int(level), u, r), lead=lead, clock=c,
                          level_label=policy.label(int(level)), key_suffix=f"|{n}")
                for u, r in recips]

    ids = fire(store, key, by=by, now=now, case_id=clock.case_id, specs=specs, outbox=outbox,
               actions=[{"action": "escalation.reminded", "actor": "scheduler",
                         "details": {"kind": clock.kind, "seq": clock.seq, "level": int(level), "n": n}}])
    if ids is None:
        report.already += 1
    else:
        report.reminders.append(key)


def _climb(store, outbox, policy: Policy, clock: Clock, level: int, to_level: int, now: datetime, by: str,
           report: SweepReport) -> None:
    """The level's reminders are spent and nobody there acknowledged: tell the next level, once."""
    key = f"{step_key(clock, 'climb')}:L{level}"
    t = policy.timing

    def specs(tx, case: Case, clocks: list[Clock]) -> list[AlertSpec]:
        c = _still_open(clocks, clock.id)
        if c is None or case.status != "open":
            return []
        label = vocab.clock_label(c.kind, c.seq)
        left = c.due_at - now
        when = f"截止 {fmt_time(c.due_at)}，" + (f"已逾期{fmt_span(left)}" if left.total_seconds() < 0
                                              else f"剩余{fmt_span(left)}")
        lead = (f"逐级升级：{case.first_responsible or '区政府办公室'}“{label}”的提醒已向第{level}级"
                f"（{policy.label(level)}）催办{t.max_reminders}次，仍无人签收（{when}）。"
                f"现报第{to_level}级，请督促签收办理。")
        return [AlertSpec(kind="escalation", step=f"climb{level}", level=str(to_level), to=r, lead=lead, clock=c,
                          level_label=policy.label(to_level))
                for r in policy.recipients(case, [to_level])]

    ids = fire(store, key, by=by, now=now, case_id=clock.case_id, specs=specs, outbox=outbox,
               actions=[{"action": "escalation.climbed", "actor": "scheduler",
                         "details": {"kind": clock.kind, "seq": clock.seq, "from_level": level,
                                     "to_level": to_level, "reminders": t.max_reminders}}])
    if ids is None:
        report.already += 1
    else:
        report.climbs.append(key)


def _digests(store, outbox: Outbox, capped: dict, now: datetime, by: str, report: SweepReport) -> None:
    """One digest per recipient and `digest_hours` period of what it still has not acknowledged
    after its reminders ran out: later reminders fold into it instead of repeating one by one."""
    per: dict[tuple[str, str], list] = {}
    levels: dict[tuple[str, str], int] = {}
    for (level, unit, role), entries in capped.items():
        per.setdefault((unit, role), []).extend(entries)
        levels[(unit, role)] = min(level, levels.get((unit, role), level))
    for (unit, role), entries in sorted(per.items()):
        hours = min(p.timing.digest_hours for _, p in entries)
        period = int(now.timestamp() // (hours * 3600))
        key = f"digest:{unit}|{role}:{hours:g}h:{period}"
        with store.reader() as r:
            if r.firings.claimed([key]):
                continue
            cases = r.cases.by_ids(c.case_id for c, _ in entries)
        rows, seen = [], set()
        for c, _ in sorted(entries, key=lambda e: (e[0].due_at, e[0].id)):
            case = cases.get(c.case_id)
            if case is None or case.status != "open" or c.id in seen:
                continue
            seen.add(c.id)
            rows.append(clock_digest_row(case, c, now))
        if not rows:
            continue
        if _fire_digest(store, outbox, key, Recipient(levels[(unit, role)], unit, role), rows, hours, now, by):
            report.digests.append(key)


def clock_digest_row(case: Case, clock: Clock, now: datetime) -> dict[str, Any]:
    left = clock.due_at - now
    return {"number": case.number or "—", "title": (case.title or "（无标题）")[:40],
            "clock": vocab.clock_label(clock.kind, clock.seq), "due": fmt_time(clock.due_at),
            "state": f"已逾期{fmt_span(left)}" if left.total_seconds() < 0 else f"剩余{fmt_span(left)}"}


def _fire_digest(store, outbox: Outbox, key: str, to: Recipient, rows: list[dict], hours: float, now: datetime,
                 by: str) -> bool:
    from responders.alerts import templates
    env = templates()
    ctx = {"unit": to.unit, "role": to.role, "rows": rows, "hours": f"{hours:g}", "now": fmt_time(now),
           "kind_label": vocab.ALERT_KINDS["digest"]}
    subject = env.get_template("reminder_digest_subject.j2").render(**ctx).strip()
    body = env.get_template("reminder_digest.j2").render(**ctx).strip() + "\n"
    short = f"【{vocab.ALERT_KINDS['digest']}】您有{len(rows)}项时限提醒仍未签收，请登录系统签收办理"[:70]
    with store.transaction() as tx:
        if not tx.firings.claim(key, by, now):
            return False
        alert = tx.alerts.add_unique(Alert(dedup_key=key[:400], case_id=None, kind="digest", level=str(to.level),
                                           unit=to.unit, role=to.role, subject=subject, body=body, short=short,
                                           created_at=now))
        if alert is None:
            return False
        for ch, addr in outbox.targets(to, None):
            tx.add(Delivery(alert_id=alert.id, channel=ch, address=addr, status="pending"))
        tx.actions.append(Action(at=now, actor="scheduler", action="escalation.digested", unit=to.unit,
                                 details={"role": to.role, "items": len(rows), "hours": hours}))
    return True


def _policy_for(store, case_id: str, config_loader) -> Policy:
    with store.reader() as r:
        row = r.cases.get(case_id)
    pol = row.policy or {}
    if all(k in pol for k in ("clocks", "escalation_chain", "escalation")):
        return Policy.of(pol)
    with store.transaction() as tx:          # freeze what is missing, once
        return Policy.of(ensure_frozen(tx.cases.get(case_id), config_loader()))


def escalate(store, outbox: Outbox, now: datetime, *, by: str, config_loader, report: SweepReport) -> None:
    with store.reader() as r:
        clocks = r.clocks.open_all()
    policies: dict[str, Policy] = {}
    capped: dict = {}
    for clock in clocks:
        report.clocks += 1
        try:
            policy = policies.get(clock.case_id)
            if policy is None:
                policy = policies[clock.case_id] = _policy_for(store, clock.case_id, config_loader)
            steps = [st for st in steps_of(clock, policy) if st.at <= now]
            if steps:
                keys = [step_key(clock, st.name) for st in steps]
                with store.reader() as r:
                    claimed = r.firings.claimed(keys)
                for st, key in zip(steps, keys):
                    if key in claimed:
                        continue
                    _fire_step(store, outbox, policy, clock, st, now, by, report)
            _reminders(store, outbox, policy, clock, now, by, report, capped)
        except Exception as exc:       # one bad clock must not stop the sweep
            log.exception("escalation of clock %s (%s %s) failed", clock.id, clock.case_id, clock.kind)
            report.errors.append(f"{clock.case_id}:{clock.kind}:{clock.seq}: {type(exc).__name__}: {exc}")
    try:
        _digests(store, outbox, capped, now, by, report)
    except Exception as exc:
        log.exception("reminder digests failed")
        report.errors.append(f"digests: {type(exc).__name__}: {exc}")
