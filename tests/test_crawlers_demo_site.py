"""The demo news site: content that develops with the injected clock."""
from __future__ import annotations

import urllib.error
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree

from crawlers.demo_site import DemoSite, load_storyline
from crawlers.extract import decode_html
from crawlers.runner import crawl_once
from yuqing.model import Item
from yuqing.timeutil import SHANGHAI, ManualClock

pytestmark = pytest.mark.integration
START = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)
SOURCES = Path(__file__).parents[1] / "config" / "sources.yaml"


def fetch(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.read(), r.headers.get("Content-Type", "")
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers.get("Content-Type", "")


def rss_titles(site: DemoSite) -> list[str]:
    status, body, _ = fetch(site.url + "/rss.xml")
    assert status == 200
    root = etree.fromstring(body)
    return [t.text for t in root.findall("./channel/item/title")]


@pytest.fixture()
def clock():
    return ManualClock(START)


def test_storyline_shape():
    _info, arts = load_storyline()
    offsets = [a.offset for a in arts]
    assert sum(1 for o in offsets if 10 <= o <= 20) >= 3     # the first few within 10-20 s
    assert max(offsets) <= 660
    assert {"gbk-header", "gbk-none", "gbk-meta", "utf8-as-gb2312"} <= {a.encoding for a in arts}
    assert {"fire-hubin", "food-daxuelu", "wage-jiubao", "noise-qianjiang", "rubbish-qinfeng",
            "festival-hefang"} <= {a.event for a in arts}


def test_more_articles_as_clock_advances(clock):
    with DemoSite(clock=clock) as site:
        assert rss_titles(site) == []
        clock.advance(timedelta(seconds=21))
        early = rss_titles(site)
        assert 3 <= len(early) <= 4
        assert "湖滨步行街一家店铺冒出滚滚浓烟" in early
        clock.advance(timedelta(seconds=300))
        mid = rss_titles(site)
        assert len(mid) > len(early)
        clock.advance(timedelta(seconds=600))
        assert len(rss_titles(site)) == len(site.articles)
        # the index lists them too
        status, body, _ = fetch(site.url + "/")
        assert status == 200 and body.decode("utf-8").count('href="/news/') == len(site.articles)


def test_future_article_is_404_and_speed(clock):
    with DemoSite(clock=clock, speed=60) as site:
        last = site.articles[-1]
        assert fetch(f"{site.url}/news/{last.slug}.html")[0] == 404
        clock.advance(timedelta(seconds=last.offset / 60 + 1))   # 60x: ten minutes in ~10 s
        assert fetch(f"{site.url}/news/{last.slug}.html")[0] == 200
        # published when it appears, so a faster story never carries a time in the future
        assert site.published_at(last) == START + timedelta(seconds=last.offset / 60)
        assert site.published_at(last) <= clock.now()


def test_encodings_and_growing_metrics(clock):
    with DemoSite(clock=clock) as site:
        clock.advance(timedelta(seconds=700))
        by_enc = {a.encoding: a for a in site.articles}
        status, body, ctype = fetch(f"{site.url}/news/{by_enc['gbk-header'].slug}.html")
        assert "charset=GBK" in ctype
        text, enc, _ = decode_html(body, "GBK")
        assert by_enc["gbk-header"].title in text
        status, body, ctype = fetch(f"{site.url}/news/{by_enc['gbk-none'].slug}.html")
        assert b"charset" not in body and "charset" not in ctype
        with pytest.raises(UnicodeDecodeError):
            body.decode("utf-8")
        text, enc, _ = decode_html(body, None)
        assert enc == "gb18030" and by_enc["gbk-none"].title in text
        a = by_enc["utf-8"]
        before = site.metrics(a)
        clock.advance(timedelta(minutes=5))
        after = site.metrics(a)
        assert all(after[k] >= before[k] for k in before) and after["views"] > before["views"]


def test_crawl_of_demo_site(clock):
    with DemoSite(clock=clock) as site:
        clock.advance(timedelta(seconds=200))
        got: list[dict] = []
        stats = crawl_once(SOURCES, {"DEMO_SITE": site.url}, on_item=got.append, timeout=120)
        assert stats.ok and not stats.dropped, stats.errors
        board = [i for i in got if i["id"].startswith("demoboard-")]
        assert board and all(i["platform"] == "gov_board" for i in board)   # the message board's API
        got = [i for i in got if i["id"].startswith("demo-")]               # the news site's pages
        visible = site.visible()
        assert len(got) == len(visible)                   # RSS and index dedupe to one each
        assert len({i["id"] for i in got}) == len(got)
        titles = {i["title"] for i in got}
        assert {a.title for a in visible} == titles
        for it in got:
            item = Item.model_validate(it)
            assert item.published_at.utcoffset() == timedelta(hours=8)
            assert "首页" not in it["content"]
        fire2 = next(i for i in got if i["title"].startswith("湖滨步行街商铺突发火情"))
        assert fire2["source"] == "都市快报" and "有人被困" in fire2["content"]
        assert fire2["published_at"] == (START + timedelta(seconds=90)).isoformat()
        assert fire2["metrics"]["views"] > 0
