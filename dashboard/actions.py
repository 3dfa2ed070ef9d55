"""处置操作: which workflow actions a case offers now, and running one (no Streamlit here).

`available_actions` reads where the case stands (`Workflow.progress`) and lists the actions that
make sense in that state for the acting unit; `perform` runs one through `responders.workflow`
as the signed-in user and returns a Chinese success message. The workflow stays the only
validator and the only writer: it checks the user's role and unit and logs the user as the actor
(a leader's account acts on nothing, a unit's account acts as its own unit only), and an action
listed here may still be refused (wrong unit, same reviewer twice, …); then `WorkflowError`
carries the workflow's Chinese message. The list is a guide, not a gate.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dashboard.safe import md
from responders.accounts import Principal
from responders.workflow import OFFICE, Workflow, WorkflowError
from yuqing.timeutil import parse_time, to_local

__all__ = ["Action", "FIELD_LABELS", "GROUPS", "OFFICE", "WorkflowError", "actions_for", "available_actions",
           "perform", "progress"]

GROUPS = ("签收", "权威信息发布", "新闻发布会", "群众点题", "征求意见", "上级政策转载", "案件状态")
CLOCK_GROUPS = ("群众点题", "征求意见", "上级政策转载")     # working-day / repost clocks: shown apart

FIELD_LABELS = {
    "text": "稿件内容", "note": "审核意见", "url": "发布链接", "reason": "理由", "approved_by": "批准人",
    "at": "申请/来函时间（留空为现在，格式 2026-11-20 09:30）", "published_at": "上级政策发布时间（格式 2026-11-20 09:30）",
    "ref": "编号或标题", "opinion": "回复意见",
}
FIRST = "第一责任单位"


@dataclass(frozen=True)
class Action:
    key: str                          # unique within a case's list; also the widget key suffix
    op: str                           # what `perform` runs: ack, draft, review, approve, publish, …
    label: str                        # button text
    group: str
    by: str = FIRST                   # who may do it: 第一责任单位, 区政府办公室, or 提醒接收单位
    fields: tuple[str, ...] = ()      # inputs the action takes (FIELD_LABELS)
    params: tuple[tuple[str, Any], ...] = ()   # fixed arguments, e.g. (("stage", "初审"),)
    hint: str = ""
    primary: bool = False             # the next step of the main line

    @property
    def kwargs(self) -> dict[str, Any]:
        return dict(self.params)


def _wf(store, config=None, now: datetime | None = None, user: Principal | None = None) -> Workflow:
    from yuqing.timeutil import ManualClock, SystemClock
    return Workflow(store, config, ManualClock(now) if now is not None else SystemClock(), user=user)


def progress(store, event_id: str, config=None, *, user: Principal) -> dict[str, Any]:
    """`Workflow.progress` of the case (read-only), refused for a case the user may not read."""
    return _wf(store, config, user=user).progress(event_id)


def available_actions(store, event_id: str, unit: str | None = None, *, user: Principal,
                      now: datetime | None = None, config=None) -> list[Action]:
    """The actions that make sense for `event_id` now, for the acting `unit` (签收 depends on it);
    none for a read-only account."""
    p = progress(store, event_id, config, user=user)
    if not user.can_act:
        return []
    return actions_for(p, user.acting_unit(unit), now=now)


def actions_for(p: dict[str, Any], unit: str | None = None, *, now: datetime | None = None) -> list[Action]:
    """Pure: the actions offered for a case whose `Workflow.progress` is `p`."""
    if p["status"] == "not_a_case":
        return []
    if p["status"] == "closed":
        return [Action("reopen", "reopen", "重新立案", "案件状态", by=f"{FIRST}或{OFFICE}", fields=("reason",),
                       hint="案件重新打开；如曾持续发布，持续发布时限重新开始（24小时）。", primary=True)]
    out: list[Action] = []

    for role in (p["pending_alerts"].get(unit, []) if unit else []):
        out.append(Action(f"ack:{role}", "ack", f"签收（{role}）", "签收", by="提醒接收单位",
                          params=(("role", role),), hint=f"签收{unit}（{role}）在本案的全部未签收提醒，停止该层级催办。",
                          primary=True))

    # 发布权威信息: draft → 初审 → 复审 → 终审 → (重大/特别重大) 区政府办公室审核 → publish
    g = "权威信息发布"
    # releases the system noticed (疑似已发布回应): one press records one as the release
    for n, r in enumerate(p.get("suspected_releases") or [], 1):
        seen = (f"{md(r.get('why') or '')}，{_t(r['published_at'])} 发布“{md(r.get('title') or '')}”"
                + (f"（{md(r['url'])}）" if r.get("url") else ""))
        what = "持续发布" if p["published"] else "首次权威信息"
        out.append(Action(f"release_confirm:{r['item']}", "release_confirm", f"确认为本案回应（第{n}条）", g,
                          params=(("item_id", r["item"]),), primary=True,
                          hint=f"疑似已发布回应：{seen}。确认后按其发布时间记为{what}并完成相应时限。"))
        out.append(Action(f"release_dismiss:{r['item']}", "release_dismiss", f"不是本案回应（第{n}条）", g,
                          fields=("reason",), params=(("item_id", r["item"]),), hint="该条信息不作为本案回应，不计入时限。"))
    redraft = Action("redraft", "draft", "修改稿件（重新提交）", g, fields=("text",),
                     hint="重新提交后须重新完成三审三校" + ("及区政府办公室审核" if p["needs_approval"] else "") + "。")
    if p["published"]:
        out.append(Action("follow_up", "follow_up", "持续发布", g, fields=("url",),
                          hint=f"已持续发布 {p['follow_ups']} 次；每次发布后下一次持续发布时限重新计算。", primary=True))
    elif p["draft_version"] is None:
        out.append(Action("draft", "draft", "起草回应", g, fields=("text",),
                          hint="提交发布稿后依次初审、复审、终审（三审三校，须由不同人员审核）。", primary=True))
    elif p["next_review"]:
        stage = p["next_review"]
        done = "、".join(f"{s}" for s in p["reviews_done"]) or "无"
        who = "、".join(p["reviewers"])
        out.append(Action(f"review:{stage}", "review", stage, g, fields=("note",), params=(("stage", stage),),
                          hint=f"第{p['draft_version']}稿；已完成：{done}" + (f"（审核人：{who}，{stage}须换人）" if who else ""),
                          primary=True))
        out.append(redraft)
    elif p["needs_approval"] and not p["approved"]:
        out.append(Action("approve", "approve", f"{OFFICE}审核", g, by=OFFICE,
                          hint=f"{p['severity']}舆情的发布稿须经{OFFICE}审核后发布：请将操作单位切换为{OFFICE}。",
                          primary=True))
        out.append(redraft)
    else:
        out.append(Action("publish", "publish", "发布权威信息", g, fields=("url",),
                          hint="发布首次权威信息，完成“发布权威信息”时限并开始持续发布。", primary=True))
        out.append(redraft)

    open_kinds = {c["kind"] for c in p["open_clocks"]}
    if "press_conference" in open_kinds or (p["emergency"] and not p["press_held"]):
        out.append(Action("press", "press", "举行新闻发布会", "新闻发布会", hint="登记已举行新闻发布会。"))

    # working-day clocks: one "open" action per kind, one answer action per open clock
    out.append(Action("feedback_open", "feedback_open", "开启反馈时限", "群众点题", by=f"{FIRST}或{OFFICE}",
                      fields=("at", "ref"), hint="登记群众点题：5个工作日内反馈，可经批准延期一次至20个工作日。"))
    for c in p["open_clocks"]:
        if c["kind"] not in ("feedback", "feedback_extended"):
            continue
        n = c["seq"]
        out.append(Action(f"feedback_answer:{n}", "feedback_answer", f"反馈群众点题（第{n}项）", "群众点题",
                          by=f"{FIRST}或{OFFICE}", params=(("seq", n),),
                          hint=f"截止 {_t(c['due_at'])}" + ("（已延期）" if c["kind"] == "feedback_extended" else "")))
        if c["kind"] == "feedback" and (now is None or now <= c["due_at"]):
            out.append(Action(f"feedback_extend:{n}", "feedback_extend", f"申请延期（第{n}项）", "群众点题",
                              fields=("approved_by", "reason"), params=(("seq", n),),
                              hint="经批准延期一次，至自申请起20个工作日；须填写批准人和理由。"))
    out.append(Action("consult_open", "consult_open", "登记征求意见", "征求意见", by=f"{FIRST}或{OFFICE}",
                      fields=("at", "ref"), hint="5个工作日内回复，逾期视为同意。"))
    for c in p["open_clocks"]:
        if c["kind"] == "consultation":
            n = c["seq"]
            out.append(Action(f"consult_reply:{n}", "consult_reply", f"回复征求意见（第{n}项）", "征求意见",
                              by=f"{FIRST}或{OFFICE}", fields=("opinion",), params=(("seq", n),),
                              hint=f"截止 {_t(c['due_at'])}"))
    out.append(Action("repost_open", "repost_open", "登记上级政策转载", "上级政策转载", by=f"{FIRST}或{OFFICE}",
                      fields=("published_at", "ref"), hint="上级重要政策发布后24小时内转载。"))
    for c in p["open_clocks"]:
        if c["kind"] == "repost":
            n = c["seq"]
            out.append(Action(f"repost_done:{n}", "repost_done", f"完成转载（第{n}项）", "上级政策转载",
                              by=f"{FIRST}或{OFFICE}", fields=("url",), params=(("seq", n),),
                              hint=f"截止 {_t(c['due_at'])}"))

    out.append(Action("close", "close", "结案", "案件状态", by=f"{FIRST}或{OFFICE}", fields=("reason",),
                      hint="结案后未到期的时限取消（持续发布停止），已逾期的仍记为逾期。"))
    return out


def _t(dt: datetime) -> str:
    return to_local(dt).strftime("%Y-%m-%d %H:%M")


def _time(value: str | None, label: str) -> datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return parse_time(value, what=label)
    except ValueError:
        raise WorkflowError(f"{label}格式不正确：{value}（应为 2026-11-20 09:30）") from None


def _on_time(flag: bool | None) -> str:
    return {True: "按时", False: "逾期", None: "无时限"}[flag]


def perform(store, config, event_id: str, action: Action | str, *, user: Principal, unit: str | None = None,
            now: datetime, **inputs: Any) -> str:
    """Run one action through the workflow at `now` as the signed-in `user` (acting for `unit`,
    which a unit account cannot choose); a Chinese success message, or WorkflowError."""
    op, kw = (action.op, action.kwargs) if isinstance(action, Action) else (action, {})
    kw.update({k: v for k, v in inputs.items() if v is not None})
    wf = _wf(store, config, now, user)
    try:
        unit = user.acting_unit(unit)
    except PermissionError as exc:
        raise WorkflowError(str(exc)) from None
    who = {"actor": user.username, "unit": unit}

    def s(key: str) -> str:
        return str(kw.get(key) or "").strip()

    if op == "ack":
        n = wf.acknowledge(event_id, role=kw.get("role"), **who)
        return f"签收成功：{unit}（{kw.get('role')}）{n} 条提醒已签收。"
    if op == "draft":
        n = wf.draft_statement(event_id, text=s("text"), **who)
        return f"已提交发布稿（第{n}稿），请依次初审、复审、终审（须由不同人员审核）。"
    if op == "review":
        wf.review(event_id, stage=kw["stage"], note=s("note"), **who)
        return f"已完成{kw['stage']}。"
    if op == "approve":
        wf.approve(event_id, **who)
        return f"{OFFICE}审核通过，可以发布权威信息。"
    if op == "publish":
        r = wf.publish_statement(event_id, url=s("url") or None, **who)
        msg = f"已发布权威信息（{_on_time(r['on_time'])}）"
        return msg + (f"；下次持续发布截止 {_t(r['follow_up_due'])}。" if r["follow_up_due"] else "。")
    if op == "release_confirm":
        r = wf.confirm_release(event_id, item_id=kw["item_id"], **who)
        what = "首次权威信息" if r["as"] == "statement" else "持续发布"
        msg = f"已确认为本案回应，按发布时间 {_t(r['released_at'])} 记为{what}（{_on_time(r['on_time'])}）"
        return msg + (f"；下次持续发布截止 {_t(r['next_due'])}。" if r["next_due"] else "。")
    if op == "release_dismiss":
        wf.dismiss_release(event_id, item_id=kw["item_id"], reason=s("reason"), **who)
        return "已确认该条信息不是本案回应。"
    if op == "follow_up":
        r = wf.publish_follow_up(event_id, url=s("url") or None, **who)
        return "已持续发布" + (f"（{_on_time(r['on_time'])}）；下次截止 {_t(r['next_due'])}。" if r["next_due"] else "。")
    if op == "press":
        return f"已登记新闻发布会（{_on_time(wf.hold_press_conference(event_id, **who))}）。"
    if op in ("feedback_open", "consult_open"):
        fn = wf.open_feedback if op == "feedback_open" else wf.open_consultation
        row = fn(event_id, at=_time(kw.get("at"), "时间"), ref=s("ref"), **who)
        what = "群众点题反馈" if op == "feedback_open" else "征求意见回复"
        return f"已登记{what}时限（第{row.seq}项），截止 {_t(row.due_at)}" + ("（节假日安排为假定，请核对）。" if row.provisional else "。")
    if op == "repost_open":
        at = _time(kw.get("published_at"), "上级政策发布时间")
        if at is None:
            raise WorkflowError("须填写上级政策的发布时间")
        row = wf.open_repost(event_id, published_at=at, ref=s("ref"), **who)
        return f"已登记转载时限（第{row.seq}项），截止 {_t(row.due_at)}。"
    if op == "feedback_extend":
        row = wf.extend_feedback(event_id, approved_by=s("approved_by"), reason=s("reason"), seq=kw.get("seq"), **who)
        return f"已延期（第{row.seq}项），新截止 {_t(row.due_at)}" + ("（节假日安排为假定，请核对）。" if row.provisional else "。")
    if op == "feedback_answer":
        return f"已反馈群众点题（{_on_time(wf.answer_feedback(event_id, seq=kw.get('seq'), **who))}）。"
    if op == "consult_reply":
        ok = wf.reply_consultation(event_id, seq=kw.get("seq"), opinion=s("opinion"), **who)
        return f"已回复征求意见（{_on_time(ok)}）。"
    if op == "repost_done":
        return f"已完成转载（{_on_time(wf.publish_repost(event_id, seq=kw.get('seq'), url=s('url') or None, **who))}）。"
    if op == "close":
        n = wf.close(event_id, reason=s("reason"), **who)
        return f"已结案；取消未到期时限 {n} 个。"
    if op == "reopen":
        row = wf.reopen(event_id, reason=s("reason"), **who)
        return "已重新立案" + (f"；持续发布截止 {_t(row.due_at)}。" if row is not None else "。")
    raise WorkflowError(f"未知操作：{op}")
