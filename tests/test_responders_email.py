"""Email alerts reach a real SMTP server (aiosmtpd) started by the test; a down server is retried
with backoff."""
from __future__ import annotations

import email
import socket
from datetime import datetime, timedelta
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from responders.alerts import Outbox
from responders.channels.inbox import InboxChannel
from responders.channels.smtp import SmtpChannel
from responders.delivery import deliver
from tests.helpers import open_case
from yuqing.store.sql import SqlStore
from yuqing.timeutil import SHANGHAI, ManualClock

pytestmark = pytest.mark.integration
POST = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)


class Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def env(tmp_path, cfg, engine):
    clock = ManualClock(POST + timedelta(hours=1))
    store = SqlStore(f"sqlite:///{tmp_path}/y.db", clock=clock)
    yield cfg, clock, store, engine
    store.close()


def smtp(cfg, port, **kw):
    return SmtpChannel.from_config(cfg.get("channels").section("email"),
                                   {"ALERT_SMTP_HOST": "127.0.0.1", "ALERT_SMTP_PORT": port,
                                    "ALERT_SMTP_FROM": "yuqing@example.gov.cn"}, environ={}, **kw)


def _open(cfg, clock, store, engine, channels):
    open_case(store, engine, cfg, clock, "1", POST, title="复兴街小区电梯坏了一周无人修",
              text="南星街道复兴街小区电梯坏了好几天没人修，物业一直推脱，老人上下楼很不方便，希望尽快解决。",
              outbox=Outbox.from_channels(cfg, channels))


def test_email_alert_arrives_at_a_real_smtp_server(env):
    cfg, clock, store, engine = env
    sink = Sink()
    port = free_port()
    ctl = Controller(sink, hostname="127.0.0.1", port=port)
    ctl.start()
    chcfg = cfg.get("channels")
    try:
        notifiers = {"inbox": InboxChannel(), "email": smtp(cfg, port)}
        _open(cfg, clock, store, engine, notifiers)
        with store.reader() as r:
            n_alerts = len(r.alerts.all())
        rep = deliver(store, notifiers, chcfg, now=clock.now())
        assert (rep.sent, rep.retry, rep.failed) == (2 * n_alerts, 0, 0)
    finally:
        ctl.stop()
    assert len(sink.messages) == n_alerts
    rcpts = sorted(r for rs, _ in sink.messages for r in rs)
    assert "liaison@nanxing.example.gov.cn" in rcpts
    raw = next(raw for rs, raw in sink.messages if rs == ["liaison@nanxing.example.gov.cn"])
    msg = email.message_from_bytes(raw)
    subject = str(make_header(decode_header(msg["Subject"])))
    assert subject.startswith("【新舆情】") and "电梯坏了" in subject
    body = msg.get_payload(decode=True).decode(msg.get_content_charset())
    assert "南星街道（信息发布联络员）" in body and "请登录舆情系统签收" in body
    # delivered once: a second pass sends nothing
    assert deliver(store, notifiers, chcfg, now=clock.now()).sent == 0


def test_smtp_down_is_retried_with_backoff(env):
    """A failing SMTP delivery waits for its next_attempt_at (1, 2, 4, … minutes), then is retried."""
    cfg, clock, store, engine = env
    port = free_port()
    notifiers = {"inbox": InboxChannel(), "email": smtp(cfg, port)}
    _open(cfg, clock, store, engine, notifiers)
    with store.transaction() as tx:          # keep one email delivery: the first-responsible's liaison
        for d in tx.deliveries.all():
            if d.channel != "email" or d.address != "liaison@nanxing.example.gov.cn":
                d.status = "sent"
    notifiers = {"email": notifiers["email"]}
    channels = cfg.get("channels")
    assert (channels.retry_minutes, channels.retry_max_minutes) == (1, 30)      # config/channels.yaml

    def go():
        rep = deliver(store, notifiers, channels, now=clock.now())
        return {"sent": rep.sent, "retry": rep.retry, "failed": rep.failed}

    def row():
        with store.reader() as r:
            return next(d for d in r.deliveries.all() if d.channel == "email" and d.status != "sent"
                        or d.address == "liaison@nanxing.example.gov.cn")

    t0 = clock.now()
    assert go()["retry"] == 1
    d = row()
    assert d.status == "pending" and d.attempts == 1 and "refused" in d.last_error.lower()
    assert d.next_attempt_at == t0 + timedelta(minutes=1) and d.lease_until is None
    clock.advance(timedelta(seconds=30))                    # backing off: not attempted
    assert go() == {"sent": 0, "retry": 0, "failed": 0} and row().attempts == 1
    clock.advance(timedelta(seconds=30))                    # due: retried, still down → waits 2 minutes
    assert go()["retry"] == 1
    d = row()
    assert d.attempts == 2 and d.next_attempt_at == clock.now() + timedelta(minutes=2)
    sink = Sink()
    ctl = Controller(sink, hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        clock.advance(timedelta(minutes=1, seconds=59))     # the server is back, but the wait is not over
        assert go() == {"sent": 0, "retry": 0, "failed": 0} and sink.messages == []
        clock.advance(timedelta(seconds=1))
        assert go() == {"sent": 1, "retry": 0, "failed": 0}
    finally:
        ctl.stop()
    assert len(sink.messages) == 1
    d = row()
    assert d.status == "sent" and d.attempts == 3 and d.last_error is None
    assert d.next_attempt_at is None and d.lease_until is None and d.sent_at == clock.now()


def test_retry_delay_doubles_up_to_the_cap():
    from responders.channels.config import ChannelsConfig
    ch = ChannelsConfig()
    assert [ch.retry_delay(n) for n in range(1, 8)] == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 30, 30)]
    assert ch.retry_delay(10_000) == timedelta(minutes=30)
    ch = ChannelsConfig(retry_minutes=0.5, retry_max_minutes=3)
    assert [ch.retry_delay(n) for n in (1, 2, 3, 4, 5)] == [timedelta(seconds=s) for s in (30, 60, 120, 180, 180)]
    with pytest.raises(ValueError, match="retry_max_minutes"):
        ChannelsConfig(retry_minutes=10, retry_max_minutes=5)
