"""The one domain model every stage shares.

Items come in; the pipeline attaches an `Analysis` to each, groups items into `Event`s and
keeps one `CaseState` per event (the routing decision, severity, clocks). Every decision
carries `reasons`: human-readable strings in Chinese that say which rule, place and number
led to it, so a person can check it and an auditor can replay it.
"""
from __future__ import annotations

import re
from datetime import datetime
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from yuqing import vocab
from yuqing.timeutil import SHANGHAI, parse_time


_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _has_no_offset(text: str) -> bool:
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00")).tzinfo is None
    except ValueError:
        return False

PLATFORMS = ("news", "weibo", "wechat", "forum", "gov_board", "video", "hotline")
LEVELS = vocab.LEVELS
HANDLING_TYPES = vocab.HANDLING_TYPES


METRIC_MAX = 100_000_000       # more interactions than any post has had: a larger value is an error


def clamp_metric(v: Any) -> tuple[int, str | None]:
    """A count as a non-negative integer below METRIC_MAX, and why it was changed (or None)."""
    if v is None or v == "":
        return 0, None
    if isinstance(v, bool):
        return int(v), "布尔值按 0/1 计"
    try:
        f = float(str(v).replace(",", "").strip()) if isinstance(v, str) else float(v)
    except (TypeError, ValueError):
        raise ValueError(f"not a number: {v!r}") from None
    if f != f:                                   # NaN
        return 0, f"非数值 {v!r} 按 0 计"
    if f < 0:
        return 0, f"负数 {v!r} 按 0 计"
    if f >= METRIC_MAX:
        return METRIC_MAX, f"{v!r} 超出合理上限，按 {METRIC_MAX} 计"
    return int(f), None if float(int(f)) == f else f"{v!r} 取整为 {int(f)}"


class Metrics(BaseModel):
    model_config = ConfigDict(extra="ignore")
    reposts: int = 0
    comments: int = 0
    likes: int = 0
    views: int = 0
    notes: list[str] = Field(default_factory=list, exclude=True)   # what validation changed, and why

    @model_validator(mode="before")
    @classmethod
    def _clamp(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        out, notes = dict(data), []
        for k in ("reposts", "comments", "likes", "views"):
            if k in out:
                out[k], why = clamp_metric(out[k])
                if why:
                    notes.append(f"互动数 {k}：{why}")
        out["notes"] = notes + list(out.get("notes") or [])
        return out

    @property
    def interactions(self) -> int:
        """Heat as the rulebook counts it: reposts + comments + likes (views excluded)."""
        return self.reposts + self.comments + self.likes


class Item(BaseModel):
    """One crawled or submitted piece of text, in the `route` input format."""

    model_config = ConfigDict(extra="ignore")  # unknown fields are ignored, by contract

    id: str
    url: str | None = None
    platform: str = "unknown"
    source: str | None = None
    author: str | None = None
    title: str | None = None
    content: str
    published_at: datetime
    metrics: Metrics = Field(default_factory=Metrics)

    notes: list[str] = Field(default_factory=list, exclude=True)   # what validation assumed or changed

    @model_validator(mode="before")
    @classmethod
    def _zone(cls, data: Any) -> Any:
        """A time without a zone is read as Asia/Shanghai, and the item says so."""
        if isinstance(data, dict):
            v = data.get("published_at")
            naive = (isinstance(v, str) and _has_no_offset(v)) or (isinstance(v, datetime) and v.tzinfo is None)
            if naive:
                data = dict(data)
                data["published_at"] = v.replace(tzinfo=SHANGHAI) if isinstance(v, datetime) else v
                data["notes"] = list(data.get("notes") or []) + ["发布时间未带时区，按北京时间（Asia/Shanghai）理解"]
        return data

    @field_validator("published_at", mode="before")
    @classmethod
    def _aware_time(cls, v: Any) -> Any:
        if isinstance(v, str):
            return parse_time(v, what="published_at")
        if isinstance(v, datetime) and v.tzinfo is None:
            raise ValueError("published_at has no timezone")
        return v

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, v: Any) -> Any:
        if isinstance(v, (int,)) and not isinstance(v, bool):
            return str(v)
        if isinstance(v, str) and not v.strip():
            raise ValueError("id is empty")
        return v

    @field_validator("id", "url", "platform", "source", "author", "title", "content")
    @classmethod
    def _clean(cls, v: Any, info) -> Any:
        if isinstance(v, str):
            v = _CONTROLS.sub("", v)      # a NUL is no text, and PostgreSQL refuses it
            if info.field_name == "id" and not v.strip():
                raise ValueError("id is empty once control characters are removed")
            if info.field_name != "content" and len(v) > 4000:
                v = v[:4000]              # a field this long is junk; the content keeps the text
        return v

    @property
    def all_notes(self) -> list[str]:
        return self.notes + self.metrics.notes

    @field_validator("metrics", mode="before")
    @classmethod
    def _none_metrics(cls, v: Any) -> Any:
        return {} if v is None else v

    @field_validator("platform", mode="before")
    @classmethod
    def _platform(cls, v: Any) -> Any:
        return "unknown" if v is None else v

    @field_validator("content", mode="before")
    @classmethod
    def _content(cls, v: Any) -> Any:
        if v is None:
            raise ValueError("content is null")
        return v

    @property
    def text(self) -> str:
        """Title and content as one text for analysis."""
        return f"{self.title}\n{self.content}" if self.title else self.content


class PlaceHit(BaseModel):
    name: str            # the gazetteer name matched (normalised spelling)
    unit: str            # the street or zone that is 属地 for it
    unit_kind: str       # street | zone
    matched: str = ""    # the text as it appeared
    start: int = -1
    generic: bool = False  # a common street name other cities have too (大学路)


class Facts(BaseModel):
    """Casualties and incident facts read from text (rulebook §3 and §7)."""

    deaths: int = 0
    injured: int = 0
    ill: int = 0
    gathering: int = 0
    trapped: bool = False
    evacuated: bool = False
    explosion: bool = False
    collapse: bool = False
    refuted: bool = False           # the item refutes claims (经核实不实、系谣言 …)
    crowd: int = 0                  # people counted on a scene, no gathering word (估计上百人了): grows a gathering
    evidence: list[str] = Field(default_factory=list)
    stated: list[str] = Field(default_factory=list)   # counted kinds given by a number (3人死亡), not bare

    def merge_max(self, other: "Facts") -> "Facts":
        return Facts(
            deaths=max(self.deaths, other.deaths), injured=max(self.injured, other.injured),
            ill=max(self.ill, other.ill), gathering=max(self.gathering, other.gathering),
            trapped=self.trapped or other.trapped, evacuated=self.evacuated or other.evacuated,
            explosion=self.explosion or other.explosion, collapse=self.collapse or other.collapse,
            refuted=self.refuted or other.refuted, crowd=max(self.crowd, other.crowd),
            evidence=self.evidence + [e for e in other.evidence if e not in self.evidence],
        )


class Analysis(BaseModel):
    """What the pipeline read from one item."""

    sentiment: float = 0.5                 # probability the text is positive (snownlp scale)
    negative: bool = False
    category: str | None = None            # the item's main category
    categories: list[str] = Field(default_factory=list)   # categories involved, main first
    places: list[PlaceHit] = Field(default_factory=list)  # district places
    foreign_places: list[str] = Field(default_factory=list)  # places of other districts/cities
    foreign_admin: list[str] = Field(default_factory=list)   # other provinces, cities, counties named
    elsewhere_places: list[str] = Field(default_factory=list)  # our place names read as another city's
    person_names: list[str] = Field(default_factory=list)  # our place names read as a person's (王南星)
    policy_author: str | None = None     # the department that drafted or issued the measure it names
    home_named: bool = False               # the district itself is named (上城区, 我区)
    home_context: bool = False             # its city or province is named (杭州, 浙江)
    facts: Facts = Field(default_factory=Facts)
    about_policy: bool = False             # about a district policy/decision/measure itself (R1)
    rumour: bool = False                   # spreads or is about a rumour
    refutes: bool = False                  # an official refutation of claims
    official: bool = False                 # published by a government account
    special_groups: list[str] = Field(default_factory=list)  # children, elderly, food, medical
    media_tier: str | None = None          # central | provincial | None (local)
    reasons: list[str] = Field(default_factory=list)


class ClockStatus(str, Enum):
    running = "running"
    met = "met"
    late = "late"
    cancelled = "cancelled"


class ClockState(BaseModel):
    kind: str                     # statement | press_conference | follow_up | feedback | ...
    starts_at: datetime
    due_at: datetime
    status: ClockStatus = ClockStatus.running
    provisional: bool = False     # rests on an assumed calendar (no official data)
    met_at: datetime | None = None
    reason: str = ""


class CaseState(BaseModel):
    """The event's routing decision after its latest item."""

    event_id: str
    severity: str = "无"
    emergency: bool = False
    first_responsible: str | None = None
    co_responsible: list[str] = Field(default_factory=list)
    refer_to: list[str] = Field(default_factory=list)
    rule: str | None = None
    route_path: list[str] = Field(default_factory=list)
    handling_type: str | None = None
    category: str | None = None
    places: list[str] = Field(default_factory=list)
    heat: int = 0
    reasons: list[str] = Field(default_factory=list)
    clocks: list[ClockState] = Field(default_factory=list)
