"""The crawl sources (`config/sources.yaml`), validated strictly.

A URL may contain placeholders `${NAME}` (e.g. `${DEMO_SITE}/rss.xml`); they are filled from
`overrides` before validation. An override whose name is a source key replaces that source's
whole URL instead.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import yaml
from pydantic import (BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator,
                      model_validator)

from yuqing.model import PLATFORMS

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class SourcesError(ValueError):
    """A sources file that cannot be used; the message names the entry and the field."""


def check_selector(v: str) -> str:
    """A CSS selector (parsel's ::text / ::attr(x) allowed), or XPath after an `xpath:` prefix."""
    from parsel import Selector
    try:
        probe = Selector(text="<html></html>")
        probe.xpath(v[6:]) if v.startswith("xpath:") else probe.css(v)
    except Exception as exc:  # noqa: BLE001 - cssselect and lxml raise their own kinds
        raise ValueError(f"bad selector {v!r}: {exc}") from None
    return v


class Selectors(BaseModel):
    """HTML list + detail pages read by selectors (kind `selectors`). A detail field without a
    selector, or whose selector finds nothing, falls back to the general extractor."""
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    link: str                          # on the list page: the detail links (an <a>, or its @href)
    next: str | None = None            # on the list page: the next page's link
    title: str | None = None           # on a detail page
    content: str | None = None
    published_at: str | None = None
    author: str | None = None
    source: str | None = None

    @field_validator("link", "next", "title", "content", "published_at", "author", "source")
    @classmethod
    def _sel(cls, v: str | None) -> str | None:
        return None if v is None else check_selector(v)


class Replies(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: str                         # dotted path, inside one record, to its list of replies
    fields: dict[str, str]             # item field -> dotted path inside one reply


class Api(BaseModel):
    """A paged JSON API (kind `json_api`): where the records are, how their fields map onto the
    item format, how pages are asked for."""
    model_config = ConfigDict(extra="forbid")

    items: str                         # dotted path to the list of records in one page ("" = the page itself)
    fields: dict[str, str]             # id, content (required), title, author, source, url, published_at,
                                       # reposts, comments, likes, views -> dotted path in a record
    where: dict[str, str | int | bool] = Field(default_factory=dict)   # keep records with these values
    url: str | None = None             # item URL template when no url field: "{base}/msg/{id}"
    page_param: str = "page"
    page_start: int = 1
    page_size_param: str | None = None
    page_size: int = Field(default=20, ge=1, le=500)
    max_pages: int = Field(default=5, ge=1, le=200)
    time_format: str | None = None     # strptime format of published_at; default: the date reader
    html: bool = True                  # content may hold markup (Weibo's text): read it as text
    replies: Replies | None = None

    @field_validator("fields")
    @classmethod
    def _fields(cls, v: dict[str, str]) -> dict[str, str]:
        allowed = {"id", "content", "title", "author", "source", "url", "published_at",
                   "reposts", "comments", "likes", "views"}
        if unknown := set(v) - allowed:
            raise ValueError(f"unknown item field(s) {sorted(unknown)} (allowed: {', '.join(sorted(allowed))})")
        if missing := {"id", "content"} - set(v):
            raise ValueError(f"field mapping lacks {sorted(missing)}")
        return v


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    key: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]{0,40}$")
    name: str = Field(min_length=1)
    kind: str                          # a registered source kind (crawlers.kinds)
    url: str | None = None             # http(s); a file-import kind may take `path` instead
    path: str | None = None            # file-import kinds: a local file (CSV/XLSX export)
    platform: str = "news"
    source: str | None = None          # default outlet name when the page/feed does not say
    interval_seconds: int = Field(default=300, ge=10, le=86400)
    enabled: bool = True
    id_prefix: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9_\-]{0,40}$")
    follow: str | None = None          # listing: regex an article URL must match
    max_items: int = Field(default=200, ge=1, le=5000)
    max_pages: int = Field(default=5, ge=1, le=200)     # selectors: list pages followed by `next`
    # politeness and robustness (the Scrapy kinds; file imports use timeout and robots too)
    cron: str | None = None            # crontab ("*/5 8-20 * * *") instead of interval_seconds
    robots: bool = True                # obey robots.txt
    timeout_seconds: float = Field(default=15.0, gt=0, le=300)
    retries: int = Field(default=2, ge=0, le=10)        # with exponential backoff
    concurrency: int = Field(default=2, ge=1, le=16)    # parallel requests to its domain
    delay_seconds: float = Field(default=0.5, ge=0, le=60)   # AutoThrottle's starting delay
    alert_after_failures: int = Field(default=3, ge=1, le=1000)   # failed runs in a row -> operator alert
    revisit: bool = True               # ask again for pages seen before (conditional GET) to see changes
    selectors: Selectors | None = None
    api: Api | None = None
    encoding: str | None = None        # file imports: the export's encoding (default: UTF-8, else GB18030)
    columns: dict[str, str] | None = None    # file imports: item field -> header, when not the usual names

    @field_validator("url")
    @classmethod
    def _url(cls, v: str | None, info: ValidationInfo) -> str | None:
        if v is None:
            return v
        if _PLACEHOLDER.search(v):
            # `check-config` accepts a placeholder; a crawl (require_filled) needs it filled.
            if (info.context or {}).get("require_filled"):
                raise ValueError(f"placeholder {_PLACEHOLDER.search(v).group(0)} was not filled "
                                 f"(pass --set NAME=URL)")
            probe = _PLACEHOLDER.sub("http://placeholder.invalid", v)
        else:
            probe = v
        parts = urlsplit(probe)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {v!r}")
        return v

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        from crawlers.kinds import kinds
        if v not in kinds():
            raise ValueError(f"unknown source kind {v!r} (one of {', '.join(sorted(kinds()))})")
        return v

    @field_validator("platform")
    @classmethod
    def _platform(cls, v: str) -> str:
        if v not in PLATFORMS:
            raise ValueError(f"unknown platform {v!r} (one of {', '.join(PLATFORMS)})")
        return v

    @field_validator("follow")
    @classmethod
    def _regex(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                re.compile(v)
            except re.error as exc:
                raise ValueError(f"bad regex {v!r}: {exc}") from exc
        return v

    @field_validator("cron")
    @classmethod
    def _cron(cls, v: str | None) -> str | None:
        if v is not None:
            from apscheduler.triggers.cron import CronTrigger
            try:
                CronTrigger.from_crontab(v)
            except ValueError as exc:
                raise ValueError(f"bad crontab {v!r}: {exc}") from None
        return v

    @model_validator(mode="after")
    def _needs(self) -> "Source":
        from crawlers.kinds import kind_needs
        needs = kind_needs(self.kind)
        if self.path is not None and "path" not in needs.get("where", ("url",)):
            raise ValueError(f"kind {self.kind!r} fetches a URL; `path` is for file imports")
        if self.url is None and self.path is None:
            raise ValueError("needs a url" + (" or a path" if "path" in needs.get("where", ()) else ""))
        for part in needs.get("config", ()):
            if getattr(self, part) is None:
                raise ValueError(f"kind {self.kind!r} needs `{part}:`")
        return self

    @property
    def prefix(self) -> str:
        return self.id_prefix or self.key


class SourcesConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sources: list[Source]

    @model_validator(mode="after")
    def _unique(self) -> "SourcesConfig":
        seen: set[str] = set()
        for s in self.sources:
            if s.key in seen:
                raise ValueError(f"duplicate source key {s.key!r}")
            seen.add(s.key)
        return self

    @property
    def enabled(self) -> list[Source]:
        return [s for s in self.sources if s.enabled]


def _fill(url: str, overrides: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: overrides.get(m.group(1), m.group(0)).rstrip("/")
                            if m.group(1) in overrides else m.group(0), url)


def load_sources(path: str | Path, overrides: dict[str, str] | None = None) -> SourcesConfig:
    """Read and validate a sources file. Raises SourcesError naming the bad entry."""
    overrides = dict(overrides or {})
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SourcesError(f"{path}: cannot read: {exc}") from exc
    return parse_sources(raw, overrides, where=str(path))


def parse_sources(raw: object, overrides: dict[str, str] | None = None,
                  where: str = "sources") -> SourcesConfig:
    overrides = dict(overrides or {})
    if not isinstance(raw, dict):
        raise SourcesError(f"{where}: expected a mapping with 'sources:'")
    entries = raw.get("sources")
    if isinstance(entries, list):
        for e in entries:
            if isinstance(e, dict) and isinstance(e.get("url"), str):
                if e.get("key") in overrides:
                    e["url"] = overrides[e["key"]]
                else:
                    e["url"] = _fill(e["url"], overrides)
            if isinstance(e, dict) and isinstance(e.get("path"), str):
                e["path"] = _fill(e["path"], overrides)
    try:
        return SourcesConfig.model_validate(raw, context={"require_filled": True})
    except ValidationError as exc:
        msgs = []
        for err in exc.errors():
            loc = list(err["loc"])
            label = ".".join(str(x) for x in loc)
            if len(loc) >= 2 and loc[0] == "sources" and isinstance(loc[1], int) \
                    and isinstance(entries, list) and loc[1] < len(entries):
                entry = entries[loc[1]]
                key = entry.get("key") if isinstance(entry, dict) else None
                label = f"sources[{loc[1]}]" + (f" (key {key!r})" if key else "") + \
                    ("." + ".".join(str(x) for x in loc[2:]) if loc[2:] else "")
            msgs.append(f"{label}: {err['msg']}")
        raise SourcesError(f"{where}: " + "; ".join(msgs)) from exc
