"""A group member in a process of its own, for the tests that SIGKILL one.

    python tests/contracts/bus_member.py '{"settings": {...}, "topic": "t", "group": "g", "expect": 3, "commit": 1}'

Builds the bus with make_bus from the settings, polls until it has `expect` messages, commits
the first `commit` of them, prints one JSON line (the values it got), then waits to be killed,
still heart-beating (its consumer's threads go on), as a worker busy with the rest would.
"""
import json
import sys
import threading
import time

from yuqing.bus import make_bus
from yuqing.settings import Settings

spec = json.loads(sys.argv[1])
bus = make_bus(Settings.load(None, spec["settings"], environ={}))
consumer = bus.consumer(spec["topic"], spec["group"])
got = []
deadline = time.monotonic() + spec.get("timeout", 60)
while len(got) < spec["expect"] and time.monotonic() < deadline:
    got += consumer.poll(timeout=0.2)
consumer.commit(got[: spec["commit"]])
print(json.dumps({"got": [m.value for m in got]}, ensure_ascii=False), flush=True)
threading.Event().wait()
