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
    from yuqing.app.build import load_config
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


# ---------------------------------------------------------------------------- real servers
def need(what: str, why: str):
    """Skip when a server or browser is missing, but fail under CI (CI must test everything)."""
    import os
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required under CI but missing: {why}")
    pytest.skip(f"{what} missing: {why}")


def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory):
    """A throwaway PostgreSQL cluster on 127.0.0.1 (initdb refuses root: run as `postgres`)."""
    import glob
    import os
    import pwd
    import subprocess

    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not bins:
        need("PostgreSQL", "install the Debian package postgresql (make test does)")
    bindir = Path(bins[-1]).parent
    base = tmp_path_factory.mktemp("pg")
    data = base / "data"
    as_user: list[str] = []
    if os.geteuid() == 0:
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            need("PostgreSQL", "no postgres user to run the server as")
        os.chown(base, pw.pw_uid, pw.pw_gid)
        os.chmod(base, 0o755)
        for parent in base.parents:        # the server must reach its directory
            if str(parent).startswith(tempfile_root()):
                os.chmod(parent, os.stat(parent).st_mode | 0o711)
        as_user = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    subprocess.run(as_user + [str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                              "-E", "UTF8", "--locale=C"], check=True, capture_output=True)
    opts = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    subprocess.run(as_user + [str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(base / "log"),
                              "-w", "start"], check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(as_user + [str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                       capture_output=True)


def tempfile_root() -> str:
    import tempfile
    return tempfile.gettempdir()


@pytest.fixture
def postgres_url(postgres_server, request):
    """A new, empty database for one test."""
    import re
    from sqlalchemy import create_engine, text
    name = "t_" + re.sub(r"\W", "_", request.node.name)[:50].lower()
    admin = create_engine(f"{postgres_server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{postgres_server}/{name}"
