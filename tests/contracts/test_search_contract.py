"""The SearchIndex contract, run against every implementation.

- fts5: SQLite FTS5 in a temporary file;
- elastic-osmem: ElasticIndex on an osmem-server started for the session (skipped when it is
  not installed; under CI that fails);
- elastic-live: ElasticIndex on a real cluster at YUQING_TEST_ES_URL (skipped when unset;
  YUQING_TEST_ES_ANALYZER picks the analyzer, auto by default).
"""
from __future__ import annotations

import os
import uuid
from datetime import datetime, timedelta

import pytest

from tests.servers.search import ES_OPTIONS, osmem_search_url  # noqa: F401  (fixture)
from yuqing.search import make_search
from yuqing.search.fts5 import Fts5Index
from yuqing.seams import NotConfigured, SearchDoc, SearchQuery
from yuqing.settings import Settings

T = datetime.fromisoformat
LONG_HEAD = "据网友反映，近日城区多条道路施工，早晚高峰拥堵明显，部分路段公交绕行，市民出行多有不便。" * 5


def docs() -> list[SearchDoc]:
    return [
        SearchDoc("a1", "湖滨步行街夜间噪音扰民",
                  "市民反映，每天晚上十点以后湖滨步行街仍有商户外放音乐，噪音很大，影响休息。",
                  T("2026-11-20T01:00:00+08:00"), platform="weibo", source="网友甲", event_id="e1",
                  unit="湖滨街道", level="一般", category="环境污染", negative=True),
        SearchDoc("a2", "步行街周末人流量大",
                  "本周末市中心步行街人流量创新高，交警提醒市民注意安全。",
                  T("2026-11-19T23:30:00+08:00"), platform="news", source="晚报",
                  unit="交警大队", level="无", category="交通出行", negative=False),
        SearchDoc("a3", "湖滨公园落叶清扫及时",
                  "湖滨公园的环卫工人清晨六点就开始清扫落叶，游客点赞。",
                  T("2026-11-21T08:00:00+08:00"), platform="wechat", unit="环卫所", level="无",
                  category="城市管理", negative=False),
        SearchDoc("a4", "<b>紧急</b><script>alert(1)</script>停水通知",
                  "网传<img src=x onerror=alert(1)>某小区停水，湖滨步行街附近商户也受影响。",
                  T("2026-11-20T23:59:00+08:00"), platform="weibo", event_id="e2",
                  unit="水务集团", level="较大", category="公共服务", negative=True),
        SearchDoc("a5", "学校食堂饭菜质量引关注",
                  "有家长在网上发帖称孩子学校食堂的饭菜不新鲜，教育局已介入调查。",
                  T("2026-11-18T12:00:00+08:00"), platform="douyin", unit="教育局", level="重大",
                  category="教育", negative=True),
        SearchDoc("a6", "城区交通情况汇总",
                  LONG_HEAD + "另有网友提到湖滨步行街入口处的护栏损坏，希望尽快修复。",
                  T("2026-11-17T09:00:00+08:00"), platform="news", unit="湖滨街道", level="一般",
                  category="城市管理", negative=False),
    ]


# --------------------------------------------------------------------------------- fixtures
@pytest.fixture(params=["fts5", "elastic-osmem", "elastic-live"])
def empty(request, tmp_path):
    """A new, empty index of each implementation."""
    if request.param == "fts5":
        index = Fts5Index(tmp_path / "search.db")
    else:
        from yuqing.search.elastic import ElasticIndex
        name = f"yuqing-test-{uuid.uuid4().hex[:12]}"
        if request.param == "elastic-osmem":
            index = ElasticIndex(request.getfixturevalue("osmem_search_url"), index=name, **ES_OPTIONS)
        else:
            url = os.environ.get("YUQING_TEST_ES_URL")
            if not url:
                pytest.skip("YUQING_TEST_ES_URL is not set (a live Elasticsearch cluster)")
            index = ElasticIndex(url, index=name,
                                 analyzer=os.environ.get("YUQING_TEST_ES_ANALYZER", "auto"))
    yield index
    if hasattr(index, "drop"):
        index.drop()
    index.close()


@pytest.fixture
def index(empty):
    assert empty.index(docs()) == len(docs())
    return empty


def ids(result) -> set[str]:
    return {h.id for h in result.hits}


def find(index, text="", **kw):
    return index.search(SearchQuery(text=text, **kw))


# --------------------------------------------------------------------------------- matching
def test_chinese_substring_found_in_longer_text(index):
    r = find(index, "湖滨步行街")
    # a3 has 湖滨 but not 步行街 and a2 has 步行街 but not 湖滨: substring, not any-gram, matching.
    assert ids(r) == {"a1", "a4", "a6"} and r.total == 3


def test_two_character_queries(index):
    assert ids(find(index, "步行")) == {"a1", "a2", "a4", "a6"}
    assert ids(find(index, "湖滨")) == {"a1", "a3", "a4", "a6"}
    assert ids(find(index, "食堂")) == {"a5"}
    assert find(index, "湖步").total == 0


def test_one_character_query(index):
    assert ids(find(index, "噪")) == {"a1"}
    assert ids(find(index, "，噪")) == {"a1"}             # punctuation in a short term


def test_title_only_match(index):
    assert ids(find(index, "扰民")) == {"a1"}
    assert ids(find(index, "汇总")) == {"a6"}


def test_several_terms_must_all_match(index):
    assert ids(find(index, "湖滨 噪音")) == {"a1"}
    assert ids(find(index, "湖滨步行街 护栏")) == {"a6"}
    assert find(index, "湖滨 食堂").total == 0


def test_no_match(index):
    assert find(index, "不存在的词语").total == 0
    assert find(index, "不存在的词语").hits == []


def test_text_hits_best_first(index):
    r = find(index, "湖滨步行街")
    scores = [h.score for h in r.hits]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0
    # In a1 it is in the title and a short text; in a6 once, deep in a long text.
    assert r.hits[0].id == "a1" and r.hits[-1].id == "a6"


def test_hit_carries_the_document_fields(index):
    (h,) = find(index, "噪音").hits
    assert (h.id, h.title, h.platform, h.source, h.event_id, h.unit, h.level) == (
        "a1", "湖滨步行街夜间噪音扰民", "weibo", "网友甲", "e1", "湖滨街道", "一般")
    assert h.published_at == T("2026-11-20T01:00:00+08:00") and h.published_at.tzinfo is not None


# --------------------------------------------------------------------------------- filters
def test_filters_by_platform_unit_level_category_negative(index):
    assert ids(find(index, platforms=["weibo"])) == {"a1", "a4"}
    assert ids(find(index, platforms=["weibo", "douyin"])) == {"a1", "a4", "a5"}
    assert ids(find(index, units=["湖滨街道"])) == {"a1", "a6"}
    assert ids(find(index, levels=["较大", "重大"])) == {"a4", "a5"}
    assert ids(find(index, categories=["城市管理"])) == {"a3", "a6"}
    assert ids(find(index, negative=True)) == {"a1", "a4", "a5"}
    assert ids(find(index, negative=False)) == {"a2", "a3", "a6"}
    assert find(index, platforms=[]).total == 0


def test_filters_combine_with_text(index):
    assert ids(find(index, "湖滨步行街", platforms=["weibo"])) == {"a1", "a4"}
    assert ids(find(index, "湖滨步行街", negative=False)) == {"a6"}
    assert ids(find(index, "湖滨", units=["湖滨街道"], levels=["一般"])) == {"a1", "a6"}


def test_time_range_since_inclusive_until_exclusive(index):
    since = T("2026-11-20T01:00:00+08:00")                 # a1's time exactly
    until = T("2026-11-20T23:59:00+08:00")                 # a4's time exactly
    assert ids(find(index, since=since, until=until)) == {"a1"}
    assert ids(find(index, since=since)) == {"a1", "a3", "a4"}
    assert ids(find(index, until=T("2026-11-19T00:00:00+08:00"))) == {"a5", "a6"}
    # The same instant in another zone is the same bound.
    assert ids(find(index, since=T("2026-11-19T17:00:00+00:00"), until=T("2026-11-20T00:00:00+00:00"))) == {"a1"}
    assert ids(find(index, "湖滨步行街", since=since)) == {"a1", "a4"}


def test_pagination_without_text_newest_first(index):
    pages = [find(index, limit=4, offset=0), find(index, limit=4, offset=4), find(index, limit=4, offset=8)]
    assert [p.total for p in pages] == [6, 6, 6]
    assert [len(p.hits) for p in pages] == [4, 2, 0]
    order = [h.id for p in pages for h in p.hits]
    assert order == ["a3", "a4", "a1", "a2", "a5", "a6"]


def test_pagination_with_text(index):
    everything = [h.id for h in find(index, "湖滨", limit=10).hits]
    paged = [h.id for off in (0, 2) for h in find(index, "湖滨", limit=2, offset=off).hits]
    assert paged == everything and len(everything) == 4


# --------------------------------------------------------------------------------- writing
def test_reindexing_an_id_replaces_it(index):
    changed = docs()[0]
    changed.content = "市民反映湖滨步行街的烧烤摊油烟很大。"
    changed.level = "较大"
    assert index.index([changed]) == 1
    assert find(index).total == 6
    assert find(index, "外放").total == 0                 # the old text is gone from the index
    assert ids(find(index, "烧烤")) == {"a1"}
    assert ids(find(index, "扰民")) == {"a1"}             # the unchanged title still matches
    assert ids(find(index, levels=["较大"])) == {"a1", "a4"}
    assert ids(find(index, levels=["一般"])) == {"a6"}


def test_indexing_the_same_documents_again_changes_nothing(index):
    assert index.index(docs()) == 6
    assert find(index).total == 6
    assert find(index, "湖滨步行街").total == 3
    assert index.aggregate("platform") == [("douyin", 1), ("news", 2), ("wechat", 1), ("weibo", 2)]


def test_metadata_only_change_is_seen_by_filters(index):
    d = docs()[2]
    d.unit, d.negative = "湖滨街道", True
    index.index([d])
    assert ids(find(index, "湖滨", units=["湖滨街道"], negative=True)) == {"a1", "a3"}


# --------------------------------------------------------------------------------- snippets
@pytest.mark.parametrize("text", ["湖滨步行街", "步行", "噪", "食堂", "湖滨 噪音"])
def test_highlight_spans_point_at_the_match(index, text):
    r = find(index, text)
    assert r.hits
    words = text.split()
    for h in r.hits:
        assert h.highlights, f"{h.id}: no highlight in {h.snippet!r}"
        for s, e in h.highlights:
            assert 0 <= s < e <= len(h.snippet)
            assert any(w in h.snippet[s:e] for w in words), (h.id, h.snippet, h.highlights)
        assert len(h.snippet) <= 120


def test_snippet_of_a_long_text_shows_the_match(index):
    (h,) = find(index, "护栏").hits
    assert h.id == "a6"
    assert [h.snippet[s:e] for s, e in h.highlights] == ["护栏"]
    assert h.snippet in docs()[5].content


def test_html_comes_back_as_plain_text(index):
    (h,) = find(index, "停水").hits
    assert h.title == "<b>紧急</b><script>alert(1)</script>停水通知"
    assert "<img src=x onerror=alert(1)>" in h.snippet     # verbatim: data, never interpreted
    assert "<em>" not in h.snippet and "\ue000" not in h.snippet and "&lt;" not in h.snippet
    assert [h.snippet[s:e] for s, e in h.highlights] == ["停水"]


def test_snippet_without_text_is_the_start_of_the_content(index):
    (h,) = find(index, units=["教育局"]).hits
    assert h.snippet == docs()[4].content and h.highlights == []


# --------------------------------------------------------------------------------- aggregations
def test_aggregate_by_local_day(index):
    # a1 is at 2026-11-19T17:00Z and a2 at 15:30Z: the same UTC day, different local days.
    assert index.aggregate("day") == [("2026-11-17", 1), ("2026-11-18", 1), ("2026-11-19", 1),
                                      ("2026-11-20", 2), ("2026-11-21", 1)]
    # In UTC, a3 (2026-11-21T08:00+08:00) is at midnight exactly: on 11-21 still.
    assert index.aggregate("day", tz="UTC") == [("2026-11-17", 1), ("2026-11-18", 1),
                                                ("2026-11-19", 2), ("2026-11-20", 1),
                                                ("2026-11-21", 1)]


def test_aggregate_by_day_across_a_daylight_saving_change(empty):
    # New York leaves daylight saving on 2026-11-01 at 02:00 (UTC-4 → UTC-5): one fixed offset
    # would put one of these on the wrong day.
    empty.index([SearchDoc("d1", "夏令时", "结束前", T("2026-10-31T23:30:00-04:00")),
                 SearchDoc("d2", "夏令时", "结束后", T("2026-11-01T23:30:00-05:00")),
                 SearchDoc("d3", "夏令时", "次日", T("2026-11-02T00:30:00-05:00"))])
    assert empty.aggregate("day", tz="America/New_York") == [
        ("2026-10-31", 1), ("2026-11-01", 1), ("2026-11-02", 1)]
    assert empty.aggregate("day") == [("2026-11-01", 1), ("2026-11-02", 2)]


def test_aggregate_by_level_unit_platform_negative_category(index):
    assert index.aggregate("level") == sorted([("一般", 2), ("无", 2), ("较大", 1), ("重大", 1)])
    assert index.aggregate("unit") == sorted([("湖滨街道", 2), ("交警大队", 1), ("环卫所", 1),
                                              ("水务集团", 1), ("教育局", 1)])
    assert index.aggregate("platform") == [("douyin", 1), ("news", 2), ("wechat", 1), ("weibo", 2)]
    assert index.aggregate("negative") == [("false", 3), ("true", 3)]
    assert dict(index.aggregate("category"))["城市管理"] == 2


def test_aggregate_follows_the_query(index):
    assert index.aggregate("day", SearchQuery(text="湖滨步行街")) == [
        ("2026-11-17", 1), ("2026-11-20", 2)]
    assert index.aggregate("unit", SearchQuery(platforms=["weibo"])) == [("水务集团", 1), ("湖滨街道", 1)]
    assert index.aggregate("level", SearchQuery(text="不存在的词语")) == []


def test_aggregate_by_week_and_month(index):
    assert index.aggregate("day", interval="week") == [("2026-11-16", 6)]
    extra = SearchDoc("b1", "跨月", "十二月一日凌晨的消息", T("2026-12-01T00:30:00+08:00"))
    index.index([extra])                                  # 2026-11-30T16:30Z: December locally
    assert index.aggregate("day", interval="month") == [("2026-11", 6), ("2026-12", 1)]


def test_aggregate_rejects_unknown_buckets(index):
    with pytest.raises(ValueError):
        index.aggregate("source")
    with pytest.raises(ValueError):
        index.aggregate("day", interval="fortnight")


def test_naive_times_are_refused(empty):
    with pytest.raises(ValueError):
        empty.index([SearchDoc("n1", "t", "c", datetime(2026, 11, 20, 9, 0))])
    with pytest.raises(ValueError):
        empty.search(SearchQuery(since=datetime(2026, 11, 20)))


def test_empty_index(empty):
    assert find(empty, "湖滨").total == 0 and find(empty).hits == []
    assert empty.aggregate("day") == [] and empty.aggregate("unit") == []


# --------------------------------------------------------------------------------- backends
def test_fts5_persists_across_reopen(tmp_path):
    path = tmp_path / "s.db"
    a = Fts5Index(f"sqlite:///{path}")
    a.index(docs())
    a.close()
    b = Fts5Index(path)
    assert ids(b.search(SearchQuery(text="湖滨步行街"))) == {"a1", "a4", "a6"}
    assert ids(b.search(SearchQuery(text="噪"))) == {"a1"}
    b.close()


def test_fts5_rebuild_keeps_results(tmp_path):
    ix = Fts5Index(tmp_path / "s.db")
    ix.index(docs())
    ix.rebuild()
    assert ids(ix.search(SearchQuery(text="步行"))) == {"a1", "a2", "a4", "a6"}
    assert ids(ix.search(SearchQuery(text="湖滨步行街"))) == {"a1", "a4", "a6"}
    ix.close()


def test_elastic_auto_falls_back_to_ngrams_and_keeps_the_index_analyzer(osmem_search_url):
    from yuqing.search.elastic import ElasticIndex
    name = f"yuqing-test-{uuid.uuid4().hex[:12]}"
    a = ElasticIndex(osmem_search_url, index=name, **ES_OPTIONS)
    try:
        assert a.analyzer == "ngram"                      # osmem has neither ik nor smartcn
        mapping = a.client.indices.get_mapping(index=name).body[name]["mappings"]
        assert mapping["_meta"]["yuqing"]["analyzer"] == "ngram"
        assert mapping["properties"]["content"]["analyzer"] == "yuqing_bigram"
        with pytest.raises(ValueError, match="ik_max_word"):
            ElasticIndex(osmem_search_url, index=name + "-ik", analyzer="ik", **ES_OPTIONS)
        with pytest.raises(ValueError, match="created with analyzer 'ngram'"):
            ElasticIndex(osmem_search_url, index=name, analyzer="smartcn", **ES_OPTIONS)
        b = ElasticIndex(osmem_search_url, index=name, analyzer="ngram", **ES_OPTIONS)
        assert b.analyzer == "ngram"
        b.close()
    finally:
        a.drop()
        a.close()


def test_elastic_mappings_for_plugin_analyzers():
    from yuqing.search.elastic import mappings
    ik = mappings("ik")["properties"]["content"]
    assert (ik["analyzer"], ik["search_analyzer"]) == ("ik_max_word", "ik_smart")
    assert ik["fields"]["bi"]["analyzer"] == "yuqing_bigram" and ik["fields"]["uni"]["analyzer"] == "yuqing_unigram"
    assert mappings("smartcn")["properties"]["title"]["analyzer"] == "smartcn"


# --------------------------------------------------------------------------------- factory
def _settings(tmp_path, **values):
    return Settings.load(tmp_path / "no-config", overrides={k: str(v) for k, v in values.items()}, environ={})


def test_make_search_builds_fts5_by_default(tmp_path):
    s = _settings(tmp_path, SEARCH_FTS_PATH=tmp_path / "f.db")
    assert s["SEARCH"] == "fts5"
    ix = make_search(s)
    assert isinstance(ix, Fts5Index) and ix.path == str(tmp_path / "f.db")
    assert ix.index(docs()[:1]) == 1
    ix.close()


def test_make_search_none_raises_not_configured(tmp_path):
    with pytest.raises(NotConfigured):
        make_search(_settings(tmp_path, SEARCH="none"))
    with pytest.raises(ValueError, match="SEARCH"):
        make_search(_settings(tmp_path, SEARCH="solr"))


def test_make_search_builds_elastic(tmp_path, osmem_search_url):
    from yuqing.search.elastic import ElasticIndex
    name = f"yuqing-test-{uuid.uuid4().hex[:12]}"
    ix = make_search(_settings(tmp_path, SEARCH="elastic", SEARCH_ES_URL=osmem_search_url,
                               SEARCH_ES_INDEX=name, SEARCH_ES_ANALYZER="ngram"), **ES_OPTIONS)
    try:
        assert isinstance(ix, ElasticIndex) and ix.index_name == name and ix.analyzer == "ngram"
        assert ix.index(docs()) == 6 and ids(ix.search(SearchQuery(text="噪音"))) == {"a1"}
    finally:
        ix.drop()
        ix.close()


def test_since_until_window_counts(index):
    # Sliding one-day windows partition the items: each is counted exactly once.
    start = T("2026-11-17T00:00:00+08:00")
    counts = [find(index, since=start + timedelta(days=i), until=start + timedelta(days=i + 1)).total
              for i in range(5)]
    assert counts == [n for _, n in index.aggregate("day")]
