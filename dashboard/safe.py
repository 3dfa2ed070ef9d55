"""Crawled text is data, never markup: every string from an item, a case or a message passes here
before it reaches `st.markdown`.

Markdown characters (`*`, `[`, `:` of `:red[…]`, `$` of formulas …) and HTML characters become
numeric character references, which Markdown shows as the characters themselves and never
interprets, with or without `unsafe_allow_html`. Line breaks are kept as Markdown line breaks."""
from __future__ import annotations

import re

# every ASCII character Markdown, Streamlit's directives or HTML could act on
_ACTIVE = set("\\`*_{}[]()#+-.!|<>~$:&\"'=/@%^")
_LINES = re.compile(r"\r\n|\r|\n")
_TABLE = {ord(c): f"&#{ord(c)};" for c in _ACTIVE}


def md(value) -> str:
    """`value` as literal text inside Markdown (None shows as a dash)."""
    if value is None or value == "":
        return "—"
    return "  \n".join(_LINES.split(str(value).translate(_TABLE)))


def md_list(values, sep: str = "、") -> str:
    return sep.join(md(v) for v in values) if values else "—"
