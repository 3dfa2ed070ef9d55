"""The at-scale search index: Elasticsearch (or an OpenSearch-API server) through elasticsearch-py.

Mappings come from an index template (so an index re-created by any writer gets them). Both
title and content are analysed twice or three times:

- a bigram field (built-in `standard` tokenizer + `cjk_bigram`): a term of two or more
  characters is a `match_phrase` on it, i.e. a substring match as in the FTS5 index;
- a unigram subfield `.uni` (`standard` alone emits one token per Han character): one-character
  terms;
- with analyzer "ik" or "smartcn" the main field is analysed by that plugin (ik_max_word at
  index time, ik_smart at search time) and adds a relevance bonus for whole-word matches; the
  substring fields then live in `.bi` and `.uni`.

"ngram" is the fallback that needs no plugin: bigrams plus unigrams from built-in parts (the
`ngram` tokenizer would give every gram of every length its own position: a larger index for
the same substring semantics). "auto" asks the cluster which analyzers exist. The analyzer an
index was created with is kept in its mapping's _meta and used from then on.

Highlights are asked for with private-use marker characters (stripped from the text when
indexed, so they cannot come from crawled data) and turned into a plain snippet with spans.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from elasticsearch import BadRequestError, Elasticsearch, NotFoundError, helpers

from yuqing.search._text import (SNIPPET_CHARS, check_aggregate, check_query, merge_spans,
                                 parse_marked, terms, window)
from yuqing.seams import SearchDoc, SearchHit, SearchQuery, SearchResult
from yuqing.timeutil import UTC

ANALYZERS = ("auto", "ik", "smartcn", "ngram")
SCHEMA_VERSION = 1
PRE, POST = "\ue000", "\ue001"       # highlight markers (Unicode private use area)
TITLE_BOOST = 2.0
_PROBE_TEXT = "湖滨步行街"
_KEYWORDS = ("id", "platform", "source", "event_id", "unit", "level", "category", "places")
_AGG_FIELD = {"level": "level", "unit": "unit", "platform": "platform", "category": "category",
              "negative": "negative"}
_FORMATS = {"day": "yyyy-MM-dd", "week": "yyyy-MM-dd", "month": "yyyy-MM"}

ANALYSIS: dict[str, Any] = {
    "filter": {"yuqing_cjk_bigram": {"type": "cjk_bigram"}},
    "analyzer": {
        # cjk_width folds full-width Latin and half-width kana; lowercase for Latin words.
        "yuqing_bigram": {"type": "custom", "tokenizer": "standard",
                          "filter": ["cjk_width", "lowercase", "yuqing_cjk_bigram"]},
        "yuqing_unigram": {"type": "custom", "tokenizer": "standard",
                           "filter": ["cjk_width", "lowercase"]},
    },
}
_BIGRAM = {"type": "text", "analyzer": "yuqing_bigram"}
_UNIGRAM = {"type": "text", "analyzer": "yuqing_unigram"}


def text_mapping(analyzer: str) -> dict[str, Any]:
    if analyzer == "ngram":
        return {**_BIGRAM, "fields": {"uni": _UNIGRAM}}
    words = {"ik": {"analyzer": "ik_max_word", "search_analyzer": "ik_smart"},
             "smartcn": {"analyzer": "smartcn"}}[analyzer]
    return {"type": "text", **words, "fields": {"bi": _BIGRAM, "uni": _UNIGRAM}}


def mappings(analyzer: str) -> dict[str, Any]:
    props: dict[str, Any] = {k: {"type": "keyword"} for k in _KEYWORDS}
    props.update(title=text_mapping(analyzer), content=text_mapping(analyzer),
                 published_at={"type": "date"}, negative={"type": "boolean"},
                 sentiment={"type": "float"})
    # dynamic false: a field added to SearchDoc is kept in _source but never guessed at.
    return {"dynamic": False, "_meta": {"yuqing": {"schema": SCHEMA_VERSION, "analyzer": analyzer}},
            "properties": props}


def _clean(text: str | None) -> str:
    return (text or "").replace(PRE, "").replace(POST, "")


def _iso(dt: datetime) -> str:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"naive datetime {dt.isoformat()} (a timezone is required)")
    return dt.astimezone(UTC).isoformat()


class ElasticIndex:
    """SearchIndex on Elasticsearch. `client_options` go to `Elasticsearch(...)` as they are
    (api_key, basic_auth, ca_certs, node_class …)."""

    def __init__(self, url: str, *, index: str = "yuqing-items", analyzer: str = "auto",
                 headers: dict[str, str] | None = None, verify_certs: bool = True,
                 refresh: bool = True, request_timeout: float = 30.0, chunk_size: int = 500,
                 **client_options: Any):
        if analyzer not in ANALYZERS:
            raise ValueError(f"analyzer {analyzer!r}: expected one of {', '.join(ANALYZERS)}")
        opts: dict[str, Any] = {"verify_certs": verify_certs, "request_timeout": request_timeout}
        if headers:
            opts["headers"] = headers
        self.client = Elasticsearch(url, **opts, **client_options)
        self.url, self.index_name = url, index
        # refresh after each index() call so what was written is searchable when it returns,
        # like the FTS5 index; turn off for bulk loads and refresh once at the end.
        self.refresh = refresh
        self.chunk_size = chunk_size
        self.analyzer = self._open(analyzer)
        self._bi = "" if self.analyzer == "ngram" else ".bi"     # suffix of the bigram fields

    # ------------------------------------------------------------------------------ setup
    def _open(self, requested: str) -> str:
        existing = self._existing_analyzer()
        if existing is None:
            mode = self.detect() if requested == "auto" else requested
            if mode != "ngram" and not self._has_analyzer(_plugin_analyzer(mode)):
                raise ValueError(f"analyzer {mode!r}: the cluster at {self.url} has no "
                                 f"{_plugin_analyzer(mode)} analyzer (install the plugin, or use auto/ngram)")
            self.client.indices.put_index_template(
                name=self.index_name, index_patterns=[self.index_name], priority=100,
                template={"settings": {"analysis": ANALYSIS}, "mappings": mappings(mode)})
            try:
                self.client.indices.create(index=self.index_name)
            except BadRequestError as exc:      # another process created it meanwhile
                if exc.error != "resource_already_exists_exception":
                    raise
            existing = self._existing_analyzer()
            if existing is None:
                raise RuntimeError(f"index {self.index_name}: created, but without yuqing's mappings "
                                   "(a template of higher priority matches it?)")
        if requested not in ("auto", existing):
            raise ValueError(f"index {self.index_name} was created with analyzer {existing!r}, not "
                             f"{requested!r}: re-index into a new index to change it")
        return existing

    def _existing_analyzer(self) -> str | None:
        try:
            resp = self.client.indices.get_mapping(index=self.index_name)
        except NotFoundError:
            return None
        mapping = next(iter(resp.body.values()))["mappings"]
        meta = (mapping.get("_meta") or {}).get("yuqing") or {}
        if meta.get("analyzer") not in ANALYZERS[1:]:
            raise RuntimeError(f"index {self.index_name} exists but was not made by yuqing "
                               "(no _meta.yuqing in its mapping): choose another SEARCH_ES_INDEX")
        return meta["analyzer"]

    def _has_analyzer(self, name: str) -> bool:
        # Asking _analyze needs no cluster privileges, unlike listing plugins, and proves the
        # analyzer works rather than that a plugin is installed.
        try:
            self.client.indices.analyze(analyzer=name, text=_PROBE_TEXT)
            return True
        except BadRequestError:
            return False

    def detect(self) -> str:
        """The best analyzer the cluster has: ik, else smartcn, else ngram."""
        for mode in ("ik", "smartcn"):
            if self._has_analyzer(_plugin_analyzer(mode)):
                return mode
        return "ngram"

    # ------------------------------------------------------------------------------ writing
    def index(self, docs: Iterable[SearchDoc]) -> int:
        actions = ({"_op_type": "index", "_index": self.index_name, "_id": d.id,
                    "_source": self._source(d)} for d in docs)
        written, _ = helpers.bulk(self.client, actions, chunk_size=self.chunk_size,
                                  raise_on_error=True, refresh=False)
        if self.refresh and written:
            self.client.indices.refresh(index=self.index_name)
        return written

    @staticmethod
    def _source(d: SearchDoc) -> dict[str, Any]:
        return {"id": d.id, "title": _clean(d.title), "content": _clean(d.content),
                "published_at": _iso(d.published_at), "platform": d.platform or "unknown",
                "source": d.source, "event_id": d.event_id, "unit": d.unit, "level": d.level,
                "category": d.category, "places": list(d.places), "negative": bool(d.negative),
                "sentiment": d.sentiment}

    # ------------------------------------------------------------------------------ reading
    def _suffix(self, term: str) -> str:
        # Punctuation is dropped by the tokenizer: what counts is the letters and digits left.
        return self._bi if sum(c.isalnum() for c in term) >= 2 else ".uni"

    def _query(self, q: SearchQuery, words: list[str]) -> dict[str, Any]:
        filters: list[dict[str, Any]] = []
        for field, values in (("platform", q.platforms), ("unit", q.units), ("level", q.levels),
                              ("category", q.categories)):
            if values is not None:
                filters.append({"terms": {field: list(values)}})
        if q.negative is not None:
            filters.append({"term": {"negative": bool(q.negative)}})
        rng = {}
        if q.since is not None:
            rng["gte"] = _iso(q.since)
        if q.until is not None:
            rng["lt"] = _iso(q.until)
        if rng:
            filters.append({"range": {"published_at": rng}})
        must = [{"bool": {"minimum_should_match": 1, "should": [
            {"match_phrase": {f"title{self._suffix(t)}": {"query": t, "boost": TITLE_BOOST}}},
            {"match_phrase": {f"content{self._suffix(t)}": {"query": t}}}]}} for t in words]
        should = []
        if words and self.analyzer != "ngram":
            should.append({"multi_match": {"query": " ".join(words),
                                           "fields": [f"title^{TITLE_BOOST}", "content"]}})
        return {"bool": {"filter": filters, "must": must, "should": should}}

    def search(self, query: SearchQuery) -> SearchResult:
        check_query(query)
        words = terms(query.text)
        fields = list(dict.fromkeys(f"content{self._suffix(t)}" for t in words))
        kw: dict[str, Any] = {}
        if fields:
            kw["highlight"] = {"pre_tags": [PRE], "post_tags": [POST], "fields": {
                f: {"number_of_fragments": 1, "fragment_size": SNIPPET_CHARS} for f in fields}}
        sort = (["_score"] if words else []) + [{"published_at": "desc"}, {"id": "asc"}]
        resp = self.client.search(index=self.index_name, query=self._query(query, words),
                                  sort=sort, from_=query.offset, size=query.limit,
                                  track_total_hits=True, **kw)
        hits = [self._hit(h, fields) for h in resp["hits"]["hits"]]
        return SearchResult(total=resp["hits"]["total"]["value"], hits=hits)

    @staticmethod
    def _hit(h: dict[str, Any], fields: list[str]) -> SearchHit:
        src = h["_source"]
        frags = [parse_marked(f, PRE, POST) for field in fields
                 for f in (h.get("highlight") or {}).get(field, [])[:1]]
        if frags:
            # Each highlighted field marks its own terms: join the spans of same-text fragments.
            text = frags[0][0]
            spans = merge_spans([s for t, sp in frags if t == text for s in sp])
        else:
            text, spans = src.get("content") or "", []
        text, spans = window(text, spans, SNIPPET_CHARS)
        return SearchHit(id=src["id"], score=float(h.get("_score") or 0.0), title=src.get("title") or "",
                         snippet=text, highlights=spans,
                         published_at=datetime.fromisoformat(src["published_at"]).astimezone(UTC),
                         platform=src.get("platform") or "unknown", source=src.get("source"),
                         event_id=src.get("event_id"), unit=src.get("unit"), level=src.get("level"))

    def aggregate(self, by: str, query: SearchQuery | None = None, *, interval: str = "day",
                  tz: str = "Asia/Shanghai") -> list[tuple[str, int]]:
        check_aggregate(by, interval, tz)
        q = query or SearchQuery()
        check_query(q)
        if by == "day":
            agg = {"date_histogram": {"field": "published_at", "calendar_interval": interval,
                                      "time_zone": tz, "format": _FORMATS[interval],
                                      "min_doc_count": 1}}
        else:
            agg = {"terms": {"field": _AGG_FIELD[by], "size": 10000}}
        resp = self.client.search(index=self.index_name, query=self._query(q, terms(q.text)),
                                  size=0, aggs={"k": agg})
        out = [(str(b.get("key_as_string", b["key"])), int(b["doc_count"]))
               for b in resp["aggregations"]["k"]["buckets"] if b["doc_count"] > 0]
        return sorted(out)

    def count(self) -> int:
        return int(self.client.count(index=self.index_name)["count"])

    def drop(self) -> None:
        """Delete the index and its template (tests, `reset`)."""
        self.client.options(ignore_status=404).indices.delete(index=self.index_name)
        self.client.options(ignore_status=404).indices.delete_index_template(name=self.index_name)

    def close(self) -> None:
        self.client.close()


def _plugin_analyzer(mode: str) -> str:
    return {"ik": "ik_max_word", "smartcn": "smartcn"}[mode]
