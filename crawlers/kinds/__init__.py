"""Source kinds as a registry: a kind is one module with a class built by `from_config(source,
context)` whose `crawl(emit)` fetches what is new and hands each item (the `route` input format)
to `emit`, returning its CrawlStats (the Source seam in yuqing.seams). A new source of a known
kind is config only (config/sources.yaml); a new kind is one module plus one line:

    register_kind("weibo_api", "mypkg.kinds.weibo:WeiboSearchSource")
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_KINDS: dict[str, str] = {}


def register_kind(name: str, dotted: str) -> None:
    _KINDS[name] = dotted


def kinds() -> dict[str, str]:
    return dict(_KINDS)


def kind_class(name: str):
    if name not in _KINDS:
        raise KeyError(f"unknown source kind {name!r}; known: {', '.join(sorted(_KINDS))}")
    module, _, cls = _KINDS[name].partition(":")
    return getattr(importlib.import_module(module), cls)


@dataclass
class Context:
    """What a source may need besides its own entry: where sources.yaml is, the filled placeholders."""
    sources_path: Path
    overrides: dict[str, str] = field(default_factory=dict)
    timeout: float = 120.0
    extra: dict[str, Any] = field(default_factory=dict)


def build_source(entry, context: Context):
    return kind_class(entry.kind).from_config(entry, context)


register_kind("rss", "crawlers.kinds.scrapy_kind:ScrapySource")
register_kind("listing", "crawlers.kinds.scrapy_kind:ScrapySource")
