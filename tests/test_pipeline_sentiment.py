"""Tests for the sentiment stage; own example sentences only (no shared/ data)."""
import os

import pytest

from pipeline.sentiment import SentimentModel, SentimentResult, train
from pipeline.sentiment.features import normalize


@pytest.fixture(scope="module")
def model():
    return SentimentModel.load()


@pytest.mark.parametrize("text", [
    "我们小区门口的垃圾堆了一个星期没人清运，臭味熏天，打了好几次热线都没人管！",
    "市民来电反映：某路段井盖缺失，存在安全隐患。诉求：要求尽快处理。",
    "老街一家饭店突然起火，浓烟滚滚，听说有人被困在二楼😱",
    "网传我们这里的自来水被污染了，大家赶紧转发扩散！",
    "工地老板拖欠我们半年工资，求求大家帮忙扩散🙏",
])
def test_complaints_incidents_rumours_are_negative(model, text):
    r = model.score(text)
    assert isinstance(r, SentimentResult)
    assert r.negative, (text, r)
    assert 0.0 <= r.score < 0.5
    assert r.reasons and r.reasons[0].startswith("情感模型")


@pytest.mark.parametrize("text", [
    "【情况通报】今日下午，某商铺发生火情。接警后，消防救援力量迅速到场处置，明火已被扑灭，现场无人员伤亡。",
    "近日，网上流传“我区学校将合并”的消息。经核实，该消息不实，请广大网民不信谣、不传谣。",
    "网友您好！您反映的路灯损坏问题已收悉，相关部门已于当日完成维修。感谢您的关注。",
    "感谢政务服务中心的工作人员，耐心帮我把材料理清楚，半小时就办完了，点赞！",
    "周末带孩子去公园放风筝，天气真好，好开心",
])
def test_notices_refutations_praise_are_not_negative(model, text):
    r = model.score(text)
    assert not r.negative, (text, r)
    assert r.score >= 0.5


def test_negation_reason(model):
    r = model.score("【情况通报】燃气泄漏已处置完毕，无人员伤亡，周边群众已有序返回。")
    assert any(x.startswith("否定") for x in r.reasons), r.reasons


@pytest.mark.parametrize("text", [
    "", "   ", None, "😀😀😀", "！！！？？？……", "[哈哈][泪]", "<p>&nbsp;</p>", "https://example.com/a?b=1",
    "喺西湖邊行緊街，突然間前面一間舖頭著火，濃煙好大", "<div class='x'>路灯坏了<br/>没人修</div>",
])
def test_odd_input_never_crashes(model, text):
    r = model.score(text)
    assert 0.0 <= r.score <= 1.0
    assert isinstance(r.negative, bool)
    assert r.reasons


def test_huge_text_is_read_by_its_head_and_tail(model):
    """Only the head and the tail of a long text are scored: the middle cannot change the result."""
    from pipeline.sentiment.features import HEAD_CHARS, TAIL_CHARS
    head = "老旧小区改造工程进展顺利，居民纷纷点赞。" * (HEAD_CHARS // 10)
    tail = "感谢社区和施工队的辛勤付出，大家都很满意。" * (TAIL_CHARS // 10)
    a = model.score(head + "电梯坏了没人修，投诉无门！" * 40000 + tail)
    b = model.score(head + "今天天气很好。" * 70000 + tail)
    assert a.score == b.score and not a.negative


def test_traditional_characters_are_normalised():
    assert normalize("濃煙 著火 頭髮 鐘") == normalize("浓烟 着火 头发 钟")


def test_train_changes_prediction_and_reloads(tmp_path, model):
    text = "这家店的星空拿铁口感很特别"
    before = model.score(text).negative
    examples = [(text, not before)] * 30 + [("今天下班路上心情很好", False)] * 5 + [("电梯又坏了没人修", True)] * 5
    out = tmp_path / "model.json.gz"
    figures = train(examples, str(out))
    assert figures["n"] == 40
    assert figures["classes"]["negative"] + figures["classes"]["not_negative"] == 40
    assert os.path.exists(out)
    trained = SentimentModel.load(str(out))
    assert trained.score(text).negative == (not before)
    # the rest of the model still works
    assert trained.score("我们小区垃圾一个星期没人清运，臭味熏天，投诉了也没用").negative


def test_everyday_corpus_is_deterministic_and_balanced():
    from pipeline.sentiment import everyday
    a, b = everyday.generate(400, seed=3), everyday.generate(400, seed=3)
    assert a == b
    assert sum(1 for _, y in a if y) == sum(1 for _, y in a if not y) == 200
    assert len({t for t, _ in a}) == len(a)


@pytest.mark.parametrize("text,neg", [
    ("今天和老同学聚餐，聊到很晚，好开心", False),
    ("谢谢大家的生日祝福，爱你们", False),
    ("发烧一整天，浑身难受，心情糟透了", True),
    ("这家店的服务太差了，再也不来了", True),
])
def test_everyday_emotion(model, text, neg):
    assert model.score(text).negative == neg, model.score(text)


def test_shipped_data_files_exist():
    from pipeline.sentiment.features import DATA_DIR
    for name in ("model.json.gz", "polarity_lexicon.txt.gz", "t2s.txt.gz", "domain_corpus.txt.gz",
                 "everyday_corpus.txt.gz"):
        assert os.path.getsize(os.path.join(DATA_DIR, name)) > 1000, name
