"""Delivery from the outbox: every alert reaches its recipient on a channel, at least once.

Per due delivery (pending and not backing off, or `sending` with an expired lease: the process
sending it died), grouped by channel and address:
- **rate limits** (after GoAlert's per-contact limits): a channel's `rate_per_minute` per address
  (robots allow about 20 a minute). When more are due than the limit allows, the surplus is
  folded into one digest message instead of being dropped or delayed without end;
- **claim**: a conditional update sets `sending` and a lease, so of two processes exactly one
  sends; then the channel's `send`; then the outcome, in one unit with its attempt log row;
- **retries** back off (1, 2, 4 … minutes, capped) on a retryable error; a permanent error or
  `max_attempts` marks the delivery failed;
- **fallback**: a delivery failed for good, or failing longer than `fallback_minutes`, makes a
  delivery on the next enabled channel the recipient can be reached on (ending, say, in SMS),
  once per alert and channel; a failing channel never blocks the others (each group is apart).
"""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Mapping

from yuqing import vocab
from yuqing.records import Alert, Attempt, Case, Delivery
from yuqing.seams import AlertMessage, Recipient, SendResult
from yuqing.timeutil import fmt_local

log = logging.getLogger("yuqing.delivery")
LEASE = timedelta(minutes=10)
WINDOW = timedelta(minutes=1)
SMS_LIMIT = 70


@dataclass
class DeliveryReport:
    sent: int = 0
    retry: int = 0
    failed: int = 0
    folded: int = 0
    digests: int = 0
    fallbacks: int = 0
    waiting: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {"sent": self.sent, "retry": self.retry, "failed": self.failed, "folded": self.folded,
                "digests": self.digests, "fallbacks": self.fallbacks, "waiting": self.waiting}


def case_link(base: str | None, case: Case | None) -> str | None:
    if not base or case is None:
        return None
    return f"{base.rstrip('/')}/?case={case.number or case.event_id}"


def message_of(alert: Alert, case: Case | None, *, link_base: str | None = None) -> AlertMessage:
    """The channel-neutral message of an alert (texts rendered when the alert was written)."""
    lines: list[tuple[str, str]] = []
    if case is not None:
        lines = [("案件编号", case.number or "—"), ("级别", case.severity + ("（重大突发事件）" if case.emergency else "")),
                 ("第一责任单位", case.first_responsible or "待分派（区政府办公室）"),
                 ("首发时间", fmt_local(case.first_published_at))]
    lines.append(("接收", f"{alert.unit}（{alert.role}）" if alert.role != alert.unit else alert.unit))
    lead = next((p for p in alert.body.split("\n\n")[1:2]), "").strip()
    if lead:
        lines.insert(0, ("事由", lead))
    return AlertMessage(alert_id=alert.id, key=alert.dedup_key, kind=alert.kind,
                        kind_label=vocab.label(vocab.ALERT_KINDS, alert.kind, "提醒"),
                        recipient=Recipient(int(alert.level) if alert.level.isdigit() else None, alert.unit, alert.role),
                        subject=alert.subject, body=alert.body, short=alert.short or alert.subject[:SMS_LIMIT],
                        lines=lines, link=case_link(link_base, case), severity=case.severity if case else None,
                        created_at=alert.created_at)


def digest_message(alerts: list[Alert], cases: Mapping[str, Case], *, link_base: str | None = None) -> AlertMessage:
    """One message for several alerts to one address (rate limit): each in one line."""
    first = alerts[0]
    n = len(alerts)
    rows = []
    for a in alerts:
        c = cases.get(a.case_id) if a.case_id else None
        rows.append((vocab.label(vocab.ALERT_KINDS, a.kind, "提醒"),
                     (f"{c.number} " if c is not None and c.number else "") + (c.title if c is not None else a.subject)[:40]))
    body = f"{first.unit}（{first.role}）：\n\n短时间内有 {n} 条提醒，合并发送如下：\n" + "\n".join(
        f"{i}. 【{k}】{t}" for i, (k, t) in enumerate(rows, 1)) + "\n\n请登录舆情系统逐条查看并签收。\n"
    key = "digest|" + "|".join(str(a.id) for a in alerts)
    return AlertMessage(alert_id=first.id, key=key[:400], kind="digest", kind_label=vocab.ALERT_KINDS["digest"],
                        recipient=Recipient(None, first.unit, first.role),
                        subject=f"【{vocab.ALERT_KINDS['digest']}】{n}条提醒待查看", body=body,
                        short=f"【舆情】您有{n}条新提醒，请登录系统查看签收"[:SMS_LIMIT], lines=rows,
                        link=link_base, created_at=first.created_at)


def _rate(channel: Any, default: int | None) -> int | None:
    r = getattr(channel, "rate_per_minute", None)
    return r if r else default


def next_channel(cfg, channels: Mapping[str, Any], failed: str, to: Recipient, taken: set[str]) -> tuple[str, str] | None:
    """The next enabled channel after `failed` on which the recipient has an address."""
    order = [c for c in cfg.enabled if c in channels and c != "inbox"]
    after = order[order.index(failed) + 1:] if failed in order else order
    for name in after:
        if name in taken:
            continue
        addr = channels[name].address(to)
        if addr:
            return name, addr
    return None


def deliver(store, channels: Mapping[str, Any], cfg, *, now: datetime | None = None, limit: int = 500) -> DeliveryReport:
    """One delivery pass at `now` (see the module doc)."""
    now = now or store.clock.now()
    rep = DeliveryReport()
    with store.reader() as r:
        due = r.deliveries.due(now, list(channels), limit)
        rows = {d.id: d for d in (r.deliveries.get(i) for i, _, _ in due)}
    groups: dict[tuple[str, str | None], list[tuple[int, str, int]]] = defaultdict(list)
    for did, status, attempts in due:
        d = rows[did]
        groups[(d.channel, d.address)].append((did, status, attempts))
    for (channel_name, address), todo in groups.items():
        try:
            _deliver_group(store, channels, cfg, channel_name, address, todo, now, rep)
        except Exception as exc:      # one channel's trouble never stops the others
            log.exception("delivery on %s failed", channel_name)
            rep.errors.append(f"{channel_name}: {type(exc).__name__}: {exc}")
    return rep


def _recent_sends(store, channel: str, address: str | None, now: datetime) -> tuple[int, datetime | None]:
    with store.reader() as r:
        return r.deliveries.sent_since(channel, address, now - WINDOW)


def _deliver_group(store, channels, cfg, channel_name: str, address: str | None, todo, now: datetime,
                   rep: DeliveryReport) -> None:
    channel = channels[channel_name]
    rate = _rate(channel, cfg.default_rate_per_minute)
    single, fold = todo, []
    if rate is not None:
        recent, oldest = _recent_sends(store, channel_name, address, now)
        allowance = max(rate - recent, 0)
        if allowance == 0:
            wait_until = (oldest + WINDOW) if oldest else now + WINDOW
            with store.transaction() as tx:
                for did, status, attempts in todo:
                    if status == "pending":
                        tx.deliveries.finish(did, attempt=None, next_attempt_at=wait_until)
            rep.waiting += len(todo)
            return
        if len(todo) > allowance:
            # keep the oldest as themselves, fold the rest into one message: nothing is dropped
            single, fold = todo[:allowance - 1], todo[allowance - 1:]
    for did, status, attempts in single:
        _send_one(store, channels, cfg, channel, did, status, attempts, now, rep)
    if len(fold) == 1:
        _send_one(store, channels, cfg, channel, *fold[0], now, rep)
    elif fold:
        _send_digest(store, channels, cfg, channel, fold, now, rep)


def _claim(store, did: int, status: str, attempts: int, now: datetime, lease: timedelta = LEASE) -> bool:
    with store.transaction() as tx:
        return tx.deliveries.claim(did, status, attempts, now, now + lease)


def _send_one(store, channels, cfg, channel, did: int, status: str, attempts: int, now: datetime,
              rep: DeliveryReport) -> None:
    if not _claim(store, did, status, attempts, now, _lease(cfg)):
        return                                # another process took it
    with store.reader() as r:
        d = r.deliveries.get(did)
        alert = r.alerts.get(d.alert_id)
        case = r.cases.get(alert.case_id) if alert.case_id else None
    result = _send(channel, message_of(alert, case, link_base=cfg.link_base), d.address)
    _outcome(store, channels, cfg, d, alert, attempts + 1, result, now, rep)


def _send_digest(store, channels, cfg, channel, fold, now: datetime, rep: DeliveryReport) -> None:
    claimed = [(did, attempts) for did, status, attempts in fold
               if _claim(store, did, status, attempts, now, _lease(cfg))]
    if not claimed:
        return
    with store.reader() as r:
        ds = [r.deliveries.get(did) for did, _ in claimed]
        alerts = [r.alerts.get(d.alert_id) for d in ds]
        cases = r.cases.by_ids(a.case_id for a in alerts if a.case_id)
    msg = digest_message(alerts, cases, link_base=cfg.link_base)
    result = _send(channel, msg, ds[0].address)
    if result.ok:
        with store.transaction() as tx:
            for (did, attempts), d in zip(claimed, ds):
                tx.deliveries.log_attempt(Attempt(delivery_id=did, at=now, ok=True,
                                                  status=f"并入汇总（{len(ds)}条）：{result.status}"[:200]))
                tx.deliveries.finish(did, attempt=attempts + 1, status="folded", sent_at=now, last_error=None,
                                     lease_until=None, next_attempt_at=None)
        rep.digests += 1
        rep.folded += len(ds)
        return
    for (did, attempts), d, a in zip(claimed, ds, alerts):
        _outcome(store, channels, cfg, d, a, attempts + 1, result, now, rep)


def _lease(cfg) -> timedelta:
    return timedelta(seconds=getattr(cfg, "lease_seconds", LEASE.total_seconds()))


def _send(channel, message: AlertMessage, address: str | None) -> SendResult:
    if not address:
        return SendResult.failed("no address", retryable=False, status="no address")
    try:
        return channel.send(message, address)
    except Exception as exc:        # a channel bug must not stop delivery: retried, logged
        log.exception("channel %s raised", channel.name)
        return SendResult.failed(f"{type(exc).__name__}: {exc}", retryable=True, status="exception")


def _outcome(store, channels, cfg, d: Delivery, alert: Alert, attempt: int, result: SendResult, now: datetime,
             rep: DeliveryReport) -> None:
    with store.transaction() as tx:
        tx.deliveries.log_attempt(Attempt(delivery_id=d.id, at=now, ok=result.ok, retryable=result.retryable,
                                          error=(result.error or None) and result.error[:2000],
                                          status=(result.status or "")[:200]))
        if result.ok:
            # sent: recorded even if our lease had expired meanwhile (at least once)
            tx.deliveries.finish(d.id, attempt=None, status="sent", sent_at=now, last_error=None,
                                 lease_until=None, next_attempt_at=None)
            rep.sent += 1
            return
        error = (result.error or "failed")[:2000]
        give_up = not result.retryable or (cfg.max_attempts and attempt >= cfg.max_attempts)
        if give_up:
            ok = tx.deliveries.finish(d.id, attempt=attempt, status="failed", last_error=error, lease_until=None,
                                      next_attempt_at=None)
            rep.failed += 1
            log.error("delivery %s (%s) failed for good: %s", d.id, d.channel, error)
        else:
            wait = cfg.retry_delay(attempt)
            ok = tx.deliveries.finish(d.id, attempt=attempt, status="pending", last_error=error, lease_until=None,
                                      next_attempt_at=now + wait)
            rep.retry += 1
            log.warning("delivery %s (%s) failed (attempt %d), retry in %s: %s", d.id, d.channel, attempt, wait, error)
        if not ok:
            log.warning("delivery %s: lease expired during attempt %d; the newer attempt's outcome stands", d.id, attempt)
            return
        long_failing = now - alert.created_at >= timedelta(minutes=cfg.fallback_minutes)
        if d.channel != "inbox" and (give_up or long_failing):
            to = Recipient(None, alert.unit, alert.role)
            taken = {x.channel for x in tx.deliveries.of_alerts([alert.id]).get(alert.id, [])}
            nxt = next_channel(cfg, channels, d.channel, to, taken)
            if nxt is not None:
                tx.add(Delivery(alert_id=alert.id, channel=nxt[0], address=nxt[1], status="pending",
                                fallback_of=d.id))
                rep.fallbacks += 1
                log.warning("alert %s: %s failing, falling back to %s", alert.id, d.channel, nxt[0])
