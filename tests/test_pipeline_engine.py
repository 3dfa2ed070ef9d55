"""The engine's event decisions: recomputed as items arrive, with reasons."""
from datetime import datetime, timedelta

import pytest

from tests.conftest import item
from yuqing.model import Item
from yuqing.timeutil import SHANGHAI


def feed(engine, *docs):
    return [engine.process(Item.model_validate(d)) for d in docs]


def test_second_street_moves_r3_to_r4(engine):
    d1, d2 = feed(engine, item("a", "凯旋路上好多共享单车乱停乱放，人行道都堵了"),
                  item("b", "庆春东路共享单车也乱停，跟凯旋路一样", when="2026-11-20T11:00:00+08:00"))
    assert d1.case.rule == "R3" and d1.case.first_responsible == "凯旋街道"
    assert d2.case.event_id == d1.case.event_id
    assert d2.case.rule == "R4" and d2.case.first_responsible == "区城管局"
    assert {"凯旋街道", "采荷街道"} <= set(d2.case.co_responsible)


def test_rising_casualties_make_an_emergency_and_start_clocks(engine):
    d1, d2 = feed(engine,
                  item("a", "大学路一小学好几个学生午饭后肚子疼", when="2026-11-20T12:30:00+08:00"),
                  item("b", "大学路一小学学生午餐后呕吐腹痛，已有12名学生送医", when="2026-11-20T15:00:00+08:00"))
    assert not d1.case.emergency and [c.kind for c in d1.case.clocks] == ["response"]
    assert d2.case.emergency and d2.case.severity == "重大"
    due = {c.kind: c.due_at for c in d2.case.clocks}
    assert set(due) == {"statement", "press_conference"}      # the 48-hour clock gives way
    # from the earliest publish time in the event, not from when it became an emergency
    assert due["statement"] == datetime(2026, 11, 20, 17, 30, tzinfo=SHANGHAI)
    assert due["press_conference"] == datetime(2026, 11, 21, 12, 30, tzinfo=SHANGHAI)


def test_late_detection_shows_as_already_late(engine):
    """An emergency first posted at 06:00 and seen at 12:00: its 5-hour clock started at 06:00 and is
    past due the moment the case opens (crawl delay buys no time)."""
    from yuqing.timeutil import ManualClock
    seen = datetime(2026, 11, 20, 12, 0, tzinfo=SHANGHAI)
    d = engine.process(Item.model_validate(item("a", "湖滨步行街一商铺起火，4人被困", when="2026-11-20T06:00:00+08:00")),
                       now=seen)
    statement = next(c for c in d.case.clocks if c.kind == "statement")
    assert statement.starts_at == datetime(2026, 11, 20, 6, 0, tzinfo=SHANGHAI)
    assert statement.due_at == datetime(2026, 11, 20, 11, 0, tzinfo=SHANGHAI)
    assert statement.due_at < seen                                  # already late when detected
    from dashboard.data import countdown
    assert countdown(statement.due_at, seen).startswith("已超时 1小时")


def test_a_case_that_is_no_emergency_gets_48_hours_from_its_first_post(engine):
    """国办发〔2016〕61号: every case not a major emergency is answered within 48 hours, counted from
    the event's earliest post however late the system saw it."""
    seen = datetime(2026, 11, 22, 9, 0, tzinfo=SHANGHAI)
    d = engine.process(Item.model_validate(item("a", "勤丰路小区垃圾三天没人清运，臭得窗都不敢开",
                                                when="2026-11-20T08:00:00+08:00")), now=seen)
    assert d.case.severity != "无" and not d.case.emergency
    (k,) = d.case.clocks
    assert k.kind == "response" and k.starts_at == datetime(2026, 11, 20, 8, 0, tzinfo=SHANGHAI)
    assert k.due_at == datetime(2026, 11, 22, 8, 0, tzinfo=SHANGHAI) < seen      # already late
    assert {"kind": "response", "due_at": "2026-11-22T08:00:00+08:00"}.items() <= d.to_json()["clocks"][0].items()
    assert any("48" in r for r in d.case.reasons)


def test_praise_has_no_clock(engine):
    (d,) = feed(engine, item("a", "点赞南星街道！小区门口的路灯修好了，晚上回家亮堂多了"))
    assert d.case.severity == "无" and d.case.clocks == []


def test_heat_raises_the_level_and_never_lowers_it(engine):
    """Heat lifts the case to 重大; a later item that reads calmer, or a stored item whose counts
    went down (reposts deleted), cannot bring it back down: a level never drops on its own."""
    hot = {"reposts": 6000, "comments": 3000, "likes": 2000, "views": 0}
    d1, d2, d3 = feed(engine,
                      item("a", "钱江新城一小区物业费暴涨六成，业主强烈不满", metrics=hot),
                      item("b", "钱江新城这个小区物业费的事，物业还是不回应", when="2026-11-20T12:00:00+08:00"),
                      item("c", "钱江新城小区物业费调整方案已公示，物业表示会听取业主意见",
                           when="2026-11-20T14:00:00+08:00"))
    assert d1.case.severity == "重大" and any("互动量" in r for r in d1.case.reasons)
    assert d2.case.severity == "重大" and d3.case.event_id == d1.case.event_id
    assert d3.case.severity == "重大"
    # the same level survives heat that is gone: take it out of the event's sum, decide again
    ev = engine.events[d1.case.event_id]
    ev.heat = 0
    case, _ = engine._decide(ev)
    assert case.severity == "重大"                 # held by the peak, not by the current heat


def test_refuted_claim_withdraws_the_emergency_with_a_reason(engine):
    d1, d2 = feed(engine, item("a", "城站广场有人被砍死了！地上全是血，好多警车"),
                  item("b", "经核实，城站广场系两人因琐事发生推搡，无人受伤，网传“有人被砍死”系谣言。",
                       source="平安上城", title="警情通报", when="2026-11-20T11:00:00+08:00"))
    assert d1.case.emergency
    assert not d2.case.emergency and d2.case.event_id == d1.case.event_id
    assert any("撤回" in r for r in d2.case.reasons)
    assert {"区公安分局", "区委宣传部"} <= set(d2.case.refer_to)


def test_official_statement_is_not_negative_and_praise_is_no_case(engine):
    d1, d2 = feed(engine,
                  item("a", "关于河坊街一商铺火情的情况通报：明火已扑灭，无人员伤亡。", source="上城发布"),
                  item("b", "区政务服务中心办事真快，工作人员态度很好，点赞！", when="2026-11-21T10:00:00+08:00"))
    assert not d1.analysis.negative and any("政府机构" in r or "官方" in r for r in d1.analysis.reasons)
    assert d2.case.severity == "无" and d2.case.first_responsible is None


def test_duplicate_content_joins_the_original_event(engine):
    d1, d2 = feed(engine, item("a", "丁兰勤丰路小区垃圾三天没人清运，臭气熏天"),
                  item("b", "丁兰勤丰路小区垃圾三天没人清运，臭气熏天", url="https://other.example/b"))
    assert d2.duplicate_of == "a" and d2.case.event_id == d1.case.event_id


def test_disabled_stage_is_skipped(cfg):
    from pipeline.engine import Engine
    import pytest
    e = Engine(cfg, stages={"category": None})
    assert "category" not in e.stages
    d = e.process(Item.model_validate(item("a", "凯旋路共享单车乱停")))
    assert d.analysis.category is None
    with pytest.raises(ValueError, match="unknown stage"):
        Engine(cfg, stages={"nonsense": 10})


def test_an_event_set_in_another_city_is_not_ours_though_its_road_has_our_name(engine):
    """The city in one item, the road in another: the event names another city and never ours."""
    d1, d2 = feed(engine, item("a", "大学路那边出车祸了，好多警车和救护车"),
                  item("b", "某市发生一起交通事故。事发地点位于大学路与一条支路交叉口，造成1人死亡。", title="陕西西安一路口车祸致1死",
                       source="中国新闻网", when="2026-11-20T11:00:00+08:00"))
    # the headline's city scopes the road of its body: the report is Xi'an's, whatever a post without
    # a city said an hour before (that post, with no other city named, stays ours)
    assert d2.case.severity == "无" and d2.case.first_responsible is None
    assert any("西安" in r for r in d2.analysis.reasons)
    assert d1.case.first_responsible is not None


def test_an_item_naming_the_district_stays_ours_though_it_names_a_country(engine):
    d, = feed(engine, item("a", "在上城一家美容工作室打了针，宣传说是韩国医生亲诊，结果脸肿了一周，这家店根本没有执业许可证"))
    assert d.case.severity != "无" and d.case.first_responsible is not None


def test_a_plain_consultation_is_no_case_but_one_with_a_problem_is(engine):
    ask, stuck = feed(engine,
                      item("q", "您好，想咨询一下灵活就业人员的社保缴费基数怎么申报？线上能办吗？谢谢。",
                           platform="gov_board", source="区政府网站留言板", title="咨询社保缴费基数申报"),
                      item("p", "您好，今年4月提交了优待证申请材料，至今两个多月没有任何消息，请问办到哪一步了？",
                           platform="gov_board", source="区政府网站留言板", title="关于优待证办理进度的咨询",
                           when="2026-11-22T10:00:00+08:00"))
    assert not ask.analysis.negative and ask.case.severity == "无"
    assert any("咨询" in r for r in ask.analysis.reasons)
    assert stuck.analysis.negative


def test_a_hotline_records_handling_part_does_not_make_the_caller_official(engine):
    (d,) = feed(engine, item("h", "【诉求类型】投诉【诉求内容】来电人反映：区政务服务中心窗口排队时间过长，要求改进。"
                                  "【承办单位】区审管办【办理结果】经核实，年底业务量增长，已增开窗口。",
                             platform="hotline", source="杭州12345", title="窗口排队时间过长"))
    assert d.analysis.negative and d.case.severity != "无"
    assert any("以后为承办单位的办理情况" in r for r in d.analysis.reasons)


def test_a_persons_post_naming_a_subsidy_is_no_announcement(engine):
    person, office = feed(engine,
                          item("p", "区里发的过年补贴细则只给规上企业员工每人500元，我们个体档口打工的就不算务工人员了？",
                               source="微博", author="卖衣服的小妹"),
                          item("o", "2027年春节留区过年务工人员补贴开始申领，每人500元。", source="上城发布",
                               author="上城发布", when="2026-11-25T10:00:00+08:00"))
    assert not any("发布新服务" in r for r in person.analysis.reasons)
    assert any("发布新服务" in r for r in office.analysis.reasons) and not office.analysis.negative


def test_criticism_of_a_named_document_is_about_the_policy(engine):
    (d,) = feed(engine, item("p", "《2027年春季学生午托服务实施细则》把午托对象限定为三年级以下，高年级家长怎么办？",
                             platform="gov_board", source="区政府网站留言板", title="对午托细则的意见"))
    assert d.analysis.about_policy and d.case.rule == "R1"


def test_a_complaint_at_one_spot_stays_apart_from_the_debate_on_the_scheme(engine):
    scheme, debate, spot = feed(
        engine,
        item("s", "区城管局新发的《餐厨垃圾收运收费办法》把小店收费翻了一倍，这是逼小店关门吗？", source="微博",
             author="小店老板"),
        item("d", "区里出的餐厨垃圾收费新办法，翻倍收费太离谱了，出台前问过商户吗？", source="微博", author="面馆阿姨",
             when="2026-11-20T15:00:00+08:00"),
        item("x", "【诉求类型】投诉【诉求内容】来电人反映：景芳某小区垃圾集置点三天没有清运，垃圾桶满溢，希望尽快处理。",
             platform="hotline", source="杭州12345", title="景芳某小区垃圾清运不及时", when="2026-11-21T09:00:00+08:00"))
    assert debate.case.event_id == scheme.case.event_id
    assert spot.case.event_id != scheme.case.event_id
    assert scheme.case.rule == "R1" and spot.case.rule == "R3"


def test_criticism_of_a_scheme_joins_the_notice_that_announced_it(engine):
    notice, crit = feed(
        engine,
        item("n", "区教育局牵头开展2027年暑期爱心托管服务，面向全区小学一至四年级学生，7月10日至8月5日开放，即日起报名。",
             platform="wechat", source="上城发布", author="上城发布", title="上城区2027年暑期爱心托管服务开始报名"),
        item("c", "区里出的暑期托管方案只托到8月5日，剩下半个月娃扔给谁？五六年级就不管了？#上城区暑期托管#",
             source="微博", author="双职工妈妈", when="2026-11-21T12:00:00+08:00"))
    assert crit.case.event_id == notice.case.event_id and crit.case.rule == "R1"


def test_an_emergencys_harm_is_an_accident_when_no_incident_category_is_named(engine):
    (d,) = feed(engine, item("g", "皋亭山景区登山台阶结冰，三名游客下山时滑倒受伤，已送医救治，景区未封闭步道。",
                             source="微博", author="爬山的人"))
    assert d.case.emergency and d.case.category == "安全生产与事故"
    assert "区应急管理局" in [d.case.first_responsible, *d.case.co_responsible]
    (p,) = feed(engine, item("f", "公司团餐吃完后二十多名员工腹泻呕吐，已送医救治。", source="微博", author="打工人",
                             when="2026-11-23T10:00:00+08:00"))
    assert p.case.category == "食品药品安全"


def test_a_report_of_a_controversy_is_negative_coverage(engine):
    (d,) = feed(engine, item("m", "区里新发的停车补贴办法把补贴标准下调一半，引发居民热议，不少人吐槽“缩水”太多。",
                             platform="news", source="钱江晚报", author="记者 王某",
                             title="停车补贴“缩水”？新办法引发热议"))
    assert d.analysis.negative and d.case.severity in ("重大", "特别重大")


def test_saying_it_is_the_same_supplier_joins_an_incident_across_streets(engine):
    a, b = feed(engine,
                item("a", "钱江新城我们公司中午的团餐有问题吧？吃完一个小时，办公室好几个人腹泻呕吐", source="微博",
                     author="白领甲"),
                item("b", "彭埠这边我们厂也是同一家配餐公司送的饭，现在一堆人腹泻呕吐", source="微博", author="工人乙",
                     when="2026-11-20T12:30:00+08:00"))
    assert b.case.event_id == a.case.event_id and b.case.rule == "R4"


def test_a_boards_notice_of_a_scheme_does_not_join_an_accident_on_its_subject(engine):
    acc, notice = feed(
        engine,
        item("a", "采荷路一小区电梯突然下坠，三名居民被困轿厢受伤，已送医。", source="微博", author="居民丙"),
        item("n", "我局起草了《既有住宅加装电梯补助办法（征求意见稿）》，现向社会公开征求意见，欢迎提出意见建议。",
             platform="gov_board", source="区政府网站", author="区住房和城市建设局",
             title="关于《既有住宅加装电梯补助办法（征求意见稿）》公开征求意见的公告", when="2026-11-22T09:00:00+08:00"))
    assert notice.case.event_id != acc.case.event_id


def test_a_persons_thanks_days_later_closes_their_own_thread(engine):
    first, thanks = feed(
        engine,
        item("w", "东站边上那个项目三十多个工友拉着横幅在项目部门口讨工钱，干了大半年就拿过两次生活费", source="微博",
             author="钢筋工老何"),
        item("t", "到账了，拿了八成，剩下的说元旦前结清。谢谢帮忙转发的网友。", source="微博", author="钢筋工老何",
             when="2026-11-23T12:00:00+08:00"))
    assert thanks.case.event_id == first.case.event_id and thanks.case.emergency


def test_a_repost_chain_joins_the_post_it_carries(engine):
    orig, rep = feed(
        engine,
        item("o", "望江路这家健身房突然关门了，老板电话打不通，我们一百多个会员的卡都没退", source="微博", author="撸铁小王"),
        item("r", "转发微博 太坑了 //@撸铁小王:望江路这家健身房突然关门了", source="微博", author="路人甲",
             when="2026-11-24T10:00:00+08:00"))
    assert rep.case.event_id == orig.case.event_id
    assert any("转发" in r for r in rep.grouping_reasons)


def test_a_name_the_event_read_as_another_citys_keeps_that_reading(engine):
    news, rep = feed(
        engine,
        item("n", "上海市长宁区凯旋路一居民楼今天傍晚发生燃气爆炸，已致1人死亡、3人受伤。", source="杭州那些事",
             author="杭州那些事"),
        item("r", "转发微博：凯旋路这个太吓人了，祈福🙏 //@杭州那些事:上海市长宁区凯旋路一居民楼发生燃气爆炸",
             source="微博", author="路人丁", when="2026-11-20T10:30:00+08:00"))
    assert rep.case.event_id == news.case.event_id
    assert rep.case.first_responsible is None and rep.case.severity == "无" and not rep.case.emergency
    assert any("外地同名地点" in r for r in rep.case.reasons)


def test_a_refutation_joins_the_rumour_it_quotes_not_the_last_one_refuted(engine):
    r1, off1, r2, off2 = feed(
        engine,
        item("a", "内部消息！！笕桥那边一个化工厂爆炸了，听说死了好几个，新闻压着不报，转发扩散", source="微博", author="吃瓜甲"),
        item("b", "今日，有网民发布“笕桥化工厂爆炸死人”的信息。经核实，系企业消防演练，无人员伤亡，该信息不实。",
             source="上城公安", author="上城公安", title="警情通报", when="2026-11-20T13:00:00+08:00"),
        item("c", "转发扩散！！最近有辆白色面包车专门在小学门口抢小孩，已经丢了两个了，警察都不让说！！", source="微博",
             author="宝妈乙", when="2026-11-20T19:00:00+08:00"),
        item("d", "今日，有网民发布“白色面包车在小学门口抢小孩”的信息。经核实，近期未接到相关警情，该信息不实。",
             source="上城公安", author="上城公安", title="警情通报", when="2026-11-21T10:00:00+08:00"))
    assert off1.case.event_id == r1.case.event_id
    assert off2.case.event_id == r2.case.event_id != r1.case.event_id


def test_the_area_a_street_is_named_after_holds_the_spot_named_by_another_post(engine):
    a, b = feed(engine,
                item("a", "天城路那家健身房今天门上直接贴了“停业整顿”，我卡里还有两万的课没上，老板电话打不通", source="微博",
                     author="会员甲"),
                item("b", "闸弄口一健身房突然闭店，会员聚集门口讨说法，有人刚续了三年卡", platform="video", source="抖音",
                     author="本地视频号", when="2026-11-20T12:00:00+08:00"))
    assert b.case.event_id == a.case.event_id


def test_praise_beside_a_stated_problem_in_a_persons_post_is_sarcasm(engine):
    sarcasm, thanks = feed(
        engine,
        item("s", "给城管点个大大的赞👍 我家楼下那堆装修垃圾已经陪伴我们第四天了，还招来一群苍蝇朋友😊", source="微博",
             author="住户小郑"),
        item("t", "感谢大家！外公昨晚在江边被民警找到了，人没事，就是冻坏了，已经接回家了🙏 谢谢所有转发的朋友！",
             source="微博", author="寻人的小陈", when="2026-11-22T10:00:00+08:00"))
    assert sarcasm.analysis.negative and any("反讽" in r for r in sarcasm.analysis.reasons)
    assert not thanks.analysis.negative


def test_a_report_of_what_is_happening_now_days_after_an_incident_is_another_incident(engine):
    first, later = feed(
        engine,
        item("a", "刚刚景芳这边砰的一声巨响，整栋楼都在抖，楼下一家面馆的玻璃全碎了😱 #爆炸#", source="微博", author="居民甲"),
        item("b", "景芳这边刚刚又一声巨响！小饭馆的门窗玻璃碎了一地，应该是煤气罐炸了😱", source="微博", author="居民乙",
             when="2026-11-25T21:00:00+08:00"))
    assert later.case.event_id != first.case.event_id
    assert any("新发生的事故" in r for r in later.grouping_reasons)


def test_a_consultation_stays_one_whatever_circumstance_it_mentions_and_the_form_is_no_complaint(engine):
    ask, call = feed(
        engine,
        item("k", "您好，孩子今年9月上一年级，想咨询一下：房产证还没办下来，用购房合同报名可以吗？谢谢！",
             platform="gov_board", source="区政府网站留言板", title="咨询：一年级新生报名需要准备哪些材料？"),
        item("h", "【工单编号】X-0390【诉求类型】咨询【诉求内容】来电人咨询：高温天气户外施工是否有停工时段规定？高温津贴怎么发放？",
             platform="hotline", source="杭州12345", title="咨询高温期间户外作业规定", when="2026-11-22T10:00:00+08:00"))
    assert not ask.analysis.negative and not call.analysis.negative


def test_a_common_word_in_quotes_names_nothing_and_a_scheme_spans_the_places_it_rezones(engine):
    school, other = feed(
        engine,
        item("s", "采荷这边暑托班十几个孩子腹泻呕吐，#食品安全# 到底谁来管", source="微博", author="家长甲"),
        item("o", "今天点的凉面吃到一半发现一条虫子🤮 商家电话永远占线，这种天气食品安全到底有没有人管", source="微博",
             author="加班狗", when="2026-11-21T12:40:00+08:00"))
    assert other.case.event_id != school.case.event_id
    plan, a, b = feed(
        engine,
        item("p", "区教育局发布《2027年学区划分方案（征求意见稿）》，现公开征求意见。", source="上城发布", author="上城发布",
             when="2026-11-25T09:00:00+08:00"),
        item("a", "看了学区划分征求意见稿，景芳这边几个小区被划出原来的对口小学了？？孩子上学怎么办😤", source="微博",
             author="家长乙", when="2026-11-25T20:00:00+08:00"),
        item("b", "学区划分征求意见稿出来了，采荷片区三个小区的对口学校也变了，二胎家庭怎么办？", platform="forum",
             source="19楼", author="家长丙", when="2026-11-26T12:00:00+08:00"))
    assert a.case.event_id == plan.case.event_id == b.case.event_id


def test_a_scheme_is_answered_by_the_department_that_drafted_it(engine):
    notice, crit = feed(
        engine,
        item("n", "为预防电动自行车火灾，区应急管理局牵头起草的《上城区电动自行车停放充电安全管理规定》将于8月15日起施行，"
                  "禁止电动自行车进入楼道充电，违者罚款。", platform="wechat", source="上城发布", author="上城发布",
             title="《上城区电动自行车停放充电安全管理规定》8月15日起施行"),
        item("c", "区里出的电动车停放充电新规，进楼罚款500？小区就10个充电桩，300多辆车，让我们去哪充？", source="微博",
             author="爬六楼的社畜", when="2026-11-20T21:00:00+08:00"))
    assert notice.analysis.policy_author == "区应急管理局"
    assert crit.case.event_id == notice.case.event_id
    assert crit.case.rule == "R1" and crit.case.first_responsible == "区应急管理局"


def test_the_drafter_is_read_with_an_adverb_between_it_and_its_act(engine):
    (d,) = feed(engine, item("l", "区长您好，区住建局近期发布的公租房申请新办法，把社保缴纳年限从1年提高到5年，建议调整。",
                             platform="gov_board", source="区长信箱", title="对公租房申请新规社保年限要求的意见"))
    assert d.analysis.policy_author == "区住房和城市建设局" and d.case.first_responsible == "区住房和城市建设局"


def test_colloquial_outrage_at_a_scheme_is_a_complaint(engine):
    (d,) = feed(engine, item("o", "#学区划分# 意见稿这么大调整，只给10天征求意见？测算依据一个字都没有，家长们都炸了",
                             source="微博", author="二宝爸"))
    assert d.analysis.negative


def test_a_hotline_record_that_declares_a_consultation_is_no_case_whatever_its_tone(engine):
    (c,) = feed(engine, item("c", "【工单编号】X-1【诉求类型】咨询【诉求内容】来电人咨询：本人在笕桥租房，孩子明年读初中，"
                                  "外地户籍入学要交哪些证明，什么时候报名。【承办单位】区教育局【办理结果】已告知。",
                             platform="hotline", source="杭州12345"))
    assert not c.analysis.negative and c.case.severity == "无"
    # … while a consultation that says it was passed around complains
    (d,) = feed(engine, item("d", "【诉求类型】咨询【诉求内容】来电人咨询补办证件的事，已经跑了好几趟，窗口一直推诿。",
                             platform="hotline", source="杭州12345", when="2026-11-21T10:00:00+08:00"))
    assert d.analysis.negative


def test_sarcastic_praise_of_a_long_wait_is_a_complaint(engine):
    (s,) = feed(engine, item("s", "带老人去社区卫生服务中心配药，排了两个多小时，这效率真是感人👍", author="排队的阿明"))
    assert s.analysis.negative


def test_a_policy_changed_without_notice_is_complained_of(engine):
    (p,) = feed(engine, item("p", "区民政局新出台的《上城区居家养老服务补贴实施细则》把每月补贴砍了一半，"
                                  "政策说改就改，之前怎么不征求意见？", author="退休老王"))
    assert p.analysis.negative and p.case.first_responsible == "区民政局"


def test_a_departments_account_named_for_the_district_answers_as_the_department(engine):
    q, r = feed(engine,
                item("q", "社区卫生服务中心打流感疫苗要排一上午，能不能多开几个接种窗口？", author="带娃的小李"),
                item("r", "【回复】近期接种需求较多，我区各社区卫生服务中心周末增开接种门诊，请预约后错峰前往。",
                     source="健康上城", when="2026-11-20T18:00:00+08:00"))
    assert r.analysis.official and not r.analysis.negative
    assert r.case.event_id == q.case.event_id


def test_an_occasion_two_posts_both_name_does_not_make_them_one_event(engine):
    a, b = feed(engine,
                item("a", "#双十一# 快递网点包裹堆上人行道，走路都要绕", author="路人乙"),
                item("b", "双十一在一家装修公司交了定金，现在老板联系不上了", author="业主丙",
                     when="2026-11-20T14:00:00+08:00"))
    assert a.case.event_id != b.case.event_id


def test_an_item_whose_only_district_name_is_a_persons_is_not_the_districts(engine):
    (a,) = feed(engine, item("a", "主播李景芳直播间卖的“进口”燕窝被扒出是贴牌货，评论区已经沦陷了，退款都找不到人",
                             author="吃瓜群众"))
    assert a.analysis.negative and a.case.severity == "无" and a.case.first_responsible is None
    # a letter to the district's own channel is the district's, whoever it names
    (b,) = feed(engine, item("b", "来电人李景芳反映：小区门口垃圾三天没人清运，臭味很大。", platform="hotline",
                             source="杭州12345", when="2026-11-21T10:00:00+08:00"))
    assert b.case.severity != "无"


def test_a_school_zoning_scheme_is_no_news_of_an_outbreak_at_a_school_of_that_street(engine):
    a, b = feed(engine,
                item("a", "采荷这边一所小学好多孩子呕吐发烧，老师说一个班接走了七八个，家长群都在问怎么回事",
                     author="采荷家长"),
                item("b", "区教育局公示的小学施教区划分方案，把我们采荷的小区从原来的小学划出去了，公示就7天，"
                          "家长们都很有意见", author="另一位家长", when="2026-11-22T10:00:00+08:00"))
    assert b.case.event_id != a.case.event_id


def test_a_service_centres_account_speaks_for_the_government(engine):
    (a,) = feed(engine, item("a", "您好，经核查，昨日下午因系统升级导致部分材料上传异常，目前已恢复正常。",
                             source="上城区行政服务中心"))
    assert a.analysis.official and not a.analysis.negative


def test_a_complaint_that_points_back_at_the_fire_joins_it(engine):
    a, b = feed(engine,
                item("a", "笕桥一小区阳台起火了！烟花窜进阳台，火好大，消防车来了好几辆", author="笕桥居民甲"),
                item("b", "笕桥这一片除夕夜放到凌晨两点，禁放的牌子就在门口，一个管的人都没有。昨晚那场火要不是邻居跑得快"
                          "后果不堪设想，禁放到底有没有人执法？", platform="forum", source="19楼", author="老笕桥",
                     when="2026-11-20T20:00:00+08:00"))
    assert b.case.event_id == a.case.event_id
    assert "社会治安" in b.analysis.categories


def test_a_caller_with_no_other_request_only_asks(engine):
    (c,) = feed(engine, item("c", "来电人咨询：其医保卡遗失，想在春节前补办，询问哪里可以即时制卡、需要带哪些材料。来电人无其他诉求。",
                             platform="hotline", source="杭州12345", title="咨询医保卡补办事宜"))
    assert not c.analysis.negative and c.case.severity == "无"


def test_a_complaint_about_the_districts_voucher_rules_goes_to_its_owner(engine):
    (v,) = feed(engine, item("v", "#上城新春消费券# 10点开抢，10点00分05秒就显示已抢完？这规则谁定的，手速比赛吗",
                             author="抢券失败的人"))
    assert v.analysis.negative and v.case.rule == "R1" and v.case.first_responsible == "区商务局"


def test_a_suggestion_put_to_the_government_is_a_case_on_any_channel(engine):
    (s,) = feed(engine, item("s", "排了一晚上的路过😮‍💨 建议区里让社区卫生服务中心晚上也开儿科，不然大医院永远挤爆",
                             author="路过的家长"))
    assert s.analysis.negative and s.case.severity != "无"
    (t,) = feed(engine, item("t", "明天降温，建议大家出门多穿点，注意保暖", author="天气小助手",
                             when="2026-11-21T10:00:00+08:00"))
    assert not t.analysis.negative


def test_a_refutation_withdraws_the_level_the_rumours_topic_gave(engine):
    r, s = feed(engine,
                item("r", "据说上城区好几所小学要停课一周，出现新型流感了，内部消息，家里有孩子的注意！！转发扩散",
                     author="某群主"),
                item("s", "【辟谣】网传“上城区出现新型流感、多所小学停课”系不实信息，各中小学教学秩序正常。",
                     source="上城发布", when="2026-11-20T18:00:00+08:00"))
    assert r.case.severity == "较大"                 # students: while it circulates
    assert s.case.event_id == r.case.event_id and s.case.severity == "一般"


def test_a_refutation_leaves_the_level_of_a_real_complaint(engine):
    a, b = feed(engine,
                item("a", "望江路那所小学门口接送的车停满两边，孩子过马路太危险了，能不能管管", author="家长甲"),
                item("b", "【辟谣】网传“望江路小学门口发生车祸”系谣言，现场仅为接送车辆拥堵。", source="上城发布",
                     when="2026-11-20T18:00:00+08:00"))
    assert b.case.event_id == a.case.event_id and b.case.severity == "较大"


def test_people_hurt_in_a_crowd_are_an_accident_though_an_ambulance_is_named(engine):
    (a,) = feed(engine, item("a", "河坊街这边刚才太挤了，至少三个人被抬上救护车，警察在拉人墙分流 #元宵节", author="游客小周"))
    assert a.case.emergency and a.case.category == "安全生产与事故"


def test_a_relatives_post_a_week_after_the_accident_joins_it(engine):
    a, b = feed(engine,
                item("a", "【情况通报】丁兰街道丁桥区域某在建工地发生脚手架局部坍塌事故，造成1人死亡、2人受伤。",
                     source="上城发布"),
                item("b", "我哥在丁桥那个工地出事三天了，施工单位到现在不谈赔偿，劳务公司又说人不是他们的，求求大家帮帮我们",
                     platform="video", source="快手", author="工人家属", when="2026-11-23T20:00:00+08:00"))
    assert b.case.event_id == a.case.event_id and b.case.emergency


def test_a_drowning_and_a_burning_smell_in_one_place_are_two_matters(engine):
    a, b = feed(engine,
                item("a", "七堡江边一个初二男孩下江游泳没上来，找到时已无生命体征", author="江边路人"),
                item("b", "这几天晚上七堡这边总有一股焦糊的塑料味，家里人嗓子都不舒服，到底哪里在偷偷烧东西？",
                     author="七堡居民", when="2026-11-21T22:00:00+08:00"))
    assert b.case.event_id != a.case.event_id


def test_a_hotline_record_in_colon_fields_is_the_callers_complaint(engine):
    text = ("工单编号：X-2\n诉求类型：投诉\n来电人反映：九和路某快递驿站将大量包裹堆放在人行道上，影响通行。\n"
            "承办单位：九堡街道\n办理结果：已责令该驿站当日清理。")
    (c,) = feed(engine, item("c", text, platform="hotline", source="杭州12345", title="快递驿站包裹占用人行道"))
    assert not c.analysis.official and c.analysis.negative and c.case.first_responsible == "九堡街道"


def test_a_departments_account_named_for_its_work_is_official(engine):
    (a,) = feed(engine, item("a", "12月19日起，全区开展出租房消防安全隐患排查整治，重点整治电动自行车室内停放充电。",
                             source="上城应急管理", platform="wechat", title="全区开展出租房消防安全隐患大起底"))
    assert a.analysis.official and not a.analysis.negative


def test_a_colon_field_consultation_asks_and_a_question_about_this_leak_joins_it(engine):
    (c,) = feed(engine, item("c", "工单编号：X-3\n诉求类型：咨询\n来电人咨询：低保家庭是否有燃气费减免政策，如何申请。\n"
                                  "承办单位：区民政局\n办理结果：已告知。", platform="hotline", source="杭州12345",
                             title="低保家庭燃气费减免政策咨询"))
    assert not c.analysis.negative and c.case.severity == "无"
    a, b = feed(engine,
                item("a", "采荷这边一早燃气管道漏气，味道好重，消防和燃气公司都来了，整栋楼的人都被叫下楼了", author="早餐铺阿芬",
                     when="2026-11-22T07:15:00+08:00"),
                item("b", "去年老旧小区改造把外墙刷了，地下的老燃气管子一根没动，这次漏气是不是老管子的问题？",
                     platform="forum", source="19楼", author="老住户", when="2026-11-22T20:00:00+08:00"))
    assert a.case.emergency and b.case.event_id == a.case.event_id


def test_a_report_that_a_dispute_was_settled_is_good_news(engine):
    (n,) = feed(engine, item("n", "闸弄口街道一小区物业拟上调停车费引发业主不满，街道介入后三方协商，最终物业撤回调价并公开账目。",
                             platform="news", source="浙江新闻", title="“红色物业联盟”化解停车费纠纷"))
    assert not n.analysis.negative and n.case.severity == "无"


def test_outrage_in_a_parents_group_about_the_zoning_draft_is_a_complaint(engine):
    (p,) = feed(engine, item("p", "征求意见稿里我们几个小区被调去了新建的那所学校，一个家长群都炸了。新学校连师资都没配齐，凭啥？",
                             platform="forum", source="19楼", author="东新园家长", title="施教区征求意见稿里我们被划出去了？"))
    assert p.analysis.negative and p.case.first_responsible == "区教育局"


def test_a_persons_post_stating_a_problem_is_negative_whatever_its_tone(engine):
    (p,) = feed(engine, item("p", "区政府网站“政策文件”栏目，随手点了10个链接，6个是404😂 公开了个寂寞", author="路过的网友"))
    assert p.analysis.negative
    # an outlet's neutral report naming a problem word is not a person's complaint
    (n,) = feed(engine, item("n", "我区开展垃圾分类宣传周活动，倡导市民文明出行、不乱扔垃圾。", platform="news", source="杭州日报",
                             when="2026-11-21T10:00:00+08:00"))
    assert not n.analysis.negative


def test_a_complaint_about_how_a_scheme_was_drawn_is_r1_though_it_names_a_place(engine):
    (p,) = feed(engine, item("p", "区住建局刚公布的老旧小区综合改造计划，我们南肖埠这个90年代的老小区又不在里面。"
                                  "这个名单到底按什么标准定的？能不能把打分公开出来？", platform="forum", source="19楼",
                             author="南肖埠老住户", title="老旧小区改造名单出来了，南肖埠又没有？"))
    assert p.case.rule == "R1" and p.case.first_responsible == "区住房和城市建设局"


def test_a_departments_explanation_of_what_was_complained_of_joins_the_complaints(engine):
    a, b = feed(engine,
                item("a", "#上城消费券# 10点整准时点进去就显示已抢光？2000万的消费券是发给机器人的吧🙃", author="手慢无"),
                item("b", "关于消费券发放情况的说明：首轮2000万消费券10点开抢后1分钟内抢光，系参与人数远超预期。"
                          "系统已拦截异常账号1.2万个，第二轮将增加线上核销渠道。", source="上城商务", when="2026-11-21T11:00:00+08:00"))
    assert b.analysis.official and b.case.event_id == a.case.event_id


def test_a_reply_to_an_official_account_joins_the_statement_it_answers(engine):
    post, statement, reply = feed(
        engine,
        item("p", "城站广场出站口有人吵架动手了，一片混乱", author="夜归人"),
        item("s", "今晚城站广场出站口发生一起纠纷，涉事人员已被公安机关控制，现场秩序已恢复。",
             source="平安上城", author="平安上城", when="2026-11-20T11:30:00+08:00"),
        item("r", "回复@平安上城：出站口天天有人围着揽客，早该管了", author="老杭州", when="2026-11-20T14:00:00+08:00"))
    assert statement.case.event_id == post.case.event_id
    assert reply.case.event_id == post.case.event_id
    assert any("回复 @平安上城" in r or "转发 @平安上城" in r for r in reply.grouping_reasons)


def test_an_accident_is_no_follow_up_of_good_news_on_its_subject(engine):
    visit, death = feed(
        engine,
        item("v", "高温天，九堡街道工作人员走进辖区工地，为建筑工人送上绿豆汤和防暑药品，提醒落实高温作业时间调整。",
             source="九堡街道", author="九堡街道", platform="wechat"),
        item("d", "九堡一工地工人中午在高温下作业时晕倒，送医后抢救无效死亡，家属说工地从没调整过作业时间。",
             source="都市快报", author="都市快报", platform="news", when="2026-11-21T18:00:00+08:00"))
    assert death.case.event_id != visit.case.event_id
    assert death.case.emergency


def test_a_declared_consultation_is_no_case_though_its_field_says_reported(engine):
    (d,) = feed(engine, item("q", "诉求类型：咨询\n来电人反映：来电人咨询，其子女为随迁子女，目前在上城区一所初中就读初三，"
                                  "想了解在杭参加中考的条件和需要准备的材料。\n承办单位：区教育局",
                             platform="hotline", source="杭州12345"))
    assert not d.analysis.negative and d.case.severity == "无"


def test_an_outlets_good_news_is_no_follow_up_of_complaints_at_its_place(engine):
    jam, news = feed(
        engine,
        item("j", "河坊街这边堵死了，南宋御街进去了出不来，网约车二十分钟挪了三百米，交警在哪里？", author="吃货小九"),
        item("n", "假期里，清河坊的老字号门前排起长队，河坊街上的非遗手作摊位前围满了年轻人，“古街+夜游+非遗”让老城区焕发新活力。",
             title="老街焕新 烟火升腾：上城假期文旅消费火热", platform="news", source="浙江日报",
             when="2026-11-21T11:00:00+08:00"))
    assert news.case.event_id != jam.case.event_id
    assert news.case.severity == "无"


def test_a_notice_of_a_schedule_from_today_names_no_incident_of_that_day(engine):
    jam, notice = feed(
        engine,
        item("j", "钱江新城灯光秀散场后市民中心站挤爆了，地铁口排了半小时进不去", author="夜跑的人",
             when="2026-11-21T08:30:00+08:00"),
        item("n", "11月21日至30日每晚19:30、20:30各上演一场。建议市民游客乘坐地铁至市民中心站、江锦路站，观演时请听从现场工作人员指挥。",
             title="钱江新城灯光秀下旬演出安排来了", platform="wechat", source="上城发布", author="上城发布",
             when="2026-11-21T10:00:00+08:00"))
    assert not any("所指" in r for r in notice.grouping_reasons)


def test_a_comment_without_a_place_on_a_knife_attack_joins_it(engine):
    post, police, comment = feed(
        engine,
        item("p", "杭海路上有个男的拿刀乱挥，有人被砍伤了！！警察已经来了，大家绕开走", author="路人甲"),
        item("s", "【警情通报】11月20日10时许，九堡街道杭海路一男子持刀伤人，致三人受伤，伤者均已送医救治。犯罪嫌疑人已被当场控制。",
             source="平安上城", author="平安上城", when="2026-11-20T12:30:00+08:00"),
        item("c", "评论：就在我们公司楼下，那人拿着刀追着人跑，吓死了，希望伤者没事🙏", author="打工人",
             platform="video", when="2026-11-20T13:15:00+08:00"))
    assert police.case.event_id == post.case.event_id
    assert comment.case.event_id == post.case.event_id and comment.case.emergency


def test_a_departments_public_notice_on_the_board_is_no_case(engine):
    (d,) = feed(engine, item("n", "根据有关规定，现将白塔公园周边地块控制性详细规划局部调整方案予以公示，公示期30日。"
                                  "公众可通过书面、电子邮件等方式提出意见建议。",
                             title="白塔公园周边地块控规局部调整方案公示", platform="gov_board",
                             source="市规划和自然资源局上城分局", author=None))
    assert d.analysis.official and d.case.severity == "无"


def test_a_name_every_city_has_is_the_other_citys_when_only_it_is_named(engine):
    (d,) = feed(engine, item("y", "今天去鄞州的市民中心办社保卡，取号排了两个小时，窗口只开了三个。宁波的政务服务效率什么时候能提高？",
                             platform="forum", source="百度贴吧"))
    assert d.case.severity == "无" and d.case.first_responsible is None


def test_a_name_every_city_has_is_ours_when_no_other_city_is_named(engine):
    (h,) = feed(engine, item("h", "市民中心办事大厅排队两小时，窗口只开了三个，工作人员还在聊天"))
    assert h.case.first_responsible == "四季青街道"


@pytest.mark.parametrize("text, platform", [
    ("急！！我外公78岁，有阿尔茨海默症，今天下午3点在南宋御街走失，穿灰色夹克，有看到的朋友请联系我，万分感谢🙏 求扩散", "weibo"),
    ("今天带娃去皋塘的社区卫生服务站打疫苗，回家一看接种本，打的跟预约的不是一种！！问了护士说“都一样”😡", "weibo"),
    ("皋塘新交付的几个小区入住了上千户，学位不足，一年级新生被统筹到5公里外的小学，请问附近配套小学什么时候建？", "gov_board"),
])
def test_a_problem_told_without_complaint_words_is_a_case(engine, text, platform):
    (d,) = feed(engine, item("p", text, platform=platform))
    assert d.analysis.negative and d.case.severity != "无"


def test_thanks_for_finding_a_lost_grandfather_is_no_case(engine):
    (d,) = feed(engine, item("t", "感谢望江街道的社区工作人员和民警，帮我们在两个小时内找回了走失的爷爷🙏 好人一生平安！"))
    assert not d.analysis.negative


def test_social_assistance_is_no_matter_of_the_elderly_but_a_care_home_is(engine):
    dibao, care = feed(
        engine,
        item("d", "诉求类型：求助\n诉求内容：来电人称其因病失业，妻子残疾无收入，申请低保被告知家里有车不符合条件，希望街道重新核查。\n发生地址：上城区南星街道",
             platform="hotline", source="杭州12345"),
        item("c", "望江门一家养老院护工对老人大呼小叫，饭菜都是冷的，家属投诉了也没人理", when="2026-11-25T10:00:00+08:00"))
    assert dibao.case.severity == "一般"
    assert care.case.severity == "较大"


def test_a_queue_at_a_station_is_no_part_of_a_fight_there(engine):
    fight, queue = feed(
        engine,
        item("f", "城站广场刚刚打起来了，拉客的和几个旅客起冲突，三个人被打伤，警察和120都来了", author="路人"),
        item("q", "杭州站进站口排队排到城站广场外面去了，几千人顶着太阳排了一个多小时安检，就不能多开几个安检口吗？？",
             author="返程人", when="2026-11-21T18:20:00+08:00"))
    assert fight.case.emergency
    assert queue.case.event_id != fight.case.event_id and not queue.case.emergency


def test_a_happy_buyer_after_a_long_queue_is_no_complaint(engine):
    (d,) = feed(engine, item("b", "排了一个半小时终于买到了，蛋黄肉松的yyds😋 店员一直在维持排队秩序，服务挺好的"))
    assert not d.analysis.negative and d.case.severity == "无"


def test_refuting_a_side_rumour_keeps_the_deaths_an_authority_stated(engine):
    post, police, rumour, refute = feed(
        engine,
        item("p", "龙翔桥地铁站出口有人拿刀砍人！！！好多人在跑 大家别过来", author="湖滨逛吃"),
        item("s", "警情通报 11月20日10时许，湖滨街道龙翔桥附近发生一起持刀伤人案件，造成1人死亡、1人受伤。犯罪嫌疑人已被当场控制。",
             source="平安上城", author="平安上城", when="2026-11-20T12:00:00+08:00"),
        item("r", "网传龙翔桥那个凶手还有同伙在逃！！这两天大家别去湖滨那边了 转发扩散", author="吃瓜", when="2026-11-20T15:00:00+08:00"),
        item("f", "辟谣 近日网传“龙翔桥持刀伤人案有同伙在逃”，经核实系谣言。嫌疑人李某系个人作案，已被刑事拘留。",
             source="平安上城", author="平安上城", when="2026-11-20T18:00:00+08:00"))
    assert police.case.emergency
    assert refute.case.event_id == police.case.event_id and refute.case.emergency


def test_refuting_a_rumour_withdraws_what_only_the_rumour_said(engine):
    claim, refute = feed(
        engine,
        item("c", "网传四季青服装市场门口发生爆炸，死了两个人，大家别过去了！！转发扩散", author="吃瓜群众"),
        item("f", "近日网传“四季青服装市场门口发生爆炸”，经核实系谣言，现场系商户搬运时气球爆破，无人员伤亡。",
             source="平安上城", author="平安上城", when="2026-11-20T12:00:00+08:00"))
    assert claim.case.emergency
    assert refute.case.event_id == claim.case.event_id and not refute.case.emergency


def test_a_drill_is_no_part_of_a_real_flood_nor_a_warm_story_of_a_fire(engine):
    flood, drill = feed(
        engine,
        item("f", "望江街道这边小区积水到膝盖了，好几户老人被困在家里，消防正在转移", author="望江居民"),
        item("d", "6月12日，区防指在望江街道开展防汛防台综合应急演练，模拟强降雨导致低洼小区积水、群众被困等场景，演练转移安置群众200余人次。",
             title="上城区开展防汛防台综合应急演练", source="上城发布", author="上城发布", platform="wechat",
             when="2026-11-21T10:00:00+08:00"))
    assert flood.case.emergency
    assert drill.case.event_id != flood.case.event_id and drill.case.severity == "无"


def test_a_gathering_grows_with_the_crowd_counted_later(engine):
    first, later = feed(
        engine,
        item("a", "年后第一天开市，四季青服装市场数十名商户聚在管理处门口，说是租金突然涨了三成，没有任何提前通知😤", author="档口小妹"),
        item("b", "//@档口小妹: 现在人越来越多，估计上百人了，管理处门口堵得水泄不通，警察也来了", author="路过",
             when="2026-11-20T11:30:00+08:00"))
    assert not first.case.emergency
    assert later.case.event_id == first.case.event_id and later.case.emergency


def test_a_hotline_callback_joins_its_ticket(engine):
    call, back = feed(
        engine,
        item("c", "工单编号：HZ12345-20261120-0156 诉求类型：投诉 诉求内容：来电人称其在湖滨一餐馆打工，老板拖欠两个月工资，要求协调支付。"
                  "发生地址：上城区湖滨街道 承办单位：湖滨街道", platform="hotline", source="杭州12345"),
        item("b", "工单编号：HZ12345-20261120-0156（回访） 办理结果：经劳动保障监察调解，店家已付清拖欠工资，来电人表示满意。",
             platform="hotline", source="杭州12345", when="2026-11-28T10:00:00+08:00"))
    assert back.case.event_id == call.case.event_id
    assert any("同名 HZ12345-20261120-0156" in r for r in back.grouping_reasons)


def test_a_hotline_naming_only_the_street_of_its_address_joins_no_incident_there(engine):
    fire, call = feed(
        engine,
        item("f", "九堡街道一仓库起火，消防疏散周边200余人，现场浓烟滚滚", author="九堡人"),
        item("c", "来电人反映：九堡街道格畈附近某小区的垃圾桶已经连续三天没人清运，垃圾堆在单元门口发臭，要求尽快清运。",
             platform="hotline", source="杭州12345", when="2026-11-20T19:00:00+08:00"))
    assert fire.case.emergency
    assert call.case.event_id != fire.case.event_id and not call.case.emergency


def test_moving_residents_out_before_a_typhoon_is_an_evacuation(reader=None):
    from pipeline.facts import read_facts
    assert read_facts("为防御台风，南星街道对馒头山片区危旧房住户开展提前转移，共转移56人。").facts.evacuated
    assert read_facts("我们这片老房子全部被要求转移，住到临时安置点去").facts.evacuated


def test_a_consultation_near_a_fire_is_no_part_of_it(engine):
    fire, ask = feed(
        engine,
        item("f", "景芳这边一栋楼半夜着火了，楼道里电动自行车烧起来了，浓烟往外冒，楼里的人都被疏散到楼下了", author="景芳居民"),
        item("q", "请问景芳这边小区什么时候建电动自行车集中充电点？现在不让推进楼道了，想知道附近哪里可以充电，收费标准是多少？",
             title="咨询电动自行车集中充电点建设", platform="gov_board", source="区长信箱", author="张女士",
             when="2026-11-25T10:00:00+08:00"))
    assert fire.case.emergency
    assert ask.case.event_id != fire.case.event_id and not ask.case.emergency


def test_an_answer_to_what_was_raised_at_a_place_joins_the_complaint(engine):
    post, answer = feed(
        engine,
        item("p", "河坊街这家饮品店菜单上写18，结账扫了28，问就说价格刚调，菜单没来得及换😡", author="游客小王"),
        item("a", "针对网友反映的河坊街某饮品店价格问题，执法人员已现场核查，该店存在标价与结算价不一致行为，已立案调查并督促退还差价。",
             source="上城市场监管", author="上城市场监管", when="2026-11-21T16:00:00+08:00"))
    assert answer.case.event_id == post.case.event_id
