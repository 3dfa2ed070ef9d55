"""Search servers for tests: osmem-server (an in-memory OpenSearch-API emulator) on a free port.

`pip install osmem-server` ships the binary. Without it a test that needs the server is
skipped, except under CI (the environment variable CI is set), where it fails: a green CI
run must not quietly test nothing of the elastic backend.

The official client sends `application/vnd.elasticsearch+json; compatible-with=N` media types,
which osmem answers with 406; `ES_OPTIONS` makes the client send plain application/json
instead. It is a test-side setting only: a real cluster understands the versioned types.
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from elastic_transport import Urllib3HttpNode

_COMPAT = re.compile(r"application/vnd\.elasticsearch\+([\w-]+);\s*compatible-with=\d+")


class PlainJsonNode(Urllib3HttpNode):
    """A transport node that turns versioned media types back into plain ones."""

    def perform_request(self, method, target, body=None, headers=None, **kw):
        if headers:
            headers = headers.copy()
            for name in ("accept", "content-type"):
                if headers.get(name):
                    headers[name] = _COMPAT.sub(r"application/\1", headers[name])
        return super().perform_request(method, target, body=body, headers=headers, **kw)


ES_OPTIONS = {"node_class": PlainJsonNode}


def unavailable(what: str) -> None:
    """Skip, or fail under CI, because a server a test needs cannot be had."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} (CI is set, so this fails instead of skipping: "
                    "install it with `pip install osmem-server`)", pytrace=False)
    pytest.skip(what)


def osmem_binary() -> str | None:
    if os.environ.get("OSMEM_SERVER_BIN"):
        return os.environ["OSMEM_SERVER_BIN"]
    try:
        from osmem_server import resolve_binary
        return resolve_binary()
    except Exception:
        return shutil.which("osmem-server")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OsmemProcess:
    """One osmem-server process on 127.0.0.1; it also exits when this process dies."""

    def __init__(self, binary: str, port: int | None = None, startup_timeout: float = 20.0):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = tempfile.NamedTemporaryFile(prefix="osmem-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(
            [binary, "-addr", f"127.0.0.1:{self.port}", "-no-ja", "-no-stdin-watch",
             "-parent-pid", str(os.getpid())],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + startup_timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"osmem-server exited with {self.proc.returncode}: {self.log()}")
            try:
                with urllib.request.urlopen(self.url + "/", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"osmem-server did not answer on {self.url} within "
                                   f"{startup_timeout} s: {self.log()}")
            time.sleep(0.05)

    def log(self) -> str:
        return Path(self._log.name).read_text(errors="replace")[-2000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        Path(self._log.name).unlink(missing_ok=True)


@pytest.fixture(scope="session")
def osmem_search_url():
    """URL of an osmem-server started for this test session."""
    binary = osmem_binary()
    if not binary or not os.access(binary, os.X_OK):
        unavailable("osmem-server is not installed")
    try:
        server = OsmemProcess(binary)
    except RuntimeError as exc:
        unavailable(str(exc))
    yield server.url
    server.stop()
