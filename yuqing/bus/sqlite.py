"""A durable bus on one SQLite file, shared by several processes on one machine.

The semantics of yuqing.bus.inprocess (Kafka's): keyed partitions (crc32 of the key, as
inprocess), consumer groups whose members share the partitions, one committed offset per group
and partition, at-least-once delivery. A publish is durable once it returns (WAL, synchronous
FULL). All tables are called `bus_*`, so the file may be the store's own.

Group membership is a lease: every consumer renews its row in `bus_members` each heartbeat,
from a background thread so that a long batch does not cost it its partitions (unless it does
not poll for `max_poll_interval`, as Kafka's max.poll.interval.ms). A member whose lease ran out
(SIGKILLed, frozen) is removed by the next live member that syncs, and its partitions go to the
others from the committed offset. Partition p belongs to the (p mod n)-th live member in joining
order; a member gives up a partition it should no longer hold at its next poll (after it
committed what it had, in the usual poll-process-commit loop) and only then may the new owner
take it (`bus_owners`), so two live members never read one partition at once, as with Kafka's
revocation in poll. Any change to members or owners bumps the group's generation, which every
poll reads to know when to sync again.

SQLite has no notifications across processes: a waiting poll re-reads the tables every
`poll_interval`; a publish through the same bus object wakes it at once. Leases use the wall
clock (time.time()), the one clock the processes share.
"""
from __future__ import annotations

import json
import logging
import os
import socket
import sqlite3
import threading
import time
import uuid
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator

from yuqing.bus.errors import BusUnavailable
from yuqing.seams import Message

log = logging.getLogger("yuqing.bus.sqlite")

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS bus_partitions (
        topic TEXT NOT NULL, partition INTEGER NOT NULL, next_offset INTEGER NOT NULL,
        PRIMARY KEY (topic, partition))""",
    """CREATE TABLE IF NOT EXISTS bus_messages (
        topic TEXT NOT NULL, partition INTEGER NOT NULL, msg_offset INTEGER NOT NULL,
        msg_key TEXT NOT NULL, value TEXT NOT NULL, published_at REAL NOT NULL,
        PRIMARY KEY (topic, partition, msg_offset))""",
    """CREATE TABLE IF NOT EXISTS bus_offsets (
        topic TEXT NOT NULL, grp TEXT NOT NULL, partition INTEGER NOT NULL, committed INTEGER NOT NULL,
        PRIMARY KEY (topic, grp, partition))""",
    """CREATE TABLE IF NOT EXISTS bus_groups (
        topic TEXT NOT NULL, grp TEXT NOT NULL, generation INTEGER NOT NULL,
        PRIMARY KEY (topic, grp))""",
    """CREATE TABLE IF NOT EXISTS bus_members (
        topic TEXT NOT NULL, grp TEXT NOT NULL, member TEXT NOT NULL, joined REAL NOT NULL,
        expires REAL NOT NULL, PRIMARY KEY (topic, grp, member))""",
    """CREATE TABLE IF NOT EXISTS bus_owners (
        topic TEXT NOT NULL, grp TEXT NOT NULL, partition INTEGER NOT NULL, member TEXT NOT NULL,
        PRIMARY KEY (topic, grp, partition))""",
)


def sqlite_path(path_or_url: str | os.PathLike) -> Path:
    """A file path from a path or a SQLAlchemy-style URL (sqlite:///rel.db, sqlite:////abs.db)."""
    s = str(path_or_url)
    if s.startswith("sqlite:///"):
        s = s[len("sqlite:///"):]
    elif s.startswith("sqlite:"):
        raise ValueError(f"SQLite bus: {s!r} is not a file URL (sqlite:///relative.db or sqlite:////absolute.db)")
    if s in ("", ":memory:"):
        raise ValueError("SQLite bus: needs a file (a memory database cannot be shared between processes)")
    return Path(s)


def _connect(path: Path, busy_timeout: float, synchronous: str) -> sqlite3.Connection:
    try:
        # isolation_level=None: we open transactions ourselves (BEGIN IMMEDIATE)
        conn = sqlite3.connect(str(path), timeout=busy_timeout, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        conn.execute("PRAGMA journal_mode=WAL")     # readers never wait for the writer
        conn.execute(f"PRAGMA synchronous={synchronous}")
    except sqlite3.Error as exc:
        raise BusUnavailable(f"SQLite bus at {path}: {exc}") from exc
    return conn


@contextmanager
def _write(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    # IMMEDIATE takes the write lock up front (waiting up to busy_timeout): a deferred
    # transaction that read first could fail with SQLITE_BUSY when it tries to write
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


class SqliteBus:
    def __init__(self, path: str | os.PathLike = "var/bus.db", *, partitions: int = 4,
                 session_timeout: float = 10.0, heartbeat_interval: float | None = None,
                 max_poll_interval: float = 300.0, poll_interval: float = 0.02,
                 synchronous: str = "FULL", busy_timeout: float = 30.0):
        if synchronous.upper() not in ("OFF", "NORMAL", "FULL", "EXTRA"):
            raise ValueError(f"SQLite bus: synchronous={synchronous!r} (OFF | NORMAL | FULL | EXTRA)")
        self.path = sqlite_path(path)
        self.partitions = partitions
        self.session_timeout = session_timeout
        self.heartbeat_interval = heartbeat_interval or session_timeout / 6
        self.max_poll_interval = max_poll_interval
        self.poll_interval = poll_interval
        self.synchronous = synchronous.upper()
        self.busy_timeout = busy_timeout
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BusUnavailable(f"SQLite bus at {self.path}: {exc}") from exc
        self._conn = self.connect()
        with _write(self._conn) as c:
            for stmt in _SCHEMA:
                c.execute(stmt)
        self._lock = threading.RLock()          # the bus's own connection
        self._cond = threading.Condition()      # wakes this process's waiting consumers
        self._published = 0
        self._topics: dict[str, int] = {}
        self._consumers: set[SqliteConsumer] = set()
        self._closed = False

    def connect(self) -> sqlite3.Connection:
        return _connect(self.path, self.busy_timeout, self.synchronous)

    def topic_partitions(self, topic: str) -> int:
        """The topic's partition count; the first process to use a topic fixes it."""
        n = self._topics.get(topic)
        if n is None:
            with self._lock, _write(self._conn) as c:
                n = c.execute("SELECT COUNT(*) FROM bus_partitions WHERE topic=?", (topic,)).fetchone()[0]
                if n == 0:
                    n = self.partitions
                    c.executemany("INSERT INTO bus_partitions(topic, partition, next_offset) VALUES (?, ?, 0)",
                                  [(topic, p) for p in range(n)])
                elif n != self.partitions:
                    log.warning("topic %s has %d partitions in %s, not the %d configured: using %d",
                                topic, n, self.path, self.partitions, n)
            self._topics[topic] = n
        return n

    def partition_of(self, key: str, topic: str) -> int:
        return zlib.crc32(key.encode("utf-8")) % self.topic_partitions(topic)

    def publish(self, topic: str, key: str, value: dict[str, Any]) -> None:
        data = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        part = self.partition_of(key, topic)
        with self._lock, _write(self._conn) as c:
            # fetchall: the RETURNING statement must finish before COMMIT
            ((off,),) = c.execute("UPDATE bus_partitions SET next_offset = next_offset + 1 "
                                  "WHERE topic=? AND partition=? RETURNING next_offset - 1",
                                  (topic, part)).fetchall()
            c.execute("INSERT INTO bus_messages(topic, partition, msg_offset, msg_key, value, published_at) "
                      "VALUES (?, ?, ?, ?, ?, ?)", (topic, part, off, key, data, time.time()))
        with self._cond:
            self._published += 1
            self._cond.notify_all()

    def consumer(self, topic: str, group: str) -> "SqliteConsumer":
        c = SqliteConsumer(self, topic, group)
        with self._lock:
            self._consumers.add(c)
        return c

    def lag(self, topic: str, group: str) -> int:
        """Messages the group has not committed yet."""
        with self._lock:
            (n,) = self._conn.execute(
                "SELECT COALESCE(SUM(p.next_offset - COALESCE(o.committed, 0)), 0) FROM bus_partitions p "
                "LEFT JOIN bus_offsets o ON o.topic = p.topic AND o.partition = p.partition AND o.grp = ? "
                "WHERE p.topic = ?", (group, topic)).fetchone()
        return n

    def _wait(self, seen: int, timeout: float) -> None:
        with self._cond:
            if self._published == seen:        # nothing published here since the caller looked
                self._cond.wait(timeout)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for c in list(self._consumers):
            c.close()
        with self._lock:
            self._conn.close()


class SqliteConsumer:
    def __init__(self, bus: SqliteBus, topic: str, group: str):
        self.bus, self.topic, self.group = bus, topic, group
        self.member = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._n = bus.topic_partitions(topic)
        self._conn = bus.connect()
        self._lock = threading.Lock()
        self._positions: dict[int, int] = {}     # partition held → next offset to hand out
        self._gen: int | None = None
        self._next_sync = 0.0
        self._rr = 0
        self._last_poll = time.monotonic()
        self._closed = False
        with _write(self._conn) as c:
            c.execute("INSERT OR IGNORE INTO bus_groups(topic, grp, generation) VALUES (?, ?, 0)", (topic, group))
        with self._lock:
            self._sync()                          # join now: the others start handing partitions over
        self._stop = threading.Event()
        self._hb = threading.Thread(target=self._heartbeat, name=f"bus-heartbeat {self.member}", daemon=True)
        self._hb.start()

    # ---- membership ----
    def _sync(self) -> None:
        """Renew the lease, drop dead members, give up and take partitions (one transaction)."""
        now, key, me = time.time(), (self.topic, self.group), self.member
        expires = now + self.bus.session_timeout
        changed = False
        with _write(self._conn) as c:
            if not c.execute("UPDATE bus_members SET expires=? WHERE topic=? AND grp=? AND member=?",
                             (expires, *key, me)).rowcount:
                # first join, or our lease ran out and another member removed us: start afresh
                self._positions = {}
                c.execute("DELETE FROM bus_owners WHERE topic=? AND grp=? AND member=?", (*key, me))
                c.execute("INSERT INTO bus_members(topic, grp, member, joined, expires) VALUES (?, ?, ?, ?, ?)",
                          (*key, me, now, expires))
                changed = True
            dead = [m for (m,) in c.execute("SELECT member FROM bus_members WHERE topic=? AND grp=? AND expires<?",
                                            (*key, now))]
            if dead:
                log.warning("group %s on %s: %s stopped heart-beating; their partitions go to the others",
                            self.group, self.topic, ", ".join(dead))
                c.executemany("DELETE FROM bus_members WHERE topic=? AND grp=? AND member=?", [(*key, m) for m in dead])
                c.executemany("DELETE FROM bus_owners WHERE topic=? AND grp=? AND member=?", [(*key, m) for m in dead])
                changed = True
            members = [m for (m,) in c.execute("SELECT member FROM bus_members WHERE topic=? AND grp=? "
                                               "ORDER BY joined, member", key)]
            i = members.index(me)
            target = {p for p in range(self._n) if p % len(members) == i}
            owners = dict(c.execute("SELECT partition, member FROM bus_owners WHERE topic=? AND grp=?", key))
            release = [p for p, m in owners.items() if m == me and p not in target]
            claim = [p for p in sorted(target) if p not in owners]
            if release:
                c.executemany("DELETE FROM bus_owners WHERE topic=? AND grp=? AND partition=?",
                              [(*key, p) for p in release])
            if claim:
                c.executemany("INSERT INTO bus_owners(topic, grp, partition, member) VALUES (?, ?, ?, ?)",
                              [(*key, p, me) for p in claim])
            if release or claim or changed:
                c.execute("UPDATE bus_groups SET generation = generation + 1 WHERE topic=? AND grp=?", key)
            committed = dict(c.execute("SELECT partition, committed FROM bus_offsets WHERE topic=? AND grp=?", key))
            (self._gen,) = c.execute("SELECT generation FROM bus_groups WHERE topic=? AND grp=?", key).fetchone()
        held = {p for p in target if owners.get(p) == me} | set(claim)
        # a partition kept keeps its position (what was handed out stays handed out); one taken
        # over (or held without a position) starts at the committed offset: what its last
        # holder did not commit comes again
        self._positions = {p: self._positions.get(p, committed.get(p, 0)) for p in sorted(held)}
        self._next_sync = time.monotonic() + self.bus.heartbeat_interval

    def _maybe_sync(self) -> None:
        (gen,) = self._conn.execute("SELECT generation FROM bus_groups WHERE topic=? AND grp=?",
                                    (self.topic, self.group)).fetchone()
        if gen != self._gen or time.monotonic() >= self._next_sync:
            self._sync()

    def _heartbeat(self) -> None:
        conn = self.bus.connect()     # its own: the polling thread may be using the other one
        try:
            while not self._stop.wait(self.bus.heartbeat_interval):
                if time.monotonic() - self._last_poll > self.bus.max_poll_interval:
                    continue          # a loop that stopped polling must not hold its partitions for ever
                try:
                    conn.execute("UPDATE bus_members SET expires=? WHERE topic=? AND grp=? AND member=?",
                                 (time.time() + self.bus.session_timeout, self.topic, self.group, self.member))
                except sqlite3.Error as exc:   # e.g. locked beyond busy_timeout: the next beat tries again
                    log.warning("bus heartbeat of %s failed: %s", self.member, exc)
        finally:
            conn.close()

    def assignment(self) -> list[int]:
        """The partitions this member holds now."""
        return sorted(self._positions)

    # ---- consuming ----
    def poll(self, timeout: float = 1.0, max_messages: int = 100) -> list[Message]:
        deadline = time.monotonic() + max(timeout, 0.0)
        while True:
            seen = self.bus._published
            with self._lock:
                if self._closed:
                    raise RuntimeError(f"bus consumer {self.member} is closed")
                self._last_poll = time.monotonic()
                self._maybe_sync()
                got = self._fetch(max_messages)
            if got:
                return got
            left = deadline - time.monotonic()
            if left <= 0:
                return []
            self.bus._wait(seen, min(left, self.bus.poll_interval))

    def _fetch(self, max_messages: int) -> list[Message]:
        parts = sorted(self._positions)
        if not parts:
            return []
        k = self._rr % len(parts)            # start from another partition each poll: none starves
        self._rr += 1
        out: list[Message] = []
        for p in parts[k:] + parts[:k]:
            rows = self._conn.execute(
                "SELECT msg_offset, msg_key, value FROM bus_messages WHERE topic=? AND partition=? "
                "AND msg_offset>=? ORDER BY msg_offset LIMIT ?",
                (self.topic, p, self._positions[p], max_messages - len(out))).fetchall()
            out += [Message(self.topic, key, json.loads(value), p, off) for off, key, value in rows]
            if rows:
                self._positions[p] = rows[-1][0] + 1
            if len(out) >= max_messages:
                break
        return out

    def commit(self, messages: Iterable[Message]) -> None:
        upto: dict[int, int] = {}
        for m in messages:
            if m.topic != self.topic:
                raise ValueError(f"commit: message of topic {m.topic!r} on a consumer of {self.topic!r}")
            upto[m.partition] = max(upto.get(m.partition, 0), m.offset + 1)
        if not upto:
            return
        with self._lock, _write(self._conn) as c:
            # MAX: a late commit from a member that lost the partition never moves the offset back
            c.executemany("INSERT INTO bus_offsets(topic, grp, partition, committed) VALUES (?, ?, ?, ?) "
                          "ON CONFLICT(topic, grp, partition) DO UPDATE SET committed = MAX(committed, excluded.committed)",
                          [(self.topic, self.group, p, o) for p, o in upto.items()])

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._stop.set()
        self._hb.join()
        key = (self.topic, self.group)
        try:
            with self._lock, _write(self._conn) as c:    # leave now: the others need not wait for the lease
                c.execute("DELETE FROM bus_members WHERE topic=? AND grp=? AND member=?", (*key, self.member))
                c.execute("DELETE FROM bus_owners WHERE topic=? AND grp=? AND member=?", (*key, self.member))
                c.execute("UPDATE bus_groups SET generation = generation + 1 WHERE topic=? AND grp=?", key)
        except sqlite3.Error as exc:          # the lease runs out anyway
            log.warning("bus consumer %s could not leave its group: %s", self.member, exc)
        finally:
            self._conn.close()
            with self.bus._lock:
                self.bus._consumers.discard(self)
