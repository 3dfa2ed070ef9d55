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


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    key: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]{0,40}$")
    name: str = Field(min_length=1)
    kind: str                          # a registered source kind (crawlers.kinds)
    url: str
    platform: str = "news"
    source: str | None = None          # default outlet name when the page/feed does not say
    interval_seconds: int = Field(default=300, ge=10, le=86400)
    enabled: bool = True
    id_prefix: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9_\-]{0,40}$")
    follow: str | None = None          # listing: regex an article URL must match
    max_items: int = Field(default=200, ge=1, le=5000)

    @field_validator("url")
    @classmethod
    def _url(cls, v: str, info: ValidationInfo) -> str:
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
