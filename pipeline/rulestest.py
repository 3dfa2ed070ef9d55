"""`yuqing rules test FILE…`: run a YAML file of routing cases against a config.

Like `amtool config routes test`: each case is one or a few items and what the last decision
must say; every case prints PASS or FAIL with the route path taken, and any failure makes the
exit status 1, so an office can test an edit before it goes live. pytest runs the same files
through the same code (tests/test_routing_cases.py).

    - name: 湖滨步行街商铺起火，有人被困
      items:
        - {content: "湖滨步行街一家服装店着火，有人被困", platform: weibo}
      expect: {first_responsible: 湖滨街道, co_responsible: [区应急管理局], rule: R3, emergency: true}

Item fields not given get defaults (id, platform weibo, a publish time one minute after the
previous item). In `expect`, lists (co_responsible, refer_to) must be included in the decision.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from yuqing.model import Item
from yuqing.timeutil import SHANGHAI

EXPECT_KEYS = ("first_responsible", "co_responsible", "refer_to", "rule", "severity", "emergency",
               "category", "handling_type", "negative")
_START = datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI)


class Expect(BaseModel):
    model_config = ConfigDict(extra="forbid")
    first_responsible: str | None = None
    co_responsible: list[str] | None = None
    refer_to: list[str] | None = None
    rule: str | None = None
    severity: str | None = None
    emergency: bool | None = None
    category: str | None = None
    handling_type: str | None = None
    negative: bool | None = None


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    items: list[dict[str, Any]] = Field(min_length=1)
    expect: Expect


@dataclass
class Outcome:
    case: Case
    ok: bool
    problems: list[str] = field(default_factory=list)
    got: dict[str, Any] = field(default_factory=dict)
    path: list[str] = field(default_factory=list)


def load_cases(path: Path) -> list[Case]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ValueError(f"{path}:{mark.line + 1 if mark else '?'}: YAML syntax error: {exc}") from exc
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of cases")
    cases = []
    for i, raw in enumerate(data):
        try:
            cases.append(Case.model_validate(raw))
        except ValidationError as exc:
            e = exc.errors()[0]
            raise ValueError(f"{path}: case {i + 1}: {'.'.join(map(str, e['loc']))}: {e['msg']}") from exc
    return cases


def _items(case: Case) -> list[Item]:
    out, when = [], _START
    for i, raw in enumerate(case.items):
        d = dict(raw)
        d.setdefault("id", f"case-{i + 1}")
        d.setdefault("platform", "weibo")
        if "published_at" not in d:
            d["published_at"] = when.isoformat()
        out.append(Item.model_validate(d))
        when = out[-1].published_at + timedelta(minutes=1)
    return out


def run_case(engine, case: Case) -> Outcome:
    engine.reset()
    dec = None
    for item in _items(case):
        dec = engine.process(item)
    got = dec.to_json()
    problems = []
    for key, want in case.expect.model_dump(exclude_none=True).items():
        have = got.get(key)
        if key in ("co_responsible", "refer_to"):
            missing = [u for u in want if u not in (have or [])]
            if missing:
                problems.append(f"{key}: expected to include {missing}, got {have}")
        elif have != want:
            problems.append(f"{key}: expected {want!r}, got {have!r}")
    return Outcome(case, not problems, problems, got, dec.route_path)


def run_rule_tests(cfg, files: list[str], out: IO, err: IO, *, model: str | None = None, verbose: bool = False) -> int:
    from pipeline.engine import Engine
    engine = Engine(cfg, sentiment_model=model)     # the CLI passes the model it was given
    failed = total = 0
    for f in files:
        try:
            cases = load_cases(Path(f))
        except (OSError, ValueError) as exc:
            print(f"错误 / error: {exc}", file=err)
            return 2
        for case in cases:
            o = run_case(engine, case)
            total += 1
            g = o.got
            summary = (f"{g['first_responsible'] or '—'} [{', '.join(g['co_responsible'])}] {g['rule'] or '—'} "
                       f"{g['severity']}{' 突发' if g['emergency'] else ''}")
            print(f"{'PASS' if o.ok else 'FAIL'}  {case.name}  → {summary}", file=out)
            if not o.ok:
                failed += 1
                for p in o.problems:
                    print(f"      {p}", file=out)
            if verbose or not o.ok:
                print(f"      路径 {' → '.join(o.path) or '（不立案）'}", file=out)
                for r in g["reasons"]:
                    print(f"      · {r}", file=out)
    print(f"{total - failed} passed, {failed} failed", file=out)
    return 1 if failed else 0
