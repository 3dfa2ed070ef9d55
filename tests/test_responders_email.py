"""Email alerts reach a real SMTP server (aiosmtpd) started by the test; a down server is retried
with backoff."""
from __future__ import annotations

import email
import socket
from datetime import datetime, timedelta
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from responders.alerts import deliver_pending
from responders.channels.email import EmailNotifier
from responders.channels.inbox import InboxNotifier
from responders.testing import kw_outbox, open_case
from yuqing.config import load_config
from yuqing.store.sql import SqlStore
from yuqing.store.tables import DeliveryRow
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
def env(tmp_path):
    cfg = load_config("config")
    clock = ManualClock(POST + timedelta(hours=1))
    store = SqlStore(f"sqlite:///{tmp_path}/y.db", clock=clock)
    yield cfg, clock, store
    store.close()


def _open(cfg, clock, store):
    from responders.dispatch import on_case_change
    from responders.testing import decision, worker_policy
    dec = decision("ev1", "ev1-1", POST, severity="一般", title="望江路小区电梯困人一小时无人处理")
    ch = store.save_decision(dec, url_key=None, fingerprint=None, policy=worker_policy(cfg))
    on_case_change(store, cfg, dec, ch, clock, outbox=kw_outbox(cfg, ("inbox", "email")))


def test_email_alert_arrives_at_a_real_smtp_server(env):
    cfg, clock, store = env
    sink = Sink()
    port = free_port()
    ctl = Controller(sink, hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        _open(cfg, clock, store)
        notifiers = {"inbox": InboxNotifier(), "email": EmailNotifier("127.0.0.1", port, sender="yuqing@example.gov.cn")}
        counts = deliver_pending(store, notifiers, now=clock.now())
        assert counts == {"sent": 2, "retry": 0, "failed": 0}
    finally:
        ctl.stop()
    assert len(sink.messages) == 1
    rcpts, raw = sink.messages[0]
    assert rcpts == ["liaison@nanxing.example.gov.cn"]
    msg = email.message_from_bytes(raw)
    subject = str(make_header(decode_header(msg["Subject"])))
    assert subject.startswith("【新舆情】") and "电梯困人" in subject
    body = msg.get_payload(decode=True).decode(msg.get_content_charset())
    assert "南星街道（信息发布联络员）" in body and "请登录舆情系统签收" in body
    # delivered once: a second pass sends nothing
    assert deliver_pending(store, notifiers, now=clock.now()) == {"sent": 0, "retry": 0, "failed": 0}


def test_smtp_down_is_retried_with_backoff(env):
    """A failing SMTP delivery waits for its next_attempt_at (1, 2, 4, … minutes), then is retried."""
    cfg, clock, store = env
    port = free_port()
    _open(cfg, clock, store)
    notifiers = {"email": EmailNotifier("127.0.0.1", port, timeout=2)}
    channels = cfg.get("channels")
    assert (channels.retry_minutes, channels.retry_max_minutes) == (1, 30)      # config/channels.yaml

    def go():
        return deliver_pending(store, notifiers, now=clock.now(), channels=channels)

    def row():
        with store.session() as s:
            return s.scalar(select(DeliveryRow).where(DeliveryRow.channel == "email"))

    t0 = clock.now()
    assert go()["retry"] == 1
    d = row()
    assert d.status == "pending" and d.attempts == 1 and "Connection refused" in d.last_error
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
