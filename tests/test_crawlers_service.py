"""Crawling as `yuqing run` does it: one APScheduler job per source on its own interval or
crontab; each run recorded in the store (pages, items, errors, failures in a row) and shown by
`source_stats`; a source failing again and again alerts the operators once per run of failures;
the demo's sources of several kinds; a near-duplicate repost linked to its original, no alert."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from crawlers.sources import parse_sources
from tests.conftest import item
from yuqing.settings import Settings
from yuqing.timeutil import SHANGHAI


def sources(*entries):
    return parse_sources({"sources": [{"name": e["key"], "url": "http://127.0.0.1:9/", "kind": "rss", **e}
                                      for e in entries]})


def fire_times(trigger, start, n):
    out, prev, now = [], None, start
    for _ in range(n):
        t = trigger.get_next_fire_time(prev, now)
        out.append(t)
        prev, now = t, t + timedelta(microseconds=1)
    return out


def test_each_source_on_its_own_interval_never_the_global_floor():
    from apscheduler.schedulers.background import BackgroundScheduler
    from crawlers.schedule import schedule_sources
    cfg = sources({"key": "slow", "interval_seconds": 60}, {"key": "fast", "interval_seconds": 10},
                  {"key": "cron", "cron": "*/5 8-20 * * *"})
    sched = BackgroundScheduler(timezone="Asia/Shanghai")
    start = datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI)
    ids = schedule_sources(sched, cfg.sources, lambda key: None, floor=20, tz=SHANGHAI, start=start)
    assert ids == ["crawl:slow", "crawl:fast", "crawl:cron"]
    jobs = {j.id: j for j in sched.get_jobs()}
    slow = fire_times(jobs["crawl:slow"].trigger, start, 4)
    assert [(b - a).total_seconds() for a, b in zip(slow, slow[1:])] == [60, 60, 60]   # not every 20 s
    fast = fire_times(jobs["crawl:fast"].trigger, start, 3)
    assert [(b - a).total_seconds() for a, b in zip(fast, fast[1:])] == [20, 20]       # the floor holds
    cron = fire_times(jobs["crawl:cron"].trigger, datetime(2026, 11, 20, 20, 56, tzinfo=SHANGHAI), 2)
    assert [t.strftime("%d %H:%M") for t in cron] == ["21 08:00", "21 08:05"]
    for j in jobs.values():
        assert j.max_instances == 1 and j.coalesce                # never overlapping itself
        assert list(j.args) == [j.id.split(":", 1)[1]]


def test_a_running_crawl_is_not_started_again_by_its_own_job():
    """A crawl slower than its interval: APScheduler skips the overlapping runs (max_instances=1)."""
    import threading
    import time
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.interval import IntervalTrigger
    from crawlers.schedule import JOB_DEFAULTS
    running, most, lock = [0], [0], threading.Lock()

    def slow_crawl():
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(1.2)
        with lock:
            running[0] -= 1

    sched = BackgroundScheduler()
    sched.add_job(slow_crawl, IntervalTrigger(seconds=0.3), next_run_time=datetime.now().astimezone(), **JOB_DEFAULTS)
    sched.start()
    time.sleep(2.0)
    sched.shutdown(wait=True)
    assert most[0] == 1


@pytest.fixture
def parts(cfg, clock, tmp_path):
    from yuqing.app.build import Parts
    settings = Settings.load(None, {"STORE_URL": f"sqlite:///{tmp_path / 's.db'}", "BUS": "inprocess"}, environ={})
    p = Parts(cfg, settings, clock)
    yield p
    p.close()


def test_failing_source_alerts_operators_once_per_run_of_failures(parts, clock, tmp_path):
    from crawlers.kinds import Context
    from yuqing.app.service import Service, StoreCrawlState, notify_once
    svc = Service(parts, crawl=False, work=False, notify=False)
    [down] = parse_sources({"sources": [{"key": "gone", "name": "失联的工单接口", "kind": "hotline",
                                         "url": "http://127.0.0.1:9/export.csv", "retries": 0,
                                         "timeout_seconds": 2, "alert_after_failures": 2}]}).sources
    ctx = Context(tmp_path / "sources.yaml", state=StoreCrawlState(parts.store, clock))
    fired = []
    for n in range(3):
        assert svc.crawl_source(down, ctx, lambda it: None).failed
        clock.advance(timedelta(minutes=1))
        fired += [k for k in notify_once(parts).fired if "source_failing" in k]
    assert len(fired) == 1 and fired[0].startswith("system:source_failing:gone:")   # at the 2nd, not the 3rd
    with parts.store.reader() as r:
        [stat] = r.sources.stats()
    assert stat["consecutive_failures"] == 3 and stat["status_label"] == "连续失败"
    assert stat["name"] == "失联的工单接口" and stat["kind"] == "12345 工单导出"
    assert stat["last_success_text"] == "从未成功" and stat["errors"] == 3 and "127.0.0.1:9" in stat["last_error"]
    # it comes back: the run of failures ends; a new run alerts again
    import csv
    import io
    buf = io.StringIO()
    csv.writer(buf).writerows([("工单编号", "受理时间", "诉求内容"), ("G1", "2026-11-20 09:00", "清平里小区门口垃圾没人清运")])
    f = tmp_path / "e.csv"
    f.write_text(buf.getvalue(), encoding="utf-8")
    back = down.model_copy(update={"url": None, "path": str(f)})
    got = []
    assert not svc.crawl_source(back, ctx, got.append).failed and len(got) == 1
    with parts.store.reader() as r:
        [stat] = r.sources.stats()
    assert stat["status_label"] == "正常" and stat["consecutive_failures"] == 0 and stat["items"] == 1
    assert stat["last_success_at"] == clock.now() and stat["last_success_text"].startswith("2026-11-20")
    for n in range(2):
        svc.crawl_source(down, ctx, lambda it: None)
        clock.advance(timedelta(minutes=1))
    again = [k for k in notify_once(parts).fired if "source_failing" in k]
    assert len(again) == 1 and again != fired
    from yuqing import vocab
    assert set(vocab.SOURCE_STAT_LABELS) <= set(stat)            # every column has its Chinese label


def test_demo_sources_of_several_kinds_crawl_into_the_store_and_a_recrawl_adds_nothing(parts, clock):
    from crawlers.demo_site import DemoSite
    from yuqing.app.service import Service
    with DemoSite(clock=clock) as site:
        clock.advance(timedelta(seconds=700))
        svc = Service(parts, overrides={"DEMO_SITE": site.url}, crawl=False, work=False, notify=False)
        got = []
        parts._cache["bus"] = type("B", (), {"publish": lambda self, t, k, v: got.append(v), "close": lambda self: None})()
        svc.crawl()
        prefixes = {i["id"].split("-")[0] for i in got}
        assert prefixes == {"demo", "demoboard", "demohotline"}
        assert {i["platform"] for i in got} >= {"gov_board", "hotline", "news", "weibo"}
        assert any(i["id"] == "demoboard-10232-1" and i["source"] == "区城管局" for i in got)   # a unit's reply
        with parts.store.reader() as r:
            stats = {s["source"]: s for s in r.sources.stats()}
            assert r.sources.pages("demo_rss")
        assert set(stats) == {"demo_rss", "demo_index", "demo_board", "demo_hotline"}
        assert all(s["status"] == "ok" and s["pages"] > 0 for s in stats.values())
        n = len(got)
        svc.crawl()
        assert len(got) == n                                      # nothing new: seen pages, ETag 304
        with parts.store.reader() as r:
            stats2 = {s["source"]: s for s in r.sources.stats()}
        assert stats2["demo_rss"]["last_run"]["items"] == 0 and stats2["demo_rss"]["items"] == stats["demo_rss"]["items"]


def test_a_near_duplicate_repost_is_linked_to_its_original_and_not_alerted(parts, clock):
    from yuqing.app.service import build_worker, notify_once
    w = build_worker(parts)
    orig = item("o1", "湖滨步行街平海路口一家服装店二楼突然起火，浓烟滚滚，店员和顾客都跑出来了，现场有人被困，消防车已经赶到，"
                      "周边道路临时管制，大家路过注意绕行。", url="https://weibo.example/o1")
    repost = item("r1", "转发微博：湖滨步行街平海路口一家服装店二楼突然起火！浓烟滚滚，店员和顾客都跑出来了，现场有人被困，"
                        "消防车已经赶到，周边道路临时管制，大家路过注意绕行 //@杭州身边事", url="https://weibo.example/r1",
                  when="2026-11-20T10:05:00+08:00", author="路人乙")
    w.handle(orig)
    assert notify_once(parts).fired                              # the original: a new case, alerted
    clock.advance(timedelta(minutes=5))
    dec = w.handle(repost)
    assert dec.duplicate_of == "o1" and dec.duplicate_reason == "near_duplicate"
    with parts.store.reader() as r:
        stored = r.items.get("r1")
        [case] = [c for c in r.cases.list() if c.event_id == stored.event_id]
    assert stored.duplicate_of == "o1" and case.item_count == 1
    assert notify_once(parts).fired == []                         # no alert for the repost
    # a different post about the same fire is no duplicate
    other = item("x1", "湖滨步行街起火现场：记者看到四名被困人员已被消防员从云梯救出，其中三人受伤送医，火灾原因正在调查中。",
                 when="2026-11-20T10:30:00+08:00")
    assert w.handle(other).duplicate_of is None
    w.close()
