"""政务舆情监测与回应 — the live dashboard (Streamlit), signed in, one page per task.

    yuqing dashboard                                   # or: streamlit run yuqing/app/dashboard_main.py
    YUQING_NOW=2026-11-20T12:00+08:00 yuqing dashboard # a frozen clock for demos and tests

Every run first resolves the session token kept in the browser session to a user in the store
(`responders.accounts.resolve`): role and unit come from the store, never from the browser, and
an expired, idle or signed-out session shows the sign-in form again. The pages a user gets
follow the role; the data layer (`dashboard.data`) and the workflow enforce it again.
"""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import ui
from dashboard.safe import md
from responders import accounts
from yuqing.seams import StoreError

TOKEN = ui.TOKEN
PAGES = Path(__file__).parent / "pages"
CSS = """
<style>
  #MainMenu, [data-testid="stToolbar"], [data-testid="stStatusWidget"], footer {visibility: hidden;}
  .block-container {padding-top: 2.6rem; padding-bottom: 1rem; max-width: 100%;}
  [data-testid="stMetric"] {background: #f5f7fa; border: 1px solid #dde3ea; border-radius: 6px; padding: 4px 10px;}
  [data-testid="stMetricValue"] {font-size: 1.4rem;}
  .yq-head {display: flex; align-items: baseline; gap: 1rem; border-bottom: 3px solid #b71c1c;
            padding-bottom: .3rem; margin-bottom: .4rem;}
  .yq-title {font-size: 1.6rem; font-weight: 800; color: #8b0000; letter-spacing: .12em;}
  .yq-head span {color: #555; font-size: .95rem;}
  .yq-badge {display: inline-block; padding: 1px 8px; border-radius: 4px; font-weight: 600;}
  .yq-grid {display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 6px;}
  .yq-tile {border: 2px solid #dde3ea; border-radius: 6px; padding: 6px 8px; font-size: .9rem;}
  mark {background: #fff176; padding: 0 1px;}
</style>
"""
# page file, title, roles that get it
NAV = (("overview.py", "态势总览", ("office", "unit", "leader")),
       ("cases.py", "案件列表", ("office", "unit", "leader")),
       ("case.py", "案件详情", ("office", "unit", "leader")),
       ("todo.py", "单位待办", ("office", "unit")),
       ("stats.py", "时效统计", ("office", "unit", "leader")),
       ("search.py", "舆情检索", ("office", "unit", "leader")),
       ("system.py", "系统状态", ("office", "leader")))


def _sign_in(store) -> None:
    name = st.session_state.get("login_user") or ""
    password = st.session_state.get("login_password") or ""
    try:
        token, _ = accounts.sign_in(store, name, password, now=ui.now(), policy=ui.session_policy())
    except accounts.AccessDenied as exc:
        st.session_state["login_error"] = str(exc)
        return
    st.session_state[TOKEN] = token
    st.session_state["login_password"] = ""


def _sign_out(store) -> None:
    accounts.sign_out(store, st.session_state.pop(TOKEN, None), now=ui.now())


def login_form(store) -> None:
    st.markdown("#### 登录")
    _, mid, _ = st.columns([1, 2, 1])
    with mid:
        st.text_input("用户名", key="login_user")
        st.text_input("密码", type="password", key="login_password")
        st.button("登录", type="primary", key="login_btn", on_click=_sign_in, args=(store,))
        if msg := st.session_state.pop("login_error", None):
            st.error(msg)
        st.caption("账号由管理员用 yuqing user add 创建；登录超过规定时间或长时间未操作须重新登录。")


def main(parts) -> None:
    ui.set_parts(parts)
    ui.set_user(None)
    st.set_page_config(page_title=ui.TITLE, layout="wide", initial_sidebar_state="expanded")
    st.markdown(CSS, unsafe_allow_html=True)
    st.markdown(f'<div class="yq-head"><div class="yq-title">{ui.TITLE}</div><span>区委宣传部 · 舆情值守工作台</span></div>',
                unsafe_allow_html=True)
    try:
        store = ui.store()
    except Exception as exc:          # no store yet: say so instead of creating an empty one
        st.error(f"无法打开舆情数据库：{exc}")
        return
    try:
        user = ui.resolve_user()
    except StoreError as exc:
        st.error(f"无法读取账号（{type(exc).__name__}）：数据库可能尚未初始化。")
        return
    if user is None:
        if st.session_state.pop(TOKEN, None):
            st.info("登录已过期，请重新登录。")
        login_form(store)
        return
    sb = st.sidebar
    sb.markdown(f"**{md(user.display_name)}**  \n{md(user.unit or '')} · {user.role_label}")
    sb.button("退出登录", key="logout_btn", on_click=_sign_out, args=(store,))
    pages = [st.Page(str(PAGES / f), title=title, url_path=f[:-3]) for f, title, roles in NAV if user.role in roles]
    st.navigation(pages).run()
