"""Regression tests, one for each way a probe lost or doubled work (the "nothing missed" issue)."""
from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from pipeline.worker import Worker
from responders.alerts import Outbox
from responders.dispatch import handle_case_events
from tests.conftest import item
from tests.helpers import alert_keys, case_of, clocks_of, store_item
from yuqing.app.build import make_engine
from yuqing.bus.inprocess import InProcessBus
from yuqing.model import Item

ROOT = Path(__file__).resolve().parents[1]


def drain(w):
    while w.run_once(timeout=0):
        pass


def test_an_absurd_count_is_clamped_and_the_items_behind_it_are_stored(cfg, store, clock):
    """A page said reposts="1e30": the store failed and the stream stopped for good behind it."""
    bus = InProcessBus(partitions=1)
    w = Worker(make_engine(cfg), store, bus, "items", clock=clock, retry_seconds=0)
    bus.publish("items", "k", item("huge", "湖滨步行街一家奶茶店排队太长占了人行道", metrics={"reposts": "1e30"}))
    bus.publish("items", "k", item("trapped", "湖滨步行街一商铺起火，三人被困", when="2026-11-20T10:05:00+08:00"))
    drain(w)
    with store.reader() as r:
        huge, trapped = r.items.get("huge"), r.items.get("trapped")
        assert r.dead_letters.count() == 0
    assert huge.metrics["reposts"] == 100_000_000 and any("超出合理上限" in x for x in huge.analysis["reasons"])
    assert case_of(store, trapped.event_id).emergency


def test_a_crash_between_the_store_write_and_the_alert_loses_no_alert(cfg, store, clock, engine):
    """The decision and its case event commit together; whoever notifies next sends the alert."""
    dec, changes = store_item(store, engine, clock, Item.model_validate(item("a", "湖滨步行街一商铺起火，有人被困")))
    assert changes["emergency_started"] and alert_keys(store) == []       # the process died here
    done = handle_case_events(store, cfg, Outbox.inbox_only(cfg), clock.now())   # a new notifier, later
    assert done == [f"{dec.case.event_id}:case:emergency"]
    keys = alert_keys(store)
    assert any("|emergency|" in k and "湖滨街道" in k for k in keys)
    assert handle_case_events(store, cfg, Outbox.inbox_only(cfg), clock.now()) == []   # once


def test_a_negative_count_cannot_lower_a_hot_event(engine):
    """One item with reposts −999,999,999 dropped a 140,000-interaction event from 特别重大 to 一般."""
    hot = {"reposts": 80000, "comments": 40000, "likes": 20000}
    d1 = engine.process(Item.model_validate(item("a", "钱江新城一小区物业费暴涨六成，业主强烈不满", metrics=hot)))
    d2 = engine.process(Item.model_validate(item("b", "钱江新城这个小区物业费的事，物业还是不回应",
                                                 metrics={"reposts": -999_999_999}, when="2026-11-20T12:00:00+08:00")))
    assert d1.case.severity == "特别重大"
    assert d2.case.event_id == d1.case.event_id and d2.case.severity == "特别重大" and d2.case.heat >= 140_000
    assert any("负数" in r for r in d2.analysis.reasons)


@pytest.mark.parametrize("when, why", [("1900-01-01T15:17:43+08:00", "早于2000年"),
                                       ("2100-01-01T08:00:00+08:00", "晚于当前时间")])
def test_a_far_off_publish_time_is_flagged_and_never_moves_the_clocks(engine, when, why):
    d1 = engine.process(Item.model_validate(item("a", "湖滨步行街一商铺起火，有人被困")))
    d2 = engine.process(Item.model_validate(item("b", "湖滨步行街商铺起火，消防已到场", when=when)))
    due = lambda d: {c.kind: c.due_at for c in d.case.clocks}
    assert d2.case.event_id == d1.case.event_id
    assert due(d2) == due(d1) and next(iter(due(d2).values())).year == 2026
    assert any(why in r and "不用于事件时限" in r for r in d2.analysis.reasons)


def _route(tmp_path, data: bytes, *args):
    from yuqing.app.cli import main
    src = tmp_path / "in.jsonl"
    src.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    code = main(["route", "--in", str(src), "--out", str(tmp_path / "out.jsonl"), "--quiet", *args], out=out, err=err)
    return code, err.getvalue(), (tmp_path / "out.jsonl")


def test_a_gbk_file_is_refused_with_a_way_to_read_it(tmp_path):
    """A GBK file was decoded with replacement characters (a fire with people trapped came out as 无)."""
    line = json.dumps(item("g", "湖滨步行街一商铺起火，有人被困"), ensure_ascii=False) + "\n"
    code, err, out = _route(tmp_path, line.encode("gbk"))
    assert code == 2 and "不是 UTF-8" in err and "--encoding" in err
    assert not out.exists() or out.read_text(encoding="utf-8") == ""
    code, err, out = _route(tmp_path, line.encode("gbk"), "--encoding", "gbk")
    assert code == 0, err
    assert json.loads(out.read_text(encoding="utf-8"))["emergency"] is True


def test_explain_refuses_a_gbk_file_instead_of_crashing(tmp_path, capsys):
    from yuqing.app.cli import main
    src = tmp_path / "in.jsonl"
    src.write_bytes((json.dumps(item("g", "湖滨步行街起火"), ensure_ascii=False) + "\n").encode("gbk"))
    assert main(["explain", "--in", str(src)]) == 2
    assert "不是 UTF-8" in capsys.readouterr().err


def test_a_utf8_bom_keeps_the_first_item(tmp_path):
    lines = "".join(json.dumps(item(i, "丁兰勤丰路垃圾三天没清运"), ensure_ascii=False) + "\n" for i in ("a", "b"))
    code, err, out = _route(tmp_path, b"\xef\xbb\xbf" + lines.encode("utf-8"))
    assert code == 0, err
    assert [json.loads(x)["id"] for x in out.read_text(encoding="utf-8").splitlines()] == ["a", "b"]


def test_a_negative_threshold_and_a_missing_file_are_said(tmp_path, capsys, config_dir):
    from yuqing.app.cli import main
    rules = (config_dir / "rules.yaml").read_text(encoding="utf-8").replace("heat_at_least: 1000}", "heat_at_least: -5}")
    (config_dir / "rules.yaml").write_text(rules, encoding="utf-8")
    assert main(["check-config", str(config_dir)]) == 2
    assert "heat_at_least" in capsys.readouterr().err
    (config_dir / "rules.yaml").write_text(rules.replace("heat_at_least: -5}", "heat_at_least: 1000}"), encoding="utf-8")
    (config_dir / "readings.yaml").unlink()
    assert main(["check-config", str(config_dir)]) == 0
    assert "readings.yaml 不存在：使用内置默认" in capsys.readouterr().out


def test_secrets_are_masked_and_refused_on_the_command_line(capsys, monkeypatch):
    from yuqing.app.cli import main
    monkeypatch.setenv("YUQING_STORE_URL", "postgresql+psycopg://yuqing:s3cret-pw@db.example:5432/yuqing")
    monkeypatch.setenv("YUQING_ALERT_SMTP_PASSWORD", "mail-pass")
    assert main(["settings", "show"]) == 0
    out = capsys.readouterr().out
    assert "s3cret-pw" not in out and "mail-pass" not in out
    assert "yuqing:***@db.example" in out and "****" in out
    assert main(["settings", "show", "--set", "ALERT_SMTP_PASSWORD=x"]) == 2
    assert "is a secret" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.integration
def test_sigterm_to_the_dashboard_command_stops_its_streamlit_child(tmp_path):
    """SIGTERM left child processes running, so the next start failed: port in use."""
    from yuqing.store.sql import SqlStore
    url = f"sqlite:///{tmp_path / 'y.db'}"
    SqlStore(url).close()
    port = _free_port()
    env = dict(os.environ, YUQING_STORE_URL=url, PYTHONPATH=str(ROOT))
    p = subprocess.Popen([sys.executable, "-m", "yuqing.app.cli", "dashboard", "--port", str(port)], env=env, cwd=ROOT,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.3)
        else:
            raise AssertionError("the dashboard did not start")
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=30) == 0
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) != 0:
                    break
            time.sleep(0.3)
        else:
            raise AssertionError("streamlit still listens after its parent stopped")
    finally:
        if p.poll() is None:
            p.kill()


def test_a_command_pointed_at_a_missing_store_says_so(tmp_path, capsys):
    from yuqing.app.cli import main
    url = f"sqlite:///{tmp_path / 'nothing-here.db'}"
    assert main(["case", "show", "--case", "x", "--store", url]) == 2
    assert "不存在" in capsys.readouterr().err
    assert not (tmp_path / "nothing-here.db").exists()


def test_a_replayed_stream_dated_after_this_machines_clock_keeps_its_own_times(engine):
    """A labelled set or an archive dated next year is read with its own times: clocks and the
    grouping's time gaps come from the items, not from the wall clock."""
    d1 = engine.process(Item.model_validate(item("a", "湖滨步行街一商铺起火，有人被困", when="2029-06-01T10:00:00+08:00")))
    d2 = engine.process(Item.model_validate(item("b", "湖滨步行街商铺起火，消防已到场", when="2029-06-01T11:00:00+08:00")))
    due = {c.kind: c.due_at for c in d2.case.clocks}
    assert d2.case.event_id == d1.case.event_id
    assert due["statement"].isoformat() == "2029-06-01T15:00:00+08:00"
    assert not any("视为异常" in r for r in d1.analysis.reasons + d2.analysis.reasons)


def test_a_replay_dated_years_after_this_machines_clock_keeps_its_own_times(engine):
    """A labelled set written for 2030, replayed in 2026: every item fell back to the wall clock, so
    a fire a month after a drill at the same street looked simultaneous and joined it."""
    drill = engine.process(Item.model_validate(item("d", "湖滨街道联合消防救援大队在湖滨步行街开展商圈消防应急疏散演练，模拟商铺起火后的人员疏散",
                                                    when="2030-03-08T10:00:00+08:00", platform="news", source="都市快报")))
    fire = engine.process(Item.model_validate(item("f", "东坡路我们楼下的餐厅后厨着火了，烟都窜到楼道里了，整栋楼的人都疏散下来了",
                                                   when="2030-03-27T12:10:00+08:00")))
    assert not any("不用于事件时限" in r for r in drill.analysis.reasons + fire.analysis.reasons)
    assert fire.case.event_id != drill.case.event_id
    assert {c.due_at.year for c in fire.case.clocks} == {2030}


def test_a_replay_dated_years_ahead_of_this_machine_keeps_its_own_times(engine):
    """A set written for 2040 replayed in 2026: its times order it (an event two days old is two days
    old), clocks run from them; only a first item of an absurd year (2100) is flagged."""
    d1 = engine.process(Item.model_validate(item("a", "湖滨步行街一商铺起火，有人被困", when="2040-03-01T10:00:00+08:00")))
    d2 = engine.process(Item.model_validate(item("b", "湖滨步行街商铺起火，消防已到场", when="2040-03-01T10:30:00+08:00")))
    assert d2.case.event_id == d1.case.event_id
    assert not any("视为异常" in r for r in d1.analysis.reasons + d2.analysis.reasons)
    assert {c.due_at.year for c in d2.case.clocks} == {2040}
    t1, _ = engine.effective_time(Item.model_validate(item("c", "x", when="2040-03-03T10:00:00+08:00")), None)
    assert t1.year == 2040 and t1.day == 3
    engine.reset()
    d3 = engine.process(Item.model_validate(item("d", "湖滨步行街一商铺起火", when="2100-01-01T08:00:00+08:00")))
    assert any("晚于当前时间" in r for r in d3.analysis.reasons)
