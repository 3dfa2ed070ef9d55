"""Recording a decision: the item, its event's case and clocks, the log, and the case events.

This is the case lifecycle (not the store's business): a case opens when its event first has a
level above 无; it rises and never drops a level on its own; it moves when the routing tree names
another unit; its clocks follow the event's earliest publish time; a case that becomes an
emergency gets the 5 h and 24 h clocks and its 48 h response clock is superseded. Every change is
logged (`actions`) and written to the case-event outbox (`case_events`) in the same unit of
work, so whoever alerts people (responders) sees each change exactly once, whatever crashes.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from yuqing import vocab
from yuqing.records import Action, Case, CaseEvent, Clock, StoredItem
from yuqing.timeutil import to_local


def record_decision(tx, dec, *, now: datetime, url_key: str | None, fingerprint: str | None,
                    policy: dict | None = None) -> dict[str, Any]:
    """Store an item and its event's case in the unit `tx`. Returns what changed."""
    it, a, c = dec.item, dec.analysis, dec.case
    changes: dict[str, Any] = {"new_case": False, "level_from": None, "level_to": c.severity,
                               "emergency_started": False, "unit_changed": False}
    if tx.items.exists(it.id):
        changes["already_stored"] = True
        return changes
    tx.add(StoredItem(id=it.id, url=it.url, url_key=url_key, fingerprint=fingerprint, platform=it.platform,
                      source=it.source, author=it.author, title=it.title, content=it.content,
                      published_at=it.published_at, received_at=now, metrics=it.metrics.model_dump(),
                      event_id=c.event_id, duplicate_of=dec.duplicate_of, analysis=a.model_dump(mode="json")))
    case = tx.cases.lock(c.event_id)
    if case is None:
        case = tx.add(Case(event_id=c.event_id, severity="无", title=it.title or it.content[:60], item_count=0,
                           first_published_at=it.published_at, last_published_at=it.published_at,
                           updated_at=now, status="not_a_case"))
    else:
        changes["level_from"] = case.severity
    old_emergency, old_unit = bool(case.emergency), case.first_responsible
    was_case = case.status != "not_a_case"
    is_case = c.severity != "无"
    case.severity, case.emergency = c.severity, c.emergency
    case.first_responsible, case.co_responsible, case.refer_to = c.first_responsible, c.co_responsible, c.refer_to
    case.rule, case.route_path, case.handling_type = c.rule, c.route_path, c.handling_type
    case.category, case.places, case.heat, case.reasons = c.category, c.places, c.heat, c.reasons
    case.item_count = (case.item_count or 0) + (0 if dec.duplicate_of else 1)
    case.first_published_at = min(case.first_published_at, it.published_at)
    case.last_published_at = max(case.last_published_at, it.published_at)
    case.updated_at = now
    if is_case and not was_case:
        case.status, case.opened_at = "open", now
        if case.number is None:
            case.number = tx.cases.next_number(to_local(now).strftime("%Y%m%d"))
        changes["new_case"] = True
    changes["emergency_started"] = c.emergency and not old_emergency and case.status != "not_a_case"
    changes["unit_changed"] = was_case and old_unit != c.first_responsible
    if (c.emergency or c.clocks) and case.policy is None and policy is not None:
        case.policy = policy     # frozen: a later config edit applies to new cases only

    def log(action: str, **details) -> None:
        tx.actions.append(Action(at=now, actor="system", action=action, case_id=c.event_id,
                                 unit=c.first_responsible, details=details))

    def event(kind: str, **payload) -> None:
        tx.add(CaseEvent(case_id=c.event_id, kind=kind, created_at=now,
                         payload={"item": it.id, "severity": c.severity, "emergency": c.emergency,
                                  "first_responsible": c.first_responsible, "co_responsible": c.co_responsible,
                                  "refer_to": c.refer_to, "rule": c.rule, **payload}))

    log("item.routed", item=it.id, severity=c.severity, rule=c.rule, emergency=c.emergency,
        duplicate_of=dec.duplicate_of)
    raised = (changes["level_from"] and was_case
              and vocab.level_rank(c.severity) > vocab.level_rank(changes["level_from"]))
    if changes["new_case"]:
        log("case.opened", severity=c.severity, rule=c.rule, number=case.number)
    elif raised:
        log("case.level_raised", **{"from": changes["level_from"], "to": c.severity})
    if changes["emergency_started"]:
        # one event says it all: an emergency alert reaches deeper than a new-case or level alert
        log("case.emergency", severity=c.severity)
        event("emergency", new_case=changes["new_case"], raised_from=changes["level_from"] if raised else None)
    elif changes["new_case"]:
        event("opened")
    elif raised:
        event("level_raised", **{"from": changes["level_from"]})
    if changes["unit_changed"]:
        log("case.rerouted", **{"from": old_unit, "to": c.first_responsible, "rule": c.rule})
        event("rerouted", **{"from": old_unit, "to": c.first_responsible})
    if a.official and was_case and case.status == "open" and not dec.duplicate_of:
        # an official voice joining an open case may be the unit's release: responders decide
        event("official_item")
    if case.status != "not_a_case":
        sync_clocks(tx, c, now)
    return changes


def sync_clocks(tx, c, now: datetime) -> None:
    """Make the case's engine-started clocks (emergency statement/press, 48 h response) match the
    decision: start what is new, move what an earlier item moved, supersede or cancel the rest."""
    engine_kinds = set(vocab.EMERGENCY_CLOCKS) | {"response"}
    existing = {(k.kind, k.seq): k for k in tx.clocks.of_case(c.event_id) if k.kind in engine_kinds}
    wanted = {(k.kind, 0): k for k in c.clocks}

    def log(action: str, unit: str | None = None, **details) -> None:
        tx.actions.append(Action(at=now, actor="system", action=action, case_id=c.event_id, unit=unit,
                                 details=details))

    for key, k in wanted.items():
        r = existing.get(key)
        if r is not None and not r.open and r.status in ("superseded", "cancelled"):
            # needed again (an emergency withdrawn after a refutation): the clock runs again
            r.status, r.starts_at, r.due_at, r.reason = "running", k.starts_at, k.due_at, k.reason
            log("clock.started", c.first_responsible, kind=k.kind, clock_id=r.id, due_at=k.due_at.isoformat(),
                again=True)
        elif r is None:
            r = tx.add(Clock(case_id=c.event_id, kind=k.kind, seq=0, starts_at=k.starts_at, due_at=k.due_at,
                             status="running", provisional=k.provisional, reason=k.reason))
            log("clock.started", c.first_responsible, kind=k.kind, clock_id=r.id, due_at=k.due_at.isoformat())
        elif r.open and r.due_at != k.due_at:
            # An earlier item joined: the clock starts from the earliest publish time.
            log("clock.moved", kind=k.kind, clock_id=r.id, **{"from": r.due_at.isoformat(), "to": k.due_at.isoformat()})
            r.starts_at, r.due_at = k.starts_at, k.due_at
    for key, r in existing.items():
        if key in wanted or not r.open:
            continue
        if r.kind == "response" and c.emergency:
            r.status = "superseded"
            log("clock.superseded", kind=r.kind, clock_id=r.id, why="已认定为重大突发事件，改按5小时、24小时时限")
        elif r.kind in vocab.EMERGENCY_CLOCKS:
            r.status = "cancelled"
            log("clock.cancelled", kind=r.kind, clock_id=r.id, why="不再属于重大突发事件（事实经核实撤回）")
