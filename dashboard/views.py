"""The dashboard's pages (`dashboard/pages/*.py` run one function each, after `app.main` signed
the user in). Every read goes through `dashboard.data` with the signed-in user, every write
through `dashboard.actions` / the workflow with the same user: the page only lays them out.

Crawled text is data, never markup: it passes `dashboard.safe.md` before `st.markdown`.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import actions as wf_actions
from dashboard import data
from dashboard.data import kind_label
from dashboard.safe import md, md_list
from dashboard.ui import (EMERGENCY_BADGE, LEVEL_MARK, OVERDUE_CSS, age_text, badge, config, countdown_css, fmt,
                          join, level_css, now, parts, store, table, user)
from responders.accounts import AccessDenied
from responders.workflow import OFFICE, WorkflowError
from yuqing import vocab
from yuqing.seams import StoreError
from yuqing.timeutil import SHANGHAI, parse_time, to_local

ALL = "全部"
REFRESH_CHOICES = {"10 秒": 10, "30 秒": 30, "60 秒": 60, "5 秒": 5}
PERIODS = {"周": "week", "月": "month", "季度": "quarter", "年": "year"}


def _guard(fn):
    """A page that cannot read the store, or is refused, says so in Chinese."""
    def run(*a, **kw):
        try:
            return fn(*a, **kw)
        except AccessDenied as exc:
            st.error(f"无权访问：{exc}")
        except StoreError as exc:
            st.error(f"无法读取舆情数据库（{type(exc).__name__}），请稍后重试或检查采集与研判服务。")
    run.__name__ = fn.__name__
    return run


def _streets() -> list[str]:
    try:
        d = config().district
        return [s.name for s in d.streets] + [z.name for z in d.zones]
    except Exception:              # the page still reads without a config
        return []


# ---------------------------------------------------------------------------------------- 态势总览
def _overview_body() -> None:
    from dashboard.ui import resolve_user
    u, t = resolve_user(), now()        # a fragment rerun skips app.main: check the session again
    if u is None:
        st.info("登录已过期，请刷新页面重新登录。")
        return
    o = data.overview(store(), t, viewer=u, streets=_streets())
    s = data.scheduler_status(store(), t)
    latest = s["latest"]
    if latest is None:
        st.markdown(":red[**● 调度器状态：未收到心跳**] — 时限预警与逾期提醒不会发出，请检查调度服务。")
    elif s["healthy"]:
        st.markdown(f":green[**● 调度器状态：运行正常**] — 最近心跳 {fmt(latest['at'], '%H:%M:%S')}"
                    f"（{age_text(latest['age_seconds'])}）")
    else:
        st.markdown(f":red[**● 调度器状态：心跳中断**] — 最近心跳 {fmt(latest['at'], '%m-%d %H:%M:%S')}"
                    f"（{age_text(latest['age_seconds'])}），时限预警与逾期提醒可能未发出，请立即检查调度服务。")
    cols = st.columns(8)
    cols[0].metric("在办舆情", o["open"])
    for col, lv in zip(cols[1:5], data.CASE_LEVELS):
        col.metric(f"{LEVEL_MARK[lv]} {lv}", o["by_level"][lv])
    cols[5].metric("近1小时新增", o["new_last_hour"])
    cols[6].metric("已超时时限", o["clocks_late"])
    cols[7].metric("1小时内到期", o["clocks_due_soon"])
    for w in data.provisional_warnings(store(), viewer=u):
        st.warning(w, icon="⚠️")

    left, right = st.columns([3, 2])
    with left:
        st.markdown("**最近截止的时限**（已超时标红）")
        if o["nearest"]:
            # four columns beside the units table at 1,366 px: the urgent facts first, the title last
            # (it is the one that may be cut)
            df = pd.DataFrame([{"级别": k["severity"], "倒计时": f"{k['label']} {k['countdown']}",
                                "责任单位": k["unit"], "案件": k["case_title"]}
                               for k in o["nearest"]])
            table(df.style.map(level_css, subset=["级别"]).map(countdown_css, subset=["倒计时"]),
                  column_config={"案件": st.column_config.TextColumn(width="medium")})
        else:
            st.caption("没有计时中的时限。")
        st.markdown(f"**信息与立案趋势**（近{o['window_hours']}小时，每小时）")
        tr = pd.DataFrame(o["trend"])
        if not tr.empty:
            tr["时间"] = [to_local(x).replace(tzinfo=None) for x in tr["time"]]
            long = tr.melt(id_vars=["时间"], value_vars=["items", "cases"], var_name="序列", value_name="数量")
            long["序列"] = long["序列"].map({"items": "信息数", "cases": "新立案件"})
            chart = (alt.Chart(long).mark_line(point=True)
                     .encode(x=alt.X("时间:T", axis=alt.Axis(format="%Y-%m-%d %H时", labelAngle=-30, title=None)),
                             y=alt.Y("数量:Q", title=None), color=alt.Color("序列:N", title=None))
                     .properties(height=220))
            st.altair_chart(chart, width="stretch")
    with right:
        st.markdown("**各单位办理情况**（按时率：近30天已到期或完成的时限）")
        if o["units"]:
            table(pd.DataFrame([{"单位": x["unit"], "在办": x["open"], "超时时限": x["overdue"],
                                 "按时率": "—" if x["on_time_rate"] is None else f"{x['on_time_rate']:.0%}"}
                                for x in o["units"]]).style.map(
                lambda v: OVERDUE_CSS if isinstance(v, int) and v > 0 else "", subset=["超时时限"]),
                height=min(38 + 35 * len(o["units"]), 320))
        else:
            st.caption("暂无在办案件。")
        b1, b2 = st.columns(2)
        with b1:
            st.markdown(f"**平台分布**（近{o['window_hours']}小时）")
            if o["platforms"]:
                table(pd.DataFrame([{"平台": k, "信息数": v} for k, v in o["platforms"].items()]))
            else:
                st.caption("暂无信息。")
        with b2:
            st.markdown("**情感分布**")
            if o["sentiment"]:
                table(pd.DataFrame([{"倾向": k, "信息数": v} for k, v in o["sentiment"].items()]))
            else:
                st.caption("暂无信息。")
    if o["streets"]:
        st.markdown("**属地热力**（各街道、功能区在办舆情数与热度）")
        top = max((x["heat"] for x in o["streets"]), default=0) or 1
        tiles = []
        for x in o["streets"]:
            alpha = 0.08 + 0.72 * (x["heat"] / top) if x["cases"] else 0.0
            border = "#b71c1c" if x["top"] in vocab.MAJOR_LEVELS else "#dde3ea"
            tiles.append(f'<div class="yq-tile" style="background:rgba(183,28,28,{alpha:.2f});border-color:{border}">'
                         f'<b>{md(x["street"])}</b><br>{x["cases"]} 件 · 热度 {x["heat"]:,}</div>')
        st.markdown(f'<div class="yq-grid">{"".join(tiles)}</div>', unsafe_allow_html=True)


@_guard
def overview() -> None:
    st.subheader("态势总览")
    refresh = REFRESH_CHOICES[st.sidebar.selectbox("自动刷新间隔", list(REFRESH_CHOICES), key="f_refresh")]
    st.caption(f"北京时间 {fmt(now(), '%Y-%m-%d %H:%M:%S')} · 每 {refresh} 秒自动刷新")
    st.fragment(run_every=timedelta(seconds=refresh))(_guard(_overview_body))()


# ---------------------------------------------------------------------------------------- 案件列表
def cases_frame(rows: list[dict]) -> pd.DataFrame:
    out = []
    for r in rows:
        nearest = r["clocks"][0] if r["clocks"] else None
        out.append({
            # the urgent facts first, so they fit at 1,366 px: level, clock, unit, acknowledged
            "编号": r["number"] or "—",
            "级别": r["severity"],
            "突发": "是" if r["emergency"] else "",
            "时钟倒计时": f"{nearest['label']} {nearest['countdown']}" if nearest else "—",
            "第一责任单位": r["first_responsible"] or "—",
            "签收": "已签收" if r.get("acknowledged") else "未签收",
            "舆情标题": r["title"],
            "其他时限": "；".join(f"{k['label']} {k['countdown']}" for k in r["clocks"][1:]) or "—",
            "配合单位": join(r["co_responsible"]),
            "类别": r["category"] or "—",
            "热度": r["heat"],
            "状态": r["status_label"],
        })
    return pd.DataFrame(out)


def cases_table(rows: list[dict]) -> None:
    if not rows:
        st.info("当前筛选条件下没有案件。")
        return
    df = cases_frame(rows)
    styler = (df.style.map(level_css, subset=["级别"]).map(countdown_css, subset=["时钟倒计时", "其他时限"])
              .map(lambda v: OVERDUE_CSS if v == "是" else "", subset=["突发"]))
    table(styler, height=min(38 + 35 * len(df), 520),
          column_config={"舆情标题": st.column_config.TextColumn(width="medium"),
                         "时钟倒计时": st.column_config.TextColumn(width="medium"),
                         "热度": st.column_config.NumberColumn(format="%d")})


def list_filters() -> dict:
    u = user()
    sb = st.sidebar
    sb.header("筛选条件")
    unit_names = data.units(store(), viewer=u)
    unit = None
    if u.sees_all:
        pick = sb.selectbox("单位", [ALL] + unit_names, key="f_unit")
        unit = None if pick == ALL else pick
    else:
        sb.caption(f"本单位：{u.unit}")
    lead_only = sb.checkbox("只看第一责任单位", key="f_lead", disabled=unit is None and u.sees_all)
    levels = sb.multiselect("级别", list(data.CASE_LEVELS), default=list(data.CASE_LEVELS), key="f_levels")
    street = sb.selectbox("街道/功能区", [ALL] + _streets(), key="f_street")
    cats = data.case_categories(store())
    category = sb.selectbox("类别", [ALL] + cats, key="f_category")
    clock = sb.selectbox("时限状态", [ALL] + list(data.CLOCK_FILTERS.values()), key="f_clock")
    ack = sb.selectbox("签收", [ALL, "已签收", "未签收"], key="f_ack")
    emergency = sb.checkbox("只看突发", key="f_emergency")
    closed = sb.checkbox("包含已结案", key="f_closed")
    rev = {v: k for k, v in data.CLOCK_FILTERS.items()}
    return {"unit": unit if u.sees_all else (u.unit if lead_only else None),
            "lead_only": lead_only, "level": levels or list(data.CASE_LEVELS),
            "street": None if street == ALL else street, "category": None if category == ALL else category,
            "clock_state": rev.get(clock), "acknowledged": {ALL: None, "已签收": True, "未签收": False}[ack],
            "emergency_only": emergency, "include_closed": closed}


@_guard
def case_list() -> None:
    u, t = user(), now()
    st.subheader("案件列表")
    f = list_filters()
    page_no = int(st.session_state.get("list_page", 1) or 1)
    res = data.case_page(store(), t, viewer=u, page=page_no, **f)
    st.markdown(f"**共 {res['total']} 件**（按级别、突发、最近截止时间排序；每页 {data.PAGE_SIZE} 件，"
                f"第 {res['page']}/{res['pages']} 页）")
    if res["pages"] > 1:
        st.number_input("页码", min_value=1, max_value=res["pages"], step=1, key="list_page")
    cases_table(res["rows"])
    if res["rows"]:
        labels = {r["event_id"]: f"【{r['severity']}】{'【突发】' if r['emergency'] else ''}{r['title']}"
                                 f"（{r['first_responsible'] or '待分派'}）" for r in res["rows"]}
        st.divider()
        event_id = st.selectbox("查看本页案件详情", list(labels), format_func=labels.get, key="case_pick")
        case_detail_view(event_id)


@_guard
def case_page() -> None:
    """案件详情 by number or id (?case=…): the data layer decides whether the user may read it."""
    st.subheader("案件详情")
    ref = st.query_params.get("case") or ""
    typed = st.text_input("案件编号", value=ref, key="detail_ref", placeholder="如 20261120-001")
    ref = (typed or ref).strip()
    if not ref:
        st.caption("请输入案件编号，或从“案件列表”选择案件。")
        return
    event_id = data.find_case(store(), ref, viewer=user())
    if event_id is None:
        st.warning("没有该编号的案件。")
        return
    st.query_params["case"] = ref
    case_detail_view(event_id)


DETAIL_KEYS = {"severity": "级别", "rule": "规则", "kind": "时限", "from": "原", "to": "新", "emergency": "突发",
               "alert_id": "提醒编号", "level": "层级", "due_at": "截止", "why": "原因",
               "stage": "环节", "version": "稿件", "role": "角色", "alerts": "提醒数",
               "first": "首次签收", "text": "内容", "note": "意见", "url": "链接", "reason": "理由",
               "approved_by": "批准人", "seq": "序号", "on_time": "按时", "starts_at": "起算", "provisional": "假定日历",
               "hours_since_first_post": "距首发（小时）", "n": "第几次", "ref": "编号",
               "opinion": "意见", "clocks_cancelled": "取消时限", "from_due": "原截止", "to_due": "新截止",
               "new_kind": "新时限", "late_at": "逾期时间", "step": "环节", "unit": "单位"}
TIME_DETAIL_KEYS = {"due_at", "starts_at", "from_due", "to_due", "late_at"}


def details_text(details: dict) -> str:
    """An action's details in Chinese: known keys with their labels, codes as labels, the rest left out."""
    parts_ = []
    for k, v in details.items():
        if v in (None, "", [], {}) or k not in DETAIL_KEYS:
            continue
        if k in ("kind", "new_kind"):
            v = vocab.CLOCK_KINDS.get(v) or kind_label(v)
        elif k == "step":
            v = kind_label(vocab.STEP_KINDS.get(re.sub(r"\d+$", "", str(v)), ""))
        elif k == "rule":
            v = f"{v} {vocab.label(vocab.RULES, v, '')}".strip()
        elif k == "text" and isinstance(v, str) and len(v) > 40:
            v = v[:40] + "…"
        elif k in TIME_DETAIL_KEYS and isinstance(v, str):
            try:
                v = fmt(parse_time(v))
            except ValueError:
                continue
        elif isinstance(v, bool):
            v = "是" if v else "否"
        parts_.append(f"{DETAIL_KEYS[k]}：{v}")
    return "；".join(parts_) or "—"


def case_detail_view(event_id: str) -> None:
    u, t = user(), now()
    d = data.case_detail(store(), event_id, t, viewer=u)
    if d is None:
        st.warning("该案件已不存在。")
        return
    c = d["case"]
    urgent = EMERGENCY_BADGE if c["emergency"] else ""
    number = f"案件编号 {md(c['number'])} · " if c["number"] else ""
    st.markdown(f"{badge(c['severity'])} {urgent} **{md(c['title'])}** · {number}{md(c['status_label'])}",
                unsafe_allow_html=True)
    a, b, e = st.columns(3)
    a.markdown(f"**第一责任单位**：{md(c['first_responsible'] or '—')}  \n**配合单位**：{md_list(c['co_responsible'])}  \n"
               f"**移交/告知**：{md_list(c['refer_to'])}")
    b.markdown(f"**规则**：{md(c['rule'] or '—')} {md(c['rule_label'])}  \n**处置类型**：{md(c['handling_type'] or '—')}  \n"
               f"**类别**：{md(c['category'] or '—')}　**地点**：{md_list(c['places'])}")
    e.markdown(f"**热度**：{c['heat']:,}　**信息数**：{c['item_count']}  \n"
               f"**首发**：{fmt(c['first_published_at'])}　**立案**：{fmt(c['opened_at'])}  \n"
               f"**更新**：{fmt(c['updated_at'])}")
    actions_panel(c)
    t1, t2, t3, t4, t5 = st.tabs(["研判依据", f"信息时间线（{len(d['items'])}）", f"处置时限（{len(d['clocks'])}）",
                                  f"提醒与送达（{len(d['alerts'])}）", f"操作记录（{len(d['actions'])}）"])
    with t1:
        if d["route_path"]:
            st.markdown("**规则路径**：" + " → ".join(md(x) for x in d["route_path"]))
        if d["reasons"]:
            st.markdown("\n".join(f"{i}. {md(r)}" for i, r in enumerate(d["reasons"], 1)))
        else:
            st.caption("无记录。")
    with t2:
        if d["items"]:
            table(pd.DataFrame([{
                "发布时间": fmt(i["published_at"]), "平台": i["platform_label"], "来源": i["source"] or "—",
                "作者": i["author"] or "—", "标题": i["title"] or "—", "内容摘要": i["snippet"],
                "负面": "是" if i["negative"] else "否", "互动量": i["interactions"],
                "研判依据": "；".join(i["reasons"]) or "—", "原文": i["url"]} for i in d["items"]]),
                column_config={"原文": st.column_config.LinkColumn(display_text="打开原文"),
                               "内容摘要": st.column_config.TextColumn(width="large")})
        else:
            st.caption("无相关信息。")
    with t3:
        if d["clocks"]:
            table(pd.DataFrame([{
                "时限": k["label"], "起算": fmt(k["starts_at"]), "截止": fmt(k["due_at"]),
                "倒计时/结果": k["countdown"], "状态": k["status_label"], "完成时间": fmt(k["met_at"]),
                "日历": "假定（待核）" if k["provisional"] else "正式", "说明": k["reason"] or "—"}
                for k in d["clocks"]]).style.map(countdown_css, subset=["倒计时/结果", "状态"]))
        else:
            st.caption("本案无处置时限（不构成舆情案件）。")
    with t4:
        if d["alerts"]:
            table(pd.DataFrame([{
                "发出时间": fmt(x["created_at"]), "类型": x["kind_label"], "接收单位": x["unit"], "角色": x["role"],
                "标题": x["subject"],
                "送达": "；".join(f"{dl['channel_label']}{dl['status_label']}" for dl in x["deliveries"]) or "—",
                "签收": f"已签收（{x['acknowledged_by']}，{fmt(x['acknowledged_at'])}）" if x["acknowledged"] else "未签收"}
                for x in d["alerts"]]))
        else:
            st.caption("尚未发出提醒。")
    with t5:
        if d["actions"]:
            table(pd.DataFrame([{
                "时间": fmt(x["at"], "%m-%d %H:%M:%S"), "操作人": x["actor_label"], "操作": x["action_label"],
                "单位": x["unit"] or "—", "详情": details_text(x["details"])} for x in d["actions"]]))
        else:
            st.caption("无操作记录。")


# ---------------------------------------------------------------------------------------- 处置操作
def _caller():
    """The user behind a button press, checked again: callbacks run before the page, so the
    session token is resolved anew (an expired session cannot act)."""
    from dashboard.ui import resolve_user
    u = resolve_user()
    if u is None:
        raise WorkflowError("登录已过期，请重新登录后再操作")
    return u


def _wf_key(event_id: str, *p: str) -> str:
    return "::".join(("wf", event_id, *p))


def _do_action(event_id: str, action, unit: str) -> None:
    """Button callback: run the action as the signed-in user; the message shows on this rerun."""
    inputs = {f: st.session_state.get(_wf_key(event_id, action.key, f)) for f in action.fields}
    try:
        st.session_state["wf_note"] = wf_actions.perform(store(), config(), event_id, action, user=_caller(),
                                                         unit=unit, now=now(), **inputs)
    except WorkflowError as exc:
        st.session_state["wf_error"] = f"“{action.label}”未执行：{exc}"
    except StoreError as exc:
        st.session_state["wf_error"] = f"“{action.label}”未执行：数据库写入失败（{type(exc).__name__}），请稍后重试。"


def _action_box(event_id: str, unit: str, a) -> None:
    with st.container(border=True):
        left, right = st.columns([4, 1])
        left.markdown(f"**{a.label}**　<span style='color:#666'>{a.group} · 由{a.by}操作</span>",
                      unsafe_allow_html=True)
        if a.hint:
            left.caption(a.hint)
        for f in a.fields:
            label, key = wf_actions.FIELD_LABELS.get(f, f), _wf_key(event_id, a.key, f)
            if f == "text":
                left.text_area(label, key=key, height=90)
            else:
                left.text_input(label, key=key)
        right.button(a.label, key=_wf_key(event_id, "btn", a.key), type="primary" if a.primary else "secondary",
                     width="stretch", on_click=_do_action, args=(event_id, a, unit))


def actions_panel(c: dict) -> None:
    """处置操作 as the signed-in user: a unit account acts as its unit, the office may act for any."""
    u = user()
    event_id = c["event_id"]
    st.markdown("#### 处置操作")
    if c["status"] == "not_a_case":
        st.caption("非舆情案件，无需处置。")
        return
    if not u.can_act:
        st.info(f"{u.role_label}账号为只读：可查看案件与时效，不能执行处置操作。")
        return
    try:
        cfg = config()
    except Exception as exc:        # ConfigError and file errors: the page still reads
        st.error(f"配置加载失败，处置操作暂不可用：{exc}")
        return
    owner = c["first_responsible"] or OFFICE
    if u.role == "office":
        options = list(dict.fromkeys([owner, OFFICE, *c["co_responsible"], *c["refer_to"]]))
        unit = st.selectbox("代为操作的单位", options, key=_wf_key(event_id, "unit"),
                            help="默认为案件的第一责任单位；区政府办公室审核时请切换为区政府办公室。")
    else:
        unit = u.unit
    st.caption(f"操作人：{u.who()}（以登录账号记录；三审三校的初审、复审、终审须由起草人以外的三位不同人员登录操作）")
    if msg := st.session_state.pop("wf_note", None):
        st.success(msg)
    if msg := st.session_state.pop("wf_error", None):
        st.error(msg)
    try:
        acts = wf_actions.available_actions(store(), event_id, unit, user=u, now=now(), config=cfg)
    except (WorkflowError, AccessDenied) as exc:
        st.warning(str(exc))
        return
    if unit != owner and unit != OFFICE:
        st.caption(f"{unit} 不是本案第一责任单位（{owner}）：除签收外的操作将被拒绝。")
    side = [a for a in acts if a.group in wf_actions.CLOCK_GROUPS]
    main = [a for a in acts if a not in side and (a.primary or a.op == "press")]
    more = [a for a in acts if a not in side and a not in main]
    if not main:
        st.caption("当前没有待办的主要操作。")
    for a in main:
        _action_box(event_id, unit, a)
    if more:
        with st.expander("其他操作：" + "、".join(a.label for a in more)):
            for a in more:
                _action_box(event_id, unit, a)
    if side:
        busy = any(":" in a.key for a in side)      # an open feedback/consultation/repost clock
        with st.expander("群众点题、征求意见与上级政策转载", expanded=busy):
            for a in side:
                _action_box(event_id, unit, a)


# ---------------------------------------------------------------------------------------- 单位待办
def level_text(level: str) -> str:
    """An alert's level as people say it: 第2级 for an escalation-chain level, else the case level."""
    return f"第{level}级" if str(level).isdigit() else (level if level in vocab.LEVELS else "—")


def _ack(alert_id: int) -> None:
    try:
        cfg = config()
    except Exception:               # 签收 needs no clock policy: go on without the config
        cfg = None
    try:
        done = data.acknowledge(store(), alert_id, _caller(), now(), config=cfg)
        st.session_state["ack_note"] = "签收成功。" if done else "该提醒此前已被签收。"
    except KeyError:
        st.session_state["ack_error"] = "提醒不存在，或不是发给本单位的提醒。"
    except WorkflowError as exc:
        st.session_state["ack_error"] = f"签收未完成：{exc}"


@_guard
def unit_todo() -> None:
    u, t = user(), now()
    st.subheader("单位待办")
    if u.role == "unit":
        unit = u.unit
    else:
        names = data.units(store(), viewer=u)
        counts = data.inbox_counts(store(), viewer=u)
        if not names:
            st.info("暂无单位。")
            return
        ordered = sorted(names, key=lambda x: (-(counts.get(x, (0, 0))[1]), x))
        unit = st.selectbox("单位", ordered, key="inbox_unit",
                            format_func=lambda x: f"{x}（未签收 {counts.get(x, (0, 0))[1]} 条）")
    rows = data.todo(store(), t, viewer=u, unit=unit)
    st.markdown(f"**{md(unit)} 待办案件**：{len(rows)} 件（超时在前，其次按最近截止时间）")
    if rows:
        df = pd.DataFrame([{"级别": r["severity"], "舆情标题": r["title"], "本单位": r["my_role"],
                            "最近时限": r["next_countdown"] or "—",
                            "截止": fmt(r["next_due_at"]), "未签收提醒": r["pending_alerts"]} for r in rows])
        table(df.style.map(level_css, subset=["级别"]).map(countdown_css, subset=["最近时限"]),
              column_config={"舆情标题": st.column_config.TextColumn(width="large")})
    st.divider()
    only_open = st.checkbox("只看未签收", key="inbox_open_only")
    if msg := st.session_state.pop("ack_note", None):
        st.success(msg)
    if msg := st.session_state.pop("ack_error", None):
        st.error(msg)
    alerts = data.inbox(store(), unit, t, viewer=u, unacknowledged_only=only_open)
    pending = sum(1 for a in alerts if not a["acknowledged"])
    st.markdown(f"**{md(unit)} 收件箱**：共 {len(alerts)} 条，:red[未签收 {pending} 条]")
    for a in alerts:
        with st.container(border=True):
            left, right = st.columns([5, 1])
            sev = a["case_severity"]
            left.markdown(f"{badge(sev)} **{md(a['subject'])}**　"
                          f"<span style='color:#666'>{md(a['kind_label'])} · {md(level_text(a['level']))} · "
                          f"{md(a['role'])} · {fmt(a['created_at'])}（{age_text(max(a['age_seconds'], 0))}）</span>",
                          unsafe_allow_html=True)
            left.markdown(f"案件：{md(a['case_title'] or '—')}  \n{md(a['body'])}")
            dl = "；".join(f"{d['channel_label']}{d['status_label']}" for d in a["deliveries"])
            if dl:
                left.caption(f"送达情况：{dl}")
            if a["acknowledged"]:
                right.markdown(f":green[**已签收**]  \n{md(a['acknowledged_by_label'])}  \n{fmt(a['acknowledged_at'])}")
            elif u.can_act:
                right.button("签收", key=f"ack-{a['id']}", type="primary", width="stretch",
                             on_click=_ack, args=(a["id"],))


# ---------------------------------------------------------------------------------------- 时效统计
@_guard
def stats() -> None:
    """周督促、月统计、季通报、年考核: the same query as `yuqing report`, with its XLSX."""
    from responders.report import table as report_table
    from responders.stats import period_bounds, totals
    u, t = user(), now()
    st.subheader("时效统计")
    c1, c2, c3 = st.columns([2, 1, 1])
    period_label = c1.radio("统计周期", list(PERIODS), horizontal=True, key="stats_period")
    period = PERIODS[period_label]
    # the picker's default is today in Asia/Shanghai (the server's clock may be UTC)
    at = c2.date_input("统计日期", value=to_local(t).date(), key="stats_at")
    rows = data.timeliness(store(), period, at, t, viewer=u)
    start, end, label = period_bounds(period, at)
    st.markdown(f"**{label}**　{fmt(start, '%Y-%m-%d')} 至 {fmt(end, '%Y-%m-%d')}（不含）")
    district = ""
    try:
        district = config().district.district
    except Exception:
        pass
    c3.download_button("下载 XLSX", data=data.timeliness_xlsx(store(), period, at, t, viewer=u, district=district),
                       file_name=f"时效统计-{period_label}-{to_local(start):%Y%m%d}.xlsx", key="stats_xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    if not rows:
        st.caption("该期间暂无数据。")
        return
    head, lines = report_table(rows, totals(rows))
    keep = [i for i, h in enumerate(head) if i < 3 or not h.endswith(("·按时", "·逾期"))
            or any(line[i] for line in lines)]
    st.dataframe(pd.DataFrame([[line[i] for i in keep] for line in lines], columns=[head[i] for i in keep]),
                 hide_index=True, width="stretch")
    rates = data.on_time_rates(rows)
    if rates:
        st.markdown("**按时率（按时限类别）**")
        table(pd.DataFrame([{"单位": r["unit"], "时限": r["kind_label"], "按时": r["on_time"], "逾期": r["late"],
                             "按时率": f"{r['rate']:.0%}"} for r in rates]))
    st.caption("按时/逾期按时限完成或到期所在期间统计；首发用时自事件最早发布时间起算（中位数、90%分位，单位小时）。")


# ---------------------------------------------------------------------------------------- 舆情检索
def _search_index():
    try:
        return parts().search
    except Exception:
        return None


def highlighted(pieces) -> str:
    """A snippet with its matches marked: each piece escaped, only our <mark> is markup."""
    return "".join(f"<mark>{md(p)}</mark>" if hit else md(p) for p, hit in pieces)


@_guard
def search_page() -> None:
    u = user()
    st.subheader("舆情检索")
    index = _search_index()
    if index is None:
        st.warning("全文检索未启用（设置 SEARCH=fts5 或 elastic）。")
        return
    c1, c2, c3 = st.columns([3, 2, 2])
    text = c1.text_input("关键词", key="q_text", placeholder="如 燃气 爆炸")
    today = to_local(now()).date()
    span = c2.date_input("时间范围", value=(today - timedelta(days=30), today), key="q_range")
    plat_labels = {v: k for k, v in vocab.PLATFORMS.items()}
    plats = c3.multiselect("平台", list(plat_labels), key="q_platforms")
    d1, d2, d3 = st.columns([2, 2, 2])
    levels = d1.multiselect("级别", list(vocab.LEVELS[1:]), key="q_levels")
    neg = d2.selectbox("倾向", [ALL, "负面", "非负面"], key="q_negative")
    unit = None
    if u.sees_all:
        pick = d3.selectbox("责任单位", [ALL] + data.units(store(), viewer=u), key="q_unit")
        unit = None if pick == ALL else pick
    since = until = None
    if isinstance(span, (tuple, list)) and span:
        since = datetime.combine(span[0], time(), SHANGHAI)
        if len(span) > 1:
            until = datetime.combine(span[1] + timedelta(days=1), time(), SHANGHAI)
    res = data.search(index, u, text=text or "", since=since, until=until,
                      platforms=[plat_labels[p] for p in plats], levels=levels, unit=unit,
                      negative={ALL: None, "负面": True, "非负面": False}[neg], store=store())
    st.markdown(f"**共 {res['total']} 条**" + ("（显示前 50 条）" if res["total"] > 50 else ""))
    for h in res["hits"]:
        with st.container(border=True):
            st.markdown(f"{badge(h['level']) if h['level'] and h['level'] != '无' else ''} **{md(h['title'] or '（无标题）')}**　"
                        f"<span style='color:#666'>{md(h['platform_label'])} · {md(h['source'] or '—')} · "
                        f"{fmt(h['published_at'], '%Y-%m-%d %H:%M')} · {md(h['unit'] or '—')}</span>",
                        unsafe_allow_html=True)
            st.markdown(highlighted(h["pieces"]), unsafe_allow_html=True)


# ---------------------------------------------------------------------------------------- 系统状态
@_guard
def system() -> None:
    u, t = user(), now()
    st.subheader("系统状态")
    s = data.system_status(store(), t, viewer=u)
    st.markdown("**进程心跳**（90 秒内为正常）")
    if s["heartbeats"]:
        table(pd.DataFrame([{"进程": b["name_label"], "最近心跳": fmt(b["at"], "%Y-%m-%d %H:%M:%S"),
                             "距今": age_text(max(b["age_seconds"], 0)), "状态": "正常" if b["healthy"] else "中断"}
                            for b in s["heartbeats"]]).style.map(lambda v: OVERDUE_CSS if v == "中断" else "",
                                                                 subset=["状态"]))
    else:
        st.error("未收到任何进程心跳：调度器与通知服务可能未运行。")
    st.markdown(f"**发送失败的提醒**（近7天，{len(s['failed_deliveries'])} 条）")
    if s["failed_deliveries"]:
        table(pd.DataFrame([{"渠道": d["channel_label"], "接收单位": d["unit"], "标题": d["subject"],
                             "尝试次数": d["attempts"], "错误": d["error"], "状态": d["status_label"]}
                            for d in s["failed_deliveries"]]))
    else:
        st.caption("无。")
    st.markdown(f"**死信**（处理失败的信息，待处理 {s['dead_total']} 条；用 yuqing dead-letter retry 重新处理）")
    if s["dead_letters"]:
        table(pd.DataFrame([{"编号": d["id"], "信息": d["item"], "失败时间": fmt(d["failed_at"]),
                             "尝试次数": d["attempts"], "错误": d["error"][:200]} for d in s["dead_letters"]]))
    else:
        st.caption("无。")
    st.markdown("**采集源**")
    if s["sources"]:
        table(pd.DataFrame([{"采集源": x["source"], "状态": x["status_label"], "最近运行": fmt(x["last_run_at"]),
                             "最近成功": fmt(x["last_success_at"]),
                             "连续失败": x["failures"], "页面": x["pages"], "信息": x["items"], "错误": x["errors"],
                             "最近错误": x["last_error"][:120] or "—"} for x in s["sources"]]))
    else:
        st.caption("暂无采集记录。")
