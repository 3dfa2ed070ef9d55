"""Opening cases for responder tests through the real code: engine → record → case events → alerts.

The texts below are read by the real analysis (no hand-made decisions), so a change in the engine
or the worker shows up in these tests too. Each kind of case is one short post at a place:

    severity 一般      a rubbish complaint                      (R3 at the unit's street)
    severity 较大      spoiled food at a primary school          (special group)
    severity 重大 + 突发 a fire with three injured                 (emergency)
    severity 特别重大    a fire with three deaths                   (emergency)
"""
from __future__ import annotations

from datetime import datetime

from pipeline.dedup import canonical_url, content_fingerprint
from pipeline.record import record_decision
from responders.alerts import Outbox
from responders.dispatch import handle_case_events
from yuqing.model import Item

TEXTS = {
    ("一般", False): "{place}小区门口的垃圾好几天没人清运了，臭气熏天，希望有关部门尽快处理。",
    ("较大", False): "{place}一所小学的食堂饭菜变质发馊，好几位家长投诉，要求学校给个说法。",
    ("重大", True): "{place}一居民楼突发火灾，3名居民受伤被送往医院，消防正在现场处置。",
    ("特别重大", True): "{place}一居民楼突发火灾，造成3人死亡，消防正在现场处置。",
}


def worker_policy(engine) -> dict:
    pol = engine.clock_policy
    return {"clocks": pol.model_dump(mode="json"),
            "escalation_chain": [s.model_dump() for s in engine.district.escalation_chain]}


def post(item_id: str, published_at: datetime, *, severity: str = "一般", emergency: bool = False,
         unit: str = "南星街道", text: str | None = None, title: str | None = None, **kw) -> Item:
    body = text or TEXTS[(severity, emergency)].format(place=unit)
    return Item(id=item_id, url=f"https://weibo.example.com/{item_id}", platform="weibo", source="网友",
                author=f"网友{item_id}", title=title, content=body, published_at=published_at, **kw)


def store_item(store, engine, clock, item: Item):
    """What the worker does with one item: decide, then record in one unit of work."""
    dec = engine.process(item, now=clock.now())
    with store.transaction() as tx:
        changes = record_decision(tx, dec, now=clock.now(), url_key=canonical_url(item.url),
                                  fingerprint=content_fingerprint(item.title, item.content),
                                  policy=worker_policy(engine))
    return dec, changes


def notify(store, cfg, clock, outbox: Outbox | None = None) -> list[str]:
    """What the notifier does: alerts for every case event not yet handled."""
    return handle_case_events(store, cfg, outbox or Outbox.inbox_only(cfg), clock.now())


def open_case(store, engine, cfg, clock, item_id: str, published_at: datetime, *, outbox: Outbox | None = None,
              expect: str | None = None, **kw) -> str:
    """Post one item and notify; returns the case (event) id. `expect` checks the severity."""
    dec, _ = store_item(store, engine, clock, post(item_id, published_at, **kw))
    if expect is not None:
        assert dec.case.severity == expect, (dec.case.severity, dec.case.reasons)
    notify(store, cfg, clock, outbox)
    return dec.case.event_id


def alert_keys(store) -> list[str]:
    with store.reader() as r:
        return r.alerts.keys()


def clocks_of(store, case_id: str):
    with store.reader() as r:
        return r.clocks.of_case(case_id)


def case_of(store, case_id: str):
    with store.reader() as r:
        return r.cases.get(case_id)


def actions_of(store, case_id: str | None = None):
    with store.reader() as r:
        return r.actions.all(case_id)
