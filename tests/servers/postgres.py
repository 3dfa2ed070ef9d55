"""A throwaway PostgreSQL cluster on 127.0.0.1 for benchmarks (tests use the conftest fixture).

initdb and pg_ctl refuse root, so as root they run as the `postgres` user in a folder it owns."""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


class PostgresServer:
    def __init__(self):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not bins:
            raise RuntimeError("PostgreSQL missing: install the Debian package postgresql")
        self.bindir = Path(bins[-1]).parent
        self.base = Path(tempfile.mkdtemp(prefix="yuqing-pg-"))
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.base, pw.pw_uid, pw.pw_gid)
            os.chmod(self.base, 0o755)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def __enter__(self) -> "PostgresServer":
        data = self.base / "data"
        subprocess.run(self.as_user + [str(self.bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                                       "-E", "UTF8", "--locale=C"], check=True, capture_output=True)
        # durable as configured in production: fsync stays on, unlike the tests' cluster
        opts = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1"
        subprocess.run(self.as_user + [str(self.bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l",
                                       str(self.base / "log"), "-w", "start"], check=True, capture_output=True)
        return self

    def __exit__(self, *exc) -> None:
        subprocess.run(self.as_user + [str(self.bindir / "pg_ctl"), "-D", str(self.base / "data"), "-m", "fast",
                                       "-w", "stop"], capture_output=True)
        shutil.rmtree(self.base, ignore_errors=True)
