"""docker-compose.yml describes processes that exist: no Docker engine here, so the file is read
with PyYAML and every yuqing service's command is parsed by the real `yuqing` argument parser,
and every YUQING_* variable it sets is a setting yuqing/settings.py reads."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from yuqing.app.cli import build_parser
from yuqing.settings import SETTINGS

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES = COMPOSE["services"]
OURS = {n: s for n, s in SERVICES.items() if s.get("image", "").startswith("yuqing")}
NAMES = {s.name for s in SETTINGS}


def test_the_compose_file_has_the_servers_and_every_process():
    assert {"kafka", "elasticsearch", "postgres"} <= set(SERVICES)
    assert "KRaft" in (ROOT / "docker-compose.yml").read_text() and SERVICES["kafka"]["environment"][
        "KAFKA_PROCESS_ROLES"] == "broker,controller"
    commands = {" ".join(s["command"][1:3]) for s in OURS.values()}
    for want in ("run --no-worker", "worker --stage", "scheduler", "notifier", "dashboard --port", "store upgrade"):
        assert any(c.startswith(want) for c in commands), want
    stages = {s["command"][3]: s.get("deploy", {}).get("replicas", 1) for s in OURS.values()
              if s["command"][1] == "worker"}
    assert stages["decide"] == 1 and stages["analyse"] >= 2 and stages["record"] >= 2
    for name in ("postgres", "kafka", "elasticsearch", "dashboard"):
        assert SERVICES[name]["healthcheck"]["test"], name
    for name in ("postgres", "kafka", "elasticsearch"):
        assert SERVICES[name]["volumes"], name


@pytest.mark.parametrize("name", sorted(OURS))
def test_every_service_command_is_a_real_yuqing_command(name):
    cmd = OURS[name]["command"]
    assert cmd[0] == "yuqing"
    args = build_parser().parse_args(cmd[1:])      # SystemExit on an unknown command or option
    assert callable(args.func)


@pytest.mark.parametrize("name", sorted(OURS))
def test_every_setting_a_service_sets_is_one_yuqing_reads(name):
    env = OURS[name].get("environment", {})
    ours = [k for k in env if k.startswith("YUQING_")]
    assert ours, name
    unknown = [k for k in ours if k[len("YUQING_"):] not in NAMES]
    assert not unknown, f"{name}: {unknown} are not settings (yuqing/settings.py)"
    assert set(env) - set(ours) <= {"TZ"}, name


def test_the_scaled_services_switch_bus_store_and_index():
    env = OURS["decide"]["environment"]
    assert env["YUQING_BUS"] == "kafka" and env["YUQING_SEARCH"] == "elastic"
    assert env["YUQING_STORE_URL"].startswith("postgresql+psycopg://")
    assert OURS["embedded"]["environment"]["YUQING_BUS"] == "sqlite"
    # every process waits for the schema and the servers
    assert OURS["decide"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
