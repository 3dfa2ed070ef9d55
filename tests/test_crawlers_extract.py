"""Decoding and extraction on pages written for these tests (no network, no /work/shared)."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from crawlers.body import agreement, choose, clean_lines, is_layout_table, untable
from crawlers.bylines import find_byline, person_from_meta
from crawlers.extract import decode_html, extract_article, looks_mojibake
from crawlers.pagekind import page_kind
from crawlers.sources import SourcesError, parse_sources
from yuqing.timeutil import SHANGHAI

PAGES = Path(__file__).parent / "fixtures" / "pages"
GBK_PAGE = (PAGES / "article_gbk_template.html").read_text(encoding="utf-8")
SENTENCE = "南星桥菜场门口的人行道几乎被流动摊贩占满"
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=SHANGHAI)


def _page(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


def _article(meta: str = "", header: str = "", body: str = "", tail: str = "",
             title: str = "清波街道老旧管网改造启动") -> str:
    """A small article page; `header` sits between the headline and the text."""
    paras = body or (
        "<p>清波街道今天启动老旧小区供水管网改造，涉及十二个小区约三千户居民，预计明年春节前完工。</p>"
        "<p>施工期间部分路段会临时封闭，街道提醒居民提前规划出行路线，并注意施工区域的安全提示。</p>"
        "<p>居民对改造普遍表示欢迎，希望施工单位文明施工，尽量减少对日常生活的影响。</p>")
    return (f"<html><head><meta charset='utf-8'><title>{title}_测试日报</title>{meta}</head><body>"
            f"<div class='nav'>首页 | 本地 | 社会</div><h1>{title}</h1>"
            f"<div class='info'>{header}</div><div class='text'>{paras}{tail}</div>"
            f"<div class='footer'>测试日报 版权所有</div></body></html>")


def test_gbk_without_declaration_decodes():
    body = GBK_PAGE.encode("gbk")
    assert b"charset" not in body
    text, enc, reason = decode_html(body, None)
    assert enc == "gb18030", reason
    assert SENTENCE in text
    assert not looks_mojibake(text)


def test_gbk_with_wrong_latin1_header_decodes():
    text, enc, _ = decode_html(GBK_PAGE.encode("gbk"), "ISO-8859-1")
    assert enc == "gb18030" and SENTENCE in text


def test_declared_gb2312_but_utf8_decodes_as_utf8():
    page = GBK_PAGE.replace("<head>", '<head><meta http-equiv="Content-Type" '
                                      'content="text/html; charset=gb2312">')
    text, enc, reason = decode_html(page.encode("utf-8"), None)
    assert enc == "utf-8"
    assert "gb2312" in reason  # says the declaration was ignored
    assert SENTENCE in text


def test_declared_gb2312_with_gbk_only_characters():
    # 镕 and 喆 are in GBK but not in GB2312: reading "gb2312" strictly would garble them
    page = GBK_PAGE.replace("<head>", '<head><meta charset="gb2312">').replace(
        "附近居民", "附近居民朱镕、王喆")
    text, enc, _ = decode_html(page.encode("gbk"), None)
    assert enc == "gb18030" and "朱镕、王喆" in text


def test_http_header_gbk():
    text, enc, reason = decode_html(GBK_PAGE.encode("gbk"), "GBK")
    assert enc == "gb18030" and "HTTP header" in reason and SENTENCE in text


def test_gbk_page_declaring_a_wrong_charset_decodes():
    for wrong in ("utf-8", "windows-1251", "koi8-r", "iso-8859-2", "big5"):
        page = GBK_PAGE.replace("<head>", f'<head><meta charset="{wrong}">')
        text, enc, reason = decode_html(page.encode("gbk"), None)
        assert enc == "gb18030", (wrong, reason)
        assert SENTENCE in text and not looks_mojibake(text)
    # a real single-byte page keeps its charset
    text, enc, _ = decode_html("<meta charset=windows-1251>Привет, мир".encode("cp1251"), None)
    assert enc == "cp1251" and "Привет" in text


def test_layout_table_gbk_page_without_declaration():
    body = _page("layout_table_gbk_template.html").encode("gbk")
    assert b"charset" not in body
    text, enc, _ = decode_html(body, None)
    art = extract_article(text, None, now=NOW)
    assert enc == "gb18030"
    assert art["title"] == "城南菜市场改造后摊位费上涨引争议"
    assert "部分摊主表示难以承受" in art["content"]
    assert "后续会对困难摊主给予适当减免" in art["content"]
    for chrome in ("首页", "热门推荐", "广告", "点击排行", "关于我们", "版权所有"):
        assert chrome not in art["content"], chrome
    assert art["published_at"] == "2026-11-10T09:30:00+08:00"
    assert art["author"] == "赵小测" and art["source"] == "测试网"


def test_layout_tables_become_divs_but_data_tables_stay():
    import lxml.html
    tree = lxml.html.fromstring(
        "<html><body><table><tr><td><table><tr><td>名称</td><td>数量</td></tr>"
        "<tr><td>苹果</td><td>3</td></tr></table></td>"
        "<td><p>" + "很长的正文段落。" * 40 + "</p></td></tr></table></body></html>")
    inner = tree.xpath("//table//table")[0]
    assert not is_layout_table(inner) and is_layout_table(tree.xpath("//table")[0])
    assert untable(tree) == 1
    assert len(tree.xpath("//table")) == 1 and tree.xpath("//table//td")[0].text == "名称"


def test_broken_html_still_yields_the_article():
    broken = (
        "<html><head><title>西湖区垃圾分类新规下月实施</title><body>"   # no </head>
        "<div class=nav>首页 | 新闻<div>"                               # unclosed
        "<h1>西湖区垃圾分类新规下月实施</h1></html>"                      # stray </html>
        "<div class=info>2026-11-18 10:00 来源：测试日报<span>"
        "<p>西湖区垃圾分类新规将于下月起实施，居民需按四类投放生活垃圾，违者将被劝导和处罚。"
        "<p>街道将在各小区设置督导员，帮助居民在过渡期内熟悉新的投放规则和时间。"
        "<p>区城管局表示，新规实施前会开展为期两周的宣传，并发放分类指南。</td></tr></table>"
        "<b><i>加粗斜体没关</b></i><img src=x onerror=alert(1)></div></div>")
    art = extract_article(broken, None, now=NOW)
    assert "居民需按四类投放生活垃圾" in art["content"]
    assert "并发放分类指南" in art["content"]
    assert art["published_at"] == "2026-11-18T10:00:00+08:00"
    assert art["title"] == "西湖区垃圾分类新规下月实施"


def test_chrome_has_a_newer_date_than_the_article():
    art = extract_article(_page("chrome_newer_date.html"), None, now=NOW)
    # top bar: 2026-11-20; latest-news list: 11-20 / 11-19; comments: 11-20. Article: 11-12.
    assert art["published_at"] == "2026-11-12T07:45:00+08:00", art["published_from"]
    assert art["published_confidence"] == "high"
    assert art["author"] == "陈小测" and art["author_role"] == "reporter"   # not 周某某 (通讯员)
    assert art["editor"] == "刘测试" and art["source"] == "测试晚报"
    assert "积水" in art["content"] and "排水管道的清淤" in art["content"]
    for chrome in ("星期五", "环城北路", "相关阅读", "老旧小区改造", "热心市民", "版权所有", "责任编辑"):
        assert chrome not in art["content"], chrome


@pytest.mark.parametrize("header, tail, meta, author, role", [
    ("作者：钱测试", "", "", "钱测试", "author"),
    ("作者：钱测试 孙测试　来源：测试日报", "", "", "钱测试 孙测试", "author"),
    ("文/钱测试", "", "", "钱测试", "author"),
    ("钱测试/文　2026-11-18", "", "", "钱测试", "author"),
    ("本报记者 钱测试 李测试", "", "", "钱测试 李测试", "reporter"),
    ("新华社记者 钱测试 杭州报道", "", "", "钱测试", "reporter"),
    ("记者 钱测试 通讯员 周测试", "", "", "钱测试", "reporter"),
    ("撰文：钱　测", "", "", "钱测", "author"),                        # padded two-character name
    ("", "<p>（记者 钱测试）</p>", "", "钱测试", "author"),
    ("", "<p>最后一段话说完了。（钱测试 上海报道）</p>", "", "钱测试", "author"),
    ("", "<p>（钱测试）</p>", "", "钱测试", "author"),
    ("", "", '<meta name="author" content="钱测试">', "钱测试", "author"),
    ("", "", '<meta name="author" content="测试日报社">', None, None),   # an organisation
    ("", "", '<meta name="author" content="https://example.org/x">', None, None),
    ("来源：钱测试网", "", "", None, None),                            # 来源 is the source
    ("来源：测试日报　编辑：钱测试", "", "", "钱测试", "editor"),       # editor only as a fallback
    ("作者：钱测试　责任编辑：孙测试", "", "", "钱测试", "author"),
    ("夜猫子老王 发表于 2026-11-15 22:40", "", "", "夜猫子老王", "poster"),
])
def test_bylines(header, tail, meta, author, role):
    art = extract_article(_article(meta=meta, header=header, tail=tail), None, now=NOW)
    assert art["author"] == author, (art["author"], art["author_from"])
    assert art["author_role"] == role
    if "来源：" in header:
        assert art["source"] and art["source"].startswith(header.split("来源：")[1][:4])
    if "编辑：" in header:
        assert art["editor"] in ("钱测试", "孙测试")


def test_byline_rules_directly():
    assert person_from_meta("李测试", set()) == "李测试"
    assert person_from_meta("测试日报", {"测试日报"}) is None
    assert person_from_meta("someone@example.org", set()) is None
    by = find_byline(header=["2026-11-18 来源：测试日报"], footer=[], last_lines=[],
                     meta_people=[], near_title=[], around=["责任编辑：孙测试"])
    assert (by.author, by.role, by.editor, by.source) == ("孙测试", "editor", "孙测试", "测试日报")
    by = find_byline(header=["他对记者表示，情况已经好转。"], footer=[], last_lines=[],
                     meta_people=[], near_title=[], around=[])
    assert by.author is None                      # 记者 in running text is not a byline


def test_forum_page_with_several_posts():
    art = extract_article(_page("forum_thread.html"), None, now=NOW)
    assert art["page_kind"] == "forum"
    assert art["title"] == "东湖路夜市噪音扰民怎么办？"
    assert "烧烤摊的音响声音特别大" in art["content"]
    assert "希望有关部门能够重视一下" in art["content"]
    for reply in ("市长热线", "城管来过一次", "挪到河边空地", "楼主：", "发表于"):
        assert reply not in art["content"], reply
    assert art["author"] == "夜猫子老王" and art["author_role"] == "poster"
    assert art["published_at"] == "2026-11-15T22:40:00+08:00"       # the first post, not a reply


def test_government_notice():
    art = extract_article(_page("gov_notice.html"), None, now=NOW)
    assert art["page_kind"] == "government"
    assert art["title"] == "关于开展冬季供暖安全检查的通知"
    # header says the day, the PubDate meta the minute: the finer reading of the same day
    assert art["published_at"] == "2026-11-05T16:20:00+08:00"
    assert art["source"] == "测试区住建局"
    assert art["author"] == "孙小测" and art["author_role"] == "editor"
    assert "开展供暖设施安全检查" in art["content"]
    assert "当前位置" not in art["content"] and "政府网站标识码" not in art["content"]


def test_relative_header_time_uses_the_injected_now():
    page = _article(header="3小时前 来源：测试日报")
    art = extract_article(page, None, now=NOW)
    assert art["published_at"] == (NOW - timedelta(hours=3)).isoformat(timespec="seconds")
    art = extract_article(_article(header="昨天 08:15"), None, now=NOW)
    assert art["published_at"] == "2026-11-19T08:15:00+08:00"
    art = extract_article(_article(header="11-18 09:05"), None, now=NOW)    # no year
    assert art["published_at"] == "2026-11-18T09:05:00+08:00"


def test_future_date_is_not_a_publish_time():
    art = extract_article(_article(header="2026-12-24 10:00"), None, now=NOW)
    assert art["published_at"] is None or art["published_at"] < "2026-11-21"


def test_json_ld_and_time_tag():
    ld = ('<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": '
          '"2026-11-17T06:30:00+08:00", "author": {"@type": "Person", "name": "钱测试"}}</script>')
    art = extract_article(_article(meta=ld), None, now=NOW)
    assert art["published_at"] == "2026-11-17T06:30:00+08:00" and art["author"] == "钱测试"
    tag = '<time datetime="2026-11-16T21:00:00+08:00" pubdate>昨晚</time>'
    art = extract_article(_article(tail=tag), None, now=NOW)
    assert art["published_at"] == "2026-11-16T21:00:00+08:00"


def test_choose_by_agreement():
    body = ["清波街道今天启动老旧小区供水管网改造，涉及十二个小区约三千户居民。",
            "施工期间部分路段会临时封闭，街道提醒居民提前规划出行路线。"]
    links = ["首页", "新闻排行", "热门推荐：秋季养生小窍门", "广告：专业装修一站式服务"]
    got = choose({"readability": links, "trafilatura": body + ["分享到："], "gne": body})
    assert got.chosen == "trafilatura" and got.lines[:2] == body      # the agreeing pair wins
    got = choose({"readability": body, "trafilatura": [], "gne": body[:1]})
    assert got.chosen == "readability"
    assert choose({"readability": [], "trafilatura": [], "gne": []}).lines == []
    assert agreement("同一段文字", "同一段文字") == 1.0 and agreement("", "x") == 0.0


def test_clean_lines_cuts_boilerplate_but_keeps_text():
    lines = ["当前位置：首页 > 新闻 > 本地", "2026-11-18 10:00 来源：测试日报 作者：钱测试",
             "正文第一段，说明了事情的经过。", "正文第二段，说明了各方的回应。",
             "（责任编辑：孙测试）", "相关新闻", "另一条新闻的标题", "版权所有 测试日报"]
    assert clean_lines(lines) == ["正文第一段，说明了事情的经过。", "正文第二段，说明了各方的回应。"]


@pytest.mark.parametrize("html, kind", [
    ('<html><head><meta name="SiteIDCode" content="1"></head><body><p>通知</p></body></html>',
     "government"),
    ("<html><head><title>某某论坛 - 帖子</title></head><body><p>楼主</p></body></html>", "forum"),
    ("<html><body>" + "<a href='/x'>频道链接</a>" * 200 + "<p>正文</p></body></html>", "portal"),
    ("<html><body><h1>标题</h1><p>" + "正文内容。" * 50 + "</p></body></html>", "news"),
])
def test_page_kind(html, kind):
    import lxml.html
    assert page_kind(lxml.html.fromstring(html)) == kind
    assert page_kind(lxml.html.fromstring("<p>x</p>"), "http://www.test.gov.cn/a") == "government"


_BIG_PAGE_SCRIPT = r"""
import json, resource, sys, time
from crawlers.extract import decode_html, extract_article
para = "<p>" + "测试内容很长，这是一个用来检查时间和内存上限的段落。" * 20 + "</p>\n"
links = "<div><a href='/a'>链接</a> <span>说明</span></div>\n" * 40000
html = ("<html><head><title>大页面</title><script>" + "var a=1;" * 100000 + "</script></head>"
        "<body><h1>大页面测试</h1><div>" + para * 8000 + "</div>" + links + "</body></html>")
body = html.encode("gbk")
t0 = time.monotonic()
text, enc, _ = decode_html(body, None)
art = extract_article(text, "http://127.0.0.1/huge")
print(json.dumps({"bytes": len(body), "seconds": time.monotonic() - t0, "enc": enc,
                  "content": len(art["content"]),
                  # VmHWM is this process's own peak: ru_maxrss keeps the parent's across fork+exec
                  "rss_mb": int(next(l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM:"))) / 1024}))
"""


def test_ten_megabyte_page_is_bounded_in_time_and_memory():
    root = Path(__file__).resolve().parents[1]
    run = subprocess.run([sys.executable, "-c", _BIG_PAGE_SCRIPT], cwd=root, capture_output=True,
                         text=True, timeout=120, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr[-2000:]
    got = json.loads(run.stdout.strip().splitlines()[-1])
    assert got["bytes"] > 10_000_000
    assert got["enc"] == "gb18030"
    assert got["seconds"] < 45, got
    assert got["rss_mb"] < 800, got
    assert 1000 < got["content"] <= 200_000, got


def test_empty_and_huge_pages_do_not_crash():
    assert decode_html(b"", None)[0] == ""
    assert decode_html(b"   \n", "utf-8")[0] == ""
    art = extract_article("", None)
    assert art["content"] == "" and art["published_at"] is None
    huge = ("<html><body>" + "<p>" + "测试内容很长。" * 50 + "</p>\n") * 5000 + "</body></html>"
    body = huge.encode("utf-8")
    assert len(body) > 4_000_000
    t0 = time.monotonic()
    text, enc, _ = decode_html(body, None)
    art = extract_article(text, "http://127.0.0.1/huge")
    assert time.monotonic() - t0 < 60
    assert art["content"].startswith("测试内容很长") and len(art["content"]) <= 200_000


def test_empty_pages():
    for empty in ("", "   \n\t", "<html></html>", "<html><head><title></title></head><body></body></html>",
                  "<!-- only a comment -->", "<script>var x = 1;</script>"):
        art = extract_article(empty, None, now=NOW)
        assert art["content"] == "" and art["published_at"] is None and art["author"] is None
    assert decode_html(b"", None) == ("", "ascii", "empty body")


def test_garbage_does_not_crash():
    for junk in ("<<<>>>", "\x00\x01\x02", "<html><body></body></html>", "plain text only",
                 "<div>" * 5000 + "深层嵌套" + "</div>" * 10, "<table>" * 3000 + "<td>x",
                 "<?xml version='1.0' encoding='gbk'?><html><body><p>中文</p></body></html>"):
        art = extract_article(junk, None)
        assert "<" not in art["content"] and "\x00" not in art["content"]   # text, never markup
    para = ("望江路一小区电梯停运半个月，居民上下楼十分不便。物业称配件还在路上，业主们多次向社区反映，"
            "希望有关部门督促尽快修复。街道表示已经约谈物业，将在本周内给出维修时间表。")
    assert para in extract_article(f"<?xml version='1.0' encoding='gbk'?><html><body><p>{para}</p></body></html>",
                                   None)["content"]
    text, _, _ = decode_html(bytes(range(256)) * 10, None)
    assert text and "\x00" not in text


def test_extract_article_fields():
    html = (PAGES / "article_utf8.html").read_text(encoding="utf-8")
    art = extract_article(html, "http://127.0.0.1/a/utf8.html")
    assert "望江路一小区电梯停运半月" in art["title"]
    assert art["author"] == "李测试"
    assert art["source"] == "测试日报"
    # meta time without zone -> Asia/Shanghai
    assert art["published_at"] == "2026-11-18T09:30:00+08:00"
    assert "物业和维保公司互相推诿" in art["content"]
    assert "首页 | 本地" not in art["content"]
    assert art["metrics"] == {"comments": 17, "views": 2300}


def test_extract_time_and_author_from_text():
    text, _, _ = decode_html(GBK_PAGE.encode("gbk"), None)
    art = extract_article(text, None)
    assert art["published_at"] == "2026-11-19T08:05:00+08:00"
    assert datetime.fromisoformat(art["published_at"]).utcoffset() is not None
    assert art["author"] == "王小测"
    assert SENTENCE in art["content"]


# ------------------------------------------------------------------ sources config

def _cfg(**over):
    entry = {"key": "s1", "name": "测试", "kind": "rss", "url": "http://127.0.0.1:1/rss.xml",
             "platform": "news", "interval_seconds": 60, "enabled": True}
    entry.update(over)
    return {"sources": [entry]}


def test_sources_valid_and_placeholder():
    cfg = parse_sources(_cfg(url="${DEMO_SITE}/rss.xml"), {"DEMO_SITE": "http://127.0.0.1:9/"})
    assert cfg.sources[0].url == "http://127.0.0.1:9/rss.xml"
    cfg = parse_sources(_cfg(), {"s1": "http://127.0.0.1:7/feed"})
    assert cfg.sources[0].url == "http://127.0.0.1:7/feed"


@pytest.mark.parametrize("over, needle", [
    ({"colour": "red"}, "colour"),
    ({"url": "ftp://example.org/x"}, "key 's1'"),
    ({"url": "not a url"}, "url"),
    ({"url": "${NOPE}/rss.xml"}, "NOPE"),
    ({"kind": "atom"}, "kind"),
    ({"platform": "tiktok"}, "platform"),
    ({"interval_seconds": 1}, "interval_seconds"),
])
def test_sources_rejected(over, needle):
    with pytest.raises(SourcesError) as ei:
        parse_sources(_cfg(**over))
    assert needle in str(ei.value)
    assert "sources[0]" in str(ei.value)


def test_project_sources_file_is_valid():
    from crawlers.sources import load_sources
    cfg = load_sources(Path(__file__).parents[1] / "config" / "sources.yaml",
                       {"DEMO_SITE": "http://127.0.0.1:8765"})
    assert {s.kind for s in cfg.sources} == {"rss", "listing", "json_api", "hotline"}


def test_data_table_closing_the_article_is_kept_and_link_tables_are_not():
    rows = "".join(f"<tr><td>{n}号楼</td><td>{n * 10}户</td><td>12月{n}日</td></tr>" for n in range(1, 9))
    table = f"<table><tr><th>楼栋</th><th>户数</th><th>停水日期</th></tr>{rows}</table>"
    body = ("<p>清波街道今天启动老旧小区供水管网改造，涉及十二个小区约三千户居民，预计明年春节前完工。</p>"
            "<p>施工期间部分路段会临时封闭，街道提醒居民提前规划出行路线，并注意施工区域的安全提示。</p>"
            "<p>附：分楼栋停水安排</p>")
    art = extract_article(_article(body=f"<div>{body}</div>{table}"), None, now=NOW)
    assert "附：分楼栋停水安排" in art["content"]
    assert "3号楼 30户 12月3日" in art["content"]
    links = "".join(f"<tr><td><a href='/n/{n}'>其他新闻标题第{n}条</a></td></tr>" for n in range(8))
    art = extract_article(_article(body=f"<div>{body}</div><table>{links}</table>"), None, now=NOW)
    assert "其他新闻标题" not in art["content"]
