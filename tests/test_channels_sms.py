"""The SMS gateway channel against a real local HTTP server: one SMS (≤ 70 characters, the 【签名】
counted), the API key header from the environment, configurable field names and result codes."""
from __future__ import annotations

import logging

import pytest
from pydantic import ValidationError

from responders.channels import sms
from responders.channels.webhook import mask
from tests.servers.webhook import Answer, WebhookServer
from yuqing.seams import AlertMessage, Channel, NotConfigured, Recipient

pytestmark = pytest.mark.integration

KEY = "sk-live-4f9a0c1d2e3b4a5968778695a4b3c2d1"
HUBIN = Recipient(1, "湖滨街道", "信息发布联络员")
NANXING = Recipient(2, "南星街道", "分管领导")
LONG = ("【逾期】南星街道：望江路小区电梯困人一小时无人处理，首次回应时限已逾期2小时，"
        "请立即登录舆情系统签收并处置，逾期将按规定通报。详见 http://127.0.0.1:8501/?case=ev1-1")


def alert(short: str = LONG) -> AlertMessage:
    return AlertMessage(alert_id=3, key="case:ev1-1:overdue#3", kind="overdue", kind_label="已逾期",
                        recipient=NANXING, subject="【已逾期】电梯困人", body="…", short=short)


@pytest.fixture
def server():
    with WebhookServer() as s:
        s.answer = Answer(200, {"code": 0, "message": "OK"})
        yield s


def channel(url, env=None, **kw):
    cfg = dict(base_url=url, sign_name="上城区舆情", phones=[
        {"unit": "南星街道", "role": "分管领导", "phone": "+86 138-0013-8000"},
        {"unit": "湖滨街道", "role": "信息发布联络员", "phone": "13900139000"}])
    cfg.update(kw)
    return sms.SmsChannel.from_config(sms.Config(**cfg), {}, {"YUQING_SMS_API_KEY": KEY} if env is None else env)


def test_gateway_receives_one_sms_and_the_api_key(server):
    ch = channel(server.url)
    assert isinstance(ch, Channel) and (ch.name, ch.label, ch.rate_per_minute) == ("sms", "短信", 1)
    assert ch.address(NANXING) == "13800138000"          # +86 and separators normalised
    r = ch.send(alert(), ch.address(NANXING))
    assert r.ok, r
    req = server.last
    assert req.path == "/sms/send" and req.headers["x-api-key"] == KEY
    body = req.json
    assert body["phone"] == "13800138000" and body["sign_name"] == "上城区舆情"
    # the carrier counts 【上城区舆情】 (7) within the 70: the text gets 63, cut and marked
    assert sms.units(body["text"]) == 63 and body["text"].endswith("…")
    assert sms.units("【上城区舆情】" + body["text"]) <= 70
    assert LONG.startswith(body["text"][:-1])


def test_short_text_is_sent_whole_and_emoji_count_twice(server):
    ch = channel(server.url, sign_name="")
    assert ch.send(alert("【新舆情】电梯困人，请签收。"), "13900139000").ok
    assert server.last.json["text"] == "【新舆情】电梯困人，请签收。" and "sign_name" not in server.last.json
    ch.send(alert("😡" * 40), "13900139000")             # 80 UTF-16 units
    text = server.last.json["text"]
    assert sms.units(text) <= 70 and text == "😡" * 34 + "…"


def test_field_names_header_and_result_code_are_configurable(server):
    ch = channel(server.url, path="/api/v2/message", fields={"phone": "mobile", "text": "content", "sign_name": "sign"},
                 api_key_header="Authorization", api_key_prefix="Bearer ", extra={"template": "ALERT"},
                 result_field="code", result_ok="OK", message_field="message", retryable_codes=["isv.BUSINESS_LIMIT_CONTROL"])
    server.answer = Answer(200, {"code": "OK", "message": "sent"})
    assert ch.send(alert(), "13900139000").ok
    req = server.last
    assert req.path == "/api/v2/message" and req.headers["authorization"] == f"Bearer {KEY}"
    assert set(req.json) == {"mobile", "content", "sign", "template"} and len(req.json["content"]) <= 70
    server.answer = Answer(200, {"code": "isv.BUSINESS_LIMIT_CONTROL", "message": "触发流控"})
    r = ch.send(alert(), "13900139000")
    assert not r.ok and r.retryable and "触发流控" in r.error
    server.answer = Answer(200, {"code": "isv.MOBILE_NUMBER_ILLEGAL", "message": "号码格式错误"})
    r = ch.send(alert(), "13900139000")
    assert not r.ok and not r.retryable


def test_gateway_failures_are_classified_and_the_key_masked(server, caplog):
    caplog.set_level(logging.DEBUG)
    ch = channel(server.url, timeout=0.3)
    server.answer = Answer(503, {"message": f"overloaded for key {KEY}"})
    r = ch.send(alert(), "13900139000")
    assert not r.ok and r.retryable and KEY not in r.error and mask(KEY) in r.error
    server.answer = Answer(401, {"message": f"bad key {KEY}"})
    r = ch.send(alert(), "13900139000")
    assert not r.ok and not r.retryable and KEY not in r.error
    server.answer = Answer(hang=True)
    assert ch.send(alert(), "13900139000").retryable
    assert KEY not in caplog.text


def test_only_configured_numbers_are_sent_to(server):
    ch = channel(server.url)
    r = ch.send(alert(), "13700137000")
    assert not r.ok and not r.retryable and server.requests == []
    assert ch.address(Recipient(1, "清波街道", "信息发布联络员")) is None


def test_not_configured_and_strict_config(server):
    with pytest.raises(NotConfigured, match="YUQING_SMS_API_KEY"):
        channel(server.url, env={})
    with pytest.raises(NotConfigured, match="base_url"):
        channel(None)
    with pytest.raises(NotConfigured, match="switched off"):
        channel(server.url, enabled=False)
    with pytest.raises(NotConfigured, match="no phone"):
        channel(server.url, phones=[])
    with pytest.raises(ValidationError, match="mobile"):
        sms.Config(phones=[{"unit": "湖滨街道", "role": "信息发布联络员", "phone": "0571-87001234"}])
    with pytest.raises(ValidationError) as e:
        sms.Config(api_key_env=KEY)
    assert KEY not in str(e.value)
    with pytest.raises(ValidationError, match="Extra inputs"):
        sms.Config(api_key=KEY)
