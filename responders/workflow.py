"""A unit's actions on a case, each validated and appended to the action log with actor and time.

Errors are `WorkflowError` with a Chinese message: an unknown case, a unit that is not the one
responsible, an action out of order (复审 before 初审, publishing before 终审, extending twice).

Statement (发布权威信息): draft → 初审 → 复审 → 终审 (三审三校, inside the unit) → for 重大/特别重大
approval by 区政府办公室 (上城 附件1 第四条、第七条) → publish. Publishing the first statement
meets the `statement` clock and, for a case with one (an emergency), starts follow-up releases
(follow_up #1 due 24 h later; each follow-up meets its clock and starts the next) until closed.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from typing import Any, Iterator

from yuqing.clocks.calendar import WorkCalendar
from yuqing.clocks.due import ClockPolicy, due
from responders.policy import Policy, ensure_frozen
from responders.review import StatementChecker, refusal
from yuqing import vocab
from yuqing.records import Action as ActionRow, Case as CaseRow, Clock as ClockRow
from yuqing.timeutil import Clock, iso_local, to_local

OFFICE = "区政府办公室"
REVIEW_STAGES = ("初审", "复审", "终审")
MAJOR = vocab.MAJOR_LEVELS
OPEN_CLOCK = vocab.OPEN_CLOCK_STATES


class WorkflowError(ValueError):
    pass


def _t(dt: datetime) -> str:
    return to_local(dt).strftime("%Y-%m-%d %H:%M")


class Workflow:
    """With `user` (a signed-in `responders.accounts.Principal`, as the dashboard passes) every
    action is checked against the user's role and unit and logged with the user's name, whatever
    `actor` and `unit` say; without it (the CLI on the server, tests) the caller is trusted."""

    def __init__(self, store, config, clock: Clock, *, calendar: WorkCalendar | None = None, user=None):
        self.store, self.config, self.clock, self.user = store, config, clock, user
        cal = config.get("calendar") if config is not None else None
        self.calendar = calendar or (WorkCalendar.from_config(cal) if cal else WorkCalendar.default())
        self._checker: StatementChecker | None = None

    # ------------------------------------------------------------------ plumbing
    def _as(self, actor: str, unit: str) -> tuple[str, str]:
        """(actor, unit) as logged: the signed-in user and the unit the user may act as."""
        if self.user is None:
            return actor, unit
        from responders.accounts import AccessDenied
        try:
            return self.user.username, self.user.acting_unit(unit)
        except AccessDenied as exc:
            raise WorkflowError(str(exc)) from None

    @contextmanager
    def _case(self, case_id: str, *, allow_closed: bool = False) -> Iterator[tuple[Any, CaseRow]]:
        with self.store.transaction() as s:
            case = s.cases.lock(case_id)
            if case is None or (self.user is not None and not self.user.sees_case(case)):
                raise WorkflowError(f"未知案件或无权处置：{case_id}")
            if case.status == "not_a_case":
                raise WorkflowError(f"{case_id} 不是舆情案件（级别“无”），无需处置")
            if case.status == "closed" and not allow_closed:
                raise WorkflowError(f"案件 {case_id} 已结案；如需继续处置请先重新打开（reopen）")
            yield s, case

    @staticmethod
    def _need_unit(case: CaseRow, unit: str, *also: str) -> None:
        allowed = {case.first_responsible, *also} - {None}
        if not case.first_responsible:
            allowed.add(OFFICE)
        if unit not in allowed:
            raise WorkflowError(f"{unit} 不是案件 {case.event_id} 的第一责任单位（{case.first_responsible or OFFICE}），"
                                f"无权执行此操作")

    def _log(self, s, case: CaseRow, action: str, actor: str, unit: str, now: datetime, **details) -> None:
        if not actor or not actor.strip():
            raise WorkflowError("须填写操作人（actor）")
        s.actions.append(ActionRow(at=now, actor=actor, action=action, case_id=case.event_id, unit=unit,
                                   details=details))

    def _actions(self, s, case_id: str, *names: str) -> list[ActionRow]:
        return s.actions.of_case(case_id, *names)

    def _policy(self, s, case: CaseRow) -> Policy:
        return Policy.of(ensure_frozen(case, self.config))

    def _open_clock(self, s, case: CaseRow, kinds: tuple[str, ...], seq: int | None = None) -> ClockRow | None:
        return s.clocks.open_of(case.event_id, kinds, seq)

    def _meet(self, s, case: CaseRow, row: ClockRow, actor: str, unit: str, now: datetime,
              at: datetime | None = None) -> bool:
        """Meet the clock by what happened at `at` (default now; a release the system noticed: when
        it was published)."""
        when = at or now
        on_time = when <= row.due_at
        if row.status == "running" and not on_time:
            self._log(s, case, "clock.late", "system", unit, now, kind=row.kind, seq=row.seq, clock_id=row.id,
                      due_at=row.due_at.isoformat(), late_at=when.isoformat())
        row.status = "met" if on_time else "late"
        if not on_time and row.late_at is None:
            row.late_at = when          # answered late before a sweep marked it: late from then
        row.met_at = when
        self._log(s, case, "clock.met", actor, unit, now, kind=row.kind, seq=row.seq, clock_id=row.id,
                  due_at=row.due_at.isoformat(), on_time=on_time)
        return on_time

    def _start_clock(self, s, case: CaseRow, kind: str, start: datetime, unit: str, actor: str,
                     now: datetime, **details) -> ClockRow:
        if start.tzinfo is None:
            raise WorkflowError("开始时间须带时区")
        pol = self._policy(s, case).clocks
        if kind not in pol.clocks:
            raise WorkflowError(f"冻结的时限政策中没有“{kind}”时限")
        d = due(kind, start, pol, self.calendar)
        seq = s.clocks.max_seq(case.event_id, _family(kind)) + 1
        row = ClockRow(case_id=case.event_id, kind=kind, seq=seq, starts_at=d.starts_at, due_at=d.due_at,
                       status="running", provisional=d.provisional, reason=d.reason)
        s.add(row)
        self._log(s, case, "clock.started", actor, unit, now, kind=kind, seq=seq, clock_id=row.id,
                  starts_at=d.starts_at.isoformat(), due_at=d.due_at.isoformat(), provisional=d.provisional,
                  **details)
        return row

    def _check_text(self, draft: ActionRow) -> None:
        """三审三校 before approval: no sensitive word, no link off the whitelist (config/release.yaml)."""
        if self._checker is None:
            self._checker = StatementChecker.from_config(self.config)
        problems = self._checker.problems(draft.details.get("text") or "")
        if problems:
            raise WorkflowError(refusal(problems))

    def check_statement(self, text: str) -> list[str]:
        """What would stop a text from passing review (Chinese, one line each); [] when it is clean."""
        if not (text or "").strip():
            return ["发布稿内容为空"]
        if self._checker is None:
            self._checker = StatementChecker.from_config(self.config)
        return [p.message for p in self._checker.problems(text)]

    # ------------------------------------------------------------------ 签收
    def acknowledge(self, case_id: str, *, actor: str, unit: str, role: str | None = None,
                    level: int | None = None, alert_id: int | None = None) -> int:
        """签收: this recipient's alerts on the case are acknowledged; stops its level's reminders only.

        With `alert_id` (the dashboard's inbox button) the recipient is that alert's (unit, role);
        the alert is claimed with a conditional update, so a repeated or concurrent 签收 of an
        alert already acknowledged returns 0 and writes nothing. Alert stamps and the
        `case.acknowledged` log entry are written in one transaction.
        """
        now = self.clock.now()
        actor, unit = self._as(actor, unit)
        claimed = None
        with self._case(case_id) as (s, case):
            if alert_id is not None:
                alert = s.alerts.get(alert_id)
                if alert is None or alert.case_id != case_id:
                    raise WorkflowError(f"案件 {case_id} 没有编号为 {alert_id} 的提醒")
                if alert.unit != unit:
                    raise WorkflowError(f"提醒 {alert_id} 发给 {alert.unit}，{unit} 无权签收")
                if role is not None and role != alert.role:
                    raise WorkflowError(f"提醒 {alert_id} 发给 {alert.role}，不是 {role}")
                role = alert.role
                if not actor or not actor.strip():
                    raise WorkflowError("须填写操作人（actor）")
                if not s.alerts.ack(alert_id, now, actor):
                    return 0        # already acknowledged (by this or another press): nothing written
                claimed = alert_id
            if role is None and level is not None:
                roles = [r.role for r in self._policy(s, case).recipients(case, [level]) if r.unit == unit]
                if not roles:
                    raise WorkflowError(f"{unit} 不在案件 {case_id} 升级链的第{level}级")
                role = roles[0]
            role = role or vocab.LIAISON
            rows = s.alerts.of_recipient(case_id, unit, role)
            if not rows:
                raise WorkflowError(f"{unit}（{role}）没有案件 {case_id} 的提醒，无需签收")
            # the alert claimed above counts as acknowledged now, with the others still open
            todo = [r for r in rows if r.acknowledged_at is None or r.id == claimed]
            for r in todo:
                r.acknowledged_at, r.acknowledged_by = now, actor
            extra = {"alert_id": alert_id} if alert_id is not None else {}
            self._log(s, case, "case.acknowledged", actor, unit, now, role=role, alerts=len(todo),
                      first=not any(r.acknowledged_at is not None and r not in todo for r in rows), **extra)
            if unit == case.first_responsible and case.acknowledged_at is None:
                case.acknowledged_at = now
            return len(todo)

    # ------------------------------------------------------------------ where the case stands
    def progress(self, case_id: str) -> dict[str, Any]:
        """Read-only: where the case stands in the workflow (for a UI to offer the next actions).

        Nothing is written (the frozen policy is not filled in). Raises WorkflowError for an
        unknown case; closed and not-a-case cases are reported, not refused.
        """
        with self.store.reader() as s:
            case = s.cases.get(case_id)
            if case is None or (self.user is not None and not self.user.sees_case(case)):
                raise WorkflowError(f"未知案件或无权查看：{case_id}")
            draft, done, approved = self._draft_state(s, case_id)
            reviewers = sorted({a.actor for a in self._actions(s, case_id, "statement.reviewed")
                                if draft is not None and a.id > draft.id})
            clocks = s.clocks.of_case(case_id)
            pending = s.alerts.pending_recipients(case_id)
            return {
                "case_id": case_id, "status": case.status, "severity": case.severity,
                "emergency": bool(case.emergency), "first_responsible": case.first_responsible,
                "owner": case.first_responsible or OFFICE, "needs_approval": case.severity in MAJOR,
                "draft_version": draft.details.get("version") if draft is not None else None,
                "drafted_by": draft.actor if draft is not None else None,
                "reviews_done": done, "reviewers": reviewers,
                "next_review": (REVIEW_STAGES[len(done)] if draft is not None and len(done) < len(REVIEW_STAGES)
                                else None),
                "approved": approved, "published": self._first_published(s, case_id) is not None,
                "follow_ups": len(self._actions(s, case_id, "follow_up.published")),
                "press_held": bool(self._actions(s, case_id, "press_conference.held")),
                "open_clocks": [{"id": c.id, "kind": c.kind, "seq": c.seq, "due_at": c.due_at, "status": c.status}
                                for c in clocks if c.status in OPEN_CLOCK and c.met_at is None],
                "had_clocks": sorted({c.kind for c in clocks}),
                "pending_alerts": {u: sorted(r) for u, r in sorted(pending.items())},
                "suspected_releases": [
                    {"item": i, "title": a.details.get("title"), "source": a.details.get("source") or a.details.get("author"),
                     "url": a.details.get("url"), "why": a.details.get("why"),
                     "published_at": datetime.fromisoformat(a.details["published_at"])}
                    for i, a in self._suspected(s, case_id).items()],
            }

    # ------------------------------------------------------------------ statement: 三审三校
    def _draft_state(self, s, case_id: str) -> tuple[ActionRow | None, list[str], bool]:
        acts = self._actions(s, case_id, "statement.drafted", "statement.reviewed", "statement.approved")
        last = max((i for i, a in enumerate(acts) if a.action == "statement.drafted"), default=None)
        if last is None:
            return None, [], False
        after = acts[last + 1:]
        return (acts[last], [a.details.get("stage") for a in after if a.action == "statement.reviewed"],
                any(a.action == "statement.approved" for a in after))

    def _first_published(self, s, case_id: str) -> ActionRow | None:
        acts = s.actions.of_case(case_id, "statement.published")
        return acts[0] if acts else None

    def draft_statement(self, case_id: str, *, actor: str, unit: str, text: str = "") -> int:
        now = self.clock.now()
        actor, unit = self._as(actor, unit)
        with self._case(case_id) as (s, case):
            self._need_unit(case, unit)
            if self._first_published(s, case_id) is not None:
                raise WorkflowError("首次权威信息已发布；后续发布请用“持续发布”（follow-up）")
            if not (text or "").strip():
                raise WorkflowError("发布稿内容为空，不能提交：请填写稿件内容")
            n = len(self._actions(s, case_id, "statement.drafted")) + 1
            self._log(s, case, "statement.drafted", actor, unit, now, version=n, text=text[:20000])
            return n

    def review(self, case_id: str, *, actor: str, unit: str, stage: str, note: str = "") -> None:
        now = self.clock.now()
        actor, unit = self._as(actor, unit)
        if stage not in REVIEW_STAGES:
            raise WorkflowError(f"未知审核环节“{stage}”；应为 {'、'.join(REVIEW_STAGES)}")
        with self._case(case_id) as (s, case):
            self._need_unit(case, unit)
            draft, done, _ = self._draft_state(s, case_id)
            if draft is None:
                raise WorkflowError("尚无待审稿件：请先提交发布稿（draft）")
            want = REVIEW_STAGES[len(done)] if len(done) < len(REVIEW_STAGES) else None
            if want is None:
                raise WorkflowError("三审已完成，无需再审；修改稿件请重新提交")
            if stage != want:
                raise WorkflowError(f"审核顺序错误：当前应进行“{want}”，不能进行“{stage}”")
            reviewers = {a.actor for a in self._actions(s, case_id, "statement.reviewed")
                         if a.id > draft.id}
            if actor in reviewers:
                raise WorkflowError(f"{actor} 已参与本稿审核，三审须由不同人员进行")
            if actor == draft.actor:
                raise WorkflowError(f"{actor} 是本稿起草人，不能审核自己起草的稿件；三审须由起草人以外的三名不同人员进行")
            self._check_text(draft)
            self._log(s, case, "statement.reviewed", actor, unit, now, stage=stage, version=draft.details["version"],
                      note=note)

    def approve(self, case_id: str, *, actor: str, unit: str) -> None:
        now = self.clock.now()
        actor, unit = self._as(actor, unit)
        with self._case(case_id) as (s, case):
            if unit != OFFICE:
                raise WorkflowError(f"重大舆情发布稿须由{OFFICE}审核，{unit} 无权审核")
            draft, done, approved = self._draft_state(s, case_id)
            if draft is None or len(done) < len(REVIEW_STAGES):
                raise WorkflowError("发布稿尚未完成三审（初审、复审、终审），不能报送审核")
            if approved:
                raise WorkflowError("本稿已审核通过")
            self._check_text(draft)
            self._log(s, case, "statement.approved", actor, unit, now, version=draft.details["version"])

    def publish_statement(self, case_id: str, *, actor: str, unit: str, url: str | None = None) -> dict[str, Any]:
        """Publish the first authoritative statement: meets `statement` (an emergency's, then starts
        follow-ups) or `response` (the 48-hour answer of any other case)."""
        now = self.clock.now()
        actor, unit = self._as(actor, unit)
        with self._case(case_id) as (s, case):
            self._need_unit(case, unit)
            if self._first_published(s, case_id) is not None:
                raise WorkflowError("首次权威信息已发布；后续发布请用“持续发布”（follow-up）")
            draft, done, approved = self._draft_state(s, case_id)
            if draft is None:
                raise WorkflowError("尚无发布稿：请先提交发布稿并完成三审三校")
            if len(done) < len(REVIEW_STAGES):
                raise WorkflowError(f"发布稿尚未完成三审三校（已完成：{'、'.join(done) or '无'}）")
            if case.severity in MAJOR and not approved:
                raise WorkflowError(f"{case.severity}舆情的发布稿须经{OFFICE}审核后发布")
            self._check_text(draft)        # the lists may have grown since the reviews
            self._log(s, case, "statement.published", actor, unit, now, version=draft.details["version"], url=url,
                      hours_since_first_post=round((now - case.first_published_at).total_seconds() / 3600, 2))
            out: dict[str, Any] = {"on_time": None, "follow_up_due": None}
            clk = self._open_clock(s, case, ("statement",))
            had_clock = clk is not None or s.clocks.count(case_id, ("statement",)) > 0
            if clk is None:
                clk = self._open_clock(s, case, ("response",))    # any other case: its 48-hour answer
            if clk is not None:
                out["on_time"] = self._meet(s, case, clk, actor, unit, now)
            if had_clock:
                fu = self._start_clock(s, case, "follow_up", now, unit, actor, now, after="statement")
                out["follow_up_due"] = fu.due_at
            return out

    # ------------------------------------------------------------------ releases the system noticed
    def _suspected(self, s, case_id: str) -> dict[str, ActionRow]:
        """item id → its `release.suspected` record, for those neither confirmed nor dismissed."""
        acts = self._actions(s, case_id, "release.suspected", "release.confirmed", "release.dismissed")
        out: dict[str, ActionRow] = {}
        for a in acts:
            item = a.details.get("item")
            if a.action == "release.suspected":
                out[item] = a
            else:
                out.pop(item, None)
        return out

    def suspected_releases(self, case_id: str) -> list[dict[str, Any]]:
        """疑似已发布回应 of a case still waiting for the unit: item, title, publisher, time, why."""
        with self.store.reader() as s:
            return [{"item": i, **{k: a.details.get(k) for k in ("title", "url", "source", "author", "why")},
                     "published_at": datetime.fromisoformat(a.details["published_at"]), "noticed_at": a.at}
                    for i, a in self._suspected(s, case_id).items()]

    def confirm_release(self, case_id: str, *, item_id: str, actor: str, unit: str) -> dict[str, Any]:
        """The unit says a suspected release is its release: recorded as published at the item's
        publish time — the first statement (meeting `statement` or the 48-hour `response`) or, after
        it, a follow-up release (meeting `follow_up`). The unit reviewed it before it went out, so no
        draft is asked for here."""
        actor, unit = self._as(actor, unit)
        now = self.clock.now()
        with self._case(case_id) as (s, case):
            self._need_unit(case, unit)
            sus = self._suspected(s, case_id).get(item_id)
            if sus is None:
                raise WorkflowError(f"案件 {case.label} 没有待确认的疑似已发布回应（条目 {item_id}）")
            at = min(datetime.fromisoformat(sus.details["published_at"]), now)
            url = sus.details.get("url")
            out: dict[str, Any] = {"as": None, "on_time": None, "next_due": None, "released_at": at}
            if self._first_published(s, case_id) is None:
                out["as"] = "statement"
                self._log(s, case, "statement.published", actor, unit, now, version=None, url=url, item=item_id,
                          released_at=at.isoformat(), noticed=True,
                          hours_since_first_post=round((at - case.first_published_at).total_seconds() / 3600, 2))
                clk = self._open_clock(s, case, ("statement",))
                had_clock = clk is not None or s.clocks.count(case_id, ("statement",)) > 0
                if clk is None:
                    clk = self._open_clock(s, case, ("response",))
                if clk is not None:
                    out["on_time"] = self._meet(s, case, clk, actor, unit, now, at=at)
                if had_clock:
                    out["next_due"] = self._start_clock(s, case, "follow_up", at, unit, actor, now,
                                                        after="statement").due_at
            else:
                out["as"] = "follow_up"
                n = len(self._actions(s, case_id, "follow_up.published")) + 1
                self._log(s, case, "follow_up.published", actor, unit, now, n=n, url=url, item=item_id,
                          released_at=at.isoformat(), noticed=True)
                clk = self._open_clock(s, case, ("follow_up",))
                if clk is not None:
                    out["on_time"] = self._meet(s, case, clk, actor, unit, now, at=at)
                    out["next_due"] = self._start_clock(s, case, "follow_up", at, unit, actor, now,
                                                        after=f"follow_up#{clk.seq}").due_at
            self._log(s, case, "release.confirmed", actor, unit, now, item=item_id, released_at=at.isoformat(),
                      recorded_as=out["as"], on_time=out["on_time"])
            return out

    def dismiss_release(self, case_id: str, *, item_id: str, actor: str, unit: str, reason: str = "") -> None:
        """The unit says a suspected release is not its answer to this case: the record is closed."""
        actor, unit = self._as(actor, unit)
        now = self.clock.now()
        with self._case(case_id) as (s, case):
            self._need_unit(case, unit)
            if item_id not in self._suspected(s, case_id):
                raise WorkflowError(f"案件 {case.label} 没有待确认的疑似已发布回应（条目 {item_id}）")
            self._log(s, case, "release.dismissed", actor, unit, now, item=item_id, reason=reason)

    def hold_press_conference(self, case_id: str, *, actor: str, unit: str) -> bool | None:
        now = self.clock.now()
        actor, unit = self._as(actor, unit)
        with self._case(case_id) as (s, case):
            self._need_unit(case, unit)
            self._log(s, case, "press_conference.held", actor, unit, now)
            clk = self._open_clock(s, case, ("press_conference",))
            return self._meet(s, case, clk, actor, unit, now) if clk is not None else None

    def publish_follow_up(self, case_id: str, *, actor: str, unit: str, url: str | None = None) -> dict[str, Any]:
        now = self.clock.now()
        actor, unit = self._as(actor, unit)
        with self._case(case_id) as (s, case):
            self._need_unit(case, unit)
            if self._first_published(s, case_id) is None:
                raise WorkflowError("尚未发布首次权威信息，不能持续发布")
            n = len(self._actions(s, case_id, "follow_up.published")) + 1
            self._log(s, case, "follow_up.published", actor, unit, now, n=n, url=url)
            clk = self._open_clock(s, case, ("follow_up",))
            out: dict[str, Any] = {"on_time": None, "next_due": None}
            if clk is not None:
                out["on_time"] = self._meet(s, case, clk, actor, unit, now)
                nxt = self._start_clock(s, case, "follow_up", now, unit, actor, now, after=f"follow_up#{clk.seq}")
                out["next_due"] = nxt.due_at
            return out

    # ------------------------------------------------------------------ working-day clocks
    def open_feedback(self, case_id: str, *, actor: str, unit: str, at: datetime | None = None,
                      ref: str = "") -> ClockRow:
        """群众点题: feedback due in 5 working days from the request (`at`, default now)."""
        return self._open(case_id, "feedback", actor, unit, at, ref)

    def open_consultation(self, case_id: str, *, actor: str, unit: str, at: datetime | None = None,
                          ref: str = "") -> ClockRow:
        """征求意见: reply due in 5 working days; silence counts as consent (recorded by the sweep)."""
        return self._open(case_id, "consultation", actor, unit, at, ref)

    def open_repost(self, case_id: str, *, actor: str, unit: str, published_at: datetime, ref: str = "") -> ClockRow:
        """A higher-level policy to repost within 24 h of its publication."""
        return self._open(case_id, "repost", actor, unit, published_at, ref)

    def _open(self, case_id: str, kind: str, actor: str, unit: str, at: datetime | None, ref: str) -> ClockRow:
        now = self.clock.now()
        actor, unit = self._as(actor, unit)
        start = at or now
        if start > now:
            raise WorkflowError(f"开始时间 {_t(start)} 晚于当前时间")
        with self._case(case_id) as (s, case):
            self._need_unit(case, unit, OFFICE)
            return self._start_clock(s, case, kind, start, case.first_responsible or unit, actor, now, ref=ref)

    def extend_feedback(self, case_id: str, *, actor: str, unit: str, approved_by: str, reason: str,
                        seq: int | None = None) -> ClockRow:
        """Extend a 群众点题 feedback once, to 20 working days from the request: an approved, logged
        action that replaces the due time (the clock becomes `feedback_extended`)."""
        now = self.clock.now()
        actor, unit = self._as(actor, unit)
        if not approved_by or not approved_by.strip():
            raise WorkflowError("延期须经批准：请填写批准人（approved_by）")
        if not reason or not reason.strip():
            raise WorkflowError("延期须说明理由（reason）")
        with self._case(case_id) as (s, case):
            self._need_unit(case, unit)
            row = s.clocks.latest_of(case_id, ("feedback", "feedback_extended"), seq)
            if row is None:
                raise WorkflowError(f"案件 {case_id} 没有群众点题反馈时限" + (f"（第{seq}项）" if seq else ""))
            if row.kind == "feedback_extended":
                raise WorkflowError("该群众点题反馈已延期一次，不能再次延期（最长20个工作日）")
            if row.met_at is not None or row.status not in OPEN_CLOCK:
                raise WorkflowError("该群众点题已反馈或已取消，无需延期")
            if now > row.due_at:
                raise WorkflowError(f"已超过反馈时限（{_t(row.due_at)}），不能延期")
            pol = self._policy(s, case).clocks
            d = due("feedback_extended", row.starts_at, pol, self.calendar)
            old = row.due_at
            row.kind, row.due_at, row.provisional = "feedback_extended", d.due_at, d.provisional
            row.reason = d.reason + f"；经{approved_by}批准延期（{reason}）"
            self._log(s, case, "clock.extended", actor, unit, now, kind="feedback", new_kind="feedback_extended",
                      seq=row.seq, clock_id=row.id, approved_by=approved_by, reason=reason,
                      from_due=old.isoformat(), to_due=d.due_at.isoformat(), provisional=d.provisional)
            return row

    def answer_feedback(self, case_id: str, *, actor: str, unit: str, seq: int | None = None) -> bool:
        return self._answer(case_id, ("feedback", "feedback_extended"), "feedback.answered", actor, unit, seq)

    def reply_consultation(self, case_id: str, *, actor: str, unit: str, seq: int | None = None,
                           opinion: str = "") -> bool:
        return self._answer(case_id, ("consultation",), "consultation.replied", actor, unit, seq, opinion=opinion)

    def publish_repost(self, case_id: str, *, actor: str, unit: str, seq: int | None = None,
                       url: str | None = None) -> bool:
        return self._answer(case_id, ("repost",), "repost.published", actor, unit, seq, url=url)

    def _answer(self, case_id: str, kinds: tuple[str, ...], action: str, actor: str, unit: str,
                seq: int | None, **details) -> bool:
        now = self.clock.now()
        actor, unit = self._as(actor, unit)
        with self._case(case_id) as (s, case):
            self._need_unit(case, unit, OFFICE)
            clk = self._open_clock(s, case, kinds, seq)
            if clk is None:
                raise WorkflowError(f"案件 {case_id} 没有未完成的“{kinds[0]}”时限"
                                    + (f"（第{seq}项）" if seq else ""))
            self._log(s, case, action, actor, unit, now, seq=clk.seq, **details)
            return self._meet(s, case, clk, actor, unit, now)

    # ------------------------------------------------------------------ close / reopen
    def close(self, case_id: str, *, actor: str, unit: str, reason: str = "") -> int:
        """Close: running clocks are cancelled (follow-ups end); late ones stay late."""
        now = self.clock.now()
        actor, unit = self._as(actor, unit)
        with self._case(case_id) as (s, case):
            self._need_unit(case, unit, OFFICE)
            n = 0
            for r in [k for k in s.clocks.of_case(case_id) if k.status == "running"]:
                r.status, n = "cancelled", n + 1
                self._log(s, case, "clock.cancelled", actor, unit, now, kind=r.kind, seq=r.seq, clock_id=r.id,
                          why="结案")
            case.status, case.updated_at = "closed", now
            self._log(s, case, "case.closed", actor, unit, now, reason=reason, clocks_cancelled=n)
            return n

    def reopen(self, case_id: str, *, actor: str, unit: str, reason: str = "") -> ClockRow | None:
        """Reopen: the case is open again; if it had follow-up releases, they resume (24 h)."""
        now = self.clock.now()
        actor, unit = self._as(actor, unit)
        if not reason.strip():
            raise WorkflowError("重新打开须说明理由（reason）")
        with self._case(case_id, allow_closed=True) as (s, case):
            if case.status != "closed":
                raise WorkflowError(f"案件 {case_id} 未结案，无需重新打开")
            self._need_unit(case, unit, OFFICE)
            case.status, case.updated_at = "open", now
            self._log(s, case, "case.reopened", actor, unit, now, reason=reason)
            has_fu = s.clocks.count(case_id, ("follow_up",)) > 0
            if has_fu:
                return self._start_clock(s, case, "follow_up", now, case.first_responsible or unit, actor, now,
                                         after="reopened")
            return None


def _family(kind: str) -> tuple[str, ...]:
    """Kinds that share one sequence (an extended feedback keeps its number)."""
    return ("feedback", "feedback_extended") if kind.startswith("feedback") else (kind,)
