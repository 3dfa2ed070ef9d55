"""`yuqing due`, `yuqing train sentiment`, `yuqing settings show`."""
import json

from yuqing.app.cli import main
from yuqing.settings import Settings


def test_due_prints_iso_time_and_provisional(capsys):
    assert main(["due", "feedback", "--from", "2026-09-30T10:00:00+08:00"]) == 0
    assert capsys.readouterr().out.strip() == "2026-10-13T23:59:59+08:00"
    assert main(["due", "statement", "--from", "2026-11-20T10:12"]) == 0
    assert capsys.readouterr().out.strip() == "2026-11-20T15:12:00+08:00"
    assert main(["due", "feedback", "--from", "2027-02-03T10:00:00+08:00"]) == 0
    assert capsys.readouterr().out.strip().endswith(" provisional")


def test_due_rejects_an_unknown_kind(capsys):
    assert main(["due", "lunch", "--from", "2026-11-20T10:00:00+08:00"]) != 0
    assert "lunch" in capsys.readouterr().err


def test_train_sentiment_on_district_labels_changes_the_route(tmp_path, capsys):
    phrase = "小区门口那个新装的智能快递柜"       # neutral wording the shipped model reads as fine
    labels = tmp_path / "labels.jsonl"
    rows = [{"text": f"{phrase}{s}", "negative": True} for s in
            ("又坏了", "天天卡件", "取不出来", "收费乱", "没人管", "又出毛病", "太难用", "故障三天")] * 6
    rows += [{"text": t, "negative": False} for t in ("今天社区活动很热闹", "谢谢物业及时修好路灯")] * 6
    rows.append({"text": "缺少标签"})
    labels.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    model = tmp_path / "model.json.gz"
    assert main(["train", "sentiment", "--labels", str(labels), "--out", str(model)]) == 1   # one bad line
    captured = capsys.readouterr()
    assert "skipped" in captured.err and model.exists()

    items = tmp_path / "items.jsonl"
    items.write_text(json.dumps({"id": "x", "content": phrase + "又坏了",
                                 "published_at": "2026-11-20T10:00:00+08:00"}, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["route", "--in", str(items), "--out", str(out), "--model", str(model)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["negative"] is True


def test_settings_precedence_and_masking(tmp_path):
    (tmp_path / "settings.yaml").write_text("DASHBOARD_PORT: 9000\nBUS: inprocess\n", encoding="utf-8")
    s = Settings.load(tmp_path, {"BUS": "inprocess"},
                      environ={"YUQING_DASHBOARD_PORT": "9100", "YUQING_ALERT_SMTP_PASSWORD": "secret"})
    assert s["DASHBOARD_PORT"] == 9100 and s.source("DASHBOARD_PORT") == "env"
    assert s.source("BUS") == "cmdline"
    shown = {n: (v, src) for n, v, src in s.show()}
    assert shown["ALERT_SMTP_PASSWORD"] == ("****", "env")


def test_a_secret_in_the_settings_file_is_refused(tmp_path):
    import pytest
    (tmp_path / "settings.yaml").write_text("ALERT_SMTP_PASSWORD: x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="secret"):
        Settings.load(tmp_path, environ={})


def test_make_bus_builds_the_configured_bus(tmp_path):
    import pytest
    from yuqing.bus import BusUnavailable, InProcessBus, make_bus
    from yuqing.bus.sqlite import SqliteBus
    # the default is the durable SQLite bus: a killed process loses no crawled item
    assert Settings.load(None, environ={})["BUS"] == "sqlite"
    assert isinstance(make_bus(Settings.load(None, {"BUS": "inprocess"}, environ={})), InProcessBus)
    bus = make_bus(Settings.load(None, {"BUS": "sqlite", "BUS_SQLITE_PATH": str(tmp_path / "bus.db"),
                                        "BUS_PARTITIONS": "2", "BUS_SESSION_TIMEOUT_SECONDS": "1.5"}, environ={}))
    assert isinstance(bus, SqliteBus) and (bus.partitions, bus.session_timeout) == (2, 1.5)
    bus.close()
    with pytest.raises(ValueError, match="unknown bus"):
        make_bus(Settings.load(None, {"BUS": "rabbit"}, environ={}))
