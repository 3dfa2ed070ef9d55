"""Reading facts from text (pipeline/facts.py, config/readings.yaml).

All sentences here are written for these tests; none comes from the evaluation sets.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.facts import FactReader, FactReading, ReadingsConfig, read_facts
from pipeline.readings_config import DEFAULT_READINGS_PATH
from yuqing.config.errors import ConfigError


@pytest.fixture(scope="module")
def reader() -> FactReader:
    return FactReader.default()


def read(reader: FactReader, text: str) -> FactReading:
    return reader.read(text)


# ---------------------------------------------------------------- config

def test_default_config_loads_and_is_strict(tmp_path: Path):
    cfg = ReadingsConfig.from_yaml(DEFAULT_READINGS_PATH)
    assert "deaths" in cfg.kinds and cfg.numbers.vague["数十"] == 20
    data = yaml.safe_load(DEFAULT_READINGS_PATH.read_text(encoding="utf-8"))
    data["limits"]["max_charz"] = 5
    bad = tmp_path / "readings.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        ReadingsConfig.from_yaml(bad)
    assert "unknown key" in str(exc.value)


def test_config_rejects_bad_pattern_and_unknown_kind(tmp_path: Path):
    data = yaml.safe_load(DEFAULT_READINGS_PATH.read_text(encoding="utf-8"))
    data["kinds"]["deaths"]["exclude"] = ["(unclosed"]
    with pytest.raises(Exception):
        ReadingsConfig.model_validate(data)
    data = yaml.safe_load(DEFAULT_READINGS_PATH.read_text(encoding="utf-8"))
    data["kinds"]["flood"] = {"cues": ["淹了"]}
    with pytest.raises(Exception):
        ReadingsConfig.model_validate(data)


def test_config_rejects_cue_under_two_kinds():
    data = yaml.safe_load(DEFAULT_READINGS_PATH.read_text(encoding="utf-8"))
    data["kinds"]["injured"]["cues"].append("死亡")
    with pytest.raises(Exception):
        ReadingsConfig.model_validate(data)


def test_config_is_data_a_new_word_changes_the_reading(tmp_path: Path):
    data = yaml.safe_load(DEFAULT_READINGS_PATH.read_text(encoding="utf-8"))
    data["kinds"]["trapped"]["cues"].append("困于楼顶")
    data["numbers"]["vague"]["成百"] = 100
    path = tmp_path / "readings.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    r = FactReader.from_yaml(path)
    out = r.read("成百名村民聚集在镇政府门口。")
    assert out.facts.gathering == 100


def test_default_reader_and_module_helper():
    assert read_facts("工厂发生爆炸").facts.explosion
    assert FactReader.default().read("").facts.deaths == 0


# ---------------------------------------------------------------- numbers

@pytest.mark.parametrize("word,value", [
    ("3", 3), ("12", 12), ("十", 10), ("十二", 12), ("二十", 20), ("二十多", 20), ("三十余", 30),
    ("四十多", 40), ("十余", 10), ("十多", 10), ("十几", 10), ("数十", 20), ("几十", 20),
    ("上百", 100), ("百余", 100), ("一百二十", 120), ("两百", 200), ("三四", 3), ("七八", 7),
    ("好几", 3), ("3-5", 3), ("1.2万", 12000), ("十来", 10),
])
def test_parse_number_lower_bound(reader: FactReader, word: str, value: int):
    assert reader.parse_number(word) == value


@pytest.mark.parametrize("text,kind,value", [
    ("仓库失火，十余名工人受伤。", "injured", 10),
    ("仓库失火，十多人受伤。", "injured", 10),
    ("仓库失火，十几个人受伤。", "injured", 10),
    ("数十名租户聚集在物业门口。", "gathering", 20),
    ("几十位村民围堵施工现场。", "gathering", 20),
    ("二十多名骑手聚集在站点门口。", "gathering", 20),
    ("三十余名商户聚集在市场管理处。", "gathering", 30),
    ("四十多名员工拉起横幅讨薪。", "gathering", 40),
    ("约五十名业主聚集在售楼处。", "gathering", 50),
    ("上百名会员聚集在门店门口维权。", "gathering", 100),
    ("百余名学员聚集在培训机构楼下。", "gathering", 100),
    ("近百名家长聚集在校门口。", "gathering", 99),
])
def test_vague_counts_read_at_lower_bound(reader: FactReader, text: str, kind: str, value: int):
    assert getattr(read(reader, text).facts, kind) == value


def test_count_before_cue_with_a_noun_between(reader: FactReader):
    f = read(reader, "周三中午，某中学18名学生在食堂用餐后陆续出现腹痛、呕吐。").facts
    assert f.ill == 18


def test_count_after_cue(reader: FactReader):
    f = read(reader, "据最新消息，死亡人数已上升至4人，受伤8人。").facts
    assert (f.deaths, f.injured) == (4, 8)


def test_count_not_taken_from_dates_or_months(reader: FactReader):
    f = read(reader, "3月12日下午，一名男子在工地摔伤，住院3个月。").facts
    assert f.injured == 1


def test_thirteen_is_not_three(reader: FactReader):
    assert read(reader, "事故共造成13人受伤。").facts.injured == 13


# ---------------------------------------------------------------- compact forms

@pytest.mark.parametrize("text,deaths,injured", [
    ("两车追尾，事故造成一死两伤。", 1, 2),
    ("货车侧翻，造成3死2伤。", 3, 2),
    ("烟花仓库起火，1死3伤。", 1, 3),
    ("商铺燃气爆燃，一死多伤", 1, 2),
    ("施工吊塔倾倒，两人死亡、五人受伤。", 2, 5),
    ("路面塌陷致二人受伤，暂无人员死亡。", 0, 2),
])
def test_compact_and_listed_casualties(reader: FactReader, text: str, deaths: int, injured: int):
    f = read(reader, text).facts
    assert (f.deaths, f.injured) == (deaths, injured)


def test_evidence_strings_are_chinese_and_quote_the_text(reader: FactReader):
    f = read(reader, "货车侧翻，造成3死2伤。").facts
    assert "死亡 3（3死2伤）" in f.evidence
    assert "受伤或住院 2（3死2伤）" in f.evidence


def test_bare_death_without_count_is_one(reader: FactReader):
    f = read(reader, "电动车与货车相撞，骑车人经抢救无效死亡。").facts
    assert f.deaths == 1


def test_colloquial_death_words_are_not_deaths(reader: FactReader):
    f = read(reader, "这天气热死人了，排队排到累死，笑死我了。").facts
    assert f.deaths == 0


# ---------------------------------------------------------------- ill vs injured

def test_hospital_is_ill_when_the_item_reports_illness(reader: FactReader):
    f = read(reader, "某幼儿园多名孩子午饭后出现呕吐症状。截至晚上，已有9名幼儿被送往医院。").facts
    # ill, and hospitalised too (受伤或住院: §3 counts three or more hospitalised)
    assert f.ill == 9 and f.injured == 9


def test_hospital_is_injured_in_an_accident(reader: FactReader):
    f = read(reader, "公交车急刹，车上4名乘客被送医检查。").facts
    assert f.injured == 4 and f.ill == 0


def test_patients_in_a_hospital_complaint_are_not_casualties(reader: FactReader):
    f = read(reader, "这家医院每天上百名患者住院，住院部电梯却只有两部。").facts
    assert f.injured == 0 and f.ill == 0


def test_ill_with_count(reader: FactReader):
    f = read(reader, "公司团建聚餐后，12名员工出现呕吐腹泻。").facts
    assert f.ill == 12


# ---------------------------------------------------------------- flags

def test_explosion_and_collapse(reader: FactReader):
    f = read(reader, "化工厂昨夜发生爆炸，一处厂房倒塌。").facts
    assert f.explosion and f.collapse


def test_explosion_denied_is_not_an_explosion(reader: FactReader):
    out = read(reader, "商场地下室燃气泄漏，所幸并未发生爆炸。")
    assert not out.facts.explosion and "explosion" in out.negated_kinds
    assert any(e.startswith("否定：") for e in out.facts.evidence)


def test_did_not_hear_an_explosion(reader: FactReader):
    assert not read(reader, "我就住在对面，根本没听到爆炸声，只闻到一股焦味。").facts.explosion


def test_explosion_question_then_denied(reader: FactReader):
    out = read(reader, "朋友圈有人说是爆炸了？我在现场，没有爆炸，就是冒烟。")
    assert not out.facts.explosion
    assert "explosion" in out.negated_kinds


def test_explosion_only_asked_is_not_reported(reader: FactReader):
    out = read(reader, "刚才那一声是不是爆炸了？")
    assert not out.facts.explosion and "explosion" in out.questioned_kinds


def test_figurative_explosion_is_not_an_explosion(reader: FactReader):
    assert not read(reader, "消息一出，评论区也炸了，心态都炸了。").facts.explosion
    assert not read(reader, "这是一条爆炸性新闻。").facts.explosion


def test_collapse_words(reader: FactReader):
    assert read(reader, "小区一段挡土墙塌了！").facts.collapse
    assert read(reader, "在建厂房钢架发生坍塌。").facts.collapse


def test_risk_of_collapse_is_not_a_collapse(reader: FactReader):
    out = read(reader, "这栋危房随时可能倒塌，楼下还住着人。")
    assert not out.facts.collapse
    assert not read(reader, "老旧围墙存在坍塌隐患，请尽快处理。").facts.collapse


def test_people_trapped(reader: FactReader):
    out = read(reader, "写字楼电梯突然停运，两名员工被困其中二十分钟。")
    assert out.facts.trapped
    assert any(e.startswith("被困（") for e in out.facts.evidence)


def test_vehicles_trapped_are_not_people_trapped(reader: FactReader):
    assert not read(reader, "暴雨过后，下穿通道里十多辆汽车被困水中。").facts.trapped
    assert not read(reader, "积水太深，好几辆车都被困了。").facts.trapped


def test_driver_trapped_in_a_vehicle_is_trapped(reader: FactReader):
    assert read(reader, "货车侧翻后，司机被困驾驶室。").facts.trapped


def test_being_troubled_is_not_trapped(reader: FactReader):
    assert not read(reader, "居民长期被困扰于噪音问题。").facts.trapped


def test_evacuated(reader: FactReader):
    assert read(reader, "商场火警，三百余名顾客被有序疏散。").facts.evacuated
    assert read(reader, "周边居民已紧急撤离。").facts.evacuated


def test_fire_escape_complaint_is_not_an_evacuation(reader: FactReader):
    assert not read(reader, "楼里的疏散通道堆满杂物，安全出口还上了锁。").facts.evacuated


def test_people_under_rubble_are_trapped(reader: FactReader):
    assert read(reader, "老楼局部坍塌，有两人被埋。").facts.trapped


# ---------------------------------------------------------------- negation

def test_no_casualties_keeps_evacuation_and_trapped(reader: FactReader):
    out = read(reader, "地下车库起火，30余名居民被疏散，一人被困后获救，无人员伤亡。")
    f = out.facts
    assert f.evacuated and f.trapped
    assert f.deaths == 0 and f.injured == 0
    assert {"deaths", "injured"} <= out.negated_kinds
    assert "否定：无人员伤亡" in f.evidence


def test_not_in_danger_does_not_remove_injured(reader: FactReader):
    f = read(reader, "三名伤者已送医，均无生命危险。").facts
    assert f.injured == 3


def test_negation_reaches_only_its_clause(reader: FactReader):
    f = read(reader, "事故未造成人员死亡，4人受伤送医。").facts
    assert f.deaths == 0 and f.injured == 4


def test_contrast_ends_negation(reader: FactReader):
    f = read(reader, "没有发生爆炸，但是有人被困。").facts
    assert not f.explosion and f.trapped


def test_words_that_only_look_negative(reader: FactReader):
    assert read(reader, "两名未成年人在冲突中受伤。").facts.injured == 2
    assert read(reader, "没想到竟有5人受伤。").facts.injured == 5
    assert read(reader, "一名无辜路人被砍伤。").facts.injured == 1


def test_hope_nobody_is_hurt_is_not_an_injury(reader: FactReader):
    assert read(reader, "看着火好大，希望没人受伤🙏").facts.injured == 0


# ---------------------------------------------------------------- refutation

def test_general_refutation_is_all(reader: FactReader):
    out = read(reader, "近日网上流传“某区明年取消全部公交线路”的消息。经核实，上述消息不实。")
    assert out.facts.refuted and out.refuted_kinds == {"all"}


def test_refutation_names_the_refuted_kind(reader: FactReader):
    out = read(reader, "网传某商场发生爆炸，经核实，系谣言。现场为空调外机起火，已扑灭。")
    assert out.facts.refuted
    assert "explosion" in out.refuted_kinds
    assert not out.facts.explosion


def test_not_a_knife_attack_and_no_death(reader: FactReader):
    out = read(reader, "警方通报：两名男子酒后争执扭打，致一人受伤。经查，并非持刀伤人，网传“有人被捅死”系谣言。")
    f = out.facts
    assert f.refuted
    assert f.injured == 1 and f.deaths == 0
    assert "deaths" in out.refuted_kinds and "injured" in out.refuted_kinds


def test_nobody_died_in_a_refutation(reader: FactReader):
    out = read(reader, "关于网传某工地有人死亡的情况说明：经核实，现场无人死亡，一名工人轻微擦伤。")
    assert out.facts.refuted and "deaths" in out.refuted_kinds
    assert out.facts.deaths == 0 and out.facts.injured == 1


def test_self_correction_without_refutation_words_is_not_a_refutation(reader: FactReader):
    out = read(reader, "消防员说只是燃气泄漏，并未发生爆炸，大家别慌。")
    assert not out.facts.refuted and "explosion" in out.negated_kinds


def test_do_not_believe_rumours_boilerplate_alone_is_not_a_refutation(reader: FactReader):
    assert not read(reader, "请广大市民不信谣、不传谣，以官方发布为准。").facts.refuted


# ---------------------------------------------------------------- rumours

def test_rumour_cues(reader: FactReader):
    out = read(reader, "听说明天全区停水三天，内部消息，消息来源绝对可靠，转发扩散！")
    assert {"听说", "内部消息", "消息来源绝对可靠", "转发扩散"} <= set(out.rumour_cues)
    assert out.rumour_claim


def test_spread_only_is_not_a_claim(reader: FactReader):
    out = read(reader, "孩子走失了，穿红色外套，求扩散！")
    assert out.rumour_cues and not out.rumour_claim


def test_spreading_fire_is_not_rumour_language(reader: FactReader):
    assert read(reader, "火势迅速扩散至隔壁仓库。").rumour_cues == []


def test_insider_says(reader: FactReader):
    assert "知情人士透露" in read(reader, "据知情人士透露，该楼盘将停工。").rumour_cues


def test_a_claimed_incident_counts_until_refuted(reader: FactReader):
    f = read(reader, "网传某小区发生爆炸，已有2人死亡。").facts
    assert f.explosion and f.deaths == 2 and not f.refuted


# ---------------------------------------------------------------- special groups

def test_students_and_kindergarten(reader: FactReader):
    assert read(reader, "某小学门口接送车辆乱停。").special_groups == ["children"]
    assert "children" in read(reader, "幼儿园午睡室没有空调。").special_groups


def test_child_needs_a_school_context(reader: FactReader):
    assert "children" in read(reader, "孩子在学校被老师体罚。").special_groups
    assert "children" not in read(reader, "周末带孩子去公园，停车太难。").special_groups


def test_elderly_specific_person(reader: FactReader):
    assert read(reader, "一位独居老人家中断水三天。").special_groups == ["elderly"]
    out = read(reader, "一名81岁的大爷在菜场滑倒。")
    assert "elderly" in out.special_groups and out.group_evidence["elderly"] == "81岁"
    assert "elderly" in read(reader, "七旬老翁被困家中。").special_groups


def test_laobaixing_is_not_elderly(reader: FactReader):
    assert read(reader, "老百姓办事太难了，跑了三趟还没办成。").special_groups == []


def test_young_age_is_not_elderly(reader: FactReader):
    assert "elderly" not in read(reader, "一名25岁的外卖小哥被撞伤。").special_groups


def test_food_safety(reader: FactReader):
    assert "food" in read(reader, "在这家店买的面包吃出了虫子。").special_groups
    assert "food" in read(reader, "食堂饭菜发霉变质，学生吃了肚子疼。").special_groups
    assert "food" not in read(reader, "卫生间墙面发霉，物业不管。").special_groups


def test_medical_care(reader: FactReader):
    assert "medical" in read(reader, "社区医院挂号排了两个小时，医生态度很差。").special_groups
    assert "medical" in read(reader, "药店同一种药比网上贵三倍。").special_groups


def test_accident_victims_sent_to_hospital_is_not_medical_care(reader: FactReader):
    assert "medical" not in read(reader, "两车相撞，一名伤者被送往医院救治。").special_groups


def test_reasons_name_groups_in_chinese(reader: FactReader):
    out = read(reader, "一名80岁老人在养老院摔伤。")
    assert any(r.startswith("特殊群体：老年人") for r in out.reasons)


# ---------------------------------------------------------------- robustness

@pytest.mark.parametrize("text", ["", None, "   ", "\n\n", "😀😀😀", "🔥🔥🔥！！！", "<br/><p></p>", "&nbsp;&amp;"])
def test_empty_and_odd_text(reader: FactReader, text):
    out = reader.read(text)
    assert out.facts.deaths == 0 and not out.facts.explosion and out.refuted_kinds == set()


def test_html_remnants_are_stripped(reader: FactReader):
    f = read(reader, "<p>某路段<b>发生</b>塌方，3人被困&nbsp;现场正在救援</p>").facts
    assert f.collapse and f.trapped


def test_fullwidth_digits(reader: FactReader):
    assert read(reader, "事故造成１２人受伤。").facts.injured == 12


def test_one_megabyte_text_is_capped(reader: FactReader):
    """A 1 MB text is read by its head and tail (the speed this buys is measured in
    benchmarks/bench_bounds.py as a ratio, not timed here)."""
    text = "某小区3人受伤，无人员伤亡。<div>网传爆炸系谣言😀&amp;</div>" * 40000
    assert len(text) > 1_000_000
    out = reader.read(text)
    assert out.facts.injured == 3
    assert any("仅读取" in r for r in out.reasons)


@pytest.mark.parametrize("unit", ["十", "3", "受伤", "维权", "网传", "一死", "。", "<", "无"])
def test_pathological_repetition_is_read_and_capped(reader: FactReader, unit: str):
    """Repetition that could make regexes backtrack is read (its time against plain text of the
    same length is a ratio in benchmarks/bench_bounds.py)."""
    out = reader.read(unit * (1_000_000 // len(unit)))
    assert any("仅读取" in r for r in out.reasons)


# ---------------------------------------------------------------- more readings

def test_colloquial_died_with_count(reader: FactReader):
    assert read(reader, "听人说那边塌了，死了好几个人。").facts.deaths == 3
    assert read(reader, "有两个人死了。").facts.deaths == 2


def test_colloquial_died_figurative(reader: FactReader):
    assert read(reader, "今天热死了，手机也死了。").facts.deaths == 0


def test_uncertain_report_counts_but_risk_does_not(reader: FactReader):
    assert read(reader, "初步了解，可能有人员被困。").facts.trapped
    assert not read(reader, "再这样下去可能会爆炸。").facts.explosion
    assert not read(reader, "楼板差点塌下来，好险。").facts.collapse


def test_gathering_needs_people_somewhere(reader: FactReader):
    assert read(reader, "200多名业主在网上维权，要求开发商兑现承诺。").facts.gathering == 0
    assert read(reader, "五十多名业主来到开发商办公室维权。").facts.gathering == 50


def test_gathering_without_count_is_zero(reader: FactReader):
    assert read(reader, "工人们聚集在项目部门口。").facts.gathering == 0


def test_crowd_of_travellers_is_not_a_gathering(reader: FactReader):
    assert read(reader, "大雾导致航班延误，两百多名旅客滞留候机楼。").facts.gathering == 0


def test_vaccination_is_medical_and_medical_insurance_alone_is_not(reader: FactReader):
    assert "medical" in read(reader, "社区疫苗接种点排队三小时。").special_groups
    assert "medical" not in read(reader, "医保转移接续手续太麻烦。").special_groups


def test_the_ill_taken_to_hospital_are_hospitalised_but_not_others_unwell_later(reader: FactReader):
    # §3: three or more injured or hospitalised is an emergency; a poisoned family of three admitted is
    f = read(reader, "一户居民一家三口食用野生菌后出现头晕症状，被送医救治。").facts
    assert (f.ill, f.injured) == (3, 3)
    f = read(reader, "两名学生呕吐，已送医。另有三名同学说有点不舒服。").facts
    assert f.injured == 2
    # its own number when it has one: eight ill, two of them at hospital
    f = read(reader, "同桌8人先后出现腹泻、呕吐症状，其中2人到医院就诊。").facts
    assert (f.ill, f.injured) == (8, 2) and "ill" in f.stated


def test_a_clause_that_is_only_a_count_counts_for_the_cue_after_it(reader: FactReader):
    f = read(reader, "项目的工友，三十多个，一早就拉着横幅在项目部门口讨工钱。").facts
    assert f.gathering == 30
    # a count of days in the clause before is no count of people
    assert read(reader, "来了很多人，3天了，一直聚集在门口。").facts.gathering == 0


@pytest.mark.parametrize("text,kind,at_least", [
    ("三十多个工人在项目部门口等着要工资", "gathering", 30),
    ("四五十个兄弟在项目部门口等了一早上了", "gathering", 40),
    ("部分员工出现腹泻、呕吐等症状，累计就诊23人", "ill", 23),
    ("吃完午饭后腹泻不止，十几个人去医院挂水了", "ill", 10),
    ("9月8日，30余名农民工在钱江新城某在建项目工地门口聚集，反映被拖欠工资问题", "gathering", 30),
    ("工地门口现在三十多个工友坐着，项目部的人一个都不出来", "gathering", 30),
    ("基金小镇门口好多人拉横幅，看着得有三十多个，喊着还我血汗钱", "gathering", 30),
])
def test_people_waiting_at_a_gate_and_patients_seen_are_counted(reader, text, kind, at_least):
    assert getattr(read(reader, text).facts, kind) >= at_least


@pytest.mark.parametrize("text", ["我在医院门口等了一个小时", "今天在门诊就诊的病人很多", "排队等了两个小时才办好"])
def test_one_person_waiting_or_a_busy_clinic_is_no_count(reader, text):
    f = read(reader, text).facts
    assert f.gathering == 0 and f.ill == 0


@pytest.mark.parametrize("text", ["申请条件卡得也太死了吧，真正困难的人反而领不到", "这个规定定得太死了，一点不灵活",
                                  "窗口办事太死板", "政策一刀切，老人根本用不了"])
def test_a_rule_drawn_too_tight_kills_nobody(reader: FactReader, text: str):
    assert read(reader, text).facts.deaths == 0


def test_a_death_is_still_read_beside_such_words(reader: FactReader):
    assert read(reader, "工地塔吊倒下砸死了一名工人，安全管理太死板也没用").facts.deaths >= 1


def test_cases_counted_as_病例_are_the_ill(reader: FactReader):
    f = read(reader, "截至昨日16时，该校累计报告病例23例，均为轻症，无住院病例。").facts
    assert f.ill == 23 and f.injured == 0
    assert read(reader, "目前未发现新型流感病例。").facts.ill == 0


def test_classes_and_shops_are_not_people(reader: FactReader):
    assert read(reader, "三四个班都有孩子呕吐、发烧").facts.ill < 3
    assert read(reader, "五个网点门口聚集了不少人").facts.gathering == 0


def test_a_failing_that_led_to_the_harm_does_not_negate_it(reader: FactReader):
    assert read(reader, "5名游客在景区未开放区域迷路被困").facts.trapped
    assert read(reader, "一名工人未戴安全帽被砸伤").facts.injured == 1
    assert not read(reader, "现场未有人员被困").facts.trapped


def test_members_counted_with_号_gather(reader: FactReader):
    assert read(reader, "健身房门口围了一百来号会员，等老板出来给个说法").facts.gathering == 100


def test_taken_into_hospital_in_other_words(reader: FactReader):
    assert read(reader, "一家三口烧炭中毒进医院了，烧炭一定要开窗").facts.injured == 3
    f = read(reader, "一户居民烧炭取暖发生一氧化碳中毒，三人经救治已脱离生命危险。").facts
    assert f.injured == 3
    assert read(reader, "进医院看病要排三个小时，挂号太难了").facts.injured == 0


def test_carried_to_an_ambulance_from_a_crowd_is_hurt(reader: FactReader):
    assert read(reader, "河坊街这边刚才太挤了，至少三个人被抬上救护车，警察在拉人墙分流").facts.injured == 3


def test_a_crowd_that_came_to_a_door_gathers(reader: FactReader):
    assert read(reader, "今天基金小镇门口来了一百来号人，都是买了那家公司理财的").facts.gathering == 100
    assert read(reader, "快递来了好几个，明天再取").facts.gathering == 0


@pytest.mark.parametrize("text", ["经连续搜救，于当晚20时许被找到，已无生命体征。", "刚听说那个男孩找到了，人已经没了……"])
def test_a_death_told_without_the_word(reader: FactReader, text: str):
    assert read(reader, text).facts.deaths == 1


def test_no_interest_left_is_no_death(reader: FactReader):
    assert read(reader, "看完这个通知，人没了兴趣").facts.deaths == 0


@pytest.mark.parametrize("text", ["来电人建议今后大型活动散场时分批疏散，增设引导人员。", "希望下次提前疏散人群"])
def test_a_suggestion_to_evacuate_next_time_is_no_evacuation(reader: FactReader, text: str):
    assert not read(reader, text).facts.evacuated


def test_an_evacuation_that_happened_still_counts(reader: FactReader):
    assert read(reader, "消防到场后疏散了整栋楼的居民").facts.evacuated


def test_people_struck_or_beaten_are_hurt(reader: FactReader):
    assert read(reader, "雨棚上的花盆被风吹落，砸到两名路人，一人满头是血").facts.injured == 2
    assert read(reader, "夜宵摊两拨人吵起来，四个人被打伤").facts.injured == 4
    assert read(reader, "树枝掉下来砸到一辆电动车").facts.injured == 0


def test_a_bang_beside_what_an_explosion_leaves_is_one(reader: FactReader):
    assert read(reader, "楼下小吃店砰的一声，窗户玻璃全碎了，往外冒黑烟").facts.explosion
    assert read(reader, "隔壁饭店砰的一声，卷帘门都被掀飞了，一股液化气味").facts.explosion
    assert not read(reader, "邻居关门砰的一声，吓我一跳").facts.explosion


def test_a_structure_that_fell_is_a_collapse_a_tree_is_not(reader: FactReader):
    assert read(reader, "工地的脚手架倒下来了，压住了两辆车").facts.collapse
    assert not read(reader, "路边那棵大树倒了，挡住半条路").facts.collapse


def test_went_down_and_did_not_come_up_is_trapped(reader: FactReader):
    assert read(reader, "一名工人下到窨井里清淤，半天没上来").facts.trapped
    assert not read(reader, "爬到六楼就喘得上不来气").facts.trapped


def test_lives_counted_as_lives_are_deaths(reader: FactReader):
    assert read(reader, "两条人命就这么没了，谁来负责").facts.deaths == 2
    assert read(reader, "守护每一条生命安全").facts.deaths == 0


@pytest.mark.parametrize("text", [
    "包工头拖欠30余名工人去年7月以来工资共计约80万元，多次讨要未果。目前工人们在工地门口聚集。",
    "勤丰路这个工地，我们三十余名工人干了大半年，包工头一分钱没结，今天大家都到工地门口拉横幅了",
    "人越来越多了，我数了一下有三十余名工人，都是同一家服装加工厂的，老板跑路了 #讨薪#",
])
def test_a_gathering_counts_the_people_the_item_named_before_it(reader: FactReader, text):
    assert reader.read(text).facts.gathering >= 30


def test_a_gathering_does_not_take_a_count_told_of_something_else(reader: FactReader):
    # the injured keep their own count; a queue of cars after a crowd's phones is no crowd of 120
    assert reader.read("3名工人受伤送医，家属在门口聚集").facts.gathering == 0
    assert reader.read("现场不少市民游客举着手机记录。散场后网约车排队120位，打不到车").facts.gathering < 30


def test_a_drill_reports_what_was_acted_out(reader: FactReader):
    f = reader.read("湖滨街道联合消防救援大队在湖滨步行街开展商圈消防应急疏散演练，模拟商铺起火后的报警、初期扑救和人员疏散，"
                    "200余名商户参加。").facts
    assert not f.evacuated and f.gathering == 0
    # something real during a drill still happened
    assert reader.read("消防演练中一名队员从梯子上摔下，另有3人受伤送医。").facts.injured == 3


def test_a_refuted_claim_that_only_names_the_case_withdraws_none_of_its_facts(reader: FactReader):
    r = reader.read("辟谣 近日网传“龙翔桥持刀伤人案有同伙在逃”，经核实系谣言。嫌疑人李某系个人作案，已被刑事拘留。")
    assert r.facts.refuted and "all" not in r.refuted_kinds and "injured" not in r.refuted_kinds
    # a quoted claim of a death withdraws the death
    assert "deaths" in reader.read("近日网传“四季青发生火灾，3人死亡”，经核实系谣言。").refuted_kinds
    # a bare refutation withdraws everything
    assert "all" in reader.read("系谣言，请勿传播").refuted_kinds


def test_a_family_of_three_ill_at_hospital_are_hospitalised(reader: FactReader):
    f = reader.read("端午买的肉粽，吃完一家三口都上吐下泻，半夜挂急诊，现在都在医院挂水😭").facts
    assert f.ill == 3 and f.injured == 3


def test_people_counted_on_a_scene_without_a_gathering_word_are_a_crowd(reader: FactReader):
    f = reader.read("//@档口小妹: 现在人越来越多，估计上百人了，管理处门口堵得水泄不通，警察也来了").facts
    assert f.gathering == 0 and f.crowd == 100
    assert reader.read("上百人在网上转发了这条消息").facts.crowd == 0


def test_a_crowd_counted_just_before_its_gathering_word_is_its_size(reader: FactReader):
    f = reader.read("现在三十余人了，都堵在项目部门口，警察也来了//@钢筋哥老王: 七堡这个工地，我们十几个工人干了一年拿不到钱").facts
    assert f.gathering == 30


def test_a_driver_trapped_in_the_car_is_trapped_a_car_stuck_is_not():
    assert read_facts("路面塌陷，一辆小车掉进坑里，司机被困车内").facts.trapped
    assert not read_facts("暴雨中多辆被困车辆在下穿通道熄火").facts.trapped


def test_a_bare_count_only_a_quoted_claim_gave_is_denied_with_its_kind(reader):
    # the title quotes the rumour (致人死亡, no number); the statement says 无人员伤亡
    out = read(reader, "关于“某小区燃气爆炸致人死亡”的情况说明\n经核实，系一辆电动自行车电池起火，无爆炸发生，无人员伤亡。网传系不实信息。")
    assert out.facts.refuted and out.facts.deaths == 0 and not out.facts.explosion
    # a number the statement gives itself stands (并非持刀伤人 leaves 一人受伤 stated)
    out = read(reader, "网传“有人持刀砍人”不实，经查系两人口角引发推搡，1人轻微擦伤，无人员死亡。")
    assert out.facts.injured == 1


def test_a_fabricated_claim_is_a_refuted_one(reader):
    out = read(reader, "【警情通报】网民李某编造“景区玻璃栈道坍塌死人”信息并发布，已被依法行政拘留5日。")
    assert out.facts.refuted and out.facts.deaths == 0 and not out.facts.collapse


def test_a_refuted_flag_is_asserted_nowhere_in_the_statement(reader):
    # the title refutes the blast; the body quotes the caption again (配以“…爆炸”文字)
    out = read(reader, "编造“东站爆炸”谣言 一男子被行政拘留\n经查，网民陈某将外地旧视频配以“杭州东站爆炸”文字发布，公安机关依法对其行政拘留5日。")
    assert out.facts.refuted and not out.facts.explosion


def test_a_statement_calling_what_was_spread_untrue_withdraws_the_claim(reader):
    out = read(reader, "关于网传“某小区自来水污染”的说明\n针对网传“某小区自来水污染致多人住院”一事，经检测水质达标，未发现相关就诊病例。网传信息不实，请居民放心用水，不信谣、不传谣。")
    assert out.facts.refuted and "claim" in out.refuted_kinds
    # a statement that gives facts of its own withdraws only what it denies
    out = read(reader, "网传“某小区燃气爆炸致3人死亡”不实。经核实，系厨房燃气闪爆，造成1人受伤。")
    assert out.facts.injured == 1 and "claim" not in out.refuted_kinds


def test_no_need_to_evacuate_is_no_evacuation(reader):
    assert not read(reader, "燃气公司已完成关阀和更换，未发生火情，周边商户正常营业，无需疏散人员，无人员伤亡。").facts.evacuated
    assert read(reader, "小区紧急疏散了两百多名居民").facts.evacuated
    # 无需 before other words negates nothing (无需预约 is no denial of what follows it)
    assert read(reader, "无需担心，三名伤者已送医").facts.injured == 3
