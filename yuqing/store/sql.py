"""The SQL store: SQLite embedded by default, PostgreSQL at scale, one code path.

`transaction()` is a unit of work over the repositories (`yuqing.store.repos`): everything
written in it commits together or not at all. `reader()` is the same without a commit. The
schema is Alembic's (`migrations/`); a store opened with `create=False` never creates or
migrates anything and refuses a database that does not exist.
"""
from __future__ import annotations

import logging
import re
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine as SAEngine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from yuqing.records import Action
from yuqing.seams import StoreError
from yuqing.store.repos import Unit
from yuqing.store.tables import metadata
from yuqing.timeutil import Clock, SystemClock

log = logging.getLogger("yuqing.store")
MIGRATIONS = Path(__file__).parent / "migrations"


class StoreMissing(RuntimeError):
    """The store a command was pointed at does not exist (nothing was created)."""


def sqlite_path(url: str) -> Path | None:
    if url.startswith("sqlite:///") and ":memory:" not in url:
        return Path(url[len("sqlite:///"):])
    return None


def masked_url(url: str) -> str:
    """The URL with its password masked, for logs and `settings show`."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:      # not a URL SQLAlchemy knows: mask anything that looks like user:pass@
        return re.sub(r"(//[^:/@]+:)[^@]*@", r"\1***@", url)


WRITE_OPTION = "yuqing_write"      # execution option: this connection's transaction writes


def make_engine(url: str) -> SAEngine:
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        if ":memory:" in url:
            from sqlalchemy.pool import StaticPool
            kwargs["poolclass"] = StaticPool
    else:
        kwargs["pool_pre_ping"] = True
    eng = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        @event.listens_for(eng, "connect")
        def _pragmas(dbapi_conn, _):   # several processes share the file: WAL lets readers go on
            # We open transactions ourselves (below). Left to itself pysqlite begins one only at the
            # first write, and a SAVEPOINT before that begins one whose RELEASE commits: a firing
            # claimed in a unit of work was then kept even when the unit failed or was killed.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(eng, "begin")
        def _begin(conn):
            # a unit of work takes the write lock up front (waiting up to busy_timeout): one that
            # read first and wrote later could fail at once when another process wrote between
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE_OPTION) else "BEGIN")
    return eng


def migrate(url: str) -> None:
    """Bring the database to the newest schema with Alembic (creates it if new)."""
    from alembic import command
    from alembic.config import Config as AlembicConfig
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(cfg, "head")


class SqlStore:
    def __init__(self, url: str, *, clock: Clock | None = None, create: bool = True):
        self.url = url
        self.clock = clock or SystemClock()
        path = sqlite_path(url)
        if not create and path is not None and not path.exists():
            raise StoreMissing(f"存储不存在 / the store does not exist: {path} "
                               f"(start the pipeline, or point STORE_URL at the right database)")
        self.engine = make_engine(url)
        if create:
            if ":memory:" in url:
                metadata.create_all(self.engine)   # a throwaway database: no history to migrate
            else:
                migrate(url)
        elif not inspect(self.engine).has_table("cases"):
            self.engine.dispose()
            raise StoreMissing(f"存储中没有数据表 / the store has no tables: {masked_url(url)}")
        self._Session = sessionmaker(self.engine, expire_on_commit=False)
        self._WriteSession = sessionmaker(self.engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False)

    def __repr__(self) -> str:
        return f"SqlStore({masked_url(self.url)})"

    @contextmanager
    def transaction(self) -> Iterator[Unit]:
        """A unit of work: commits on exit, rolls back on an exception."""
        try:
            with self._WriteSession() as s, s.begin():
                yield Unit(s)
        except SQLAlchemyError as exc:
            raise StoreError(f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}") from exc

    @contextmanager
    def reader(self) -> Iterator[Unit]:
        """Reads only: nothing is committed."""
        try:
            with self._Session() as s:     # closing without a commit discards any write
                yield Unit(s)
        except SQLAlchemyError as exc:
            raise StoreError(f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}") from exc

    def close(self) -> None:
        self.engine.dispose()

    # ---- small conveniences over a one-statement unit -------------------------------------
    def record(self, action: str, *, actor: str, case_id: str | None = None, unit: str | None = None,
               details: dict | None = None, at: datetime | None = None) -> None:
        with self.transaction() as tx:
            tx.actions.append(Action(at=at or self.clock.now(), actor=actor, action=action, case_id=case_id,
                                     unit=unit, details=details or {}))

    def heartbeat(self, name: str, details: dict | None = None) -> None:
        with self.transaction() as tx:
            tx.heartbeats.beat(name, self.clock.now(), details)

    def claim_firing(self, key: str, by: str) -> bool:
        with self.transaction() as tx:
            return tx.firings.claim(key, by, self.clock.now())
