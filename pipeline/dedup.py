"""De-duplicate items by canonical URL, by content fingerprint and by near-identical text.

A repost of the same text under another URL, the same page crawled twice, or a repost that adds
a few words ("转发：…", "//@某某: …") or trims some is a duplicate of its original: it is stored
with `duplicate_of` (the original's id) and joins the original's event without counting as a
new item there, so it raises no alert of its own; `yuqing route` writes its decision (the
original's event) so output lines match input.

Near-duplicates are found with MinHash LSH (datasketch) over character 3-grams of the text
(punctuation and spaces removed): an index query costs the same whatever the history, and a
candidate counts only when its estimated Jaccard similarity reaches `NEAR_JACCARD`.
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


_NUMBER = re.compile(r"\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千万]+")


def marks_of(text: str, places: frozenset[str] | set[str] = frozenset()) -> frozenset[str]:
    """What a near-identical text must share to be a repeat: its numbers and places. A template
    filled with another place (the hotline's 关于X小区垃圾未清运) or an update with a new count
    (2人受伤 → 3人受伤) is news, not a repost."""
    return frozenset(_NUMBER.findall(text or "")) | frozenset(places)


NEAR_JACCARD = 0.7       # estimated Jaccard of 3-gram sets: a repost with a short comment is ~0.8
NEAR_MIN_CHARS = 40      # shorter texts share too many 3-grams by chance ("已报警，求扩散")
NEAR_MAX_CHARS = 4000    # the head of a long text is enough to know a repost (bounded cost)
NUM_PERM = 64


def shingles(title: str | None, content: str) -> set[bytes] | None:
    body = _NON_WORD.sub("", f"{title or ''}{content}")[:NEAR_MAX_CHARS]
    if len(body) < NEAR_MIN_CHARS:
        return None
    return {body[i:i + 3].encode("utf-8") for i in range(len(body) - 2)}


class NearDuplicates:
    """MinHash LSH index of recent texts: item id -> its signature, queried by similarity."""

    def __init__(self, threshold: float = NEAR_JACCARD, num_perm: int = NUM_PERM):
        from datasketch import MinHashLSH
        self.threshold, self.num_perm = threshold, num_perm
        self.lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self.sigs: dict[str, object] = {}

    def signature(self, title: str | None, content: str):
        from datasketch import MinHash
        grams = shingles(title, content)
        if grams is None:
            return None
        m = MinHash(num_perm=self.num_perm, seed=7)
        m.update_batch(list(grams))
        return m

    def query(self, sig) -> str | None:
        """The most similar remembered item at or above the threshold, else None."""
        if sig is None:
            return None
        best, best_j = None, self.threshold
        # the index answers with a set, whose order changes from run to run: ties go to the first id
        for cand in sorted(self.lsh.query(sig)):
            j = sig.jaccard(self.sigs[cand])
            if j > best_j or (best is None and j >= best_j):
                best, best_j = cand, j
        return best

    def add(self, item_id: str, sig) -> None:
        if sig is None or item_id in self.sigs:
            return
        self.lsh.insert(item_id, sig)
        self.sigs[item_id] = sig

    def forget(self, item_ids) -> None:
        for i in item_ids:
            if self.sigs.pop(i, None) is not None:
                self.lsh.remove(i)


class Deduplicator:
    def __init__(self, capacity: int = 200_000, near: bool = True):
        self.urls = SeenSet(capacity)
        self.texts = SeenSet(capacity)
        self.near = NearDuplicates() if near else None
        self._keys: dict[str, tuple[str | None, str | None]] = {}
        self._marks: dict[str, frozenset[str]] = {}

    def check(self, item_id: str, url: str | None, title: str | None, content: str,
              marks: frozenset[str] | None = None) -> tuple[str | None, str | None]:
        """Return (reason, original item id) if a duplicate, else (None, None) and remember it.
        With `marks` (marks_of) a near-identical text repeats its original only with the same marks."""
        ukey, fkey = canonical_url(url), content_fingerprint(title, content)
        if (orig := self.urls.get(ukey)) is not None:
            return "duplicate_url", orig
        if (orig := self.texts.get(fkey)) is not None:
            return "duplicate_content", orig
        sig = self.near.signature(title, content) if self.near is not None else None
        if (orig := self.near.query(sig) if sig is not None else None) is not None:
            if marks is None or self._marks.get(orig) is None or marks <= self._marks[orig]:
                return "near_duplicate", orig
        self.remember(item_id, ukey, fkey, sig=sig, marks=marks)
        return None, None

    def remember(self, item_id: str, ukey: str | None, fkey: str | None, *, title: str | None = None,
                 content: str | None = None, sig=None, marks: frozenset[str] | None = None) -> None:
        if marks is not None:
            self._marks[item_id] = marks
        self.urls.add(ukey, item_id)
        self.texts.add(fkey, item_id)
        self._keys[item_id] = (ukey, fkey)
        if self.near is not None:
            if sig is None and content is not None:
                sig = self.near.signature(title, content)
            self.near.add(item_id, sig)

    def forget(self, item_ids: set[str]) -> None:
        """Items of events that expired are no originals any more (a repeat starts afresh)."""
        for i in item_ids:
            ukey, fkey = self._keys.pop(i, (None, None))
            self._marks.pop(i, None)
            self.urls.forget([ukey], {i})
            self.texts.forget([fkey], {i})
        if self.near is not None:
            self.near.forget(item_ids)
