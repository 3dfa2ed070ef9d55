"""Read YAML keeping line numbers, so every config error can say where it is."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from yuqing.config.errors import ConfigError, ConfigProblem


class UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping: YAML keeps the later silently,
    so a second `4:` list of cue words would drop the first without a word."""

    def construct_mapping(self, node, deep=False):
        seen: dict[Any, int] = {}
        for k, _ in node.value:
            key = self.construct_object(k, deep=deep)
            if isinstance(key, (str, int, float, bool)) and key in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark,
                    f"duplicate key {key!r} (first on line {seen[key]}): the later would replace the earlier",
                    k.start_mark)
            seen[key] = k.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def load_unique(text: str) -> Any:
    """yaml.safe_load, refusing duplicate keys."""
    return yaml.load(text, Loader=UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass


def _walk(node: yaml.Node, path: tuple, out: dict[tuple, int]) -> None:
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            key = k.value if isinstance(k, yaml.ScalarNode) else str(k)
            out[path + (key,)] = k.start_mark.line + 1
            _walk(v, path + (key,), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            _walk(v, path + (i,), out)


def read_yaml(path: Path, loader: type = UniqueKeyLoader) -> tuple[Any, dict[tuple, int], list[ConfigProblem]]:
    """Return (data, path->line map, problems). A syntax error is a problem with its line."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, {}, [ConfigProblem(name, "", "file not found")]
    except UnicodeDecodeError as exc:
        return None, {}, [ConfigProblem(name, "", f"not UTF-8 text ({exc.reason} at byte {exc.start})")]
    try:
        node = yaml.compose(text, Loader=loader)
        data = yaml.load(text, Loader=loader)  # noqa: S506 - loader is SafeLoader or a subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        msg = getattr(exc, "problem", None) or str(exc)
        return None, {}, [ConfigProblem(name, "", f"YAML syntax error: {msg}", line)]
    lines: dict[tuple, int] = {}
    if node is not None:
        _walk(node, (), lines)
    return data, lines, []


def fmt_path(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def line_of(lines: dict[tuple, int], loc: tuple) -> int | None:
    loc = tuple(loc)
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return lines.get(())


def pydantic_problems(file: str, exc: Any, lines: dict[tuple, int], *, data: Any = None,
                      describe: Callable[[tuple, Any], str | None] | None = None) -> list[ConfigProblem]:
    """One problem per validation error; `describe(loc, data)` may name the entry (its date, name…)."""
    out = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        reason = err["msg"]
        if err["type"] == "extra_forbidden":
            reason = "unknown key"
        elif err["type"] == "missing":
            reason = "required key is missing"
        where = fmt_path(loc)
        label = describe(loc, data) if describe else None
        out.append(ConfigProblem(file, f"{where} ({label})" if label else where, reason, line_of(lines, loc)))
    return out


def load_model(source: Path | str | Mapping, model: type, *, loader: type = yaml.SafeLoader,
               describe: Callable[[tuple, Any], str | None] | None = None, error: type = ConfigError,
               name: str | None = None) -> Any:
    """Read a YAML file (or take a mapping) and validate it; raise `error` listing every problem."""
    from pydantic import ValidationError

    lines: dict[tuple, int] = {}
    if isinstance(source, Mapping):
        data, file = dict(source), name or model.__name__
    else:
        path = Path(source)
        file = path.name
        data, lines, problems = read_yaml(path, loader)
        if problems:
            raise error(problems)
        data = {} if data is None else data
    if not isinstance(data, Mapping):
        raise error([ConfigProblem(file, "", "the file must be a mapping of keys to values", 1)])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise error(pydantic_problems(file, exc, lines, data=data, describe=describe)) from None
