"""Decoding and extraction (no network, no /work/shared)."""
from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import pytest

from crawlers.extract import decode_html, extract_article, looks_mojibake
from crawlers.sources import SourcesError, parse_sources

PAGES = Path(__file__).parent / "fixtures" / "pages"
GBK_PAGE = (PAGES / "article_gbk_template.html").read_text(encoding="utf-8")
SENTENCE = "南星桥菜场门口的人行道几乎被流动摊贩占满"


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
    assert isinstance(art["content"], str)


def test_garbage_does_not_crash():
    for junk in ("<<<>>>", "\x00\x01\x02", "<html><body></body></html>", "plain text only"):
        art = extract_article(junk, None)
        assert isinstance(art["content"], str)
    text, _, _ = decode_html(bytes(range(256)) * 10, None)
    assert isinstance(text, str)


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
    assert {s.kind for s in cfg.sources} == {"rss", "listing"}
