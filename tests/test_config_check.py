"""One test per validation rule of the config, each checking the exact message and place."""
import pytest
import yaml

from yuqing.app.cli import main
from yuqing.config import ConfigError, load_config


def edit(path, fn):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    fn(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def problems(config_dir):
    with pytest.raises(ConfigError) as exc:
        load_config(config_dir)
    return [str(p) for p in exc.value.problems]


def test_repository_config_is_valid(capsys):
    assert main(["check-config", "config"]) == 0
    assert "配置无误" in capsys.readouterr().out


def test_unknown_unit_in_a_rule_is_rejected(config_dir):
    edit(config_dir / "rules.yaml", lambda d: d["route"]["routes"][1].update(first_responsible="区不存在局"))
    [p] = problems(config_dir)
    assert p.startswith("rules.yaml:") and "route.routes[1].first_responsible" in p
    assert "unknown unit '区不存在局'" in p


def test_place_under_two_streets_is_rejected(config_dir):
    edit(config_dir / "district.yaml", lambda d: d["streets"][1]["places"].append("河坊街"))
    [p] = problems(config_dir)
    assert "streets[1].places[8]" in p and "place '河坊街' is under two units: 清波街道 and 湖滨街道" in p


def test_zone_whose_parent_street_does_not_exist_is_rejected(config_dir):
    edit(config_dir / "district.yaml", lambda d: d["zones"][0].update(parent_street="不存在街道"))
    [p] = problems(config_dir)
    assert "zones[0].parent_street" in p and "parent street '不存在街道' does not exist" in p


def test_category_without_owner_is_rejected(config_dir):
    edit(config_dir / "district.yaml", lambda d: d["categories"].update({"无人认领": "没有部门负责的类别"}))
    ps = problems(config_dir)
    assert any("categories.无人认领" in p and "category '无人认领' has no owner department" in p for p in ps)


def test_bad_timezone_is_rejected(config_dir):
    edit(config_dir / "district.yaml", lambda d: d.update(timezone="Asia/Nowhere"))
    [p] = problems(config_dir)
    assert p.startswith("district.yaml:") and "timezone" in p and "unknown timezone 'Asia/Nowhere'" in p


def test_yaml_syntax_error_names_its_line(config_dir):
    lines = (config_dir / "rules.yaml").read_text(encoding="utf-8").splitlines()
    n = next(i for i, l in enumerate(lines) if l.startswith("  rule: R7"))
    lines[n] = "  rule: [R7, unclosed"
    (config_dir / "rules.yaml").write_text("\n".join(lines), encoding="utf-8")
    [p] = problems(config_dir)
    assert p.startswith("rules.yaml:") and "YAML syntax error" in p
    assert n + 1 <= int(p.split(":")[1]) <= n + 3


def test_unknown_key_is_rejected(config_dir):
    edit(config_dir / "district.yaml", lambda d: d["streets"][0].update(plaecs=["x"]))
    [p] = problems(config_dir)
    assert "streets[0].plaecs" in p and "unknown key" in p


def test_root_route_needs_a_default_unit(config_dir):
    edit(config_dir / "rules.yaml", lambda d: d["route"].pop("first_responsible"))
    ps = problems(config_dir)
    assert any("root route must name a default first_responsible unit" in p for p in ps)


def test_every_problem_is_listed_and_exit_is_nonzero(config_dir, capsys):
    edit(config_dir / "district.yaml", lambda d: (d["zones"][0].update(parent_street="无"),
                                                  d.update(timezone="Mars/Base")))
    edit(config_dir / "rules.yaml", lambda d: d["route"].update(refer_to=["区外星办"]))
    assert main(["check-config", str(config_dir)]) == 2
    err = capsys.readouterr().err
    assert "district.yaml" in err and "timezone" in err
    # the rules file is checked against the district file only when that loads
    assert "配置有" in err


def test_unknown_unit_in_rules_and_zone_problem_together(config_dir, capsys):
    edit(config_dir / "district.yaml", lambda d: d["zones"][1].update(parent_street="无此街道"))
    edit(config_dir / "rules.yaml", lambda d: d["route"].update(refer_to=["区外星办"]))
    assert main(["check-config", str(config_dir)]) == 2
    err = capsys.readouterr().err
    assert "zones[1].parent_street" in err and "unknown unit '区外星办'" in err and "2 config problem(s)" in err


def test_a_key_given_twice_is_refused_with_both_lines(config_dir):
    # YAML keeps the later of two equal keys: a second `4:` list of cue words would drop the first
    path = config_dir / "categories.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    n = next(i for i, l in enumerate(lines) if l.startswith("      4: ["))
    lines.insert(n, "      4: [重复的一行]")
    path.write_text("\n".join(lines), encoding="utf-8")
    from yuqing.app.build import load_config as load_all      # registers the pipeline's files too
    with pytest.raises(ConfigError) as exc:
        load_all(config_dir, announce=False)
    [p] = [str(x) for x in exc.value.problems]
    assert p.startswith("categories.yaml:") and "duplicate key 4" in p and f"first on line {n + 1}" in p


def test_no_cue_in_config_swallowed_its_neighbour_for_a_missing_comma():
    """A flow list broken over lines without a comma joins two cues into one (被抬上救护车 前往医院就诊),
    and neither then matches: no configured word may hold a space between two Chinese characters."""
    import re
    from pathlib import Path

    import yaml

    bad = []

    def walk(x, where):
        if isinstance(x, dict):
            for k, v in x.items():
                walk(v, f"{where}.{k}")
        elif isinstance(x, list):
            for v in x:
                if isinstance(v, str) and re.search(r"[\u4e00-\u9fff] +[\u4e00-\u9fff]", v):
                    bad.append(f"{where}: {v!r}")
                else:
                    walk(v, where)

    for f in sorted((Path(__file__).resolve().parents[1] / "config").glob("*.yaml")):
        walk(yaml.safe_load(f.read_text(encoding="utf-8")), f.name)
    assert not bad, "\n".join(bad)
