"""Who wrote a page: author, editor and source from meta tags and Chinese bylines.

Rules, in order (the first that yields a name wins):

1. a labelled byline in the article header (the lines between the headline and the body):
   ``作者：X``, ``文/X``, ``X/文``, ``撰文：X``, ``记者 X`` (``本报记者``, ``新京报记者`` ...), and on
   forums ``楼主：X`` or ``X 发表于 …``;
2. a person named by the page's meta data: ``<meta name="author">``, ``article:author``,
   ``dc.creator``, ``citation_author(s)``, JSON-LD ``author.name``, unless it is a URL, an
   e-mail address, the site's own name or an organisation (网络, 公司, 报社 ...);
3. the same labelled bylines at the foot of the article, and the closing signature Chinese
   news uses: ``（记者 X）``, ``（X）``, ``（X 上海报道）`` as the last thing in the text;
4. a line holding only names right under the headline (``张三 李四``);
5. the editor, when nothing above names anyone: ``责任编辑：X``, ``编辑：X`` (the result says
   ``author_role == "editor"`` so callers can tell).

``来源：X`` is always the *source* (the outlet), never the author; ``编辑`` is always the
editor. Reporters listed with ``通讯员`` keep only the reporters. A place before 报道 or 电
(``记者 X 上海报道``) is not a name.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_CJK = r"\u4e00-\u9fa5"
_NAME = rf"[{_CJK}]{{2,4}}(?:·[{_CJK}]{{1,8}})?"
_SEP = r"[ \u3000\xa0、，,;；]+"
_NAMES = rf"({_NAME}(?:{_SEP}{_NAME}){{0,3}})"
_HANDLE = rf"([\w{_CJK}·.\-]{{2,24}})"
_END = (r"(?=$|[\s\u3000\xa0,，。;；:：)）\]】|｜/／>_A-Za-z0-9]|报道|摄|电|讯|素材|来源|通讯员|实习生|编辑|"
        r"整理|供图|发自|发布|时间|日期)")
_B = rf"(?:^|(?<=[\s|｜【\[（(:：,，。；;/]))"

_AUTHOR_LABEL = r"(?:作者|作\s+者|撰文|撰稿|撰稿人)\s*[:：/／]\s*"
_WRITER = [
    ("author", re.compile(_B + _AUTHOR_LABEL + _NAMES + _END)),
    ("author", re.compile(_B + _AUTHOR_LABEL + _HANDLE)),
    ("author", re.compile(rf"(?:^|(?<=[\s|｜【\[（(，,。；;]))文\s*[:：/／|｜]\s*{_NAMES}{_END}")),
    ("author", re.compile(rf"(?:^|(?<=[\s|｜【\[（(]))(?:[{_CJK}]{{0,3}}记者)?{_NAMES}\s*[/／]\s*文(?![{_CJK}])")),
    ("reporter", re.compile(rf"(?:^|(?<=[\s|｜【\[（(:：,，。；;/]))[{_CJK}·]{{0,10}}?记者\s*[:：]?\s*{_NAMES}{_END}")),
    ("poster", re.compile(_B + r"(?:楼主|发帖人|发帖者|发表者|博主|帖主|贴主)\s*[:：]?\s*" + _HANDLE)),
    ("poster", re.compile(rf"(?:^|(?<=[\s|｜\]】》」』)）]))([\w{_CJK}·.\-]{{2,24}})\s*(?:发表于|发布于|发表在|posted)",
                          re.I)),
]
_HANDLE_RULES = (1, 5, 6)      # rules whose group may be a user name rather than a real name
_FOOT_RULES = (0, 1, 2, 3, 4)  # forum-post rules only count in the header
_SIGNATURE = re.compile(
    rf"[(（]\s*(?:[{_CJK}·]{{0,10}}?(?:记者|通讯员)\s*)?{_NAMES}"
    rf"(?:\s+[{_CJK}]{{2,8}}?(?:报道|电))?\s*[)）]\s*$")
_EDITOR = re.compile(rf"(?:责任编辑|责编|本文编辑|值班编辑|编辑)\s*[:：]\s*{_NAMES}{_END}")
_SOURCE = re.compile(r"(?:来源|稿源|出处|来自)\s*[:：]\s*([^\s|｜,，;；]{2,30})")
_ONLY_NAMES = re.compile(rf"^{_NAMES}$")
_PAD = re.compile(rf"(?<![{_CJK}])([{_CJK}])[ \u3000\xa0]{{1,3}}([{_CJK}])(?![{_CJK}])")

STOP = {"记者", "编辑", "责任编辑", "来源", "本报", "通讯员", "作者", "未知", "佚名", "admin",
        "阅读", "评论", "点击", "分享", "收藏", "点赞", "转发", "字号", "打印", "关闭", "搜索",
        "报道", "摄影", "发布", "首页", "返回", "登录", "注册", "更多", "推荐", "相关", "网友",
        "游客", "匿名", "管理员", "小编", "本站", "本网", "本台", "原创", "转载", "投稿", "联系",
        "时间", "日期", "浏览", "次数", "人气", "查看", "回复", "引用", "举报", "顶部", "图片",
        "视频", "新闻", "资讯", "频道", "专题", "栏目", "导读", "正文", "全文", "简介", "详情",
        "关注", "热点", "最新", "今日", "通知", "公告", "文章", "来自", "发表", "标题", "内容",
        "本文", "编者按", "网络", "综合", "整理", "供稿", "楼主", "博主", "版主", "会员", "用户",
        "null", "none", "unknown"}
_NOT_NAME = re.compile(r"评论|登录|注册|打印|关闭|推荐|收藏|分享|返回|更多|首页|发表|查看|回复|点击|下载|订阅|"
                       r"搜索|设为|加入|导航|热线|广告|联系|投稿|纠错|举报|帮助|频道|专题|图片|视频|新闻|"
                       r"网友|论坛|社区|博客|留言|代码|目录|说明|简介|单位|地址|电话|邮箱|时间|日期|标题|"
                       r"报道$|电$|讯$|^(?:表示|介绍|了解|获悉|看到|发现|采访|调查|询问|致电|注意|证实|透露|"
                       r"指出|近日|日前|今天|昨天|前天|刚刚|现场|走访|来到|获得|得知|咨询|实地|随机|再次|"
                       r"多方|一行|同志|朋友|一起|这里|那里|当时|随后|此前|目前)$")
_ORG = re.compile(r"网络|公司|集团|报社|日报|晚报|早报|新闻|频道|杂志|电视|广播|传媒|科技|编辑部|综合|自媒体|"
                  r"中心|出版|政府|委员会|办公室|研究院|大学|学院|协会|网站|网$|报$|社$|台$|"
                  r"team|inc\b|ltd|corp|co\.|\.com|\.cn|www|http", re.I)


@dataclass
class Byline:
    author: str | None = None
    role: str | None = None          # author / reporter / poster / editor / meta
    found_in: str | None = None      # header / meta / footer / names-line / editor
    editor: str | None = None
    source: str | None = None


def nows(s: str) -> str:
    return re.sub(r"\s+", "", s or "")


def unpad(s: str) -> str:
    """'傅　谨' -> '傅谨': two-character names padded to three columns."""
    return _PAD.sub(r"\1\2", s)


def clean_names(raw: str | None, *, handle: bool = False, phrase: int = 7) -> str | None:
    if not raw:
        return None
    s = unpad(re.sub(r"\s+", " ", raw)).strip(" ：:，,;；|/、·")
    s = re.split(r"\s*(?:责任编辑|编辑|责编|来源|发布时间|发布于|发表于|时间|日期|摄影|通讯员|实习生)\s*[:：]?"
                 r"|\s+(?:发布|时间|日期)", s)[0].strip()
    parts = [p for p in re.split(r"[ \u3000、，,;；]+", s) if p and p.lower() not in STOP
             and p not in STOP and not _NOT_NAME.search(p)]
    if not parts:
        return None
    if not handle and any(not re.fullmatch(_NAME, p) for p in parts):
        parts = [p for p in parts if re.fullmatch(_NAME, p)]
        if not parts:
            return None
    if handle and any(re.fullmatch(rf"[{_CJK}]{{{phrase},}}", p) for p in parts):
        return None                 # a phrase, not a user name
    out = " ".join(parts[:4])
    if len(out) > 40 or out.isdigit():
        return None
    return out


def _drop_place(names: str, after: str) -> str | None:
    """'彭冲 山东冠县' followed by '报道' -> '彭冲' (the last word is where it was reported)."""
    if re.match(r"\s*(?:报道|电|讯)", after):
        parts = names.split()
        if len(parts) >= 2:
            return " ".join(parts[:-1])
        return None if re.match(r"\s*电", after) else names
    return names


def writer_in(line: str, rules=None) -> tuple[str, str] | None:
    """(name, role) of a labelled byline in one line, or None."""
    if len(line) > 200:
        return None
    line = unpad(line)
    for k, (role, rx) in enumerate(_WRITER):
        if rules is not None and k not in rules:
            continue
        for m in rx.finditer(line):
            raw = m.group(1)
            if role == "reporter":
                if len(line) > 80 and not re.search(r"[(（【\[]\s*[^)）】\]]{0,12}$", line[:m.start(1)]) \
                        and m.start() > 0:
                    continue                 # "记者 X" inside running text, not a byline
                raw = _drop_place(raw, line[m.end(1):])
            name = clean_names(raw, handle=k in _HANDLE_RULES)
            if name:
                return name, role
    return None


def signature_in(line: str) -> str | None:
    m = _SIGNATURE.search(unpad(line))
    if not m:
        return None
    return clean_names(m.group(1))


def editor_in(line: str) -> str | None:
    if len(line) > 200:
        return None
    m = _EDITOR.search(unpad(line))
    return clean_names(m.group(1)) if m else None


def source_in(line: str) -> str | None:
    if len(line) > 200:
        return None
    m = _SOURCE.search(line)
    if not m:
        return None
    s = m.group(1).strip("：:（）()【】[]")
    return s if len(s) >= 2 and s not in STOP else None


def person_from_meta(value: str | None, site_words: set[str]) -> str | None:
    """A meta author value if it names a person (not a URL, e-mail, site or organisation)."""
    if not value:
        return None
    v = value.strip()
    if not v or "@" in v or "://" in v or _ORG.search(v):
        return None
    if len(nows(v)) <= 6 and v in site_words:      # the site's own short name (网易 ...)
        return None
    for w in site_words:
        if len(nows(w)) >= 3 and nows(w) in nows(v):
            rest = nows(v).replace(nows(w), "", 1).strip("-_|·:：()（）@")
            if re.fullmatch(_NAME, rest):
                return rest                         # "某网-张三": the person after the site
            if not re.fullmatch(r"[A-Za-z][\w.\-]{1,30}", rest):
                return None                         # "新浪财经-某栏目": the site, not a person
            break                                   # "博客名 (handle)": the blog's owner
    v = re.sub(r"\s*[;；|]\s*", " ", v)
    name = clean_names(v, handle=True, phrase=11)
    if name and len(nows(name)) <= 6 and any(w and (w == name or name in w) for w in site_words):
        return None
    return name


def names_line(line: str) -> str | None:
    s = unpad(line.strip())
    if len(s) > 30:
        return None
    m = _ONLY_NAMES.match(s)
    if not m:
        return None
    parts = re.split(r"[ \u3000\xa0、，,;；]+", m.group(1))
    if any(p in STOP or _ORG.search(p) or _NOT_NAME.search(p) or not 2 <= len(p) <= 3
           for p in parts):
        return None
    return clean_names(m.group(1))


def find_byline(header: list[str], footer: list[str], last_lines: list[str],
                meta_people: list[str], near_title: list[str], around: list[str]) -> Byline:
    """Apply the rules above. `header`: lines between headline and body (and the first body
    line); `footer`: the last body lines and those just after it; `last_lines`: the last body
    lines (where a closing signature sits); `near_title`: the lines right after the headline;
    `around`: a wider window for editor and source lines."""
    out = Byline()
    for ln in header + around + footer:
        if out.editor is None:
            out.editor = editor_in(ln)
        if out.source is None:
            out.source = source_in(ln)
    for ln in header:
        got = writer_in(ln)
        if got:
            out.author, out.role, out.found_in = got[0], got[1], "header"
            return out
    for name in meta_people:
        if name:
            out.author, out.role, out.found_in = name, "author", "meta"
            return out
    for ln in reversed(last_lines):
        sig = signature_in(ln)
        if sig:
            out.author, out.role, out.found_in = sig, "author", "signature"
            return out
    for ln in reversed(footer):
        got = writer_in(ln, _FOOT_RULES)
        if got:
            out.author, out.role, out.found_in = got[0], got[1], "footer"
            return out
    for ln in near_title:
        name = names_line(ln)
        if name:
            out.author, out.role, out.found_in = name, "author", "names-line"
            return out
    if out.editor:
        out.author, out.role, out.found_in = out.editor, "editor", "editor"
    return out
