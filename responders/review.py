"""Checks a statement must pass before it is approved (三审三校), and how the system recognises a
release the unit has already made: `config/release.yaml`.

- Sensitive words: one Aho-Corasick automaton (pyahocorasick) over the word list, matched on
  the text as people read it — NFKC (full-width letters and digits folded), case folded, spaces
  and zero-width characters removed, so "临 时 工" is still found.
- External links: every link in the text (http(s)://…, www.…, or a bare domain) must point to a
  whitelisted domain or one of its subdomains; anything else could send readers of an official
  statement to a page nobody reviewed.
- Releases: an official item counts as the unit's release when its publisher is the responsible
  unit itself (its name, or an account listed for it) or one of the district's own accounts.
"""
from __future__ import annotations

import re
import unicodedata
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import ahocorasick
from pydantic import Field, field_validator

from yuqing.config.base import Strict, regexes

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "config" / "release.yaml"
_INVISIBLE = re.compile(r"[\s\u200b-\u200f\u2060\ufeff·•・_\-—]+")
_STOP = "\\s,;，。；、！？）)】\\]\"'<>《》「」"
# a scheme, www., or a bare domain (ASCII labels and a letter TLD: bit.ly, t.cn, evil.top/x)
_LINK = re.compile(rf"(?:https?://|www\.)[^{_STOP}]+"
                   rf"|(?<![a-z0-9.@-])[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.[a-z]{{2,12}}\b(?:/[^{_STOP}]*)?", re.I)


class Review(Strict):
    sensitive_words: list[str] = Field(default_factory=list)
    link_whitelist: list[str] = Field(default_factory=list)     # domains: gov.cn covers www.hzsc.gov.cn

    @field_validator("sensitive_words")
    @classmethod
    def _words(cls, v: list[str]) -> list[str]:
        empty = [w for w in v if not normalise(w)]
        if empty:
            raise ValueError("a sensitive word is empty (or only spaces)")
        return v

    @field_validator("link_whitelist")
    @classmethod
    def _domains(cls, v: list[str]) -> list[str]:
        bad = [d for d in v if not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", d.strip().lower())]
        if bad:
            raise ValueError(f"not a domain name: {bad} (write gov.cn, not a URL)")
        return [d.strip().lower() for d in v]


class Releases(Strict):
    district_accounts: list[str] = Field(default_factory=list)          # regexes of publisher names
    unit_accounts: dict[str, list[str]] = Field(default_factory=dict)   # unit → regexes of its accounts

    @field_validator("district_accounts")
    @classmethod
    def _district(cls, v: list[str]) -> list[str]:
        return regexes(v)

    @field_validator("unit_accounts")
    @classmethod
    def _units(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        return regexes(v)


class ReleaseConfig(Strict):
    review: Review = Field(default_factory=Review)
    releases: Releases = Field(default_factory=Releases)

    @classmethod
    def load(cls, config=None) -> "ReleaseConfig":
        if isinstance(config, ReleaseConfig):
            return config
        if config is not None and hasattr(config, "get"):
            sec = config.get("release")
            if sec is not None:
                return sec
        import yaml
        if DEFAULT_PATH.exists():
            return cls.model_validate(yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8")) or {})
        return cls()

    def check_against(self, district) -> list[tuple[tuple, str]]:
        units = set(district.unit_names())
        return [(("releases", "unit_accounts", u), f"unknown unit {u!r} (not in district.yaml)")
                for u in self.releases.unit_accounts if u not in units]


def normalise(text: str) -> str:
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", text or "").casefold())


@dataclass(frozen=True)
class Problem:
    kind: str          # word | link
    what: str          # the word as listed, or the link as written
    message: str       # Chinese, for people


class StatementChecker:
    def __init__(self, review: Review):
        self.whitelist = tuple(review.link_whitelist)
        self._auto = None
        words = {normalise(w): w for w in review.sensitive_words}
        if words:
            a = ahocorasick.Automaton()
            for key, word in words.items():
                a.add_word(key, word)
            a.make_automaton()
            self._auto = a

    @classmethod
    def from_config(cls, config=None) -> "StatementChecker":
        return cls(ReleaseConfig.load(config).review)

    def words(self, text: str) -> list[str]:
        if self._auto is None:
            return []
        return list(dict.fromkeys(w for _, w in self._auto.iter(normalise(text))))

    def links(self, text: str) -> list[tuple[str, str]]:
        """(link, host) of every link whose host is not whitelisted."""
        out = []
        for m in _LINK.finditer(unicodedata.normalize("NFKC", text or "")):
            link = m.group(0).rstrip(".,;:!?")
            host = urllib.parse.urlsplit(link if "://" in link else f"http://{link}").hostname or ""
            host = host.lower().rstrip(".")
            if not any(host == d or host.endswith("." + d) for d in self.whitelist):
                out.append((link, host))
        return list(dict.fromkeys(out))

    def problems(self, text: str) -> list[Problem]:
        out = [Problem("word", w, f"含敏感词“{w}”") for w in self.words(text)]
        out += [Problem("link", link, f"含外链 {link}（{host or '无法识别的域名'}不在外链白名单内）")
                for link, host in self.links(text)]
        return out


def refusal(problems: Iterable[Problem]) -> str:
    ps = list(problems)
    return "发布稿" + "；".join(p.message for p in ps) + "，不能通过审核。请修改后重新提交发布稿。"


def publisher_matches(cfg: Releases, units: Iterable[str], source: str | None, author: str | None) -> str | None:
    """Why the publisher is the unit or the district (Chinese), or None."""
    names = [n.strip() for n in (source, author) if n and n.strip()]
    for unit in [u for u in units if u]:
        for n in names:
            if unit in n:
                return f"发布者“{n}”为责任单位{unit}"
            if any(re.search(p, n) for p in cfg.unit_accounts.get(unit, [])):
                return f"发布者“{n}”为{unit}的账号"
    for n in names:
        if any(re.search(p, n) for p in cfg.district_accounts):
            return f"发布者“{n}”为本区官方账号"
    return None
