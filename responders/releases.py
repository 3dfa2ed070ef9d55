"""Releases the system notices (疑似已发布回应): an official item joined to an open case, published
by the responsible unit or one of the district's accounts (config/release.yaml), is recorded on
the case as a suspected release, and the unit's liaison is told. Nothing is met by this: the unit
confirms it with one action (`Workflow.confirm_release`), which records the release at the item's
publish time and meets the clock; or dismisses it (`Workflow.dismiss_release`).

The pipeline writes a case event `official_item` with the decision that joined the item (the
transactional outbox), so each item is looked at exactly once, whatever restarts; the record and
the alert are one firing (`<case>:release_seen:<item>`).
"""
from __future__ import annotations

import logging
from datetime import datetime

from responders.alerts import AlertSpec, Outbox, fire
from responders.review import ReleaseConfig, publisher_matches
from yuqing import vocab
from yuqing.records import Action, Case, CaseEvent
from yuqing.seams import Recipient
from yuqing.timeutil import fmt_local

log = logging.getLogger("yuqing.releases")


def notice_release(store, config, ev: CaseEvent, outbox: Outbox, now: datetime, *, by: str) -> list[str]:
    item_id = ev.payload.get("item")
    with store.reader() as r:
        case = r.cases.get(ev.case_id)
        item = r.items.get(item_id) if item_id else None
    if case is None or item is None or case.status != "open" or item.duplicate_of:
        return []
    if not (item.analysis or {}).get("official"):
        return []
    cfg = ReleaseConfig.load(config).releases
    units = [case.first_responsible or "区政府办公室", *(case.co_responsible or [])]
    why = publisher_matches(cfg, units, item.source, item.author)
    if why is None:
        return []                 # official words from someone else (a repost, a city account)
    key = f"{case.event_id}:release_seen:{item.id}"
    title = (item.title or item.content or "")[:60]
    details = {"item": item.id, "title": title, "url": item.url, "source": item.source, "author": item.author,
               "platform": item.platform, "published_at": item.published_at.isoformat(), "why": why}

    def mutate(tx, c: Case) -> None:
        tx.actions.append(Action(at=now, actor="system", action="release.suspected", case_id=c.event_id,
                                 unit=c.first_responsible, details=details))

    def specs(tx, c: Case, clocks) -> list[AlertSpec]:
        if c.status != "open":
            return []
        unit = c.first_responsible or "区政府办公室"
        open_ = [k for k in clocks if k.open]
        clock_text = "、".join(vocab.clock_label(k.kind, k.seq) for k in open_) or "相关"
        lead = (f"系统发现疑似已发布的回应：{why}，于 {fmt_local(item.published_at)} 发布"
                f"“{title}”" + (f"（{item.url}）" if item.url else "") + "。"
                f"如确为本案回应，请在案件页“权威信息发布”中点击“确认为本案回应”，即按其发布时间记录发布、"
                f"完成{clock_text}时限；如不是，请点击“不是本案回应”。系统不会自动认定。")
        return [AlertSpec(kind="release_seen", level=c.severity, to=Recipient(1, unit, vocab.LIAISON), lead=lead,
                          key_suffix=f"|{item.id}")]

    ids = fire(store, key, by=by, now=now, case_id=case.event_id, specs=specs, outbox=outbox, mutate=mutate,
               actions=[{"action": "alert.fired", "actor": "notifier",
                         "details": {"kind": "release_seen", "item": item.id}}])
    return [key] if ids is not None else []
