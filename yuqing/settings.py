"""Settings: each defined once (name, default, help), with one precedence order.

defaults < config/settings.yaml < environment (YUQING_<NAME>) < command line (--set NAME=VALUE).
Every value remembers where it came from (`yuqing settings show`). Secrets are read from the
environment and masked when shown.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    secret: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting("STORE_URL", "sqlite:///var/yuqing.db", "SQLAlchemy URL of the store (SQLite by default; postgresql+psycopg://… at scale)"),
    Setting("BUS", "sqlite", "message bus: inprocess (one process) | sqlite (durable, several processes on one machine) | kafka"),
    Setting("BUS_SQLITE_PATH", "var/bus.db", "SQLite file of the bus when BUS=sqlite (a path or sqlite:/// URL; may be the store's file)"),
    Setting("BUS_KAFKA_SERVERS", "127.0.0.1:9092", "Kafka bootstrap servers when BUS=kafka"),
    Setting("BUS_PARTITIONS", 4, "partitions of a new topic (same key → same partition → kept in order); more lets more workers share a topic"),
    Setting("BUS_SESSION_TIMEOUT_SECONDS", 10.0, "a consumer silent this long loses its partitions to its group's other members (sqlite, kafka)"),
    Setting("BUS_TOPIC_ITEMS", "yuqing.items", "topic that carries crawled items"),
    Setting("BUS_TOPIC_ANALYSED", "yuqing.analysed", "topic of analysed items (worker stage analyse → decide), keyed by item id"),
    Setting("BUS_TOPIC_DECISIONS", "yuqing.decisions", "topic of routed decisions (stage decide → record), keyed by event id: an event's items in order"),
    Setting("BUS_TOPIC_CASE_EVENTS", "yuqing.case-events", "topic that receives a copy of every case change (opened, level raised, emergency, rerouted), keyed by event id"),
    Setting("BUS_TOPIC_DEAD", "yuqing.dead", "topic that receives items moved to the dead letters"),
    Setting("WORKER_STAGE", "all", "what `yuqing worker` runs: all (one process does everything) | analyse (several) | decide (exactly one) | record (several)"),
    Setting("WORKER_RETRIES", 3, "attempts after the first before an item that keeps failing becomes a dead letter"),
    Setting("WORKER_RETRY_SECONDS", 0.2, "wait before the first retry of a failing item (doubling after each)"),
    Setting("NOTIFIER_POLL_SECONDS", 2.0, "how often the notifier turns case events into alerts and delivers them"),
    Setting("SEARCH", "fts5", "full-text search index: fts5 (SQLite, embedded) | elastic | none"),
    Setting("SEARCH_FTS_PATH", "var/search.db", "SQLite file of the FTS5 index (may be the store's own file)"),
    Setting("SEARCH_ES_URL", "http://127.0.0.1:9200", "Elasticsearch URL when SEARCH=elastic"),
    Setting("SEARCH_ES_INDEX", "yuqing-items", "Elasticsearch index (and index template) of the items"),
    Setting("SEARCH_ES_ANALYZER", "auto", "Chinese analyzer of a new index: auto | ik | smartcn | ngram (auto: ik, else smartcn, else n-grams)"),
    Setting("SENTIMENT_MODEL", "", "path of a retrained sentiment model; empty = the shipped model"),
    Setting("GROUPING_WEIGHTS", "", "path of grouping weights fitted with `yuqing train grouping`; empty = config/rules.yaml's"),
    Setting("STAGES", {}, "analysis stages to add, reorder or disable (name → order, null disables), merged over STAGES_BASE"),
    Setting("CRAWL_INTERVAL_SECONDS", 20, "how often the demo crawls its sources"),
    Setting("SCHEDULER_SWEEP_SECONDS", 30, "how often the scheduler sweeps due clocks and alerts"),
    Setting("DASHBOARD_PORT", 8501, "port of the Streamlit dashboard"),
    Setting("DEMO_SITE_PORT", 0, "port of the demo news site (0 = any free port)"),
    Setting("DEMO_SPEED", 1.0, "how much faster than real time the demo stories unfold"),
    Setting("SESSION_HOURS", 8.0, "a dashboard sign-in ends this many hours after it began"),
    Setting("SESSION_IDLE_MINUTES", 60.0, "a dashboard sign-in ends after this many minutes without use"),
    Setting("SIGNIN_MAX_FAILURES", 5, "wrong passwords in a row before an account is locked for a while"),
    Setting("SIGNIN_LOCK_MINUTES", 15.0, "how long an account stays locked after too many wrong passwords"),
    Setting("ALERT_SMTP_HOST", "", "SMTP server for email alerts; empty disables email"),
    Setting("ALERT_SMTP_PORT", 25, "SMTP port"),
    Setting("ALERT_SMTP_USER", "", "SMTP user"),
    Setting("ALERT_SMTP_PASSWORD", "", "SMTP password (environment only)", secret=True),
    Setting("ALERT_SMTP_FROM", "yuqing@localhost", "sender address of email alerts"),
)
_BY_NAME = {s.name: s for s in SETTINGS}
_USERINFO = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]*):(?P<pw>[^@/\s]*)@", re.I)


# Files of the embedded parts: a relative path is taken from the directory that holds the config
# directory (the project), not from wherever a command was started, so the CLI, the demo, the
# dashboard and their child processes all open the same store.
PATH_SETTINGS = ("STORE_URL", "BUS_SQLITE_PATH", "SEARCH_FTS_PATH")


def anchored(value: Any, base: Path) -> Any:
    """`value` (a path or sqlite:/// URL) made absolute against `base`; anything else unchanged."""
    if not isinstance(value, str) or not value or ":memory:" in value:
        return value
    prefix = ""
    if value.startswith("sqlite:///"):
        prefix, value = "sqlite:///", value[len("sqlite:///"):]
    elif "://" in value:               # a server URL (postgresql://…): nothing to anchor
        return value
    if value.startswith("/"):
        return prefix + value
    return prefix + str(base / value)


def mask_url(value: str) -> str:
    """A URL's password masked (postgresql+psycopg://user:***@host/db); other text unchanged."""
    return _USERINFO.sub(lambda m: f"{m.group('head')}:***@", value)


def shown(setting: Setting, value: Any) -> str:
    """How a value may be printed: secrets as ****, passwords inside URLs masked."""
    if setting.secret:
        return "****" if value else "''"
    return repr(mask_url(value)) if isinstance(value, str) else repr(value)


def _coerce(setting: Setting, value: Any) -> Any:
    d = setting.default
    if isinstance(value, str):
        if isinstance(d, bool):
            return value.strip().lower() in ("1", "true", "yes", "on")
        if isinstance(d, int):
            return int(value)
        if isinstance(d, float):
            return float(value)
        if isinstance(d, dict):
            return yaml.safe_load(value) or {}
    return value


class Settings:
    def __init__(self, values: dict[str, Any], sources: dict[str, str]):
        self._values, self._sources = values, sources

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self._values.get(name, default)

    def source(self, name: str) -> str:
        return self._sources[name]

    def show(self) -> list[tuple[str, str, str]]:
        out = []
        for s in SETTINGS:
            out.append((s.name, shown(s, self._values[s.name]), self._sources[s.name]))
        return out

    @classmethod
    def load(cls, config_dir: Path | None = None, overrides: dict[str, str] | None = None,
             environ: dict[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        values = {s.name: s.default for s in SETTINGS}
        sources = {s.name: "default" for s in SETTINGS}
        f = (config_dir / "settings.yaml") if config_dir else None
        if f and f.exists():
            data = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
            for k, v in data.items():
                if k not in _BY_NAME:
                    raise ValueError(f"{f}: unknown setting {k!r} (known: {', '.join(_BY_NAME)})")
                if _BY_NAME[k].secret:
                    raise ValueError(f"{f}: {k} is a secret: set it in the environment (YUQING_{k})")
                values[k], sources[k] = _coerce(_BY_NAME[k], v), "config"
        for s in SETTINGS:
            if f"YUQING_{s.name}" in env:
                values[s.name], sources[s.name] = _coerce(s, env[f"YUQING_{s.name}"]), "env"
        for k, v in (overrides or {}).items():
            if k not in _BY_NAME:
                raise ValueError(f"--set: unknown setting {k!r} (known: {', '.join(_BY_NAME)})")
            if _BY_NAME[k].secret:
                # a command line is visible to every user of the machine (ps) and kept in shell history
                raise ValueError(f"--set: {k} is a secret: set it in the environment (YUQING_{k}), "
                                 f"not on the command line")
            values[k], sources[k] = _coerce(_BY_NAME[k], v), "cmdline"
        base = config_dir.resolve().parent if config_dir else Path.cwd()
        for k in PATH_SETTINGS:
            values[k] = anchored(values[k], base)
        return cls(values, sources)
