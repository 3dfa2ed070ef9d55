"""The district file: units, categories, places, media tiers, escalation chain."""
from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from yuqing.config.base import Strict




class Coordinator(Strict):
    name: str
    role: str = ""


class Department(Strict):
    name: str
    kind: Literal["department", "vertical"] = "department"
    categories: list[str] = Field(default_factory=list)


class Street(Strict):
    name: str
    places: list[str] = Field(default_factory=list)


class Zone(Strict):
    name: str
    parent_street: str
    places: list[str] = Field(default_factory=list)


class Media(Strict):
    central: list[str] = Field(default_factory=list)
    provincial: list[str] = Field(default_factory=list)


class EscalationStep(Strict):
    level: int
    to: str


class Contact(Strict):
    """Where a role of a unit receives alerts (email); optional, used by responders."""
    unit: str
    role: str
    email: str | None = None


class District(Strict):
    district: str
    timezone: str = "Asia/Shanghai"
    coordinators: list[Coordinator]
    departments: list[Department]
    categories: dict[str, str]
    streets: list[Street]
    zones: list[Zone] = Field(default_factory=list)
    media: Media = Field(default_factory=Media)
    escalation_chain: list[EscalationStep] = Field(default_factory=list)
    contacts: list[Contact] = Field(default_factory=list)
    # Names of places of other districts/cities that mark an item as "not ours".
    other_places: list[str] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {v!r}") from exc
        return v

    # ---- derived views (computed once, used by every stage) ----
    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def unit_names(self) -> set[str]:
        return ({c.name for c in self.coordinators} | {d.name for d in self.departments}
                | {s.name for s in self.streets} | {z.name for z in self.zones})

    def owner_of(self, category: str) -> str | None:
        for d in self.departments:
            if category in d.categories:
                return d.name
        return None

    def unit_kind(self, name: str) -> str | None:
        for c in self.coordinators:
            if c.name == name:
                return "coordinator"
        for d in self.departments:
            if d.name == name:
                return d.kind
        if any(s.name == name for s in self.streets):
            return "street"
        if any(z.name == name for z in self.zones):
            return "zone"
        return None

    def place_index(self) -> dict[str, tuple[str, str]]:
        """place name -> (unit, 'street'|'zone'); a unit's own name places there too."""
        idx: dict[str, tuple[str, str]] = {}
        for s in self.streets:
            idx[s.name] = (s.name, "street")
            for p in s.places:
                idx[p] = (s.name, "street")
        for z in self.zones:
            idx[z.name] = (z.name, "zone")
            for p in z.places:
                idx[p] = (z.name, "zone")
        return idx

    def media_tier(self, source: str | None) -> str | None:
        if not source:
            return None
        if source in self.media.central:
            return "central"
        if source in self.media.provincial:
            return "provincial"
        return None
