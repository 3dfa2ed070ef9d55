"""Full-text search over items: the SearchIndex seam's implementations and their factory.

SEARCH selects one: fts5 (SQLite FTS5, the default), elastic (Elasticsearch) or none.
"""
from __future__ import annotations

from typing import Any

from yuqing.seams import NotConfigured, SearchIndex

BACKENDS = ("fts5", "elastic", "none")


def make_search(settings: Any, **options: Any) -> SearchIndex:
    """The search index the settings ask for; `options` go to its constructor (client options
    for elastic, e.g. api_key). Raises NotConfigured when SEARCH=none."""
    kind = str(settings["SEARCH"]).strip().lower()
    if kind == "none":
        raise NotConfigured("search is off (SEARCH=none)")
    if kind == "fts5":
        from yuqing.search.fts5 import Fts5Index
        return Fts5Index(settings["SEARCH_FTS_PATH"], **options)
    if kind == "elastic":
        from yuqing.search.elastic import ElasticIndex
        return ElasticIndex(settings["SEARCH_ES_URL"], index=settings["SEARCH_ES_INDEX"],
                            analyzer=settings["SEARCH_ES_ANALYZER"], **options)
    raise ValueError(f"SEARCH={settings['SEARCH']!r}: expected one of {', '.join(BACKENDS)}")
