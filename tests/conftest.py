"""Shared fixtures: the repository's config, one engine per session (models load once), stores."""
from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest

from yuqing.timeutil import SHANGHAI, ManualClock

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "config"


@pytest.fixture(scope="session")
def cfg():
    from yuqing.config import load_config
    return load_config(CONFIG)


@pytest.fixture(scope="session")
def shared_engine(cfg):
    from pipeline.engine import Engine
    return Engine(cfg)


@pytest.fixture
def engine(shared_engine):
    shared_engine.reset()
    return shared_engine


@pytest.fixture
def config_dir(tmp_path):
    """A writable copy of the repository's config directory."""
    d = tmp_path / "config"
    shutil.copytree(CONFIG, d)
    return d


@pytest.fixture
def clock():
    return ManualClock(datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI))


@pytest.fixture
def store(tmp_path, clock):
    from yuqing.store.sql import SqlStore
    s = SqlStore(f"sqlite:///{tmp_path / 'yuqing.db'}", clock=clock)
    yield s
    s.close()


def item(id: str, content: str, when: str = "2026-11-20T10:00:00+08:00", **kw) -> dict:
    d = {"id": id, "url": f"https://example.org/{id}", "platform": "weibo", "source": "网友",
         "title": None, "content": content, "published_at": when,
         "metrics": {"reposts": 0, "comments": 0, "likes": 0, "views": 0}}
    d.update(kw)
    return d
