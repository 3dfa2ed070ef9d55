"""One sweep of the responders' due work, from the database: case events → escalation → delivery.

The database is the source of truth: a sweep holds no state, so a restart, a missed sweep or a
second process started by mistake changes nothing (each firing has a unique key, each delivery
is claimed). The composition root runs it: `yuqing scheduler` every SCHEDULER_SWEEP_SECONDS
(escalation included), `yuqing notifier` every few seconds (case events and delivery only).
"""
from __future__ import annotations

import logging
import os
import socket
from datetime import datetime
from typing import Any, Callable, Mapping

from responders.alerts import Outbox
from responders.delivery import deliver
from responders.dispatch import handle_case_events
from responders.escalation import SweepReport, escalate
from responders.system import alert_dead_letters, alert_failing_sources
from yuqing.timeutil import Clock

log = logging.getLogger("yuqing.scheduler")


def default_name(role: str) -> str:
    return f"{role}@{socket.gethostname()}:{os.getpid()}"


def sweep(store, clock: Clock, channels: Mapping[str, Any], *, config, outbox: Outbox, by: str | None = None,
          deliver_now: bool = True, heartbeat: bool = True, escalation: bool = True, case_events: bool = True,
          name: str = "scheduler") -> SweepReport:
    """One sweep at clock.now(). `config` is needed for cases whose policy is not yet frozen."""
    now = clock.now()
    by = by or default_name(name)
    if not isinstance(channels, Mapping):
        channels = {c.name: c for c in channels}
    report = SweepReport(at=now)
    if heartbeat:
        _beat(store, now, by, name, "sweeping")
    if case_events:
        try:
            report.fired += handle_case_events(store, config, outbox, now, by=by)
        except Exception as exc:
            log.exception("case events failed")
            report.errors.append(f"case events: {type(exc).__name__}: {exc}")
        try:
            report.fired += alert_dead_letters(store, outbox, now, by=by)
            report.fired += alert_failing_sources(store, outbox, now, by=by)
        except Exception as exc:
            log.exception("dead-letter alerts failed")
            report.errors.append(f"dead letters: {type(exc).__name__}: {exc}")
    if escalation:
        escalate(store, outbox, now, by=by, config_loader=lambda: config, report=report)
    if deliver_now:
        try:
            rep = deliver(store, channels, outbox.channels, now=now)
            report.deliveries = rep.as_dict()
            report.errors += rep.errors
        except Exception as exc:
            log.exception("delivery failed")
            report.errors.append(f"delivery: {type(exc).__name__}: {exc}")
    if heartbeat:
        _beat(store, now, by, name, "ok" if not report.errors else "errors", report.summary())
    return report


def _beat(store, now: datetime, by: str, name: str, state: str, summary: dict | None = None) -> None:
    try:
        store.heartbeat(name, {"by": by, "state": state, "sweep_at": now.isoformat(), **(summary or {})})
    except Exception:
        log.exception("heartbeat failed")


def describe(r: SweepReport) -> str:
    d = r.deliveries or {}
    return (f"扫描完成：时限 {r.clocks} 个，触发 {len(r.fired)} 次（逾期 {len(r.late)}，视为同意 {len(r.consents)}），"
            f"催办 {len(r.reminders)} 次，逐级升级 {len(r.climbs)} 次，催办汇总 {len(r.digests)} 份，已触发跳过 {r.already} 次；投递 成功 {d.get('sent', 0)}、"
            f"待重试 {d.get('retry', 0)}、失败 {d.get('failed', 0)}、并入汇总 {d.get('folded', 0)}、"
            f"改用其他渠道 {d.get('fallbacks', 0)}" + (f"；错误 {len(r.errors)}" if r.errors else ""))

