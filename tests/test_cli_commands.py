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


def test_train_grouping_learns_weights_that_route_with_them(tmp_path, config_dir, capsys, monkeypatch):
    """A bar set far too high splits every event; weights fitted on labelled items bring it down,
    and routing with GROUPING_WEIGHTS groups the items as labelled. A broken weights file is refused
    naming the file."""
    import re
    import yaml
    rules = config_dir / "rules.yaml"
    rules.write_text(re.sub(r"(?m)^  join_threshold: .*$", "  join_threshold: 1.6", rules.read_text(encoding="utf-8")),
                     encoding="utf-8")
    texts = {"fire": ["四季青服装市场仓库起火，浓烟很大，消防正在扑救", "四季青那边着火了，黑烟老远都看得到，消防车来了好几辆",
                      "四季青服装市场火灾，明火已扑灭，正在清理现场"],
             "noise": ["凯旋路工地每天半夜打桩，吵得整栋楼睡不着，希望有关部门管管", "凯旋路那个工地又在半夜施工，噪音太大了，投诉了也没用",
                       "凯旋路工地夜间施工扰民，第三天了还是这样"]}
    rows = []
    for k, (ev, ts) in enumerate(texts.items()):
        for j, t in enumerate(ts):
            rows.append({"id": f"{ev}{j}", "url": f"https://example.org/{ev}{j}", "platform": "weibo", "source": f"网友{ev}{j}",
                         "content": t, "published_at": f"2031-05-0{k + 1}T{10 + j}:00:00+08:00",
                         "metrics": {"reposts": 1, "comments": 1, "likes": 1}, "expect": {"event": ev}})
    labels = tmp_path / "labels.jsonl"
    labels.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n{\"id\": \"bad\"}\n", encoding="utf-8")
    out = tmp_path / "grouping.yaml"
    assert main(["--config", str(config_dir), "train", "grouping", "--labels", str(labels), "--out", str(out),
                 "--passes", "6"]) == 0
    captured = capsys.readouterr()
    assert "skipped" in captured.err and "join_threshold" in captured.out
    fitted = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert fitted["join_threshold"] < 1.0 and fitted["provenance"]["labels"] == [str(labels)]
    assert fitted["provenance"]["mean_pair_f1"]["fitted"] > fitted["provenance"]["mean_pair_f1"]["configured"]

    items = tmp_path / "items.jsonl"
    items.write_text("\n".join(json.dumps({k: v for k, v in r.items() if k != "expect"}, ensure_ascii=False)
                               for r in rows), encoding="utf-8")
    decisions = tmp_path / "out.jsonl"

    def events() -> dict:
        assert main(["--config", str(config_dir), "route", "--in", str(items), "--out", str(decisions)]) == 0
        return {d["id"]: d["event_id"] for d in map(json.loads, decisions.read_text(encoding="utf-8").splitlines())}
    assert len(set(events().values())) == 6                 # the configured bar: nothing joins
    monkeypatch.setenv("YUQING_GROUPING_WEIGHTS", str(out))
    got = events()
    assert got["fire0"] == got["fire2"] and got["noise0"] == got["noise2"] and got["fire0"] != got["noise0"]

    out.write_text("weights: {title: high}\n", encoding="utf-8")
    import pytest
    with pytest.raises((SystemExit, ValueError), match="grouping.yaml"):
        main(["--config", str(config_dir), "route", "--in", str(items), "--out", str(decisions)])
