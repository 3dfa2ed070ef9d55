"""Helpers for tests and simulations: build a routing decision without the analysis engine."""
from __future__ import annotations

from datetime import datetime

from yuqing.clocks.calendar import WorkCalendar
from yuqing.clocks.due import ClockPolicy, due
from yuqing.model import Analysis, CaseState, ClockState, Item

_CAL: list[WorkCalendar] = []


def decision(event_id: str, item_id: str, published_at: datetime, *, severity: str = "一般",
             emergency: bool = False, unit: str | None = "南星街道", co: list[str] | None = None,
             refer: list[str] | None = None, title: str = "测试舆情", policy: ClockPolicy | None = None):
    """A pipeline Decision as the engine would make it (emergency → statement and press clocks)."""
    from pipeline.engine import Decision
    item = Item(id=item_id, platform="weibo", title=title, content=f"{title}：现场情况", published_at=published_at)
    clocks = []
    if emergency:
        if not _CAL:
            _CAL.append(WorkCalendar.default())
        pol = policy or ClockPolicy.default()
        for kind in ("statement", "press_conference"):
            d = due(kind, published_at, pol, _CAL[0])
            clocks.append(ClockState(kind=kind, starts_at=d.starts_at, due_at=d.due_at, reason=d.reason))
    case = CaseState(event_id=event_id, severity=severity, emergency=emergency, first_responsible=unit,
                     co_responsible=co or [], refer_to=refer or [], rule="R3" if unit else "R7",
                     category="安全生产与事故", clocks=clocks)
    return Decision(item=item, analysis=Analysis(), case=case)


def worker_policy(config) -> dict:
    """What the worker freezes on a case (Worker._policy) for this config."""
    pol = config.get("clocks") or ClockPolicy.default()
    return {"clocks": pol.model_dump(mode="json"),
            "escalation_chain": [s.model_dump() for s in config.district.escalation_chain]}


def alert_keys(store) -> list[str]:
    from sqlalchemy import select
    from yuqing.store.tables import AlertRow
    with store.session() as s:
        return list(s.scalars(select(AlertRow.dedup_key).order_by(AlertRow.id)))


def open_case(store, config, clock, event_id: str, published_at: datetime, **kw):
    """Store a decision as the worker does, then run the worker hook; returns (decision, changes)."""
    from responders.dispatch import on_case_change
    from yuqing.app.build import build_outbox
    from responders.channels.inbox import InboxNotifier
    dec = decision(event_id, kw.pop("item_id", f"{event_id}-1"), published_at, **kw)
    ch = store.save_decision(dec, url_key=None, fingerprint=None, policy=worker_policy(config))
    on_case_change(store, config, dec, ch, clock, outbox=kw_outbox(config))
    return dec, ch


def kw_outbox(config, channels=("inbox",)):
    from responders.alerts import Outbox
    return Outbox.from_config(config, active=list(channels))
