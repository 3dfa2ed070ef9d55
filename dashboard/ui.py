"""What every page shares: the parts the composition root built, the signed-in user of this run,
time formatting and the level colours. No page reads the store except through `dashboard.data`."""
from __future__ import annotations

import threading
from datetime import datetime

import pandas as pd
import streamlit as st

from dashboard.safe import md
from responders.accounts import Principal
from yuqing.timeutil import to_local

TITLE = "政务舆情监测与回应"
LEVEL_STYLE = {   # background, text
    "特别重大": ("#b71c1c", "#ffffff"),
    "重大": ("#e65100", "#ffffff"),
    "较大": ("#f9a825", "#212121"),
    "一般": ("#1565c0", "#ffffff"),
}
EMERGENCY_BADGE = '<span class="yq-badge" style="background:#4a148c;color:#ffffff">突发</span>'
# no emoji: a government desktop may have no emoji font
LEVEL_MARK = {"特别重大": ":red[■]", "重大": ":orange[■]", "较大": ":yellow[■]", "一般": ":blue[■]"}
OVERDUE_CSS = "color:#b71c1c;font-weight:700"

_PARTS: dict = {}
_RUN = threading.local()        # the user of this script run (set by app.main from the session token)


def set_parts(parts) -> None:
    _PARTS["parts"] = parts


def parts():
    return _PARTS["parts"]


def store():
    return parts().store


def config():
    return parts().config


def now() -> datetime:
    return parts().clock.now()


TOKEN = "yq_token"          # the only thing the browser session keeps about who is signed in


def session_policy():
    from responders.accounts import SessionPolicy
    try:
        return SessionPolicy.of(parts().settings)
    except Exception:
        return SessionPolicy()


def resolve_user() -> Principal | None:
    """The user of the session token, looked up in the store now (role and unit from the store)."""
    from responders.accounts import resolve
    u = resolve(store(), st.session_state.get(TOKEN), now=now(), policy=session_policy())
    _RUN.user = u
    return u


def set_user(user: Principal | None) -> None:
    _RUN.user = user


def user() -> Principal:
    """The signed-in user of this run; pages only run after app.main resolved one."""
    u = getattr(_RUN, "user", None)
    if u is None:
        st.error("请先登录。")
        st.stop()
    return u


def fmt(dt: datetime | None, pattern: str = "%m-%d %H:%M") -> str:
    return "—" if dt is None else to_local(dt).strftime(pattern)


def badge(level: str | None) -> str:
    if not level:
        return ""
    bg, fg = LEVEL_STYLE.get(level, ("#9e9e9e", "#ffffff"))
    return f'<span class="yq-badge" style="background:{bg};color:{fg}">{md(level)}</span>'


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


def level_css(v: str) -> str:
    bg, fg = LEVEL_STYLE.get(v, (None, None))
    return f"background-color:{bg};color:{fg};font-weight:700" if bg else ""


def countdown_css(v: str) -> str:
    if "已超时" in str(v):
        return OVERDUE_CSS
    if "剩余 0小时" in str(v):
        return "color:#e65100;font-weight:700"
    return ""


def table(df: pd.DataFrame, **kw) -> None:
    st.dataframe(df, hide_index=True, width="stretch", **kw)
