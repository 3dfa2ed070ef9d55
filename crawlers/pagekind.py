"""What kind of page this is, from general page features: government, forum, portal or news.

* government: the host is under .gov.cn, or the page carries the identification meta tags that
  Chinese government sites are required to publish (SiteIDCode / 政府网站标识码, a SiteDomain
  under gov.cn), or says 政府网站标识码 in its text;
* forum: forum words (论坛, 社区, BBS, 留言板, 贴吧 ...) in the title or in a breadcrumb step (``> 某某论坛``),
  or forum software in the generator tag together with a post marker (楼主, 发表于, N楼 ...),
  or several post markers;
* portal: heavy page chrome: many links, or a large share of the visible text in links;
* news: everything else (an article page with light chrome).
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

KINDS = ("government", "forum", "portal", "news")

_FORUM_SOFTWARE = re.compile(r"discuz|phpwind|vbulletin|phpbb|dvbbs|bbsxp|discourse|xenforo|mybb",
                             re.I)
_FORUM_TITLE = re.compile(r"论坛|社区|bbs|留言板|贴吧|版区|forum", re.I)
_FORUM_CRUMB = re.compile(r"[>»＞]\s*[^>»＞|｜\n]{0,20}(?:论坛|社区|留言板|版区|贴吧)")
_POST_MARKER = re.compile(r"楼主|发表于|发帖时间|回复时间|\d+\s*楼(?!盘|层|房|市)|沙发|板凳|回帖|引用.{0,8}发表|只看该作者")
_GOV_TEXT = re.compile(r"政府网站标识码")
_WS = re.compile(r"\s+")


def _meta(tree) -> dict[str, str]:
    out: dict[str, str] = {}
    for el in tree.iter("meta"):
        key = (el.get("name") or el.get("property") or "").strip().lower()
        if key and key not in out:
            out[key] = (el.get("content") or "").strip()
    return out


def page_features(tree, url: str | None = None, lines: list[str] | None = None) -> dict:
    """The measurements `page_kind` decides on (scripts and styles are not counted)."""
    meta = _meta(tree)
    host = (urlsplit(url).hostname or "") if url else ""
    visible = 0
    link_chars = 0
    links = 0
    for el in tree.iter():
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in ("script", "style", "noscript", "head", "title"):
            continue
        if el.text and not _skip(el):
            visible += len(_WS.sub("", el.text))
        if el.tail and el.getparent() is not None and not _skip(el.getparent()):
            visible += len(_WS.sub("", el.tail))
        if tag == "a":
            links += 1
            link_chars += len(_WS.sub("", el.text_content() or ""))
    from crawlers.body import block_lines
    if lines is None:
        body = tree.find(".//body")
        lines = block_lines(body if body is not None else tree)
    body_text = "\n".join(lines)[:40000]
    title = " ".join(t.text_content() for t in tree.xpath("//title")[:1])
    return {
        "host": host,
        "links": links,
        "link_share": round(link_chars / visible, 3) if visible else 0.0,
        "visible_chars": visible,
        "gov_meta": bool(meta.get("siteidcode") or meta.get("sitedomain", "").endswith("gov.cn")
                         or "gov.cn" in meta.get("sitedomain", "")),
        "gov_text": bool(_GOV_TEXT.search(body_text)),
        "forum_software": bool(_FORUM_SOFTWARE.search(meta.get("generator", ""))),
        "forum_title": bool(_FORUM_TITLE.search(title) or _FORUM_CRUMB.search(body_text[:1500])),
        "post_markers": len(_POST_MARKER.findall(body_text)),
    }


def _skip(el) -> bool:
    tag = el.tag if isinstance(el.tag, str) else ""
    return tag in ("script", "style", "noscript", "head", "title")


def page_kind(tree, url: str | None = None, features: dict | None = None,
              lines: list[str] | None = None) -> str:
    """`lines`: the page's visible lines when the caller has them (`crawlers.body.block_lines`)."""
    f = features or page_features(tree, url, lines)
    if f["host"].endswith(".gov.cn") or f["host"].endswith(".gov") or f["gov_meta"] \
            or f["gov_text"]:
        return "government"
    if f["forum_title"] or (f["forum_software"] and f["post_markers"]) or f["post_markers"] >= 4:
        return "forum"
    if f["links"] >= 150 or (f["links"] >= 80 and f["link_share"] >= 0.3):
        return "portal"
    return "news"
