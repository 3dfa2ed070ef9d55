"""Helpers of the bus tests: poll with deadlines, members in threads and in processes."""
from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[2]
MEMBER = Path(__file__).with_name("bus_member.py")


def drain(consumer, n: int, *, timeout: float = 30.0, commit: bool = True, max_messages: int = 100) -> list:
    """Poll until n messages came or the deadline passed, committing each batch (or not)."""
    got: list = []
    deadline = time.monotonic() + timeout
    while len(got) < n and time.monotonic() < deadline:
        batch = consumer.poll(timeout=0.2, max_messages=max_messages)
        got += batch
        if commit:
            consumer.commit(batch)
    return got


def quiet(consumer, seconds: float = 0.4) -> list:
    """What else comes within `seconds` (expected: nothing)."""
    got: list = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        got += consumer.poll(timeout=max(0.0, min(0.1, deadline - time.monotonic())))
    return got


def in_threads(*fns: Callable[[], object]) -> list:
    """Run each function in its own thread (as separate workers would); their results in order."""
    results: list = [None] * len(fns)
    errors: list[BaseException] = []

    def run(i, fn):
        try:
            results[i] = fn()
        except BaseException as exc:  # re-raised in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, fn), daemon=True) for i, fn in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


def assignment(consumer) -> list[int]:
    if hasattr(consumer, "assignment"):
        return consumer.assignment()
    return sorted(consumer.assigned)      # InProcessConsumer


def settle(consumers: list, partitions: int, timeout: float = 30.0) -> None:
    """Poll every member in its thread until the group is settled: disjoint assignments that
    cover every partition. Call it before publishing: what these polls return is not committed."""
    stop = threading.Event()

    def settled() -> bool:
        held = [assignment(c) for c in consumers]
        flat = [p for h in held for p in h]
        return all(held) and sorted(flat) == list(range(partitions))

    def loop(c):
        while not stop.is_set():
            assert c.poll(timeout=0.1) == [], "settle() is for a topic with nothing on it"

    threads = [threading.Thread(target=loop, args=(c,), daemon=True) for c in consumers]
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout
    try:
        while not settled():
            assert time.monotonic() < deadline, f"group not settled in {timeout} s: {[assignment(c) for c in consumers]}"
            time.sleep(0.05)
    finally:
        stop.set()
        for t in threads:
            t.join()


class Member:
    """A consumer in another process (bus_member.py), to be SIGKILLed."""

    def __init__(self, settings: dict, topic: str, group: str, *, expect: int, commit: int):
        spec = {"settings": settings, "topic": topic, "group": group, "expect": expect, "commit": commit}
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        self.proc = subprocess.Popen([sys.executable, str(MEMBER), json.dumps(spec)], cwd=ROOT, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def report(self, timeout: float = 60.0) -> dict:
        """Its one line: what it consumed (it committed the first `commit` of those)."""
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        if not sel.select(timeout):
            self.kill()
            raise AssertionError(f"member said nothing in {timeout} s: {self.proc.stderr.read().decode()[-2000:]}")
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait()
            raise AssertionError(f"member exited with {self.proc.returncode}: {self.proc.stderr.read().decode()[-2000:]}")
        return json.loads(line)

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()
