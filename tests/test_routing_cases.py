"""The routing cases in tests/routing/*.yaml, run through `yuqing rules test`'s own code."""
from pathlib import Path

import pytest

from pipeline.rulestest import load_cases, run_case

CASES = [(f.name, c) for f in sorted((Path(__file__).parent / "routing").glob("*.yaml")) for c in load_cases(f)]


def _tree_ids(capsys) -> set[str]:
    from yuqing.app.cli import main
    assert main(["rules", "show"]) == 0
    return {line.split()[0] for line in capsys.readouterr().out.splitlines() if line.strip()}


@pytest.mark.parametrize("case", [c for _, c in CASES], ids=[c.name for _, c in CASES])
def test_routing_case(engine, case):
    outcome = run_case(engine, case)
    assert outcome.ok, "\n".join(outcome.problems + outcome.got["reasons"])


def test_decisions_name_the_nodes_rules_show_prints(engine, capsys):
    """Each id in a decision's route path is a node of the tree as `rules show` prints it, and the
    last one is the rule the decision names."""
    ids = _tree_ids(capsys)
    seen = set()
    for _, case in CASES:
        outcome = run_case(engine, case)
        if outcome.got["severity"] == "无":
            continue
        assert outcome.path and set(outcome.path) <= ids, (case.name, outcome.path)
        assert outcome.path[-1].endswith(outcome.got["rule"]) or outcome.path[-1] == "root"
        seen.add(outcome.got["rule"])
    assert {"R1", "R3", "R4", "R7"} <= seen


def test_rules_test_command_reports_failures_and_exits_1(tmp_path, capsys):
    from yuqing.app.cli import main
    f = tmp_path / "cases.yaml"
    f.write_text("- name: 故意写错的期望\n  items:\n    - {content: 湖滨步行街一家店起火了，浓烟滚滚}\n"
                 "  expect: {first_responsible: 区教育局}\n", encoding="utf-8")
    assert main(["rules", "test", str(f)]) == 1
    out = capsys.readouterr().out
    assert "FAIL  故意写错的期望" in out and "first_responsible: expected '区教育局', got '湖滨街道'" in out
    assert "0 passed, 1 failed" in out


def test_rules_test_command_passes_repository_cases(capsys):
    from yuqing.app.cli import main
    files = [str(p) for p in sorted((Path(__file__).parent / "routing").glob("*.yaml"))]
    assert main(["rules", "test", *files]) == 0
    assert f"{len(CASES)} passed, 0 failed" in capsys.readouterr().out


def test_rules_show_prints_the_tree(capsys):
    from yuqing.app.cli import main
    assert main(["rules", "show"]) == 0
    out = capsys.readouterr().out
    for rule in ("R1", "R2", "R3", "R4", "R5", "R6", "R7", "谣言"):
        assert rule in out
    assert out.splitlines()[0].startswith("root ")
