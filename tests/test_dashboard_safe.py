"""Crawled text is data, never markup: hostile titles, reasons and messages show as themselves."""
from __future__ import annotations

import html
import re

from hypothesis import given, strategies as st
from streamlit.testing.v1 import AppTest

from dashboard.safe import md
from tests.dashboard_fixtures import APP, add_users, app_env, case, make_store, open_page, run, seed, sign_in

HOSTILE = ('<img src=x onerror="alert(1)"><script>alert(2)</script> **粗体** [点我](javascript:alert(3)) '
           ':red[红字] $x^2$ `代码` # 标题')


@given(st.text())
def test_md_shows_any_text_as_itself_and_leaves_nothing_active(s):
    out = md(s)
    if s:
        assert html.unescape(out) == "  \n".join(re.split(r"\r\n|\r|\n", s))
    bare = re.sub(r"&#\d+;", "", out)      # what is left once the references are taken out
    for c in "<>[]()*_`$:\\|!#~&":
        assert c not in bare


def test_a_hostile_case_title_and_reasons_render_as_text(tmp_path, monkeypatch):
    store = make_store(tmp_path)
    seed(store)
    with store.transaction() as tx:
        tx.add(case("ev-hostile", severity="重大", first="南星街道", title=HOSTILE, reasons=[HOSTILE],
                    places=["南星街道"]))
    add_users(store, ["xcb"])
    app_env(monkeypatch, store, tmp_path)
    at = sign_in(AppTest.from_file(APP, default_timeout=30), "xcb")
    open_page(at, "cases")
    at.selectbox(key="case_pick").select("ev-hostile")
    run(at)
    shown = [m.value for m in at.markdown if "alert" in html.unescape(m.value)]
    assert len(shown) >= 2                                   # the title line and the reasons
    for value in shown:
        for raw in ("<img", "<script", "](javascript", ":red[", "**粗体**", "$x^2$"):
            assert raw not in value, (raw, value)
        assert "onerror" in html.unescape(value)           # shown, as text
    store.close()
