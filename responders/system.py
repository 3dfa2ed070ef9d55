"""Alerts about the system itself, to the operators named in channels.yaml (`operators`):
an item that failed after its retries (a dead letter), a crawl source failing again and again.

Each is a firing with its own key, in one unit of work with its alerts and deliveries: an operator
hears of a dead letter exactly once, whatever restarts.
"""
from __future__ import annotations

import logging
from datetime import datetime

from yuqing import vocab
from yuqing.records import Action, Alert, Delivery
from yuqing.seams import Recipient
from yuqing.timeutil import fmt_local

log = logging.getLogger("yuqing.system")


def _operators(outbox) -> list[Recipient]:
    ops = getattr(outbox.channels, "operators", None) or [{"unit": "区委宣传部", "role": vocab.OPERATOR}]
    return [Recipient(None, o["unit"], o["role"]) for o in ops]


def fire_system(store, outbox, key: str, *, kind: str, subject: str, body: str, short: str, now: datetime,
                by: str, details: dict) -> bool:
    """Claim `key`; write one alert per operator with its deliveries. False when already fired."""
    with store.transaction() as tx:
        if not tx.firings.claim(key, by, now):
            return False
        for to in _operators(outbox):
            alert = tx.alerts.add_unique(Alert(dedup_key=f"{key}|{to.unit}|{to.role}"[:400], case_id=None, kind=kind,
                                               level="系统", unit=to.unit, role=to.role, subject=subject, body=body,
                                               short=short[:70], created_at=now))
            if alert is None:
                continue
            for ch, addr in outbox.targets(to, None):
                tx.add(Delivery(alert_id=alert.id, channel=ch, address=addr, status="pending"))
        tx.actions.append(Action(at=now, actor="notifier", action="alert.fired", details={"kind": kind, **details}))
    return True


def alert_dead_letters(store, outbox, now: datetime, *, by: str = "notifier") -> list[str]:
    """One alert per new dead letter: which item, why, how to retry it."""
    with store.reader() as r:
        open_ = r.dead_letters.list("open", limit=500)
        done = r.firings.claimed([f"system:dead_letter:{d.id}" for d in open_])
    fired = []
    for d in open_:
        key = f"system:dead_letter:{d.id}"
        if key in done:
            continue
        item = d.payload.get("id") if isinstance(d.payload, dict) else None
        subject = f"【{vocab.ALERT_KINDS['dead_letter']}】条目 {item or '（无编号）'} 处理失败，已转入死信"
        body = (f"{_names(outbox)}：\n\n一条信息在重试 {d.attempts} 次后仍处理失败，已转入死信，后续信息照常处理。\n\n"
                f"条目：{item or '（无编号）'}\n失败时间：{fmt_local(d.last_failed_at)}\n原因：{d.error[:300]}\n\n"
                f"请在“系统状态”页查看，修复后用 `yuqing dead-letter retry {d.id}` 重新处理，"
                f"或用 `yuqing dead-letter drop {d.id}` 丢弃。\n")
        short = f"【舆情系统】条目{item or ''}处理失败已转入死信，请在系统状态页处理"
        if fire_system(store, outbox, key, kind="dead_letter", subject=subject, body=body, short=short, now=now,
                       by=by, details={"dead_letter": d.id, "item": item}):
            fired.append(key)
    return fired


def alert_failing_sources(store, outbox, now: datetime, *, by: str = "notifier") -> list[str]:
    """One alert per run of failures of a crawl source, once it reaches the source's
    `alert_after_failures` in a row (a later success ends the run; a new run alerts again)."""
    with store.reader() as r:
        states = [s for s in r.sources.states()
                  if s.consecutive_failures and s.consecutive_failures >= int((s.details or {}).get("alert_after", 3))]
    fired = []
    for st in states:
        d = st.details or {}
        key = f"system:source_failing:{st.source}:{d.get('failing_since', '')}"[:400]
        name = d.get("name") or st.source
        last_ok = fmt_local(st.last_success_at) if st.last_success_at else "从未成功"
        subject = f"【{vocab.ALERT_KINDS['source_failing']}】{name} 已连续 {st.consecutive_failures} 次采集失败"
        body = (f"{_names(outbox)}：\n\n采集源“{name}”已连续 {st.consecutive_failures} 次采集失败，"
                f"这期间该来源的新信息不会进入系统。\n\n最近成功：{last_ok}\n"
                f"最近运行：{fmt_local(st.last_run_at) if st.last_run_at else '—'}\n"
                f"最近错误：{(st.last_error or '（未记录）')[:300]}\n\n"
                f"请在“系统状态”页查看该采集源，检查网址、网络或站点改版后修改 config/sources.yaml。\n")
        short = f"【舆情系统】采集源{name}连续{st.consecutive_failures}次失败，请检查"
        if fire_system(store, outbox, key, kind="source_failing", subject=subject, body=body, short=short, now=now,
                       by=by, details={"source": st.source, "failures": st.consecutive_failures}):
            fired.append(key)
    return fired


def _names(outbox) -> str:
    return "、".join(f"{o.unit}（{o.role}）" for o in _operators(outbox))
