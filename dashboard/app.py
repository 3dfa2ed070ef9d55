"""政务舆情监测与回应 — the live dashboard (Streamlit).

    streamlit run dashboard/app.py -- --store sqlite:///var/yuqing.db
    YUQING_STORE_URL=... streamlit run dashboard/app.py
    YUQING_NOW=2026-11-20T12:00+08:00 ...      # a frozen clock for demos and tests

The page reads the store; it writes only through `responders.workflow` (签收 in the inbox via
`dashboard.data.acknowledge`, and the 处置操作 panel of a case via `dashboard.actions.perform`).
It never runs the scheduler. Every time shown is Asia/Shanghai; YUQING_NOW freezes "now" for
reading and for the time stamped on actions.
"""
from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard.safe import md, md_list

from dashboard import actions as wf_actions  # noqa: E402
from dashboard import data  # noqa: E402
from dashboard.data import kind_label  # noqa: E402
from responders.workflow import OFFICE, WorkflowError  # noqa: E402
from yuqing.seams import Store, StoreError  # noqa: E402
from yuqing.timeutil import SHANGHAI, SystemClock, parse_time, to_local  # noqa: E402

TITLE = "政务舆情监测与回应"
ALL_UNITS = "全部单位"
LEVEL_STYLE = {   # background, text
    "特别重大": ("#b71c1c", "#ffffff"),
    "重大": ("#e65100", "#ffffff"),
    "较大": ("#f9a825", "#212121"),
    "一般": ("#1565c0", "#ffffff"),
}
EMERGENCY_BADGE = '<span class="yq-badge" style="background:#4a148c;color:#ffffff">突发</span>'
LEVEL_MARK = {"特别重大": ":red[■]", "重大": ":orange[■]", "较大": ":yellow[■]", "一般": ":blue[■]"}   # no emoji: a
# government desktop may have no emoji font
REFRESH_CHOICES = {"5 秒": 5, "10 秒": 10, "30 秒": 30, "60 秒": 60}

CSS = """
<style>
  #MainMenu, [data-testid="stToolbar"], [data-testid="stStatusWidget"], footer {visibility: hidden;}
  .block-container {padding-top: 3rem; padding-bottom: 1rem; max-width: 100%;}
  [data-testid="stMetric"] {background: #f5f7fa; border: 1px solid #dde3ea; border-radius: 6px;
                            padding: 6px 12px;}
  [data-testid="stMetricValue"] {font-size: 1.6rem;}
  .yq-head {display: flex; align-items: baseline; gap: 1rem; border-bottom: 3px solid #b71c1c;
            padding-bottom: .3rem; margin-bottom: .4rem;}
  .yq-title {font-size: 1.8rem; font-weight: 800; color: #8b0000; letter-spacing: .12em;}
  .yq-head span {color: #555; font-size: .95rem;}
  .yq-badge {display: inline-block; padding: 1px 8px; border-radius: 4px; font-weight: 600;}
</style>
"""


# ---------------------------------------------------------------------------------------- set-up
_PARTS: dict = {}


def get_store():
    return _PARTS["parts"].store


def get_config():
    """The validated config (for the workflow's clock policy and calendar)."""
    return _PARTS["parts"].config


def now() -> datetime:
    return _PARTS["parts"].clock.now()


def fmt(dt: datetime | None, pattern: str = "%m-%d %H:%M") -> str:
    return "—" if dt is None else to_local(dt).strftime(pattern)


def badge(level: str) -> str:
    bg, fg = LEVEL_STYLE.get(level, ("#9e9e9e", "#ffffff"))
    return f'<span class="yq-badge" style="background:{bg};color:{fg}">{level}</span>'


def join(xs) -> str:
    return "、".join(x for x in xs if x) or "—"


def age_text(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds}秒前"
    if seconds < 3600:
        return f"{seconds // 60}分钟前"
    if seconds < 86400:
        return f"{seconds // 3600}小时{seconds % 3600 // 60}分钟前"
    return f"{seconds // 86400}天前"


# ---------------------------------------------------------------------------------------- live panel
def scheduler_line(store: Store, t: datetime) -> None:
    s = data.scheduler_status(store, t)
    latest = s["latest"]
    if latest is None:
        st.markdown(":red[**● 调度器状态：未收到心跳**] — 时限预警与逾期提醒不会发出，请检查调度服务。")
    elif s["healthy"]:
        st.markdown(f":green[**● 调度器状态：运行正常**] — 最近心跳 {fmt(latest['at'], '%H:%M:%S')}"
                    f"（{age_text(latest['age_seconds'])}）")
    else:
        st.markdown(f":red[**● 调度器状态：心跳中断**] — 最近心跳 {fmt(latest['at'], '%m-%d %H:%M:%S')}"
                    f"（{age_text(latest['age_seconds'])}），时限预警与逾期提醒可能未发出，请立即检查调度服务。")


def metrics_row(store: Store, t: datetime) -> None:
    s = data.summary(store, t)
    cols = st.columns(8)
    cols[0].metric("在办舆情", s["open"])
    for col, lv in zip(cols[1:5], data.CASE_LEVELS):
        col.metric(f"{LEVEL_MARK[lv]} {lv}", s["by_level"][lv])
    cols[5].metric("重大突发事件", s["emergencies"])
    cols[6].metric("已超时时限", s["clocks_late"])
    cols[7].metric("1小时内到期", s["clocks_due_soon"])


def cases_frame(rows: list[dict]) -> pd.DataFrame:
    out = []
    for r in rows:
        nearest = r["clocks"][0] if r["clocks"] else None
        out.append({
            "级别": r["severity"],
            "突发": "是" if r["emergency"] else "",
            "舆情标题": r["title"],
            "时钟倒计时": f"{nearest['label']} {nearest['countdown']}" if nearest else "—",
            "截止时间": fmt(nearest["due_at"]) if nearest else "—",
            "其他时限": "；".join(f"{k['label']} {k['countdown']}" for k in r["clocks"][1:]) or "—",
            "第一责任单位": r["first_responsible"] or "—",
            "配合单位": join(r["co_responsible"]),
            "地点": join(r["places"]),
            "类别": r["category"] or "—",
            "规则": f"{r['rule']} {r['rule_label']}".strip() if r["rule"] else "—",
            "处置类型": r["handling_type"] or "—",
            "热度": r["heat"],
            "移交/告知": join(r["refer_to"]),
            "信息数": r["item_count"],
            "首发时间": fmt(r["first_published_at"]),
            "状态": r["status_label"],
        })
    return pd.DataFrame(out)


def _level_css(v: str) -> str:
    bg, fg = LEVEL_STYLE.get(v, (None, None))
    return f"background-color:{bg};color:{fg};font-weight:700" if bg else ""


def _countdown_css(v: str) -> str:
    if "已超时" in v:
        return "color:#b71c1c;font-weight:700"
    if "剩余 0小时" in v:
        return "color:#e65100;font-weight:700"
    return ""


def cases_table(rows: list[dict]) -> None:
    if not rows:
        st.info("当前筛选条件下没有在办舆情。")
        return
    df = cases_frame(rows)
    styler = (df.style.map(_level_css, subset=["级别"]).map(_countdown_css, subset=["时钟倒计时", "其他时限"])
              .map(lambda v: "color:#b71c1c;font-weight:700" if v == "是" else "", subset=["突发"]))
    st.dataframe(styler, hide_index=True, width="stretch",
                 height=min(38 + 35 * len(df), 520),
                 column_config={
                     "舆情标题": st.column_config.TextColumn(width="medium"),
                     "时钟倒计时": st.column_config.TextColumn(width="large"),
                     "其他时限": st.column_config.TextColumn(width="medium"),
                     "配合单位": st.column_config.TextColumn(width="medium"),
                     "热度": st.column_config.NumberColumn(format="%d"),
                 })


def live_panel(store: Store, filters: dict) -> None:
    t = now()
    try:
        st.caption(f"北京时间 {fmt(t, '%Y-%m-%d %H:%M:%S')} · 每 {filters['refresh']} 秒自动刷新")
        scheduler_line(store, t)
        metrics_row(store, t)
        for w in data.provisional_warnings(store):
            st.warning(w, icon="⚠️")
        rows = data.case_rows(store, t, unit=filters["unit"], level=filters["levels"],
                              include_closed=filters["closed"], emergency_only=filters["emergency"],
                              lead_only=filters["lead_only"])
        st.markdown(f"**舆情案件列表**（{len(rows)} 件，按级别、突发、最近截止时间排序）")
        cases_table(rows)
    except StoreError as exc:
        st.error(f"无法读取舆情数据库：{type(exc).__name__}。数据库可能尚未初始化，请先启动采集与研判服务。")


# ---------------------------------------------------------------------------------------- detail
def case_detail_section(store: Store, filters: dict) -> None:
    t = now()
    st.subheader("案件详情")
    rows = data.case_rows(store, t, unit=filters["unit"], level=filters["levels"],
                          include_closed=filters["closed"], emergency_only=filters["emergency"],
                          lead_only=filters["lead_only"])
    if not rows:
        st.caption("暂无可查看的案件。")
        return
    labels = {r["event_id"]: f"【{r['severity']}】{'【突发】' if r['emergency'] else ''}{r['title']}"
                             f"（{r['first_responsible'] or '待分派'}）" for r in rows}
    event_id = st.selectbox("选择案件", list(labels), format_func=labels.get, key="case_pick")
    d = data.case_detail(store, event_id, t)
    if d is None:
        st.warning("该案件已不存在。")
        return
    c = d["case"]
    urgent = EMERGENCY_BADGE if c["emergency"] else ""
    st.markdown(f"{badge(c['severity'])} {urgent} **{md(c['title'])}** · {md(c['status_label'])}",
                unsafe_allow_html=True)
    a, b, e = st.columns(3)
    a.markdown(f"**第一责任单位**：{c['first_responsible'] or '—'}  \n**配合单位**：{join(c['co_responsible'])}  \n"
               f"**移交/告知**：{join(c['refer_to'])}")
    b.markdown(f"**规则**：{c['rule'] or '—'} {c['rule_label']}  \n**处置类型**：{c['handling_type'] or '—'}  \n"
               f"**类别**：{c['category'] or '—'}　**地点**：{md_list(c['places'])}")
    e.markdown(f"**热度**：{c['heat']:,}　**信息数**：{c['item_count']}  \n"
               f"**首发**：{fmt(c['first_published_at'])}　**立案**：{fmt(c['opened_at'])}  \n"
               f"**更新**：{fmt(c['updated_at'])}")

    actions_panel(store, c)

    t1, t2, t3, t4, t5 = st.tabs(["研判依据", f"相关信息（{len(d['items'])}）", f"处置时限（{len(d['clocks'])}）",
                                  f"提醒与送达（{len(d['alerts'])}）", f"操作记录（{len(d['actions'])}）"])
    with t1:
        if d["reasons"]:
            st.markdown("\n".join(f"{i}. {md(r)}" for i, r in enumerate(d["reasons"], 1)))
        else:
            st.caption("无记录。")
    with t2:
        if d["items"]:
            st.dataframe(pd.DataFrame([{
                "发布时间": fmt(i["published_at"]), "平台": i["platform_label"], "来源": i["source"] or "—",
                "作者": i["author"] or "—", "标题": i["title"] or "—", "内容摘要": i["snippet"],
                "负面": "是" if i["negative"] else "否", "互动量": i["interactions"],
                "研判依据": "；".join(i["reasons"]) or "—", "原文": i["url"]} for i in d["items"]]),
                hide_index=True, width="stretch",
                column_config={"原文": st.column_config.LinkColumn(display_text="打开原文"),
                               "内容摘要": st.column_config.TextColumn(width="large")})
        else:
            st.caption("无相关信息。")
    with t3:
        if d["clocks"]:
            st.dataframe(pd.DataFrame([{
                "时限": k["label"], "起算": fmt(k["starts_at"]), "截止": fmt(k["due_at"]),
                "倒计时/结果": k["countdown"], "状态": k["status_label"], "完成时间": fmt(k["met_at"]),
                "日历": "假定（待核）" if k["provisional"] else "正式", "说明": k["reason"] or "—"}
                for k in d["clocks"]]), hide_index=True, width="stretch")
        else:
            st.caption("本案无处置时限（不构成舆情案件）。")
    with t4:
        if d["alerts"]:
            st.dataframe(pd.DataFrame([{
                "发出时间": fmt(x["created_at"]), "类型": x["kind_label"], "接收单位": x["unit"], "角色": x["role"],
                "标题": x["subject"],
                "送达": "；".join(f"{dl['channel_label']}{dl['status_label']}" for dl in x["deliveries"]) or "—",
                "签收": f"已签收（{x['acknowledged_by']}，{fmt(x['acknowledged_at'])}）" if x["acknowledged"] else "未签收"}
                for x in d["alerts"]]), hide_index=True, width="stretch")
        else:
            st.caption("尚未发出提醒。")
    with t5:
        if d["actions"]:
            st.dataframe(pd.DataFrame([{
                "时间": fmt(x["at"], "%m-%d %H:%M:%S"), "操作人": x["actor_label"], "操作": x["action_label"],
                "单位": x["unit"] or "—", "详情": _details_text(x["details"])} for x in d["actions"]]),
                hide_index=True, width="stretch")
        else:
            st.caption("无操作记录。")


# ---------------------------------------------------------------------------------------- 处置操作
def _wf_key(event_id: str, *parts: str) -> str:
    return "::".join(("wf", event_id, *parts))


def _do_action(store: Store, config, event_id: str, action, unit: str, actor_key: str) -> None:
    """Button callback: run the action through the workflow; the message shows on this rerun."""
    inputs = {f: st.session_state.get(_wf_key(event_id, action.key, f)) for f in action.fields}
    try:
        st.session_state["wf_note"] = wf_actions.perform(
            store, config, event_id, action, unit=unit, actor=st.session_state.get(actor_key) or "", now=now(),
            **inputs)
    except WorkflowError as exc:
        st.session_state["wf_error"] = f"“{action.label}”未执行：{exc}"
    except StoreError as exc:
        st.session_state["wf_error"] = f"“{action.label}”未执行：数据库写入失败（{type(exc).__name__}），请稍后重试。"


def _action_box(store: Store, config, event_id: str, unit: str, actor_key: str, a) -> None:
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
                     width="stretch", on_click=_do_action, args=(store, config, event_id, a, unit, actor_key))


def actions_panel(store: Store, c: dict) -> None:
    """处置操作: who acts, and the workflow actions that fit the case's state."""
    event_id = c["event_id"]
    st.markdown("#### 处置操作")
    if c["status"] == "not_a_case":
        st.caption("非舆情案件，无需处置。")
        return
    try:
        config = get_config()
    except Exception as exc:        # ConfigError and file errors: the page still reads
        st.error(f"配置加载失败，处置操作暂不可用：{exc}")
        return
    owner = c["first_responsible"] or OFFICE
    try:
        known = data.units(store)
    except StoreError:
        known = []
    options = list(dict.fromkeys([owner, OFFICE, *c["co_responsible"], *known]))
    u1, u2 = st.columns(2)
    unit = u1.selectbox("操作单位", options, key=_wf_key(event_id, "unit"),
                        help="默认为案件的第一责任单位；区政府办公室审核时请切换为区政府办公室。")
    actor_key = _wf_key(event_id, "actor", unit)
    u2.text_input("操作人", value=f"{unit}值班员", key=actor_key,
                  help="三审三校的初审、复审、终审须由不同人员进行。")
    if msg := st.session_state.pop("wf_note", None):
        st.success(msg)
    if msg := st.session_state.pop("wf_error", None):
        st.error(msg)
    try:
        acts = wf_actions.available_actions(store, event_id, unit, now=now(), config=config)
    except WorkflowError as exc:
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
        _action_box(store, config, event_id, unit, actor_key, a)
    if more:
        with st.expander("其他操作：" + "、".join(a.label for a in more)):
            for a in more:
                _action_box(store, config, event_id, unit, actor_key, a)
    if side:
        busy = any(":" in a.key for a in side)      # an open feedback/consultation/repost clock
        with st.expander("群众点题、征求意见与上级政策转载", expanded=busy):
            for a in side:
                _action_box(store, config, event_id, unit, actor_key, a)

DETAIL_KEYS = {"severity": "级别", "rule": "规则", "kind": "时限", "from": "原", "to": "新", "emergency": "突发",
               "item": "信息", "alert_id": "提醒编号", "level": "层级", "due_at": "截止", "why": "原因",
               "duplicate_of": "重复于", "stage": "环节", "version": "稿件", "role": "角色", "alerts": "提醒数",
               "first": "首次签收", "text": "内容", "note": "意见", "url": "链接", "reason": "理由",
               "approved_by": "批准人", "seq": "序号", "on_time": "按时", "starts_at": "起算", "provisional": "假定日历",
               "after": "接续", "hours_since_first_post": "距首发（小时）", "n": "第几次", "ref": "编号",
               "opinion": "意见", "clocks_cancelled": "取消时限", "from_due": "原截止", "to_due": "新截止",
               "new_kind": "新时限", "late_at": "逾期时间"}
HIDDEN_DETAIL_KEYS = {"clock_id"}
TIME_DETAIL_KEYS = {"due_at", "starts_at", "from_due", "to_due", "late_at"}


def _details_text(details: dict) -> str:
    parts = []
    for k, v in details.items():
        if v in (None, "", [], {}) or k in HIDDEN_DETAIL_KEYS:
            continue
        if k in ("kind", "new_kind"):
            v = data.CLOCK_LABELS.get(v) or kind_label(v)
        elif k == "text" and isinstance(v, str) and len(v) > 40:
            v = v[:40] + "…"
        elif k in TIME_DETAIL_KEYS and isinstance(v, str):
            try:
                v = fmt(parse_time(v))
            except ValueError:
                pass
        elif isinstance(v, bool):
            v = "是" if v else "否"
        parts.append(f"{DETAIL_KEYS.get(k, k)}：{v}")
    return "；".join(parts) or "—"


# ---------------------------------------------------------------------------------------- inbox
def _ack(store: Store, alert_id: int, actor_key: str) -> None:
    actor = (st.session_state.get(actor_key) or "").strip()
    if not actor:
        st.session_state["ack_error"] = "请先填写签收人姓名。"
        return
    try:
        config = get_config()
    except Exception:               # 签收 needs no clock policy: go on without the config
        config = None
    try:
        done = data.acknowledge(store, alert_id, actor, now(), config=config)
        st.session_state["ack_note"] = "签收成功。" if done else "该提醒此前已被签收。"
    except KeyError:
        st.session_state["ack_error"] = "提醒不存在。"
    except WorkflowError as exc:
        st.session_state["ack_error"] = f"签收未完成：{exc}"


def inbox_section(store: Store, unit_names: list[str]) -> None:
    t = now()
    if not unit_names:
        st.info("暂无单位收到提醒。")
        return
    counts = data.inbox_counts(store)
    # recipients of alerts first, then other units; labels stay fixed (counts are shown apart)
    ordered = sorted(unit_names, key=lambda u: (u not in counts, u))
    waiting = sorted(((u, p) for u, (_, p) in counts.items() if p), key=lambda x: (-x[1], x[0]))
    pending_units = "、".join(f"{u}（{p}条）" for u, p in waiting) if waiting else "无"
    st.markdown(f"**待签收单位**：:red[{pending_units}]" if waiting else "**待签收单位**：无")
    c1, c2, c3 = st.columns([2, 2, 1])
    unit = c1.selectbox("选择单位", ordered, key="inbox_unit")
    actor_key = f"actor::{unit}"
    c2.text_input("签收人", value=f"{unit}值班员", key=actor_key)
    only_open = c3.checkbox("只看未签收", key="inbox_open_only")
    if msg := st.session_state.pop("ack_note", None):
        st.success(msg)
    if msg := st.session_state.pop("ack_error", None):
        st.error(msg)
    alerts = data.inbox(store, unit, t, unacknowledged_only=only_open)
    pending = sum(1 for a in alerts if not a["acknowledged"])
    st.markdown(f"**{unit}** 收件箱：共 {len(alerts)} 条，:red[未签收 {pending} 条]")
    if not alerts:
        st.caption("暂无提醒。")
    for a in alerts:
        with st.container(border=True):
            left, right = st.columns([5, 1])
            sev = a["case_severity"]
            left.markdown(f"{badge(sev) if sev else ''} **{md(a['subject'])}**　"
                          f"<span style='color:#666'>{a['kind_label']} · 第{a['level']}级 · {a['role']} · "
                          f"{fmt(a['created_at'])}（{age_text(max(a['age_seconds'], 0))}）</span>",
                          unsafe_allow_html=True)
            left.markdown(f"案件：{md(a['case_title'] or a['case_id'])}  \n{md(a['body'])}")
            dl = "；".join(f"{d['channel_label']}{d['status_label']}" for d in a["deliveries"])
            if dl:
                left.caption(f"送达情况：{dl}")
            if a["acknowledged"]:
                right.markdown(f":green[**已签收**]  \n{a['acknowledged_by']}  \n{fmt(a['acknowledged_at'])}")
            else:
                right.button("签收", key=f"ack-{a['id']}", type="primary", width="stretch",
                             on_click=_ack, args=(store, a["id"], actor_key))


PERIODS = {"周": "week", "月": "month", "季度": "quarter", "年": "year"}


def stats_section(store) -> None:
    """周督促、月统计、季通报、年考核: the same query as `yuqing report`."""
    from responders.report import table
    from responders.stats import period_bounds, timeliness, totals
    t = now()
    c1, c2 = st.columns([1, 2])
    period = PERIODS[c1.radio("统计周期", list(PERIODS), horizontal=True, key="stats_period")]
    at = c2.date_input("统计日期", value=t.date(), key="stats_at")
    rows = timeliness(store, period, at, now=t)
    start, end, label = period_bounds(period, at)
    st.markdown(f"**{label}**　{fmt(start)} 至 {fmt(end)}（不含）")
    if not rows:
        st.caption("该期间暂无数据。")
        return
    head, lines = table(rows, totals(rows))
    st.dataframe([dict(zip(head, line)) for line in lines], hide_index=True, width="stretch")
    st.caption("按时/逾期按时限完成或到期所在期间统计；首发用时自事件最早发布时间起算。导出：yuqing report --period …")


# ---------------------------------------------------------------------------------------- page
def sidebar(unit_names: list[str]) -> dict:
    sb = st.sidebar
    sb.header("筛选条件")
    unit = sb.selectbox("单位", [ALL_UNITS] + unit_names, key="f_unit")
    lead_only = sb.checkbox("只看第一责任单位", key="f_lead", disabled=unit == ALL_UNITS)
    levels = sb.multiselect("级别", list(data.CASE_LEVELS), default=list(data.CASE_LEVELS), key="f_levels")
    emergency = sb.checkbox("只看突发", key="f_emergency")
    closed = sb.checkbox("包含已结案", key="f_closed")
    refresh = sb.selectbox("自动刷新间隔", list(REFRESH_CHOICES), key="f_refresh")
    sb.divider()
    sb.markdown("级别：" + " ".join(badge(lv) for lv in data.CASE_LEVELS), unsafe_allow_html=True)
    sb.caption("时限依据《政务舆情回应》相关规定：重大突发事件5小时内发布权威信息，24小时内举行新闻发布会。")
    return {"unit": None if unit == ALL_UNITS else unit, "lead_only": lead_only,
            "levels": levels or list(data.CASE_LEVELS), "emergency": emergency, "closed": closed,
            "refresh": REFRESH_CHOICES[refresh]}


def main(parts) -> None:
    _PARTS["parts"] = parts
    st.set_page_config(page_title=TITLE, layout="wide", initial_sidebar_state="expanded")
    st.markdown(CSS, unsafe_allow_html=True)
    st.markdown(f'<div class="yq-head"><div class="yq-title">{TITLE}</div><span>区委宣传部 · 舆情值守工作台</span></div>',
                unsafe_allow_html=True)
    try:
        store = get_store()
    except Exception as exc:          # no store yet: say so instead of creating an empty one
        st.error(f"无法打开舆情数据库：{exc}")
        return
    try:
        unit_names = data.units(store)
    except StoreError:
        unit_names = []
    filters = sidebar(unit_names)

    live = st.fragment(run_every=timedelta(seconds=filters["refresh"]))(live_panel)
    tab_cases, tab_inbox, tab_stats = st.tabs(["舆情态势", "单位收件箱", "时效统计"])
    with tab_cases:
        live(store, filters)
        st.divider()
        try:
            case_detail_section(store, filters)
        except StoreError:
            st.caption("案件详情暂不可用。")
    with tab_inbox:
        try:
            inbox_section(store, unit_names)
        except StoreError:
            st.error("无法读取收件箱。")
    with tab_stats:
        try:
            stats_section(store)
        except StoreError:
            st.error("无法读取时效统计。")
