"""The `readings` config section: every word list and number the fact reader uses.

`config/readings.yaml` is validated by `ReadingsConfig` (strict: unknown keys are errors;
every pattern must compile). `pipeline.facts` re-exports it, which is where the config
loader looks for it (`pipeline.facts:ReadingsConfig`).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from yuqing.config.base import Strict

DEFAULT_READINGS_PATH = Path(__file__).resolve().parents[1] / "config" / "readings.yaml"

# The fact kinds a cue can speak about (the counted and flag fields of yuqing.model.Facts).
FACT_KINDS = ("deaths", "injured", "ill", "gathering", "trapped", "evacuated", "explosion", "collapse")
COUNTED_KINDS = ("deaths", "injured", "ill", "gathering")
# Cue kinds beyond the fact kinds: hospital (→ ill or injured), casualties (→ deaths+injured).
CUE_KINDS = FACT_KINDS + ("hospital", "casualties")
GROUPS = ("children", "elderly", "food", "medical")


def _check_regex(v: str) -> str:
    try:
        re.compile(v)
    except re.error as exc:
        raise ValueError(f"pattern {v!r} does not compile: {exc}") from exc
    return v


Regex = Annotated[str, AfterValidator(_check_regex)]    # a regular expression, checked on load




class Limits(Strict):
    max_chars: int = Field(20_000, ge=100)
    count_gap_before: int = Field(10, ge=0, le=40)
    count_gap_after: int = Field(6, ge=0, le=40)
    negation_window: int = Field(8, ge=1, le=40)
    hypothetical_window: int = Field(10, ge=1, le=40)
    evidence_chars: int = Field(24, ge=6, le=200)
    # a people count opening the cue's clause is its count this far before it (30余名农民工在…门口聚集)
    count_clause_chars: int = Field(30, ge=0, le=80)


class Numbers(Strict):
    digits: dict[str, int]
    units: dict[str, int]
    vague: dict[str, int] = Field(default_factory=dict)
    approx_suffixes: list[str] = Field(default_factory=list)
    approx_prefixes: list[str] = Field(default_factory=list)
    below_prefixes: list[str] = Field(default_factory=list)
    people_classifiers: list[str]
    people_nouns: list[str] = Field(default_factory=list)

    @field_validator("digits", "units")
    @classmethod
    def _single_chars(cls, v: dict[str, int]) -> dict[str, int]:
        for k, n in v.items():
            if len(k) != 1:
                raise ValueError(f"{k!r}: a numeral is one character")
            if n < 0:
                raise ValueError(f"{k!r}: negative value")
        return v

    @field_validator("vague")
    @classmethod
    def _vague_values(cls, v: dict[str, int]) -> dict[str, int]:
        for k, n in v.items():
            if not k or n < 0:
                raise ValueError(f"{k!r}: a vague count needs a word and a value ≥ 0")
        return v


class KindRule(Strict):
    counted: bool = False
    bare_value: int = Field(1, ge=0)
    cues: list[str] = Field(min_length=1)
    weak_cues: list[str] = Field(default_factory=list)
    exclude: list[Regex] = Field(default_factory=list)
    require: Regex | None = None
    require_scope: Literal["sentence", "text"] = "sentence"
    weak_require: Regex | None = None
    count_gap_before: int | None = Field(None, ge=0, le=60)
    count_gap_after: int | None = Field(None, ge=0, le=60)
    # the largest count the sentence gives after the cue replaces a vaguer one (好多人…看着得有三十多个)
    largest_in_sentence: bool = False
    # 包工头拖欠30余名工人工资……工人们在工地门口聚集: a gathering whose own clauses give no number is
    # as large as the largest people count left anywhere in the item (the people it is about)
    item_count: bool = False
    item_count_min: int = 10   # (很多人 reads as a few: no crowd by itself)
    speaks_for: list[str] | None = None
    assert_: bool = Field(True, alias="assert")


    @field_validator("speaks_for")
    @classmethod
    def _speaks(cls, v: list[str] | None) -> list[str] | None:
        if v is not None:
            bad = [k for k in v if k not in FACT_KINDS]
            if bad:
                raise ValueError(f"unknown fact kinds {bad}; known: {list(FACT_KINDS)}")
        return v

    @model_validator(mode="after")
    def _weak(self) -> "KindRule":
        if self.weak_cues and not self.weak_require:
            raise ValueError("weak_cues need weak_require")
        return self


class Negation(Strict):
    cues: list[Regex] = Field(min_length=1)
    exclude: list[Regex] = Field(default_factory=list)
    contrast: list[str] = Field(default_factory=list)
    refuting: list[Regex] = Field(default_factory=list)


class Hypothetical(Strict):
    before: list[Regex] = Field(default_factory=list)
    after: list[Regex] = Field(default_factory=list)
    # An item about a drill (开展消防应急疏散演练，模拟商铺起火…) reports what was acted out:
    # none of its facts happened, unless something real is said to have (演练中一人受伤).
    exercise: list[Regex] = Field(default_factory=list)
    exercise_unless: list[Regex] = Field(default_factory=list)
    # An item whose opening recounts history (据《梦粱录》记载, 南宋时期, 1937年的空战) reports nothing
    # happening now: its fire or its deaths are the past's.
    history: list[Regex] = Field(default_factory=list)
    history_span: int = 80      # characters of the opening (title included) where it is looked for


class Question(Strict):
    cues: list[Regex] = Field(default_factory=list)


class Refutation(Strict):
    strong: list[Regex] = Field(min_length=1)
    exclude: list[Regex] = Field(default_factory=list)
    verify: list[Regex] = Field(default_factory=list)
    attribution: list[Regex] = Field(default_factory=list)
    short_clause: int = Field(8, ge=0, le=40)


class Rumour(Strict):
    claim: list[Regex] = Field(default_factory=list)
    spread: list[Regex] = Field(default_factory=list)
    exclude: list[Regex] = Field(default_factory=list)


class GroupCue(Strict):
    pattern: Regex | None = None
    age: bool = False                       # N岁 with N ≥ elderly_min_age (age_pattern)
    require: Regex | None = None
    require_scope: Literal["sentence", "text"] = "text"
    exclude: Regex | None = None              # a match inside an exclude match does not count
    exclude_sentence: Regex | None = None     # a match whose sentence matches this does not count

    @model_validator(mode="after")
    def _one(self) -> "GroupCue":
        if bool(self.pattern) == bool(self.age):
            raise ValueError("a group cue has either a pattern or age: true")
        return self


class SpecialGroups(Strict):
    elderly_min_age: int = Field(60, ge=40, le=100)
    age_pattern: str
    children: list[GroupCue] = Field(default_factory=list)
    elderly: list[GroupCue] = Field(default_factory=list)
    food: list[GroupCue] = Field(default_factory=list)
    medical: list[GroupCue] = Field(default_factory=list)

    @field_validator("age_pattern")
    @classmethod
    def _age(cls, v: str) -> str:
        _check_regex(v)
        if re.compile(v).groups < 1:
            raise ValueError("age_pattern needs a group capturing the age")
        return v


class ReadingsConfig(Strict):
    """config/readings.yaml: how facts, rumours and special groups are read from text."""

    version: int = 1
    limits: Limits = Field(default_factory=Limits)
    numbers: Numbers
    compact: list[str] = Field(default_factory=list)
    kinds: dict[str, KindRule]
    negation: Negation
    hypothetical: Hypothetical = Field(default_factory=Hypothetical)
    question: Question = Field(default_factory=Question)
    refutation: Refutation
    rumour: Rumour = Field(default_factory=Rumour)
    special_groups: SpecialGroups

    @field_validator("kinds")
    @classmethod
    def _kinds(cls, v: dict[str, KindRule]) -> dict[str, KindRule]:
        bad = [k for k in v if k not in CUE_KINDS]
        if bad:
            raise ValueError(f"unknown kinds {bad}; known: {list(CUE_KINDS)}")
        seen: dict[str, str] = {}
        for kind, rule in v.items():
            for cue in rule.cues + rule.weak_cues:
                if cue in seen and seen[cue] != kind:
                    raise ValueError(f"cue {cue!r} is listed under both {seen[cue]} and {kind}")
                seen[cue] = kind
        return v

    @field_validator("compact")
    @classmethod
    def _compact(cls, v: list[str]) -> list[str]:
        for p in v:
            if "{N}" not in p:
                raise ValueError(f"compact pattern {p!r} has no {{N}}")
            rx = _check_regex(p.replace("{N}", "(?:1)"))
            names = set(re.compile(rx).groupindex)
            if not names or not names <= set(COUNTED_KINDS):
                raise ValueError(f"compact pattern {p!r}: named groups must be among {list(COUNTED_KINDS)}")
        return v

    @classmethod
    def from_yaml(cls, path: str | Path) -> "ReadingsConfig":
        """Load and validate; raises yuqing.config.ConfigError listing every problem."""
        from yuqing.config.yamlfile import load_model
        return load_model(path, cls)


_DEFAULT: ReadingsConfig | None = None


def default_readings() -> ReadingsConfig:
    """The repository's config/readings.yaml, loaded once."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = ReadingsConfig.from_yaml(DEFAULT_READINGS_PATH)
    return _DEFAULT
