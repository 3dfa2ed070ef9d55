"""In-domain training text for the sentiment model, written for this project.

Every sentence is produced here from hand-written templates and word lists (no external text):
citizen complaints, hotline records, petition-board posts, incident news, rumours, requests for
help and everyday negative posts (label negative=True); official notices, incident bulletins,
refutations, replies to citizens, policy and progress notices, praise, neutral news, travel and
everyday positive posts (negative=False). Places are invented or generic; the generator is
deterministic (seeded), so `python -m pipeline.sentiment.corpus OUT.txt.gz` reproduces the file.
"""
from __future__ import annotations

import gzip
import random
import sys

# ---------------------------------------------------------------------------------------------
# word lists (written for this project)
ROADS = ["人民路", "解放路", "建设路", "和平路", "中山路", "新华路", "东风路", "长江路", "青年路",
         "光明路", "文化路", "胜利路", "朝阳路", "幸福路", "滨河路", "环城北路", "工人路", "学院路",
         "春晖路", "梅林路", "桂花路", "丰收路", "南湖大道", "北山街", "西溪路", "花园街", "紫荆路"]
PLACES = ["小区", "菜市场", "地铁站", "公交站", "学校门口", "医院门口", "商场", "步行街", "公园",
          "老街", "农贸市场", "广场", "社区", "路口", "高架桥下", "火车站", "汽车站", "写字楼",
          "夜市", "停车场", "体育馆", "图书馆", "幼儿园", "养老院", "工业园", "城中村", "安置房小区"]
COMPOUNDS = ["阳光花园", "锦绣家园", "幸福里", "翠苑小区", "金色港湾", "绿城花苑", "东方名苑",
             "和谐新村", "江南人家", "明月小区", "丽景苑", "桃源新村", "南苑三区", "望湖公寓"]
DEPTS = ["街道办", "社区居委会", "城管", "物业", "交警", "环保部门", "市场监管局", "住建局", "卫健委",
         "教育局", "人社局", "民政局", "派出所", "消防", "供电公司", "自来水公司", "燃气公司",
         "公交公司", "12345热线", "区政府"]
OFFICIAL_ACCOUNTS = ["发布", "区融媒体中心", "区应急管理局", "区公安分局", "区市场监管局", "区卫健委",
                     "区教育局", "区住建局", "区城管局", "区人社局", "区民政局", "街道办事处"]

COMPLAINT_PROBLEMS = [
    "路灯坏了", "下水道堵了", "垃圾没人清运", "电梯又坏了", "楼上天天漏水", "噪音吵得睡不着",
    "工地半夜还在施工", "停水三天了", "又停电了", "路面坑坑洼洼", "井盖丢了", "污水横流",
    "油烟直接排到居民楼", "广场舞音响太吵", "占道经营堵得走不了", "电动车乱停乱放",
    "违建一直没人拆", "臭味熏天", "蚊子苍蝇到处飞", "老鼠成灾", "暖气不热", "水管爆了",
    "围墙裂了好几道缝", "外墙瓷砖往下掉", "消防通道被堵死", "充电桩一直坏着", "公交车老是不来",
    "红绿灯坏了没人修", "共享单车堆成山", "渣土车撒了一路泥", "河道发黑发臭", "施工围挡占了半条路",
    "物业费乱涨价", "停车位被人霸占", "工资被拖欠", "押金退不回来", "预付卡老板跑路了",
    "快递站乱收费", "菜价缺斤少两", "餐馆卫生太差", "药店卖过期药", "学校乱收费",
    "医院排队几个小时", "网上办事系统老是崩", "社保转不过去", "公积金提取卡了几个月",
]
COMPLAINT_DURATION = ["一个星期了", "好几天了", "半个月了", "一个多月了", "快半年了", "三天了",
                      "整整两周了", "从上个月到现在", "一年多了", "每天都这样"]
COMPLAINT_REACTION = [
    "打了好几次电话都没人管", "投诉了也没用", "物业说不归他们管", "反映了多次一直没有下文",
    "问谁都在推诿", "根本没人来处理", "社区说在协调，结果还是老样子", "热线说转给相关部门了就没消息了",
    "工作人员态度还特别差", "说好的三天修好到现在也没动静", "一拖再拖", "踢皮球踢到现在",
]
COMPLAINT_END = [
    "到底有没有人管？", "还让不让人过日子了！", "太气人了", "真的受够了", "希望有关部门管一管",
    "请相关部门尽快处理", "老百姓到底该找谁？", "这合理吗？", "简直离谱", "无语了", "心累",
    "真是服了", "求曝光", "强烈要求给个说法", "难道要等出了事才管吗？", "忍无可忍",
    "什么时候是个头", "大家评评理", "这样下去迟早出事", "太让人失望了",
]
NEG_EMO = ["😡", "😤", "😭", "🙄", "😱", "😰", "😩", "💢", "", "", "", "！！", "？？", "……"]

INCIDENTS = [
    ("发生火灾", "浓烟滚滚"), ("发生一起交通事故", "一辆货车与电动车相撞"), ("燃气泄漏", "现场气味刺鼻"),
    ("发生爆炸", "附近居民窗户玻璃被震碎"), ("一栋老房子倒塌", "砖瓦散落一地"), ("围墙倒塌", "砸中路过行人"),
    ("电梯故障困人", "多名乘客被困轿厢"), ("发生踩踏", "现场一度混乱"), ("多名学生食物中毒", "出现呕吐腹泻"),
    ("严重积水", "多辆汽车熄火"), ("发生持刀伤人事件", "一名男子倒地流血"), ("山体滑坡", "道路被阻断"),
    ("化工厂起火", "黑烟遮天蔽日"), ("脚手架坍塌", "多名工人被埋"), ("有人坠楼", "现场拉起警戒线"),
    ("两车追尾", "造成长时间拥堵"), ("污水外溢", "周边河道变色"), ("大面积停电", "居民生活受到影响"),
    ("工人聚集讨薪", "拉着横幅堵住大门"), ("投资人聚集维权", "要求平台负责人出面"),
]
CASUALTY = ["造成一人死亡", "致三人受伤", "造成两死一伤", "多人被送往医院", "一名老人受伤", "伤亡情况不明",
            "暂无人员伤亡报告", "有人被困", "数十人被紧急疏散", "一名儿童受伤", "司机当场死亡", ""]
TIMES = ["今天上午", "今天下午", "昨晚", "今晨", "凌晨", "中午", "傍晚时分", "今天早高峰", "昨天深夜"]
NEWS_SOURCES = ["本报讯", "记者获悉", "据目击者称", "据现场网友反映", "记者赶到现场时看到", "有市民向本报反映"]

RUMOUR_CLAIMS = [
    "要拆迁了，补偿标准很低", "自来水被污染了不能喝", "要封城了", "学校要合并", "地铁要停运",
    "医院出现了传染病病例", "银行要倒闭了", "超市食品有毒", "马上要限电", "学区要调整",
    "化工厂要建在居民区旁边", "公交线路全部取消", "有人在小区抢小孩", "菜价要暴涨",
    "疫苗有问题", "工厂偷排有毒废水", "房价要大跌", "某领导被带走调查",
]
RUMOUR_LEAD = ["网传", "听说", "据说", "内部消息：", "朋友圈都在传", "群里有人说", "刚收到消息，",
               "重磅！", "紧急扩散！", "有知情人士透露，"]
RUMOUR_TAIL = ["大家赶紧转发扩散！", "是真的吗？", "真的假的，有没有人知道？", "再不说就被删了",
               "家里有老人孩子的注意！", "速看", "太可怕了", "不转不是中国人", "在线等，挺急的"]

HELP = ["求求大家帮忙扩散", "谁能帮帮我们", "走投无路了，只能在网上求助", "跪求好心人帮忙",
        "希望媒体关注一下", "恳请领导重视", "救救孩子", "请政府为我们做主"]
HELP_SITUATION = ["我爸被车撞了肇事司机跑了", "孩子在学校被人欺负了好几个月", "干了一年的活一分工资没拿到",
                  "房子被强拆了连补偿都没有", "家里老人走丢了两天了", "交了钱的房子烂尾五年了",
                  "看病花光了所有积蓄", "被骗了二十万报警也没结果", "孩子在幼儿园被老师打了"]

EVERYDAY_NEG = [
    "今天真是倒霉透了", "心情糟透了", "好难过", "气死我了", "烦死了", "太恶心了", "好累，不想说话",
    "真的好失望", "哭了一晚上", "又被老板骂了", "考试又挂了", "好害怕", "好孤独", "心好痛",
    "真是无语", "这是什么破服务", "再也不来了", "后悔死了", "难受得睡不着", "太让人寒心了",
    "怎么会有这么不要脸的人", "真是人渣", "恶心到吐", "简直丧心病狂", "越想越气", "欺人太甚",
    "失眠了", "头疼得要命", "被骗了好伤心", "感觉生活没有希望", "好焦虑", "崩溃了", "太可怜了",
    "心疼这个孩子", "愤怒！", "简直是草菅人命", "必须严惩", "一定要查清楚给个交代", "真相到底是什么",
    "为什么没人站出来负责", "这种人就该判刑", "细思极恐", "太黑了", "良心被狗吃了",
]
EVERYDAY_NEG_CTX = ["下班路上", "早上出门", "今天", "刚才", "周末", "最近", "这几天", "看完新闻",
                    "看了这个视频", "听说这件事以后", "刚刚"]
NEG_REASONS = ["手机被偷了", "被人插队还被骂", "快递被弄丢了", "外卖送错了还洒了一地", "堵车堵了两个小时",
               "加班到半夜", "身体又不舒服", "钱包丢了", "又下雨没带伞", "被中介坑了", "生病住院了",
               "网购买到假货", "车被刮了找不到人", "房东突然涨房租", "面试又没通过", "和家人吵架了"]

CRITICISM = ["{d}的工作人员态度恶劣", "{d}办事效率太低", "{d}只会推卸责任", "{d}这种处理方式让人寒心",
             "{d}的回应根本站不住脚", "{d}到现在都没有一个说法", "{d}简直是在和稀泥", "{d}失职渎职",
             "{d}的通报漏洞百出", "{d}就是在敷衍"]

# ---- non-negative ------------------------------------------------------------------------
OFFICIAL_OPEN = ["【情况通报】", "【警情通报】", "【通报】", "【情况说明】", "", "关于{p}有关情况的通报：",
                 "关于网民反映问题的回复："]
OFFICIAL_HANDLE = [
    "接警后，消防救援力量迅速到场处置", "接报后，相关部门第一时间赶赴现场", "事发后，街道、应急、公安等部门迅速到场",
    "公安民警迅速到场处置", "区委区政府高度重视，立即启动应急预案", "相关部门已成立联合调查组",
]
OFFICIAL_OUTCOME = [
    "明火已被扑灭，现场无人员伤亡", "受伤人员已送医救治，目前生命体征平稳", "被困人员已全部安全救出",
    "涉事人员已被依法控制", "现场秩序已恢复正常", "道路已恢复通行", "事故原因正在进一步调查中",
    "伤者正在医院全力救治", "善后工作正在有序开展", "积水已基本排除", "供电已全面恢复",
    "涉事企业已被责令停业整改", "相关责任人已被依法处理",
]
OFFICIAL_CLOSE = ["", "感谢广大市民的关心和支持。", "后续情况将及时发布。", "请广大市民注意出行安全。",
                  "我们将持续关注并及时通报进展。", "请广大网民不信谣、不传谣。"]
REFUTE = [
    "近日，网上流传“{r}”的消息。经核实，该消息不实。", "网传“{r}”系谣言，请大家不要轻信。",
    "针对网传“{r}”一事，经相关部门核实，并无此事。", "关于“{r}”的说法，经调查未发现相关情况，系不实信息。",
    "【辟谣】“{r}”？假的！", "有网民发布“{r}”的不实信息，公安机关已依法对其进行训诫。",
]
REPLY = [
    "网友您好！您反映的{q}问题已收悉。经核实，{a}。感谢您对我们工作的关注和支持。",
    "您好，关于您反映的{q}问题，{a}。如有其他问题，欢迎继续反映。",
    "感谢您的留言。针对{q}的情况，{a}，后续将加强日常巡查。",
    "市民朋友您好，{q}问题街道已安排专人跟进，{a}。",
]
REPLY_ACTION = ["相关部门已于当日完成维修", "街道已协调物业进行整改", "执法人员已现场查处并责令整改",
                "已督促施工单位严格按照许可时间施工", "已安排专人上门对接", "问题已全部整改到位",
                "已联系供电部门完成抢修", "已依法对涉事商户立案调查", "欠薪已全部发放到位",
                "已将您的建议转交主管部门研究采纳"]
POLICY = [
    "经区政府同意，{d}制定了《{x}实施办法》，自下月1日起施行。", "{d}发布《关于进一步做好{x}工作的通知》。",
    "为进一步提升{x}水平，我区将于本月启动专项行动。", "{x}补贴申领工作开始啦，符合条件的居民可在线申请。",
    "《{x}管理办法》公开征求意见，欢迎社会各界提出宝贵意见。", "{d}召开{x}工作推进会，部署下一阶段重点任务。",
]
POLICY_X = ["老旧小区改造", "垃圾分类", "养老服务", "停车管理", "义务教育招生", "就业创业", "医疗保障",
            "消费券发放", "文明城市创建", "加装电梯", "防汛防台", "安全生产", "营商环境优化"]
PROGRESS = ["{x}工程目前已完成主体施工，预计年底前完工。", "{x}项目进展顺利，已进入收尾阶段。",
            "施工期间部分路段实行交通管制，请过往车辆提前绕行。", "{x}示范点建设完成，即日起对市民开放。",
            "截至目前，全区已累计完成{x}项目0个，惠及居民0户。"]
PRAISE = [
    "感谢{d}的工作人员，{g}，必须点赞！", "为{d}点赞！{g}。", "{g}，真的很暖心👍", "今天去办事，{g}，效率好高。",
    "给社区工作人员点个赞，{g}。", "谢谢消防员叔叔，辛苦了🙏", "致敬最可爱的人！", "为这样的好警察点赞！",
    "{d}这次反应很快，{g}，值得表扬。",
]
GOOD_DEEDS = ["耐心地帮我把材料一条条理清楚", "半小时就办完了", "上门帮老人办理了手续", "主动帮我们联系了维修",
              "第二天就派人把路灯修好了", "帮我找回了丢失的钱包", "冒雨帮忙疏导交通", "全程跟进非常负责",
              "一网通办真的太方便了", "热心帮助走失的老人回家"]
NEUTRAL = [
    "{p}周末有市集，感兴趣的朋友可以去逛逛。", "第五届{x}文化节将于下周开幕，届时将推出系列活动。",
    "今天的天气不错，适合出去走走。", "{p}新开了一家书店，环境挺安静的。", "明天起{r}公交线路恢复原走向。",
    "{r}地铁站新增了两个出入口。", "本周六上午社区将举办免费义诊活动。", "图书馆延长开放时间至晚上九点。",
    "{p}的樱花开了，拍了几张照片分享一下。", "第一次来这边旅游，风景很美。", "晚饭做了红烧肉，一家人吃得很香。",
    "周末带孩子去公园放风筝。", "记者从有关部门了解到，{x}工作正在有序推进。", "据统计，节日期间共接待游客超过十万人次。",
    "门票二十元，建议下午去，人少一些。", "今天读完了一本好书，推荐给大家。", "新学期开始了，祝同学们学习进步。",
]
EVERYDAY_POS = [
    "今天好开心", "太幸福了", "好喜欢这里", "终于放假啦", "心情美美的", "加油！", "一切都会好起来的",
    "祝大家新年快乐", "感谢有你", "生日快乐！", "好期待", "真棒", "太好看了", "美美哒", "哈哈哈太有意思了",
    "为中国加油", "平安喜乐", "向医护人员致敬", "致敬逆行者", "武汉加油", "团结一心共渡难关",
    "愿一切安好", "希望大家都健健康康的", "给力", "满满的正能量", "感动", "好温暖", "必胜",
    "推荐大家去试试", "好吃到哭", "超级满意", "开心的一天", "祝福", "辛苦了，谢谢你们",
]
POS_REASONS = ["收到了朋友寄来的礼物", "升职加薪了", "考试顺利通过了", "和家人一起吃了顿团圆饭",
               "天气特别好", "宝宝会叫妈妈了", "找到了心仪的工作", "旅行回来了", "吃到了好吃的火锅",
               "病好了", "项目终于上线了", "看了一场精彩的演出"]


def _pick(r: random.Random, xs):
    return xs[r.randrange(len(xs))]


def _road_place(r: random.Random) -> str:
    k = r.random()
    if k < 0.4:
        return _pick(r, ROADS) + _pick(r, PLACES)
    if k < 0.7:
        return _pick(r, COMPOUNDS)
    if k < 0.85:
        return _pick(r, ROADS)
    return "我们" + _pick(r, ["小区", "村", "单元", "楼", "这条街"])


def negative_examples(r: random.Random) -> list[str]:
    out = []
    for _ in range(700):   # weibo-style complaints
        s = f"{_road_place(r)}{_pick(r, ['的', '这边', '', '门口'])}{_pick(r, COMPLAINT_PROBLEMS)}"
        if r.random() < 0.7:
            s += f"，{_pick(r, COMPLAINT_DURATION)}"
        if r.random() < 0.7:
            s += f"，{_pick(r, COMPLAINT_REACTION)}"
        s += f"，{_pick(r, COMPLAINT_END)}{_pick(r, NEG_EMO)}"
        out.append(s)
    for _ in range(250):   # hotline records
        out.append(f"市民来电反映：{_road_place(r)}{_pick(r, COMPLAINT_PROBLEMS)}，"
                   f"{_pick(r, COMPLAINT_DURATION)}，{_pick(r, ['严重影响周边居民生活', '存在安全隐患', '影响出行', '多次反映未果'])}。"
                   f"诉求：要求{_pick(r, ['尽快处理', '相关部门核实并处理', '尽快维修', '依法查处', '退还费用', '给予答复'])}。")
    for _ in range(250):   # petition-board posts
        out.append(f"{_pick(r, ['本人', '我是', '我们是'])}{_road_place(r)}的{_pick(r, ['居民', '住户', '业主', '商户', '家长'])}，"
                   f"{_pick(r, COMPLAINT_PROBLEMS)}，{_pick(r, COMPLAINT_REACTION)}。"
                   f"{_pick(r, ['恳请', '请', '强烈要求', '希望'])}{_pick(r, DEPTS)}{_pick(r, ['尽快解决', '彻查', '给个明确答复', '督促整改', '依法处理'])}。")
    for _ in range(450):   # incident news / eyewitness posts
        inc, det = _pick(r, INCIDENTS)
        cas = _pick(r, CASUALTY)
        if r.random() < 0.5:
            s = f"{_pick(r, NEWS_SOURCES)} {_pick(r, TIMES)}，{_road_place(r)}{inc}，{det}"
            s += f"，{cas}。" if cas else "。"
            s += _pick(r, ["目前事故原因仍在调查中。", "有关部门尚未作出回应。", "不少市民质疑监管不到位。",
                           "周边居民表示此前已多次反映隐患。", "", "记者将持续关注。"])
        else:
            s = f"{_road_place(r)}{_pick(r, ['刚刚', '', '这边', '好像'])}{inc}了{_pick(r, NEG_EMO)} {det}"
            s += f"，{cas}" if cas else ""
            s += _pick(r, ["，好吓人", "，大家绕行吧", "，有没有在现场的？", "，太惨了", "，希望没事", "！"])
        out.append(s)
    for _ in range(300):   # rumours
        out.append(f"{_pick(r, RUMOUR_LEAD)}{_pick(r, ['我们这里', _pick(r, ROADS), '本市', '咱们区', '这边'])}"
                   f"{_pick(r, RUMOUR_CLAIMS)}{_pick(r, ['，', '！', '？'])}{_pick(r, RUMOUR_TAIL)}{_pick(r, NEG_EMO)}")
    for _ in range(200):   # requests for help
        out.append(f"{_pick(r, HELP_SITUATION)}，{_pick(r, COMPLAINT_REACTION)}，{_pick(r, HELP)}{_pick(r, ['🙏', '', '！'])}")
    for _ in range(200):   # criticism
        s = _pick(r, CRITICISM).format(d=_pick(r, DEPTS))
        out.append(f"{s}，{_pick(r, COMPLAINT_END)}{_pick(r, NEG_EMO)}")
    for _ in range(700):   # everyday negative posts
        k = r.random()
        if k < 0.4:
            out.append(f"{_pick(r, EVERYDAY_NEG_CTX)}{_pick(r, NEG_REASONS)}，{_pick(r, EVERYDAY_NEG)}{_pick(r, NEG_EMO)}")
        elif k < 0.7:
            out.append(f"{_pick(r, EVERYDAY_NEG)}{_pick(r, NEG_EMO)}")
        else:
            out.append(f"{_pick(r, EVERYDAY_NEG_CTX)}，{_pick(r, EVERYDAY_NEG)}，{_pick(r, EVERYDAY_NEG)}")
    return out


def non_negative_examples(r: random.Random) -> list[str]:
    out = []
    for _ in range(450):   # official incident bulletins
        inc, _det = _pick(r, INCIDENTS)
        opener = _pick(r, OFFICIAL_OPEN).format(p=_road_place(r) + inc)
        out.append(f"{opener}{_pick(r, ['0月0日0时0分许', '今日上午', '0日下午', '近日'])}，{_road_place(r)}{inc}。"
                   f"{_pick(r, OFFICIAL_HANDLE)}，{_pick(r, OFFICIAL_OUTCOME)}。{_pick(r, OFFICIAL_OUTCOME)}。{_pick(r, OFFICIAL_CLOSE)}")
    for _ in range(300):   # refutations
        claim = f"{_pick(r, ['本市', _pick(r, ROADS), '我区'])}{_pick(r, RUMOUR_CLAIMS)}"
        out.append(_pick(r, REFUTE).format(r=claim) + _pick(r, OFFICIAL_CLOSE))
    for _ in range(350):   # replies to citizens
        q = f"{_road_place(r)}{_pick(r, COMPLAINT_PROBLEMS)}"
        out.append(_pick(r, REPLY).format(q=q, a=_pick(r, REPLY_ACTION)))
    for _ in range(300):   # policy and progress notices
        x = _pick(r, POLICY_X)
        if r.random() < 0.6:
            out.append(_pick(r, POLICY).format(d="区" + _pick(r, DEPTS), x=x))
        else:
            out.append(_pick(r, PROGRESS).format(x=_pick(r, ROADS) + x))
    for _ in range(350):   # praise
        out.append(_pick(r, PRAISE).format(d=_pick(r, DEPTS), g=_pick(r, GOOD_DEEDS)))
    for _ in range(400):   # neutral news, travel, everyday
        out.append(_pick(r, NEUTRAL).format(p=_road_place(r), x=_pick(r, POLICY_X), r=_pick(r, ROADS)))
    for _ in range(700):   # everyday positive posts
        k = r.random()
        if k < 0.45:
            out.append(f"{_pick(r, EVERYDAY_NEG_CTX)}{_pick(r, POS_REASONS)}，{_pick(r, EVERYDAY_POS)}{_pick(r, ['😊', '❤️', '🎉', '👍', '', '~', '！'])}")
        elif k < 0.75:
            out.append(f"{_pick(r, EVERYDAY_POS)}{_pick(r, ['！', '~', '', '❤️'])}")
        else:
            out.append(f"{_pick(r, EVERYDAY_POS)}，{_pick(r, EVERYDAY_POS)}")
    return out


def generate(seed: int = 2026) -> list[tuple[str, bool]]:
    r = random.Random(seed)
    rows = [(t, True) for t in negative_examples(r)] + [(t, False) for t in non_negative_examples(r)]
    seen, out = set(), []
    for t, y in rows:
        if t not in seen:
            seen.add(t)
            out.append((t, y))
    return out


def write(path: str, seed: int = 2026) -> int:
    rows = generate(seed)
    with gzip.open(path, "wt", encoding="utf-8") as f:
        for t, y in rows:
            f.write(f"{int(y)}\t{t}\n")
    return len(rows)


def read(path: str) -> list[tuple[str, bool]]:
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            lab, _, t = line.rstrip("\n").partition("\t")
            if t:
                out.append((t, lab == "1"))
    return out


if __name__ == "__main__":
    print(write(sys.argv[1] if len(sys.argv) > 1 else "domain_corpus.txt.gz"))
