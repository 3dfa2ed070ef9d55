"""The one strict base of every config model: a misspelt key is an error, not silently ignored."""
from __future__ import annotations

import re
from typing import Iterable

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def any_of(patterns: Iterable[str]) -> re.Pattern | None:
    """One pattern matching any of the cue patterns of a config list; None for an empty list."""
    patterns = list(patterns)
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None


def regexes(patterns: Iterable[str] | dict[str, Iterable[str]]):
    """The patterns, given as a list or a dict of lists, unchanged if each compiles; a ValueError
    naming the first that does not (for pydantic validators of cue lists)."""
    for p in ([q for ps in patterns.values() for q in ps] if isinstance(patterns, dict) else patterns):
        try:
            re.compile(p)
        except re.error as exc:
            raise ValueError(f"bad regular expression {p!r}: {exc}") from exc
    return patterns
