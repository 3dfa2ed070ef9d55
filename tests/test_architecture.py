"""The architecture holds: the import contracts, one vocabulary, no internal code shown to people."""
from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from yuqing import vocab

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("yuqing", "pipeline", "responders", "crawlers", "dashboard")
ACTION = re.compile(r"^[a-z_]+\.[a-z_]+$")


def project_files():
    for pkg in PACKAGES:
        yield from (p for p in (ROOT / pkg).rglob("*.py") if "migrations" not in p.parts)


def test_import_contracts_hold():
    """Layers (composition root > dashboard > stages and seam implementations > core), SQLAlchemy
    only in the store, the dashboard only through seams: a wrong import fails here."""
    exe = Path(sys.executable).parent / "lint-imports"
    r = subprocess.run([str(exe)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert "0 broken" in r.stdout


def _written_actions() -> dict[str, list[str]]:
    """Action names the code writes: `action="x.y"` keywords and `_log(…, "x.y", …)`/`log("x.y")` calls."""
    found: dict[str, list[str]] = {}
    for path in project_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            values = [kw.value for kw in node.keywords if kw.arg == "action"]
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name in ("_log", "log", "record"):
                values += [a for a in node.args[:3]]
            for v in values:
                if isinstance(v, ast.Constant) and isinstance(v.value, str) and ACTION.match(v.value):
                    found.setdefault(v.value, []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_every_action_the_code_writes_has_a_label():
    written = _written_actions()
    assert written, "the scan found no action at all: it is broken"
    missing = {a: where for a, where in written.items() if a not in vocab.ACTIONS}
    assert not missing, f"actions written without a label in yuqing.vocab.ACTIONS: {missing}"


def test_every_labelled_action_is_written_somewhere():
    """A label nobody writes is a stale one: every key of ACTIONS appears as a literal outside vocab."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in project_files() if p.name != "vocab.py")
    unused = [a for a in vocab.ACTIONS if f'"{a}"' not in text and f"'{a}'" not in text]
    assert not unused, f"labelled but never written: {unused}"


def test_levels_are_defined_once():
    """Severity levels are spelled out in the vocabulary only (and the config files, as data)."""
    pattern = re.compile(r"\(\s*\"无\",\s*\"一般\",\s*\"较大\"")
    offenders = [str(p.relative_to(ROOT)) for p in project_files()
                 if p.name != "vocab.py" and pattern.search(p.read_text(encoding="utf-8"))]
    assert not offenders, f"levels defined again in {offenders}: use yuqing.vocab.LEVELS"


def test_one_strict_config_base():
    offenders = [str(p.relative_to(ROOT)) for p in project_files()
                 if re.search(r"^class _?Strict\(BaseModel\)", p.read_text(encoding="utf-8"), re.M)
                 and p.relative_to(ROOT).as_posix() != "yuqing/config/base.py"]
    assert not offenders, f"another strict base in {offenders}: use yuqing.config.base.Strict"


# ---------------------------------------------------------------------------------------- codes shown
INTERNAL = re.compile(
    r"\b(" + "|".join(sorted({*vocab.CLOCK_KINDS, *vocab.ALERT_KINDS, *vocab.CASE_STATES, *vocab.CLOCK_STATES,
                              *vocab.DELIVERY_STATES} - {"test"}, key=len, reverse=True)) + r")\b"
    r"|\b[a-z_]+\.[a-z_]+\b")


def internal_codes(text: str) -> list[str]:
    """Internal codes in a text people read (URLs and e-mail addresses are not codes)."""
    text = re.sub(r"https?://\S+|[\w.+-]+@[\w.-]+", " ", text)
    return sorted({m.group(0) for m in INTERNAL.finditer(text)})


def test_the_code_detector_finds_codes():
    assert internal_codes("状态 running，动作 case.opened，时限 press_conference") == \
        ["case.opened", "press_conference", "running"]
    assert internal_codes("详见 https://example.gov.cn/a.html 或 liaison@nanxing.example.gov.cn") == []
