"""Gazetteer: longest match, zones, look-alikes, foreign-only items (own sentences only)."""
from pathlib import Path

import pytest
import yaml

from pipeline.places import Gazetteer, PlacesConfig
from yuqing.config.district import District

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    with open(ROOT / "config" / "district.yaml", encoding="utf-8") as f:
        d = District.model_validate(yaml.safe_load(f))
    return Gazetteer.default(d)


def names(r):
    return [p.name for p in r.places]


def test_longest_match_zhanongkou_is_not_nongkou(gaz):
    r = gaz.find("闸弄口一家养老院护工不足")
    assert names(r) == ["闸弄口"]
    assert r.places[0].unit == "闸弄口街道"
    r = gaz.find("笕桥街道弄口那边的菜场")
    assert "弄口" in names(r)


def test_zone_before_street(gaz):
    r = gaz.find("杭州东站出站口排长队")
    assert r.places[0].unit == "东站枢纽管委会" and r.places[0].unit_kind == "zone"
    r = gaz.find("城站广场有人打架")
    assert r.places[0].unit == "城站广场管委会"


def test_unit_own_name_places_there(gaz):
    r = gaz.find("南星街道今天开展防汛检查")
    assert names(r) == ["南星街道"] and r.places[0].unit == "南星街道"
    assert "地点 南星街道 → 南星街道" in r.reasons


def test_district_name_alone_is_no_place(gaz):
    r = gaz.find("上城区发布冬季供暖提示")
    assert r.places == [] and not r.not_ours


def test_same_name_elsewhere_rejected(gaz):
    r = gaz.find("上海凯旋路新开了一家咖啡店")
    assert r.places == [] and r.not_ours
    assert any("上海凯旋路" in x for x in r.rejected)
    r = gaz.find("北京复兴路堵成一片")
    assert r.places == [] and "北京" in r.foreign


def test_arc_de_triomphe_is_not_kaixuan_road(gaz):
    for text in ("巴黎凯旋门夜景太美了", "巴黎凱旋門登頂攻略", "凯旋门下拍照"):
        r = gaz.find(text)
        assert r.places == [], text
        assert r.not_ours, text
    assert "排除 巴黎凯旋门（外地地名）" in gaz.find("巴黎凯旋门夜景").reasons


def test_person_named_like_a_place(gaz):
    r = gaz.find("七旬退休教师丁兰坚持义务教书法十年")
    assert r.places == [] and any("教师丁兰" in x for x in r.rejected)
    r = gaz.find("王丁兰今天去菜场买菜")
    assert r.places == []
    r = gaz.find("王南星老师说这事不归他管")
    assert r.places == []
    # the place itself still counts
    assert names(gaz.find("丁兰附近的小区停水了")) == ["丁兰"]


def test_foreign_only_not_ours_but_mixed_is_ours(gaz):
    assert gaz.find("滨江区长河路积水严重").not_ours
    r = gaz.find("从萧山回来，望江路也淹了")
    assert names(r) == ["望江路"] and not r.not_ours


def test_dedup_and_order(gaz):
    r = gaz.find("凯旋路与庆春东路交叉口，凯旋路上又堵了")
    assert names(r) == ["凯旋路", "庆春东路"]


def test_robust_inputs(gaz):
    assert gaz.find("").places == []
    assert gaz.find(None).places == []
    assert gaz.find("😀🔥" * 1000).places == []
    big = ("今天天气不错。" * 20000) + "湖滨步行街"
    assert names(gaz.find(big * 5)) == ["湖滨步行街"]


def test_config_is_strict():
    with pytest.raises(Exception):
        PlacesConfig.model_validate({"unknown_key": 1})
    with pytest.raises(Exception):
        PlacesConfig.model_validate({"char_variants": "濱"})


def test_a_road_named_after_another_city_in_the_same_run_is_elsewhere(gaz):
    r = gaz.find("西安市莲湖区一小学门口大学路上发生拥堵")
    assert r.places == [] and "西安" in r.foreign_admin[0]


def test_a_journey_to_or_from_another_city_sets_no_scene(gaz):
    r = gaz.find("刚从南京回来，大学路又堵了")
    assert names(r) == ["大学路"] and r.foreign_admin == []


def test_the_national_gazetteer_knows_counties_and_keeps_our_city_home(gaz):
    assert "杨浦区" in gaz.find("杨浦区一路口发生交通事故").foreign_admin
    r = gaz.find("杭州大学路一家店")
    assert names(r) == ["大学路"] and r.home_context and r.foreign_admin == []
    assert gaz.find("城区交通拥堵").foreign_admin == []          # an ordinary word, not a county


def test_a_surname_after_a_kinship_word_or_before_an_age_is_a_person(gaz):
    assert gaz.find("我外婆李景芳一个人住").places == []
    assert gaz.find("老人叫李景芳，今年八十二岁").places == []
    assert gaz.find("李景芳82岁，独居").places == []
    assert gaz.find("街道已恢复对刘丁兰老人的送餐服务").places == []     # … or before 老人
    assert names(gaz.find("景芳三区的电梯坏了")) == ["景芳"]


def test_generic_street_names_are_marked(gaz):
    hits = {p.name: p.generic for p in gaz.find("大学路和湖滨步行街都很堵").places}
    assert hits == {"大学路": True, "湖滨步行街": False}


def test_our_city_named_beside_another_city_but_before_no_place_of_ours_is_no_home(gaz):
    # the scene is the other city; our city is named only to say where things are fine
    r = gaz.find("广州市越秀区中山路一家健身房突然闭店，该品牌在杭州、苏州等地的门店照常营业。")
    assert "广州市" in r.foreign_admin and not r.home_context
    r = gaz.find("看到凯旋路起火吓我一跳，还以为是我们杭州这边，仔细一看是广州的")
    assert names(r) == ["凯旋路"] and r.places[0].generic and not r.home_context
    # our city right before a place of ours still scopes it
    r = gaz.find("从广州回来，杭州凯旋路一家健身房突然闭店")
    assert r.home_context and names(r) == ["凯旋路"]
    # our city with no other city named stays home context
    assert gaz.find("杭州这两天降温了").home_context


def test_a_landmark_shortened_to_its_distinctive_part_is_still_the_landmark(gaz):
    r = gaz.find("来福士那家健身房关门了")
    assert names(r) == ["来福士广场"] and r.places[0].unit == "四季青街道" and r.places[0].matched == "来福士"
    assert names(gaz.find("近江海鲜那边的摊位")) == ["近江海鲜市场"]
    # too short a rest stays unmatched: 白塔 alone is a common word
    assert "白塔公园" not in names(gaz.find("远处有座白塔"))


def test_an_account_named_after_a_place_speaks_for_it(gaz):
    assert gaz.account_place("九堡发布").name == "九堡"
    assert gaz.account_place("皋亭山景区").unit == "皋亭山景区建设管委会"
    # the district's own accounts name a unit short: 上城南星, 杭州上城采荷
    assert gaz.account_place("上城南星").unit == "南星街道"
    assert gaz.account_place("杭州上城采荷").unit == "采荷街道"
    # a person's handle that starts with a place is no account of that place, nor is the district's own
    assert gaz.account_place("九堡夜猫子") is None and gaz.account_place(None) is None
    assert gaz.account_place("上城发布") is None


def test_a_caller_named_in_a_hotline_record_is_a_person(gaz):
    # 12345 records name the caller: 来电人李景芳（女）, 来电人陈采荷反映
    assert gaz.find("来电人李景芳（女）反映：早市占道").places == []
    assert gaz.find("来电人陈采荷反映：小区垃圾堆积").places == []
    assert names(gaz.find("市民反映景芳三区垃圾堆积")) == ["景芳"]


def test_a_name_glued_to_a_place_of_another_street_is_that_places_part(gaz):
    # 弄口 is a place of 笕桥街道, but 小营巷弄口 is the mouth of the lane 小营巷
    assert names(gaz.find("就是小营巷弄口那栋老房子")) == ["小营巷"]
    assert names(gaz.find("弄口那边的老房子")) == ["弄口"]


def test_a_place_only_believed_to_be_the_scene_is_not_ours(gaz):
    r = gaz.find("吓我一跳，还以为是我们杭州的凯旋路，仔细一看是上海的 //@某号:上海凯旋路一居民楼发生燃气爆炸")
    assert r.places == [] and not r.home_context
    # without another city the belief says nothing about elsewhere
    assert names(gaz.find("还以为凯旋路的店关了，原来是装修")) == ["凯旋路"]


def test_a_flatmate_with_a_pseudonym_is_a_person(gaz):
    assert gaz.find("同屋的吴山（男生，化名）也被扣了押金").places == []


def test_names_in_a_news_byline_are_reporters(gaz):
    # （潮新闻记者 吴山 通讯员 陈雨）: 吴山 is a reporter, not the hill; the place is in the story
    r = gaz.find("（潮新闻记者 吴山 通讯员 陈雨）上城区小营巷一老旧小区综合改造工程自去年启动")
    assert names(r) == ["小营巷"]
    assert names(gaz.find("记者 吴山 报道：复兴路一店铺起火")) == ["复兴路"]
    # a parenthesis that tells something is no byline: its places count
    assert names(gaz.find("（记者在现场看到，吴山广场人很多）")) == ["吴山广场"]


def test_a_landmark_named_with_the_city_is_known_without_it(gaz):
    # 杭州东站 is 东站 in Hangzhou; 成都东站 stays Chengdu's
    assert [p.unit for p in gaz.find("东站现在什么情况？我的车也停运了").places] == ["东站枢纽管委会"]
    assert gaz.find("成都东站今天晚点严重").places == []


def test_a_name_every_city_has_is_generic(gaz):
    assert gaz.generic("市民中心") and not gaz.generic("钱江新城")


def test_a_city_in_the_opening_sentence_scopes_a_common_road_named_later(gaz):
    r = gaz.find("上海长宁一居民楼发生燃气爆炸。据上海市消防救援总队消息，21日上午10时许，长宁区一居民楼发生燃气爆炸。事发地位于凯旋路附近。")
    assert not r.places and r.not_ours
    # named later than the opening, or only as where someone travelled from, it does not
    assert [p.name for p in gaz.find("凯旋路一居民楼起火。我刚从上海回来，吓一跳").places] == ["凯旋路"]


def test_another_citys_authority_acting_later_in_the_item_makes_the_scene_theirs(gaz):
    r = gaz.find("5日晚，横塘一化工厂车间发生爆炸，造成2人受伤。苏州高新区应急管理局已介入调查。")
    assert not r.places and r.not_ours and any("苏州" in x for x in r.rejected)
    # ours named too (杭州), or the city only named as where someone came from: still ours
    assert names(gaz.find("杭州横塘一化工厂发生爆炸，苏州高新区应急管理局派人来学习")) == ["横塘"]
    assert names(gaz.find("横塘一化工厂发生爆炸。我刚从苏州回来")) == ["横塘"]
    # another city named, but no authority of it acting: the late naming alone does not decide
    assert names(gaz.find("凯旋路一居民楼起火。亲戚在上海，打电话来问")) == ["凯旋路"]


def test_the_scene_said_to_be_in_another_city_makes_it_theirs(gaz):
    r = gaz.find("一家人在横塘街道一餐馆聚餐后，12人陆续出现呕吐。记者了解到，事发地位于苏州市姑苏区。")
    assert not r.places and r.not_ours


def test_a_name_read_as_a_persons_once_is_that_person_again(gaz):
    # 我叫X (X a place name, a character after it): the same name said again is the person
    r = gaz.find("我叫采荷英，住在凯旋路。楼下饭店油烟熏人，采荷英已经打了三次电话了。")
    assert names(r) == ["凯旋路"]
    # a place name that is a surname and a given name's first character, before an age
    assert gaz.find("我是社区的丁兰芳，今年72岁，每天在食堂吃饭").places == []
    assert names(gaz.find("丁兰芳草地小区今年新装了电梯")) == ["丁兰"]


def test_the_district_named_only_to_be_denied_sets_no_home(gaz):
    r = gaz.find("临平区也有个叫三里亭的小区（不是上城那个哈），今晚电梯困了5个人")
    assert r.places == [] and not r.home_named and r.not_ours
    assert gaz.find("是上城那个三里亭，电梯困了人").home_named


def test_a_surname_after_benren_is_a_persons_name(gaz):
    assert gaz.find("本人刘采荷，11月在某直播间买了六盒鱼油，收到后发现批号查不到").places == []
