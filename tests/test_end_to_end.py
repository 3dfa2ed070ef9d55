"""End to end on the embedded default: the spider crawls a local news site, the worker routes
the items into SQLite, and the dashboard's data layer shows the cases with unit and clocks."""
from datetime import timedelta

import pytest

from crawlers.demo_site import DemoSite
from yuqing.settings import Settings
from responders.accounts import Principal

OFFICE_VIEWER = Principal("xcb", "宣传部值班员", "office", "区委宣传部")   # reads every case


@pytest.fixture
def site(clock):
    s = DemoSite(clock=clock, speed=1.0).start()
    yield s
    s.stop()


def test_crawled_pages_become_routed_cases_on_the_dashboard(cfg, site, clock, tmp_path):
    from dashboard.data import case_rows
    from yuqing.app.build import Parts
    from yuqing.app.service import Service, build_worker, notify_once

    clock.advance(timedelta(seconds=700))          # every story of the demo site has been published
    settings = Settings.load(None, {"STORE_URL": f"sqlite:///{tmp_path / 'e2e.db'}", "BUS": "inprocess"},
                             environ={})
    parts = Parts(cfg, settings, clock)
    svc = Service(parts, overrides={"DEMO_SITE": site.url}, crawl=False, work=False, notify=False)
    worker = build_worker(parts)
    try:
        svc.crawl()
        while worker.run_once(timeout=0):
            pass
        notify_once(parts)
        store = parts.store
        rows = {r["event_id"]: r for r in case_rows(store, clock.now(), viewer=OFFICE_VIEWER)}
        by_unit = {}
        for r in rows.values():
            by_unit.setdefault(r["first_responsible"], []).append(r)

        fire = next(r for r in by_unit["湖滨街道"] if r["emergency"])
        assert fire["severity"] in ("重大", "特别重大") and fire["rule"] == "R3"
        start = site.started_at + timedelta(seconds=10)          # the fire's first post
        statement = next(c for c in fire["clocks"] if c["kind"] == "statement")
        assert statement["due_at"] == (start + timedelta(hours=5)).astimezone(statement["due_at"].tzinfo)
        assert "剩余" in statement["countdown"]

        poison = next(r for r in by_unit["小营街道"])
        assert poison["emergency"] and "区市场监督管理局" in poison["co_responsible"]
        assert any(r["first_responsible"] == "四季青街道" for r in rows.values())     # night construction
        assert any(r["first_responsible"] == "丁兰街道" for r in rows.values())       # rubbish
        assert not any("文化节" in (r["title"] or "") for r in rows.values())        # festival: no case
        assert worker.stats["items/routed"] >= 15
        # the new cases alerted their units (case events → notifier → dashboard inbox)
        from dashboard.data import inbox
        assert inbox(store, "湖滨街道", clock.now(), viewer=OFFICE_VIEWER)
    finally:
        worker.close()
        svc.stop()
