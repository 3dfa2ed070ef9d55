from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ConfigProblem:
    file: str        # file name inside the config directory
    path: str        # dotted path inside the file, e.g. streets[3].places[1]
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        return f"{where}: {self.path or '(top)'}: {self.reason}"


class ConfigError(ValueError):
    def __init__(self, problems: list[ConfigProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
