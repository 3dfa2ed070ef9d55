"""CLI: `yuqing case …` (a unit's actions) and `yuqing report` (timeliness statistics).

Handlers follow yuqing.app.cli's convention: func(args, out, err) -> exit code. They open an
existing store only: a command pointed at a store that does not exist says so.
"""
from __future__ import annotations

import argparse
from datetime import date, datetime
from typing import IO

from yuqing.timeutil import ManualClock, SystemClock, iso_local, parse_time, to_local

CASE_ACTIONS = {
    "ack": "签收提醒（只停止本层级的重复提醒）",
    "draft": "提交权威信息发布稿",
    "review": "三审三校：初审 / 复审 / 终审",
    "approve": "区政府办公室审核（重大、特别重大）",
    "publish": "发布首次权威信息（完成“发布权威信息”时限，开始持续发布）",
    "follow-up": "持续发布",
    "press": "举行新闻发布会",
    "feedback": "登记群众点题（5个工作日内反馈）",
    "answer": "反馈群众点题",
    "extend": "群众点题反馈延期（经批准，仅一次，至20个工作日）",
    "consult": "登记征求意见（5个工作日内回复，逾期视为同意）",
    "reply": "回复征求意见",
    "repost": "登记上级重要政策转载（24小时内）",
    "reposted": "完成转载",
    "close": "结案",
    "reopen": "重新打开",
    "show": "查看案件的时限、提醒与操作记录",
}


def _open(args, err: IO):
    """(config, store, clock) for a command on an existing store, or None after saying why."""
    from yuqing.app.build import fail_config, parts
    from yuqing.config import ConfigError
    from yuqing.store import StoreMissing
    try:
        p = parts(getattr(args, "config", None), now=getattr(args, "now", None), create_store=False,
                  store_url=getattr(args, "store", None), err=err)
        return p.config, p.store, p.clock
    except ConfigError as exc:
        fail_config(exc, err)
        return None
    except StoreMissing as exc:
        print(f"错误：{exc}", file=err)
        return None


def _t(dt: datetime | None) -> str:
    return "—" if dt is None else to_local(dt).strftime("%Y-%m-%d %H:%M")


def cmd_case(args, out: IO, err: IO) -> int:
    from responders.workflow import Workflow, WorkflowError
    opened = _open(args, err)
    if opened is None:
        return 2
    cfg, store, clock = opened
    try:
        with store.reader() as r:
            case = r.cases.find(args.case)
        if case is None:
            print(f"错误：未知案件 {args.case}", file=err)
            return 1
        case_id = case.event_id
        if args.case_cmd == "show":
            return _show(store, case, out)
        wf = Workflow(store, cfg, clock)
        unit = args.unit or case.first_responsible or "区政府办公室"
        a, kw = args.case_cmd, {"actor": args.actor, "unit": unit}
        if a == "ack":
            n = wf.acknowledge(case_id, role=args.role, level=args.level, **kw)
            print(f"已签收：{unit}{'（' + (args.role or '') + '）' if args.role else ''} 的 {n} 条提醒", file=out)
        elif a == "draft":
            n = wf.draft_statement(case_id, text=args.text or "", **kw)
            print(f"已提交发布稿（第{n}稿），请依次初审、复审、终审", file=out)
        elif a == "review":
            wf.review(case_id, stage=args.stage, note=args.note or "", **kw)
            print(f"已完成{args.stage}", file=out)
        elif a == "approve":
            wf.approve(case_id, **kw)
            print("区政府办公室审核通过", file=out)
        elif a == "publish":
            r = wf.publish_statement(case_id, url=args.url, **kw)
            state = {True: "按时", False: "逾期", None: "（无时限）"}[r["on_time"]]
            print(f"已发布首次权威信息：{state}" + (f"；持续发布截止 {_t(r['follow_up_due'])}" if r["follow_up_due"] else ""),
                  file=out)
        elif a == "follow-up":
            r = wf.publish_follow_up(case_id, url=args.url, **kw)
            print("已持续发布" + (f"（{'按时' if r['on_time'] else '逾期'}）；下次截止 {_t(r['next_due'])}"
                                 if r["next_due"] else ""), file=out)
        elif a == "press":
            ok = wf.hold_press_conference(case_id, **kw)
            print("已登记新闻发布会：" + {True: "按时", False: "逾期", None: "（无时限）"}[ok], file=out)
        elif a in ("feedback", "consult"):
            at = parse_time(args.at) if args.at else None
            fn = wf.open_feedback if a == "feedback" else wf.open_consultation
            row = fn(case_id, at=at, ref=args.ref or "", **kw)
            print(f"已登记（第{row.seq}项）：截止 {_t(row.due_at)}{'（暂定）' if row.provisional else ''}", file=out)
        elif a == "repost":
            if not args.at:
                print("错误：须用 --at 给出上级政策的发布时间", file=err)
                return 2
            row = wf.open_repost(case_id, published_at=parse_time(args.at), ref=args.ref or "", **kw)
            print(f"已登记转载（第{row.seq}项）：截止 {_t(row.due_at)}", file=out)
        elif a in ("answer", "reply", "reposted"):
            fn = {"answer": wf.answer_feedback, "reply": wf.reply_consultation, "reposted": wf.publish_repost}[a]
            ok = fn(case_id, seq=args.seq, **kw)
            print("已完成：" + ("按时" if ok else "逾期"), file=out)
        elif a == "extend":
            if not args.approved_by or not args.reason:
                print("错误：延期须填写 --approved-by（批准人）和 --reason（理由）", file=err)
                return 2
            row = wf.extend_feedback(case_id, approved_by=args.approved_by, reason=args.reason, seq=args.seq, **kw)
            print(f"已延期（第{row.seq}项）：新截止 {_t(row.due_at)}{'（暂定）' if row.provisional else ''}", file=out)
        elif a == "close":
            n = wf.close(case_id, reason=args.reason or "", **kw)
            print(f"已结案；取消未到期时限 {n} 个", file=out)
        elif a == "reopen":
            row = wf.reopen(case_id, reason=args.reason or "", **kw)
            print("已重新打开" + (f"；持续发布截止 {_t(row.due_at)}" if row else ""), file=out)
        return 0
    except WorkflowError as exc:
        print(f"错误：{exc}", file=err)
        return 1
    finally:
        store.close()


def cmd_case_list(args, out: IO, err: IO) -> int:
    """The open cases, most urgent first: for an operator (a table) and a script (--json)."""
    import json
    from yuqing import vocab
    from yuqing.model import LEVELS
    opened = _open(args, err)
    if opened is None:
        return 2
    _, store, clock = opened
    try:
        with store.reader() as r:
            cases = r.cases.list(statuses=None if args.all else ("open",), units=[args.unit] if args.unit else None,
                                 lead_only=bool(args.unit), emergency_only=args.emergency)
            clocks = r.clocks.of_cases([c.event_id for c in cases])
        now = clock.now()
        rows = []
        for c in cases:
            ks = [k for k in clocks.get(c.event_id, []) if k.status in vocab.OPEN_CLOCK_STATES and k.met_at is None]
            rows.append({"id": c.event_id, "number": c.number, "title": c.title, "unit": c.first_responsible,
                         "level": c.severity, "emergency": bool(c.emergency), "status": c.status,
                         "clocks": [{"kind": k.kind, "due_at": to_local(k.due_at).isoformat(), "status": k.status,
                                     "overdue": k.due_at <= now} for k in sorted(ks, key=lambda k: k.due_at)]})
        rank = {lv: i for i, lv in enumerate(reversed(LEVELS))}
        rows.sort(key=lambda x: (not x["emergency"], rank.get(x["level"], 99),
                                 min((k["due_at"] for k in x["clocks"]), default="9999")))
        if args.json:
            json.dump(rows, out, ensure_ascii=False, indent=1)
            print(file=out)
            return 0
        if not rows:
            print("没有在办案件", file=out)
            return 0
        for x in rows:
            due = "；".join(f"{vocab.clock_label(k['kind'])} {'已超时 ' if k['overdue'] else ''}截止 {k['due_at'][5:16]}"
                           for k in x["clocks"]) or "无时限"
            print(f"{x['number'] or x['id']}\t{x['level']}{'·重大突发' if x['emergency'] else ''}\t"
                  f"{x['unit'] or '—'}\t{(x['title'] or '')[:24]}\t{due}", file=out)
        print(f"共 {len(rows)} 件", file=out)
        return 0
    finally:
        store.close()


def _show(store, case, out: IO) -> int:
    from yuqing import vocab
    w = lambda s="": print(s, file=out)
    with store.reader() as r:
        clocks, alerts, actions = r.clocks.of_case(case.event_id), r.alerts.of_case(case.event_id), \
            r.actions.all(case.event_id)
    alerts = sorted(alerts, key=lambda a: a.id)
    w(f"案件 {case.number or '（未立案）'}：{case.title}")
    w(f"  级别 {case.severity}{'（重大突发事件）' if case.emergency else ''}  状态 {vocab.label(vocab.CASE_STATES, case.status)}  "
      f"第一责任单位 {case.first_responsible or '—'}  首发 {_t(case.first_published_at)}")
    w("时限：")
    for c in clocks:
        w(f"  {vocab.clock_label(c.kind, c.seq)}  截止 {_t(c.due_at)}  {vocab.label(vocab.CLOCK_STATES, c.status)}"
          f"{'  完成 ' + _t(c.met_at) if c.met_at else ''}{'  （暂定）' if c.provisional else ''}")
    w(f"提醒（{len(alerts)}）：")
    for a in alerts:
        w(f"  {_t(a.created_at)}  {a.unit}/{a.role}  {a.subject}  {'已签收 ' + (a.acknowledged_by or '') if a.acknowledged_at else '未签收'}")
    w("操作记录：")
    for a in actions:
        w(f"  {_t(a.at)}  {vocab.label(vocab.ACTORS, a.actor, a.actor)}  {vocab.label(vocab.ACTIONS, a.action)}"
          f"  {a.unit or ''}")
    return 0


def cmd_report(args, out: IO, err: IO) -> int:
    from responders.report import write_report
    opened = _open(args, err)
    if opened is None:
        return 2
    cfg, store, clock = opened
    try:
        at = date.fromisoformat(args.at) if args.at else to_local(clock.now()).date()
        xlsx, md = write_report(store, args.period, at, args.out, district=cfg.district.district)
        print(f"已生成：{xlsx}\n已生成：{md}", file=out)
        return 0
    except ValueError as exc:
        print(f"错误：{exc}", file=err)
        return 2
    finally:
        store.close()


def register(sub) -> None:
    """Add `case` and `report` to the `yuqing` subparsers."""
    c = sub.add_parser("case", help="处置操作：签收、三审三校、发布、发布会、时限、结案 / a unit's actions on a case")
    csub = c.add_subparsers(dest="case_cmd", required=True)
    ls = csub.add_parser("list", help="在办案件（最紧急在前） / the open cases, most urgent first")
    ls.add_argument("--json", action="store_true", help="JSON output for scripts")
    ls.add_argument("--unit", help="只列该单位为第一责任单位的案件")
    ls.add_argument("--emergency", action="store_true", help="只列重大突发事件")
    ls.add_argument("--all", action="store_true", help="包括已结案与非案件")
    ls.add_argument("--store", help="store URL (default: setting STORE_URL)")
    ls.add_argument("--now", help=argparse.SUPPRESS)
    ls.set_defaults(func=cmd_case_list)
    for name, help_ in CASE_ACTIONS.items():
        p = csub.add_parser(name, help=help_)
        p.add_argument("--case", required=True, help="case (event) id")
        p.add_argument("--store", help="store URL (default: setting STORE_URL)")
        p.add_argument("--now", help=argparse.SUPPRESS)
        if name == "show":
            p.set_defaults(func=cmd_case)
            continue
        p.add_argument("--actor", required=True, help="操作人姓名")
        p.add_argument("--unit", help="操作单位（默认：案件的第一责任单位）")
        if name == "ack":
            p.add_argument("--role", help="签收角色（默认：信息发布联络员）")
            p.add_argument("--level", type=int, help="或：升级链层级（1 联络员、2 分管领导、3 主要负责人…）")
        if name == "draft":
            p.add_argument("--text", help="稿件内容")
        if name == "review":
            p.add_argument("--stage", required=True, choices=["初审", "复审", "终审"])
            p.add_argument("--note")
        if name in ("publish", "follow-up", "reposted"):
            p.add_argument("--url")
        if name in ("feedback", "consult", "repost"):
            p.add_argument("--at", help="申请/来函/上级政策发布时间 ISO 8601（默认：现在）")
            p.add_argument("--ref", help="编号或标题")
        if name in ("answer", "reply", "reposted", "extend"):
            p.add_argument("--seq", type=int, help="第几项（默认：最近一项）")
        if name == "extend":
            p.add_argument("--approved-by", dest="approved_by", help="批准人")
        if name in ("extend", "close", "reopen"):
            p.add_argument("--reason", help="理由")
        p.set_defaults(func=cmd_case)

    r = sub.add_parser("report", help="时效统计报表（XLSX 与 Markdown）")
    r.add_argument("--period", required=True, choices=["week", "month", "quarter", "year"])
    r.add_argument("--at", help="统计期内的任一日期 YYYY-MM-DD（默认：今天）")
    r.add_argument("--out", default="reports", help="输出目录（默认 reports/）")
    r.add_argument("--store", help="store URL (default: setting STORE_URL)")
    r.add_argument("--now", help=argparse.SUPPRESS)
    r.set_defaults(func=cmd_report)
