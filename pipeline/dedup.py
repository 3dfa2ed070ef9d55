"""De-duplicate items by canonical URL and by content fingerprint.

A repost of the same text under another URL, or the same page crawled twice, is a duplicate:
the worker drops it (reason `items/dropped/duplicate_url` or `duplicate_content`), while
`yuqing route` still writes its decision (the original's event) so output lines match input.
"""
from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_TRACKING = re.compile(r"^(utm_|spm$|from$|share|wfr$|scene$|isappinstalled$)", re.I)
_NON_WORD = re.compile(r"[\W_]+", re.U)


def canonical_url(url: str | None) -> str | None:
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if not _TRACKING.match(k)))
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/") or "/", query, ""))


def content_fingerprint(title: str | None, content: str) -> str | None:
    """Hash of the text with punctuation and spaces removed; None for texts too short to judge."""
    body = _NON_WORD.sub("", f"{title or ''}{content}")
    if len(body) < 12:       # "转发" or an emoji: many different people post it, not a duplicate
        return None
    return hashlib.sha1(body.encode("utf-8")).hexdigest()


class SeenSet:
    """Bounded memory of recent keys (the store keeps the full history for the worker)."""

    def __init__(self, capacity: int = 200_000):
        self.capacity = capacity
        self._seen: OrderedDict[str, str] = OrderedDict()

    def get(self, key: str | None) -> str | None:
        return self._seen.get(key) if key else None

    def add(self, key: str | None, item_id: str) -> None:
        if not key:
            return
        self._seen[key] = item_id
        if len(self._seen) > self.capacity:
            self._seen.popitem(last=False)

    def forget(self, keys: list[str | None], item_ids: set[str]) -> None:
        for k in keys:
            if k and self._seen.get(k) in item_ids:
                del self._seen[k]


class Deduplicator:
    def __init__(self, capacity: int = 200_000):
        self.urls = SeenSet(capacity)
        self.texts = SeenSet(capacity)
        self._keys: dict[str, tuple[str | None, str | None]] = {}

    def check(self, item_id: str, url: str | None, title: str | None, content: str) -> tuple[str | None, str | None]:
        """Return (reason, original item id) if a duplicate, else (None, None) and remember it."""
        ukey, fkey = canonical_url(url), content_fingerprint(title, content)
        if (orig := self.urls.get(ukey)) is not None:
            return "duplicate_url", orig
        if (orig := self.texts.get(fkey)) is not None:
            return "duplicate_content", orig
        self.remember(item_id, ukey, fkey)
        return None, None

    def remember(self, item_id: str, ukey: str | None, fkey: str | None) -> None:
        self.urls.add(ukey, item_id)
        self.texts.add(fkey, item_id)
        self._keys[item_id] = (ukey, fkey)

    def forget(self, item_ids: set[str]) -> None:
        """Items of events that expired are no originals any more (a repeat starts afresh)."""
        for i in item_ids:
            ukey, fkey = self._keys.pop(i, (None, None))
            self.urls.forget([ukey], {i})
            self.texts.forget([fkey], {i})
