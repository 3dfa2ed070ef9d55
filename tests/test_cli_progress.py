"""`yuqing route` and `yuqing ingest` over a file: a progress bar on a terminal only, a summary at the end."""
from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _file(tmp: Path, n: int = 400) -> Path:
    f = tmp / "items.jsonl"
    lines = [json.dumps({"id": f"p{i}", "platform": "weibo", "content": f"湖滨步行街第{i}号垃圾桶满了没人清运",
                         "published_at": "2026-11-20T10:00:00+08:00"}, ensure_ascii=False) for i in range(n)]
    lines[5] = "not json"
    lines[9] = json.dumps({"id": "bad", "platform": "weibo", "published_at": "2026-11-20T10:00:00+08:00"})
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return f


def _run(args: list[str], tmp: Path, tty: bool) -> str:
    env = dict(os.environ, PYTHONPATH=str(ROOT), YUQING_BUS="sqlite", YUQING_BUS_SQLITE_PATH=str(tmp / "bus.db"),
               YUQING_SEARCH="none", YUQING_STORE_URL=f"sqlite:///{tmp / 's.db'}")
    cmd = [sys.executable, "-m", "yuqing.app.cli", *args]
    if not tty:
        r = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
        return r.stderr
    master, slave = pty.openpty()
    # a terminal of 100 columns (a new pty has 0, and tqdm fits its bar into that)
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    p = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:          # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    p.wait(60)
    os.close(master)
    return out.decode("utf-8", "replace")


def test_route_shows_progress_on_a_terminal_and_a_summary(tmp_path):
    f = _file(tmp_path)
    on_tty = _run(["route", "--in", str(f), "--out", str(tmp_path / "d.jsonl")], tmp_path, tty=True)
    assert "读取 / reading" in on_tty and "条/s" in on_tty
    piped = _run(["route", "--in", str(f), "--out", str(tmp_path / "d.jsonl")], tmp_path, tty=False)
    assert "读取 / reading" not in piped
    for text in (on_tty, piped):
        assert "read 400, 已研判 / decided 398, 拒绝 2 条 / rejected 2（invalid item 1；malformed JSON 1）" in text


def test_ingest_shows_progress_on_a_terminal_and_a_summary(tmp_path):
    f = _file(tmp_path)
    on_tty = _run(["ingest", "--in", str(f)], tmp_path, tty=True)
    assert "读取 / reading" in on_tty
    piped = _run(["ingest", "--in", str(f)], tmp_path, tty=False)
    assert "读取 / reading" not in piped
    # ingest checks JSON only: an item without content is the worker's to reject
    assert "read 400, 已发布 / published to yuqing.items 399, 拒绝 1 条 / rejected 1（malformed JSON 1）" in piped
