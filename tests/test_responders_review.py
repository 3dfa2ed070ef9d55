"""三审三校 before release: an empty draft is refused, the drafter reviews nothing, three distinct
reviewers, and a statement with a sensitive word or a link off the whitelist (config/release.yaml)
cannot pass a review stage, be approved or be published — with a Chinese reason naming it."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from responders.review import ReleaseConfig, Review, StatementChecker
from responders.workflow import Workflow, WorkflowError
from tests.helpers import open_case
from yuqing.store.sql import SqlStore
from yuqing.timeutil import SHANGHAI, ManualClock

POST = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)
UNIT = "南星街道"
CLEAN = "关于复兴路居民楼火灾的情况通报：火已扑灭，3名受伤居民正在医院救治。详见 https://www.hzsc.gov.cn/art/1.html"


@pytest.fixture
def env(tmp_path, cfg, engine):
    clock = ManualClock(POST + timedelta(hours=1))
    store = SqlStore(f"sqlite:///{tmp_path}/y.db", clock=clock)
    cid = open_case(store, engine, cfg, clock, "1", POST, severity="重大", emergency=True, expect="重大")
    yield store, Workflow(store, cfg, clock), cid
    store.close()


def three_reviews(wf, cid, who=("甲", "乙", "丙")):
    for stage, actor in zip(("初审", "复审", "终审"), who):
        wf.review(cid, actor=actor, unit=UNIT, stage=stage)


def test_an_empty_draft_is_refused(env):
    store, wf, cid = env
    for text in ("", "   \n\t "):
        with pytest.raises(WorkflowError, match="发布稿内容为空"):
            wf.draft_statement(cid, actor="王编", unit=UNIT, text=text)
    assert wf.progress(cid)["draft_version"] is None


def test_the_drafter_cannot_review_and_three_distinct_reviewers(env):
    store, wf, cid = env
    wf.draft_statement(cid, actor="王编", unit=UNIT, text=CLEAN)
    with pytest.raises(WorkflowError, match="王编 是本稿起草人，不能审核自己起草的稿件"):
        wf.review(cid, actor="王编", unit=UNIT, stage="初审")
    wf.review(cid, actor="甲", unit=UNIT, stage="初审")
    with pytest.raises(WorkflowError, match="甲 已参与本稿审核"):
        wf.review(cid, actor="甲", unit=UNIT, stage="复审")
    wf.review(cid, actor="乙", unit=UNIT, stage="复审")
    with pytest.raises(WorkflowError, match="起草人"):
        wf.review(cid, actor="王编", unit=UNIT, stage="终审")
    wf.review(cid, actor="丙", unit=UNIT, stage="终审")
    assert wf.progress(cid)["reviewers"] == ["丙", "乙", "甲"]
    wf.approve(cid, actor="办公室赵", unit="区政府办公室")
    assert wf.publish_statement(cid, actor="王编", unit=UNIT)["on_time"] is True


@pytest.mark.parametrize("text, named", [
    ("经查，涉事人员系临时工，已被辞退。", "含敏感词“临时工”"),
    ("经查，涉事人员系临 时 工，已被辞退。", "含敏感词“临时工”"),                   # spaced out
    ("目前伤者情绪稳定，详情见后续通报。", "含敏感词“情绪稳定”"),
    ("伤亡情况：此处待补充。", "含敏感词“此处待补充”"),
    ("详情请见 http://shangcheng-news.example.com/a.html 。", "含外链 http://shangcheng-news.example.com/a.html"),
    ("扫码或访问 bit.ly/3xYz 了解详情", "含外链 bit.ly/3xYz（bit.ly不在外链白名单内）"),
    ("详见 https://www.hzsc.gov.cn.evil.top/notice", "含外链 https://www.hzsc.gov.cn.evil.top/notice"),
])
def test_a_sensitive_word_or_an_outside_link_cannot_pass(env, text, named):
    store, wf, cid = env
    wf.draft_statement(cid, actor="王编", unit=UNIT, text=text)
    with pytest.raises(WorkflowError) as e:
        wf.review(cid, actor="甲", unit=UNIT, stage="初审")
    assert named in str(e.value) and "不能通过审核" in str(e.value)
    assert wf.progress(cid)["reviews_done"] == []
    # a corrected draft goes through the whole review again
    wf.draft_statement(cid, actor="王编", unit=UNIT, text=CLEAN)
    three_reviews(wf, cid)
    wf.approve(cid, actor="办公室赵", unit="区政府办公室")
    assert wf.publish_statement(cid, actor="王编", unit=UNIT)["on_time"] is True


def test_approval_and_publication_check_again_with_the_current_lists(env, cfg):
    """A word added to the list after the reviews still stops approval and publication."""
    store, wf, cid = env
    wf.draft_statement(cid, actor="王编", unit=UNIT, text="火灾原因正在调查，现场已恢复秩序。")
    three_reviews(wf, cid)
    stricter = StatementChecker(Review(sensitive_words=["恢复秩序"], link_whitelist=["gov.cn"]))
    wf._checker = stricter
    with pytest.raises(WorkflowError, match="含敏感词“恢复秩序”"):
        wf.approve(cid, actor="办公室赵", unit="区政府办公室")
    wf._checker = None
    wf.approve(cid, actor="办公室赵", unit="区政府办公室")
    wf._checker = stricter
    with pytest.raises(WorkflowError, match="含敏感词“恢复秩序”"):
        wf.publish_statement(cid, actor="王编", unit=UNIT)
    assert wf.progress(cid)["published"] is False


def test_checker_lists_every_problem_and_passes_clean_text():
    ch = StatementChecker(ReleaseConfig.load().review)
    assert ch.problems(CLEAN) == []
    assert ch.problems("邮箱 duty@hzsc.gov.cn，电话 87000000，版本 3.5") == []
    msgs = [p.message for p in ch.problems("ＸＸＸ单位回应：无可奉告。见 www.example.com")]
    assert msgs == ["含敏感词“XXX”", "含敏感词“无可奉告”", "含外链 www.example.com（www.example.com不在外链白名单内）"]
    assert Workflow(None, None, ManualClock(POST)).check_statement("") == ["发布稿内容为空"]


def test_release_config_is_strict(tmp_path, config_dir):
    from yuqing.config import ConfigError
    from yuqing.app.build import load_config
    (config_dir / "release.yaml").write_text("review:\n  link_whitelist: ['https://gov.cn/']\n"
                                             "releases:\n  unit_accounts: {不存在的局: ['^x']}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_config(config_dir)
    assert "not a domain name" in str(e.value)
