"""The README documents what exists (after Datasette's tests that police the docs)."""
import re
from pathlib import Path

import pytest
import yaml

from yuqing.app.cli import build_parser
from yuqing.app.build import register_packages
from yuqing.config.loader import sections

register_packages()
SECTIONS = sections()
from yuqing.settings import SETTINGS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", [s.name for s in SETTINGS])
def test_every_setting_is_documented(name):
    assert f"`{name}`" in README, f"setting {name} is missing from the README's settings table"


@pytest.mark.parametrize("file", [s.file for s in SECTIONS])
def test_every_config_file_is_documented(file):
    assert f"`{file}`" in README


def _subcommands():
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "cmd")
    return sorted(action.choices)


@pytest.mark.parametrize("cmd", _subcommands())
def test_every_subcommand_is_documented(cmd):
    assert f"`yuqing {cmd}" in README, f"`yuqing {cmd}` is missing from the README's commands table"


def test_readme_gives_the_two_setup_commands_and_ci_calls_the_test_one():
    assert "make demo" in README and "make test" in README
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^demo:", makefile, re.M) and re.search(r"^test:", makefile, re.M)


def test_compose_services_run_real_subcommands():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    known = set(_subcommands())
    for name, svc in compose["services"].items():
        cmd = svc.get("command")
        if cmd:
            assert cmd[0] == "yuqing" and cmd[1] in known, f"service {name} runs unknown command {cmd}"
