"""Main text of a page: several extractors, chosen between by agreement, then boilerplate cut.

1. `prepare_html` removes scripts, styles, comments and stray </html></body> tags (libxml2
   stops reading at them) with linear scans and caps the markup at `WORK_HTML_CHARS`, so every
   later step has bounded work whatever the page size.
2. `untable` turns *layout* tables (nested tables, or cells holding long text or paragraphs)
   into divs. Old Chinese portals lay whole pages out in tables; extractors that keep tables
   then return the navigation and advert cells with the article. Data tables (a grid of
   short cells) are left alone.
3. Three independent extractors read the prepared page: readability (Arc90 scoring),
   trafilatura (precision mode) and GNE (text density with punctuation). Each is right on
   most pages and badly wrong on some: readability or GNE grab one sub-block, trafilatura
   takes a link list or nothing at all.
4. `choose` compares the candidates pairwise (character-bigram F1). When two of them agree
   (F1 >= `AGREE`) the answer is one of that pair: a wrong extractor seldom agrees with
   another. Inside the agreeing pair, and when nothing agrees, the order of preference is
   readability, trafilatura, GNE (their order of quality on pages measured so far). GNE is
   only run when the other two do not already agree closely (`SURE`), which saves its cost
   on most pages.
5. `clean_lines` cuts boilerplate from the chosen text: breadcrumbs and byline/date lines at
   the top, editor/source/copyright/share/print lines and "related articles" lists at the
   bottom, and UI-only lines anywhere. What it cuts that is metadata (责任编辑, 来源) is read
   elsewhere (`crawlers.bylines`).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import combinations

WORK_HTML_CHARS = 800_000       # markup the extractors see, after scripts/styles are removed
GNE_MAX_CHARS = 600_000         # GNE's density scan is the slowest; it sits out above this
AGREE = 0.5
SURE = 0.9                      # readability and trafilatura this close: GNE is not asked
PREFERENCE = ("readability", "trafilatura", "gne")

_WS = re.compile(r"\s+")
_BLOCK_TAGS = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr",
               "table", "tbody", "thead", "tfoot", "section", "article", "header", "footer",
               "blockquote", "pre", "dd", "dt", "dl", "form", "hr", "center", "main", "aside",
               "nav", "figure", "figcaption", "caption", "address", "option"}
_CELL_TAGS = {"td", "th"}        # a table row is one line, its cells separated by spaces
_SKIP_TAGS = {"script", "style", "noscript", "head", "title", "select", "textarea", "button",
              "iframe", "object", "embed", "svg", "canvas", "template"}


def nows(s: str | None) -> str:
    return _WS.sub("", s or "")


# ----------------------------------------------------------------------------- preparation

def _cut_elements(html: str, tag: str) -> str:
    """Remove <tag ...>...</tag> blocks in one left-to-right pass (an unclosed one runs to the end)."""
    low = html.lower()
    out: list[str] = []
    pos = 0
    opener, closer = f"<{tag}", f"</{tag}"
    while True:
        i = low.find(opener, pos)
        if i < 0:
            break
        nxt = low[i + len(opener):i + len(opener) + 1]
        if nxt and nxt not in " \t\r\n>/":
            out.append(html[pos:i + len(opener)])
            pos = i + len(opener)
            continue
        out.append(html[pos:i])
        j = low.find(closer, i)
        if j < 0:
            pos = len(html)
            break
        k = low.find(">", j)
        pos = len(html) if k < 0 else k + 1
    out.append(html[pos:])
    return "".join(out)


def _cut_comments(html: str) -> str:
    out: list[str] = []
    pos = 0
    while True:
        i = html.find("<!--", pos)
        if i < 0:
            break
        out.append(html[pos:i])
        j = html.find("-->", i + 4)
        pos = len(html) if j < 0 else j + 3
    out.append(html[pos:])
    return "".join(out)


def json_ld_blocks(html: str, limit: int = 10) -> list[str]:
    """Texts of <script type="application/ld+json"> blocks (read before scripts are removed)."""
    out = []
    for m in re.finditer(r"<script[^>]+application/ld\+json[^>]*>", html[:WORK_HTML_CHARS * 2], re.I):
        end = html.find("</script", m.end())
        if end < 0:
            break
        out.append(html[m.end():end])
        if len(out) >= limit:
            break
    return out


def prepare_html(html: str) -> str:
    """Markup without scripts, styles and comments, at most WORK_HTML_CHARS long."""
    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html[:WORK_HTML_CHARS * 3])
    html = _cut_comments(html)
    for tag in ("script", "style", "noscript", "template", "svg"):
        html = _cut_elements(html, tag)
    # libxml2 stops reading at a stray </html> (or </body>) in mid-page; closing tags for
    # these two are never needed
    html = re.sub(r"</\s*(?:html|body)\s*>", " ", html, flags=re.I)
    if len(html) > WORK_HTML_CHARS:
        cut = html.rfind("<", 0, WORK_HTML_CHARS)
        html = html[:cut if cut > 0 else WORK_HTML_CHARS]
    return html


def _text_len(el) -> int:
    return len(nows(el.text_content()))


def _own(el, tbl) -> bool:
    return next(el.iterancestors("table"), None) is tbl


def is_layout_table(tbl) -> bool:
    """A table used for page layout rather than for data."""
    if tbl.find(".//table") is not None:
        return True
    cells = [c for c in tbl.iter("td", "th") if _own(c, tbl)]
    if not cells:
        return True
    for c in cells:
        n = _text_len(c)
        if n > 200:
            return True
        if n > 100 and (c.find(".//p") is not None or c.find(".//div") is not None
                        or len(c.findall(".//br")) >= 2):
            return True
    return False


def untable(tree) -> int:
    """Turn layout tables into divs, innermost first. Returns how many were turned."""
    n = 0
    for tbl in reversed(list(tree.iter("table"))):
        if not is_layout_table(tbl):
            continue
        for el in list(tbl.iter("td", "th", "tr", "tbody", "thead", "tfoot")):
            if not _own(el, tbl):
                continue
            if el.tag in ("td", "th", "tr"):
                el.tag = "div"
                for a in ("width", "height", "colspan", "rowspan", "valign", "align", "nowrap"):
                    el.attrib.pop(a, None)
            else:
                el.drop_tag()
        tbl.tag = "div"
        n += 1
    return n


# ----------------------------------------------------------------------------- text

def block_lines(el) -> list[str]:
    """Visible text of an element as lines: block elements and <br> end a line."""
    from lxml import etree
    parts: list[str] = []
    skipping = 0
    for event, node in etree.iterwalk(el, events=("start", "end", "comment", "pi")):
        if event in ("comment", "pi"):
            if node.tail and not skipping:
                parts.append(node.tail)
            continue
        tag = node.tag.lower() if isinstance(node.tag, str) else ""
        if event == "start":
            if skipping or tag in _SKIP_TAGS:
                skipping += 1
                continue
            if tag in _BLOCK_TAGS:
                parts.append("\n")
            elif tag in _CELL_TAGS:
                parts.append(" ")
            if node.text:
                parts.append(node.text)
        else:
            if skipping:
                skipping -= 1
                if skipping:
                    continue
                if node.tail and node is not el:
                    parts.append(node.tail)
                continue
            if tag in _BLOCK_TAGS:
                parts.append("\n")
            elif tag in _CELL_TAGS:
                parts.append(" ")
            if node.tail and node is not el:
                parts.append(node.tail)
    lines = []
    for ln in "".join(parts).split("\n"):
        ln = re.sub(r"[ \t\r\f\v\u3000\xa0]+", " ", ln).strip()
        if ln:
            lines.append(ln)
    return lines


def _bigrams(s: str) -> Counter:
    s = nows(s)
    return Counter(s[i:i + 2] for i in range(len(s) - 1)) if len(s) > 1 else Counter(s)


def agreement(a: str, b: str) -> float:
    """Character-bigram F1 of two texts (1.0 = same text)."""
    ca, cb = _bigrams(a), _bigrams(b)
    if not ca or not cb:
        return 0.0
    common = sum((ca & cb).values())
    if not common:
        return 0.0
    p, r = common / sum(ca.values()), common / sum(cb.values())
    return 2 * p * r / (p + r)


# ----------------------------------------------------------------------------- extractors

def _readability(html: str) -> list[str]:
    import lxml.html
    from readability import Document
    summary = Document(html).summary(html_partial=True)
    if not summary or not summary.strip():
        return []
    return block_lines(lxml.html.fromstring(summary))


def _trafilatura(html: str) -> list[str]:
    import trafilatura
    text = trafilatura.extract(html, include_comments=False, include_tables=True,
                               favor_precision=True, deduplicate=False)
    lines = [re.sub(r"^(?:- |\* |\| )", "", ln.strip()) for ln in (text or "").splitlines()]
    return [ln.strip() for ln in lines if ln.strip()]


def _gne(html: str) -> list[str]:
    if len(html) > GNE_MAX_CHARS:
        return []
    from gne import GeneralNewsExtractor
    text = GeneralNewsExtractor().extract(html)["content"]
    return [ln.strip() for ln in (text or "").splitlines() if ln.strip()]


EXTRACTORS = {"readability": _readability, "trafilatura": _trafilatura, "gne": _gne}


@dataclass
class BodyChoice:
    lines: list[str]
    chosen: str | None
    reason: str
    candidates: dict[str, list[str]] = field(default_factory=dict)
    agreements: dict[str, float] = field(default_factory=dict)


def run_extractors(html: str, names=PREFERENCE) -> dict[str, list[str]]:
    import logging
    out: dict[str, list[str]] = {}
    quiet = [logging.getLogger(n) for n in ("readability", "readability.readability",
                                            "trafilatura", "htmldate", "courlan")]
    levels = [lg.level for lg in quiet]
    for lg in quiet:
        lg.setLevel(logging.CRITICAL)
    try:
        for name in names:
            try:
                out[name] = EXTRACTORS[name](html)
            except Exception:  # noqa: BLE001 - one extractor failing must not stop the others
                out[name] = []
    finally:
        for lg, lv in zip(quiet, levels):
            lg.setLevel(lv)
    return out


def extract_body(html: str) -> BodyChoice:
    """Run the extractors and choose. GNE, the slowest, is asked only when readability and
    trafilatura do not already agree closely (>= `SURE`): then it could not change the pick
    by more than which of two near-identical texts is returned."""
    cands = run_extractors(html, ("readability", "trafilatura"))
    r, t = ("\n".join(cands[k]) for k in ("readability", "trafilatura"))
    if len(nows(r)) >= 10 and agreement(r, t) >= SURE:
        return choose(cands)
    cands.update(run_extractors(html, ("gne",)))
    return choose(cands)


def choose(candidates: dict[str, list[str]], min_chars: int = 10) -> BodyChoice:
    texts = {k: "\n".join(v) for k, v in candidates.items()}
    valid = [k for k in PREFERENCE if k in texts and len(nows(texts[k])) >= min_chars]
    agreements = {f"{a}~{b}": round(agreement(texts[a], texts[b]), 3)
                  for a, b in combinations(valid, 2)}
    if not valid:
        return BodyChoice([], None, "no extractor found text", candidates, agreements)
    if len(valid) == 1:
        k = valid[0]
        return BodyChoice(candidates[k], k, f"only {k} found text", candidates, agreements)
    best_pair, best = max(((p, a) for p, a in agreements.items()), key=lambda x: x[1])
    if best >= AGREE:
        pair = best_pair.split("~")
        k = next(n for n in PREFERENCE if n in pair)
        return BodyChoice(candidates[k], k, f"{best_pair} agree ({best:.2f})", candidates,
                          agreements)
    k = valid[0]
    return BodyChoice(candidates[k], k, f"no two agree (best {best_pair} {best:.2f}); "
                                        f"preferred {k}", candidates, agreements)


def adjacent_data_tables(tree, lines: list[str], max_rows: int = 400) -> list[str]:
    """Rows of data tables that directly follow the chosen text in the page (extractors tend
    to drop a table closing an article: 附：招生计划表). A table counts when the element just
    before it ends with the text's last line and few of its characters are links."""
    if not lines:
        return []
    last = nows(lines[-1])[-12:]
    have = nows("".join(lines))
    out: list[str] = []
    for tbl in tree.iter("table"):
        prev = tbl.getprevious()
        while prev is not None and not nows(prev.text_content()):
            prev = prev.getprevious()
        if prev is None or not last or last not in nows(prev.text_content())[-400:]:
            continue
        text = nows(tbl.text_content())
        if len(text) < 20 or text[:20] in have:
            continue
        link = sum(len(nows(a.text_content())) for a in tbl.iter("a"))
        if link > 0.3 * len(text):
            continue
        rows = []
        for tr in list(tbl.iter("tr"))[:max_rows]:
            cells = [" ".join(block_lines(td)) for td in tr if isinstance(td.tag, str)
                     and td.tag in _CELL_TAGS]
            rows.append([c for c in cells if c])
        grid = [r for r in rows if len(r) >= 2]
        if len(grid) < 3 or len(grid) < 0.6 * len(rows):
            continue                        # a wrapper or a one-column list, not a data grid
        out = [" ".join(r) for r in rows if r and not _is_bottom_junk(" ".join(r))]
        break
    return out


# ----------------------------------------------------------------------------- boilerplate

_NAV_LINE = re.compile(r"^(?:[^|｜]{1,14}[|｜]){2,}[^|｜]{0,14}$")
_CRUMB = re.compile(r"^(?:当前位置|您的位置|你的位置|您现在的位置|现在位置|位置)\s*[:：]|"
                    r"^(?:[^>»＞]{1,16}\s*(?:>>?|»|＞|->|/)\s*){2,}[^>»＞]{0,30}$")
_META_WORDS = re.compile(r"来源|作者|记者|编辑|阅读|评论|发布|发表|楼主|发帖|点击|浏览|字号|分享|时间|日期")
_EDITOR_LINE = re.compile(r"^[(（\[【]?\s*(?:楼主|发帖人|原标题|原文标题|文章来源|责任编辑|责编|编辑|审核|校对|监制|编审|值班编辑|本文编辑|"
                          r"来源|稿源|出处|作者|摄影|图片来源|文字|终审|初审)\s*[:：]")
_COPYRIGHT = re.compile(r"版权所有|版权声明|copyright|©|\(c\)\s*\d{4}|未经.{0,12}(?:授权|许可)|"
                        r"转载请注明|不得转载|免责声明|ICP备|ICP证|网安备", re.I)
_RELATED = re.compile(r"^[【\[]?(?:相关新闻|相关阅读|相关报道|相关链接|相关文章|相关推荐|延伸阅读|推荐阅读|"
                      r"热点推荐|热门推荐|猜你喜欢|更多精彩|更多阅读|热门文章|精彩推荐|往期回顾|"
                      r"今日推荐|新闻排行|点击排行|热点新闻|图片新闻|网友评论|我要评论|发表评论|"
                      r"评论列表|最新评论|相关专题|最近文章|最新文章|推荐文章|其他文章|小编最近文章)[】\]]?\s*[:：>》]*\s*$")
_UI_LINE = re.compile(r"^(?:[【\[(（]?\s*(?:打印|关闭|关闭窗口|打印本页|打印本稿|打印此文|收藏|"
                      r"收藏本页|分享|分享到|推荐给朋友|返回顶部|返回|回到顶部|顶部|字号|大|中|小|"
                      r"上一篇|下一篇|上一页|下一页|纠错|我要纠错|举报|复制链接|扫一扫|"
                      r"点赞|评论|转发|微信|微博|QQ空间|发表评论|查看评论|进入论坛|放大|缩小|"
                      r"默认|加入收藏|设为首页|E-mail推荐|邮件推荐)\s*[】\])）]?\s*[:：|｜/、·]?\s*)+$")
_SHARE = re.compile(r"^(?:分享到|扫一扫|扫描二维码|长按识别|关注我们|点击关注|责任编辑|字号)")


def _is_top_junk(ln: str, title: str | None) -> bool:
    n = nows(ln)
    if title and (n == nows(title) or (len(n) >= 6 and nows(title).startswith(n))):
        return True
    if _NAV_LINE.match(ln) or _CRUMB.match(ln) or _UI_LINE.match(ln) or _EDITOR_LINE.match(ln):
        return True
    if len(ln) < 80 and "。" not in ln and _META_WORDS.search(ln):
        from crawlers.dates import find_dates
        if find_dates(ln, relative=False, limit=1) or re.search(r"[:：]\s*\S", ln) and len(ln) < 40:
            return True
    if len(ln) < 40:
        from crawlers.dates import find_dates
        found = find_dates(ln, relative=False, limit=2)
        if found and len(nows(ln)) - sum(len(nows(r.text)) for r in found) <= 6:
            return True                             # a line that is only a date
    return False


def _is_bottom_junk(ln: str) -> bool:
    if len(ln) > 160:
        return False
    return bool(_EDITOR_LINE.match(ln) or _COPYRIGHT.search(ln) or _UI_LINE.match(ln)
                or _SHARE.match(ln) or _NAV_LINE.match(ln) or _RELATED.match(ln))


def clean_lines(lines: list[str], title: str | None = None) -> list[str]:
    lines = [ln for ln in lines if ln.strip()]
    # a "related articles" header in the last part cuts everything after it
    for i in range(len(lines) - 1, max(-1, len(lines) // 3 - 1), -1):
        if _RELATED.match(lines[i]) and i > 0:
            lines = lines[:i]
            break
    lines = [ln for ln in lines if not _UI_LINE.match(ln)]
    top = 0
    while top < len(lines) and top < 8 and _is_top_junk(lines[top], title):
        top += 1
    lines = lines[top:]
    while lines and _is_bottom_junk(lines[-1]):
        lines.pop()
    return lines
