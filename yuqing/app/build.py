"""The composition root: the one place that reads settings and builds the concrete parts.

Every entry point (CLI commands, the worker, the notifier, the scheduler, the dashboard, the
demo) asks this module for its parts, so a bus, a store, a search index or a channel is chosen
by settings in one place, with one build path each (after Scrapy's `build_from_settings`):
- `load_config(dir)`: every package registers its config files first, then the directory is
  validated; defaults used for absent files are announced on stderr;
- `open_store(settings, clock, create=…)`: SQL store; a command that only reads refuses a store
  that does not exist instead of creating an empty one;
- `make_bus`, `make_search`, `make_engine`, `make_channels`, `make_outbox`.
"""
from __future__ import annotations

import importlib
import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from yuqing.config import Config, ConfigError, default_config_dir
from yuqing.config import load_config as _load_config
from yuqing.settings import Settings
from yuqing.seams import NotConfigured
from yuqing.timeutil import Clock, ManualClock, SystemClock, parse_time

log = logging.getLogger("yuqing.app")
# Packages that register config sections, channels and source kinds when imported.
PACKAGES = ("pipeline", "crawlers", "responders", "responders.channels")
_ANNOUNCED: set[str] = set()


def register_packages() -> None:
    for name in PACKAGES:
        importlib.import_module(name)


def load_config(directory: str | os.PathLike | None = None, *, announce: bool = True, err=None) -> Config:
    """The validated config directory; a shipped default used for an absent file is said on stderr."""
    register_packages()
    cfg = _load_config(directory)
    if announce:
        for n in cfg.notices:
            if n not in _ANNOUNCED:
                _ANNOUNCED.add(n)
                print(f"注意 / note: {n}", file=err or sys.stderr)
    return cfg


def config_dir(arg: str | None) -> Path:
    return Path(arg) if arg else default_config_dir()


def settings_for(config: str | os.PathLike | None = None, overrides: dict[str, str] | None = None) -> Settings:
    return Settings.load(config_dir(str(config) if config else None), overrides)


def make_clock(now: str | None = None) -> Clock:
    """The wall clock, or a frozen one for replays and tests (--now / YUQING_NOW)."""
    now = now or os.environ.get("YUQING_NOW")
    return ManualClock(parse_time(now, what="now")) if now else SystemClock()


def open_store(settings: Settings, clock: Clock | None = None, *, create: bool = True, url: str | None = None):
    """The store at STORE_URL. `create=False` (readers: dashboard, case, report) never creates one."""
    from yuqing.store import make_store
    return make_store(url or settings["STORE_URL"], clock=clock or SystemClock(), create=create)


def make_bus(settings: Settings):
    from yuqing.bus import make_bus as _make
    return _make(settings)


def make_search(settings: Settings, store=None):
    try:
        from yuqing.search import make_search as _make
    except ImportError:
        return None
    try:
        return _make(settings)
    except NotConfigured as exc:
        log.info("search index off: %s", exc)
        return None


def make_engine(cfg: Config, settings: Settings | None = None, *, model: str | None = None):
    from pipeline.engine import Engine
    s = settings or settings_for(cfg.dir)
    if s["GROUPING_WEIGHTS"]:
        import dataclasses
        from pipeline.grouping_fit import load_fitted
        grouping = load_fitted(cfg.rules.grouping, s["GROUPING_WEIGHTS"])
        cfg = dataclasses.replace(cfg, rules=cfg.rules.model_copy(update={"grouping": grouping}))
    return Engine(cfg, sentiment_model=model or s["SENTIMENT_MODEL"] or None, stages=s["STAGES"] or None,
                  settings={"SENTIMENT_MODEL": s["SENTIMENT_MODEL"]})


def make_channels(cfg: Config, settings: Settings | None = None) -> dict[str, Any]:
    """The notifiers of the enabled channels that are configured; a channel that cannot work says
    why (NotConfigured) and is left out, the dashboard inbox is always there."""
    from responders.channels import build_channels
    return build_channels(cfg, settings or settings_for(cfg.dir))


def make_outbox(cfg: Config, channels: dict[str, Any] | None = None, settings: Settings | None = None):
    from responders.alerts import Outbox
    channels = channels if channels is not None else make_channels(cfg, settings)
    return Outbox.from_channels(cfg, channels)


@dataclass
class Parts:
    """What an entry point needs, built lazily from one config and one settings object."""
    config: Config
    settings: Settings
    clock: Clock = field(default_factory=SystemClock)
    create_store: bool = True
    store_url: str | None = None
    _cache: dict[str, Any] = field(default_factory=dict)

    def _get(self, name: str, build):
        if name not in self._cache:
            self._cache[name] = build()
        return self._cache[name]

    @property
    def store(self):
        return self._get("store", lambda: open_store(self.settings, self.clock, create=self.create_store,
                                                    url=self.store_url))

    @property
    def bus(self):
        return self._get("bus", lambda: make_bus(self.settings))

    @property
    def search(self):
        return self._get("search", lambda: make_search(self.settings, self.store))

    @property
    def engine(self):
        return self._get("engine", lambda: make_engine(self.config, self.settings))

    @property
    def channels(self) -> dict[str, Any]:
        return self._get("channels", lambda: make_channels(self.config, self.settings))

    @property
    def outbox(self):
        return self._get("outbox", lambda: make_outbox(self.config, self.channels))

    def close(self) -> None:
        for name in ("search", "bus", "store"):
            obj = self._cache.pop(name, None)
            if obj is not None and hasattr(obj, "close"):
                try:
                    obj.close()
                except Exception:
                    log.exception("closing %s", name)


def parts(config: str | os.PathLike | None = None, overrides: dict[str, str] | None = None, *,
          now: str | None = None, create_store: bool = True, store_url: str | None = None,
          err=None) -> Parts:
    """Config, settings and clock for a command; raises ConfigError on a bad config."""
    cfg = load_config(config, err=err)
    s = settings_for(cfg.dir, overrides)
    return Parts(cfg, s, make_clock(now), create_store=create_store, store_url=store_url)


def fail_config(exc: ConfigError, err) -> int:
    print(f"配置有 {len(exc.problems)} 处错误 / {len(exc.problems)} config problem(s):", file=err)
    for p in exc.problems:
        print(f"  {p}", file=err)
    return 2


def pairs(values: Iterable[str] | None) -> dict[str, str]:
    """NAME=VALUE arguments (--set, --source-url) as a dict."""
    return dict(kv.partition("=")[::2] for kv in values or [])


def dashboard_parts() -> Parts:
    """The dashboard's parts, from the environment the `yuqing dashboard` command set
    (YUQING_CONFIG, YUQING_STORE_URL, YUQING_NOW): the store is opened, never created."""
    cfg = load_config(os.environ.get("YUQING_CONFIG") or None)
    return Parts(cfg, settings_for(cfg.dir), make_clock(), create_store=False)
