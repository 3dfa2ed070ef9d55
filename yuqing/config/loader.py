"""Load a config directory: every file validated, every cross-reference checked.

Each file is one section with one pydantic model (strict: unknown keys are errors).
Problems are collected, not raised one by one, so `yuqing check-config` can list them all.
A model may define `check_against(district) -> list[(path_tuple, reason)]` for references
into the district file (units, categories); the loader calls it.
"""
from __future__ import annotations

import importlib
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from yuqing.config.district import District
from yuqing.config.errors import ConfigError, ConfigProblem
from yuqing.config.rules import UNIT_REFS, Route, Rules, walk_routes
from yuqing.config.yamlfile import fmt_path, line_of, pydantic_problems, read_yaml

REPO_CONFIG = Path(__file__).resolve().parents[2] / "config"


def default_config_dir() -> Path:
    """$YUQING_CONFIG, else ./config if it has a district file, else the repository's config/."""
    env = os.environ.get("YUQING_CONFIG")
    if env:
        return Path(env)
    local = Path.cwd() / "config"
    if (local / "district.yaml").exists():
        return local
    return REPO_CONFIG


@dataclass(frozen=True)
class Section:
    """One file of a config directory. Each package registers its own (`register_section`)."""
    name: str
    file: str
    model: str          # "module:Class"
    required: bool
    help: str
    default: Path | None = None   # the shipped file used, and announced, when the directory has none


_SECTIONS: dict[str, Section] = {}


def register_section(section: Section) -> None:
    """Declare a config file. Registering the same name again replaces it (tests, plugins)."""
    _SECTIONS[section.name] = section


def sections() -> tuple[Section, ...]:
    return tuple(_SECTIONS.values())


# The core's own files; the stages register theirs (pipeline, crawlers, responders).
for _s in (
    Section("district", "district.yaml", "yuqing.config.district:District", True,
            "units, categories and their owners, places of streets and zones, media tiers, escalation chain"),
    Section("rules", "rules.yaml", "yuqing.config.rules:Rules", True,
            "routing tree R1–R7, emergency thresholds, severity levels, handling types, readings"),
    Section("calendar", "calendar.yaml", "yuqing.clocks.calendar:CalendarConfig", False,
            "working-day overrides (State Council notices) and the rule for years without data",
            REPO_CONFIG / "calendar.yaml"),
    Section("clocks", "clocks.yaml", "yuqing.clocks.due:ClockPolicy", False,
            "clock durations and escalation warning fractions", REPO_CONFIG / "clocks.yaml"),
):
    register_section(_s)


@dataclass
class Config:
    dir: Path
    district: District
    rules: Rules
    sections: dict[str, Any] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)   # defaults used for absent files, said aloud

    def get(self, name: str) -> Any:
        """A validated optional section (the shipped default when the directory has no file for
        it, announced in `notices`), or None when it has no default either."""
        return self.sections.get(name)


def _import(path: str):
    module, _, cls = path.partition(":")
    return getattr(importlib.import_module(module), cls)


def _district_problems(d: District, lines: dict) -> list[ConfigProblem]:
    f = "district.yaml"
    out: list[ConfigProblem] = []

    def add(loc: tuple, reason: str) -> None:
        out.append(ConfigProblem(f, fmt_path(loc), reason, line_of(lines, loc)))

    names = Counter([c.name for c in d.coordinators] + [x.name for x in d.departments]
                    + [s.name for s in d.streets] + [z.name for z in d.zones])
    for name, n in names.items():
        if n > 1:
            add((), f"unit {name!r} is defined {n} times")
    street_names = {s.name for s in d.streets}
    seen: dict[str, tuple] = {}
    for i, s in enumerate(d.streets):
        for j, p in enumerate(s.places):
            if p in seen:
                add(("streets", i, "places", j), f"place {p!r} is under two units: {seen[p][0]} and {s.name}")
            else:
                seen[p] = (s.name, ("streets", i, "places", j))
    for i, z in enumerate(d.zones):
        if z.parent_street not in street_names:
            add(("zones", i, "parent_street"), f"zone {z.name!r}: parent street {z.parent_street!r} does not exist")
        for j, p in enumerate(z.places):
            if p in seen:
                add(("zones", i, "places", j), f"place {p!r} is under two units: {seen[p][0]} and {z.name}")
            else:
                seen[p] = (z.name, ("zones", i, "places", j))
    owners: dict[str, str] = {}
    for i, dep in enumerate(d.departments):
        for j, c in enumerate(dep.categories):
            if c not in d.categories:
                add(("departments", i, "categories", j), f"department {dep.name!r} owns unknown category {c!r}")
            if c in owners:
                add(("departments", i, "categories", j), f"category {c!r} has two owners: {owners[c]} and {dep.name}")
            owners.setdefault(c, dep.name)
    for c in d.categories:
        if c not in owners:
            add(("categories", c), f"category {c!r} has no owner department")
    return out


def _rules_problems(r: Rules, d: District, lines: dict) -> list[ConfigProblem]:
    f = "rules.yaml"
    out: list[ConfigProblem] = []
    units = d.unit_names()

    def add(loc: tuple, reason: str) -> None:
        out.append(ConfigProblem(f, fmt_path(loc), reason, line_of(lines, loc)))

    def check_route(route: Route, loc: tuple) -> None:
        refs = [("first_responsible", route.first_responsible)] if route.first_responsible else []
        refs += [("co_responsible", u) for u in route.co_responsible]
        refs += [("refer_to", u) for u in route.refer_to]
        for key, ref in refs:
            if ref not in units and ref not in UNIT_REFS:
                add(loc + (key,), f"route {route.rule}: unknown unit {ref!r} (not in district.yaml, "
                                  f"nor a resolver: {', '.join(UNIT_REFS)})")
        if route.match and route.match.main_category:
            for c in route.match.main_category:
                if c not in d.categories:
                    add(loc + ("match", "main_category"), f"route {route.rule}: unknown category {c!r}")
        for i, child in enumerate(route.routes):
            check_route(child, loc + ("routes", i))

    check_route(r.route, ("route",))
    for i, c in enumerate(r.special_group_categories):
        if c not in d.categories:
            add(("special_group_categories", i), f"unknown category {c!r}")
    for i, c in enumerate(r.harm_categories):
        if c not in d.categories:
            add(("harm_categories", i), f"unknown category {c!r}")
    for i, inv in enumerate(r.involve):
        if inv.category not in d.categories:
            add(("involve", i, "category"), f"unknown category {inv.category!r}")
    return out


def load_config(directory: str | os.PathLike | None = None) -> Config:
    """Load and validate; raise ConfigError listing every problem found."""
    cdir = Path(directory) if directory is not None else default_config_dir()
    problems: list[ConfigProblem] = []
    if not cdir.is_dir():
        raise ConfigError([ConfigProblem(str(cdir), "", "config directory not found")])
    loaded: dict[str, Any] = {}
    lines_of: dict[str, dict] = {}
    notices: list[str] = []
    for sec in sections():
        path = cdir / sec.file
        if not path.exists():
            if sec.required:
                problems.append(ConfigProblem(sec.file, "", f"required file is missing ({sec.help})"))
                continue
            if sec.default is None or not sec.default.exists():
                notices.append(f"{sec.file} 不存在，且无内置默认：{sec.help} 未配置 / {sec.file} absent, no default")
                continue
            notices.append(f"{sec.file} 不存在：使用内置默认 {sec.default} / {sec.file} absent: "
                           f"using the shipped default ({sec.help})")
            path = sec.default
        data, lines, probs = read_yaml(path)
        problems += probs
        if probs:
            continue
        if data is None:
            data = {}
        if not isinstance(data, dict):
            problems.append(ConfigProblem(sec.file, "", "the file must be a mapping of keys to values", 1))
            continue
        try:
            model = _import(sec.model)
        except (ImportError, AttributeError) as exc:
            problems.append(ConfigProblem(sec.file, "", f"cannot load its schema {sec.model}: {exc}"))
            continue
        try:
            loaded[sec.name] = model.model_validate(data)
            lines_of[sec.name] = lines
        except ValidationError as exc:
            problems += pydantic_problems(sec.file, exc, lines)
        except ValueError as exc:
            problems.append(ConfigProblem(sec.file, "", str(exc)))

    district = loaded.get("district")
    if district is not None:
        problems += _district_problems(district, lines_of["district"])
        if "rules" in loaded:
            problems += _rules_problems(loaded["rules"], district, lines_of["rules"])
        for sec in sections():
            if sec.name in ("district", "rules"):
                continue
            obj = loaded.get(sec.name)
            check = getattr(obj, "check_against", None)
            if obj is not None and callable(check):
                for loc, reason in check(district):
                    loc = tuple(loc)
                    problems.append(ConfigProblem(sec.file, fmt_path(loc), reason, line_of(lines_of[sec.name], loc)))
    if problems:
        raise ConfigError(problems)
    return Config(dir=cdir, district=loaded["district"], rules=loaded["rules"],
                  sections={k: v for k, v in loaded.items() if k not in ("district", "rules")}, notices=notices)
