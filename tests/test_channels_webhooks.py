"""The group robots (WeCom, DingTalk, Feishu) against a real local HTTP server: payloads, signatures
checked the way the platforms check them, byte limits, retryable vs permanent outcomes, secrets
kept out of every error and log line."""
from __future__ import annotations

import json
import logging
import socket
import time

import pytest
from pydantic import ValidationError

from responders.channels import dingtalk, feishu, wecom
from responders.channels.webhook import TAIL, md_text, mask
from tests.servers.webhook import (Answer, Refused, WebhookServer, dingtalk_responder, feishu_responder,
                                   verify_dingtalk, verify_feishu, wecom_content)
from yuqing.seams import AlertMessage, Channel, NotConfigured, Recipient

pytestmark = pytest.mark.integration

HUBIN = Recipient(1, "湖滨街道", "信息发布联络员")
HUBIN_HEAD = Recipient(3, "湖滨街道", "主要负责人")
WANGJIANG = Recipient(1, "望江街道", "信息发布联络员")
LINK = "http://127.0.0.1:8501/?case=ev1-1"

WECOM_KEY = "693a91f6-7a1e-4bc4-97a0-0ec2sifa5aaa"
DING_TOKEN = "b6a1f0c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0"
DING_SECRET = "SEC1f2e3d4c5b6a79880a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4"
FEISHU_TOKEN = "2c8d3e4f-5a6b-7c8d-9e0f-1a2b3c4d5e6f"
FEISHU_SECRET = "qTz7d1Ss9wX2kLmN4pQrA0"
SECRETS = [WECOM_KEY, DING_TOKEN, DING_SECRET, FEISHU_TOKEN, FEISHU_SECRET]
ENV = {"YUQING_WECOM_HUBIN": WECOM_KEY, "YUQING_DING_HUBIN": DING_TOKEN, "YUQING_DING_HUBIN_SECRET": DING_SECRET,
       "YUQING_FEISHU_HUBIN": FEISHU_TOKEN, "YUQING_FEISHU_HUBIN_SECRET": FEISHU_SECRET}


def alert(**kw) -> AlertMessage:
    d = dict(alert_id=7, key="case:ev1-1:new#1", kind="new_case", kind_label="新舆情", recipient=HUBIN,
             subject="【新舆情】望江路小区电梯困人一小时无人处理",
             body="湖滨街道（信息发布联络员）：\n\n发现一条新舆情，请及时核实处置。\n\n事件：望江路小区电梯困人一小时无人处理\n级别：一般",
             short="【新舆情】望江路小区电梯困人一小时无人处理，请登录系统签收。",
             lines=[("事件", "望江路小区电梯困人一小时无人处理"), ("级别", "一般"), ("第一责任单位", "湖滨街道")],
             link=LINK, severity="一般")
    d.update(kw)
    return AlertMessage(**d)


@pytest.fixture
def server():
    with WebhookServer() as s:
        yield s


def make(kind: str, url: str, env=None, **cfg):
    """One channel pointed at the local server;湖滨街道's liaison and head share the robot,
    望江街道's variable is not set."""
    env = ENV if env is None else env
    if kind == "wecom":
        c = wecom.Config(base_url=url, robots=[
            {"unit": "湖滨街道", "role": "信息发布联络员", "webhook_env": "YUQING_WECOM_HUBIN"},
            {"unit": "湖滨街道", "role": "主要负责人", "webhook_env": "YUQING_WECOM_HUBIN"},
            {"unit": "望江街道", "role": "信息发布联络员", "webhook_env": "YUQING_WECOM_WANGJIANG"}], **cfg)
        return wecom.WecomChannel.from_config(c, {}, env)
    if kind == "dingtalk":
        c = dingtalk.Config(base_url=url, robots=[
            {"unit": "湖滨街道", "role": "信息发布联络员", "token_env": "YUQING_DING_HUBIN",
             "secret_env": "YUQING_DING_HUBIN_SECRET"},
            {"unit": "望江街道", "role": "信息发布联络员", "token_env": "YUQING_DING_WANGJIANG",
             "secret_env": "YUQING_DING_WANGJIANG_SECRET"}], **cfg)
        return dingtalk.DingtalkChannel.from_config(c, {}, env)
    c = feishu.Config(base_url=url, robots=[
        {"unit": "湖滨街道", "role": "信息发布联络员", "hook_env": "YUQING_FEISHU_HUBIN",
         "secret_env": "YUQING_FEISHU_HUBIN_SECRET"},
        {"unit": "望江街道", "role": "信息发布联络员", "hook_env": "YUQING_FEISHU_WANGJIANG",
         "secret_env": "YUQING_FEISHU_WANGJIANG_SECRET"}], **cfg)
    return feishu.FeishuChannel.from_config(c, {}, env)


KINDS = ["wecom", "dingtalk", "feishu"]
OK = {"wecom": {"errcode": 0, "errmsg": "ok"}, "dingtalk": {"errcode": 0, "errmsg": "ok"},
      "feishu": {"code": 0, "data": {}, "msg": "success"}}


def send(ch, msg=None):
    return ch.send(msg or alert(), ch.address(HUBIN))


# ------------------------------------------------------------------------------ payloads
def test_wecom_posts_markdown_with_the_key_from_the_environment(server):
    ch = make("wecom", server.url)
    assert isinstance(ch, Channel) and (ch.name, ch.label, ch.rate_per_minute) == ("wecom", "企业微信", 20)
    # the address names the robot's variable: it can be stored and shown, it is no secret
    assert ch.address(HUBIN) == ch.address(HUBIN_HEAD) == "YUQING_WECOM_HUBIN"
    r = send(ch)
    assert r.ok and r.status == "HTTP 200 errcode 0", r
    req = server.last
    assert req.path == "/cgi-bin/webhook/send" and req.query == {"key": WECOM_KEY}
    assert req.headers["content-type"].startswith("application/json")
    content = wecom_content(req)
    assert content.startswith("**【新舆情】望江路小区电梯困人一小时无人处理**\n")
    assert "> 级别：一般" in content and "> 第一责任单位：湖滨街道" in content
    assert content.endswith(f"[查看详情]({LINK})")


def test_wecom_variable_may_hold_the_whole_webhook_url(server):
    env = {"YUQING_WECOM_HUBIN": f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}"}
    ch = make("wecom", server.url, env)
    assert send(ch).ok
    assert server.last.query == {"key": WECOM_KEY}     # the key taken out, the host kept local


def test_wecom_long_chinese_message_is_cut_to_4096_bytes_on_a_character_boundary(server):
    # 3-byte Chinese, 4-byte emoji and 1-byte ASCII mixed, so that some cut lands inside a character
    body = ("居民反映望江路小区电梯困人一小时无人处理😡 lift 困人" * 200)
    ch = make("wecom", server.url)
    for shift in range(4):                   # move the cut point through every byte offset
        msg = alert(lines=[], body="小" * shift + body)
        assert send(ch, msg).ok
        content = wecom_content(server.last)          # ≤ 4096 bytes, or it raises
        size = len(content.encode("utf-8"))
        assert 4096 - 4 < size <= 4096, size          # as much as fits: no more than one character short
        assert content.endswith(f"{TAIL}\n[查看详情]({LINK})")  # the link survives whole
        head = f"**{md_text(msg.subject)}**\n"
        kept = content[len(head):content.index(TAIL)]
        assert md_text(msg.body).startswith(kept) and len(kept) > 1000
    # a short one is not marked as cut
    send(ch, alert(lines=[], body="电梯困人"))
    assert TAIL not in wecom_content(server.last)


def test_crawled_text_cannot_plant_links_or_mentions(server):
    ch = make("wecom", server.url)
    send(ch, alert(lines=[("事件", "点这里[领补贴](http://evil.example/x) <@all> **紧急**")]))
    content = wecom_content(server.last)
    assert "](http://evil" not in content and "<@all>" not in content and "**紧急**" not in content
    assert content.count("](") == 1                     # only the system's own link


def test_dingtalk_signature_verifies_as_dingtalk_checks_it(server):
    server.responder = dingtalk_responder(DING_SECRET)
    ch = make("dingtalk", server.url)
    assert (ch.name, ch.label, ch.rate_per_minute) == ("dingtalk", "钉钉", 20)
    r = send(ch)
    assert r.ok, r
    req = server.last
    verify_dingtalk(req, DING_SECRET)
    assert req.path == "/robot/send" and req.query["access_token"] == DING_TOKEN
    assert abs(int(req.query["timestamp"]) - time.time() * 1000) < 60_000
    md = req.json["markdown"]
    assert req.json["msgtype"] == "markdown" and md["title"] == "【新舆情】望江路小区电梯困人一小时无人处理"
    assert md["text"].startswith("#### 【新舆情】") and "> 级别：一般\n\n> 第一责任单位" in md["text"]
    assert md["text"].endswith(f"[查看详情]({LINK})")
    with pytest.raises(Refused, match="sign not match"):
        verify_dingtalk(req, "SECanother-secret-entirely")


def test_dingtalk_wrong_secret_or_stale_clock_is_refused_and_permanent(server):
    server.responder = dingtalk_responder(DING_SECRET)
    ch = make("dingtalk", server.url, {**ENV, "YUQING_DING_HUBIN_SECRET": "SECwrong0000000000000000"})
    r = send(ch)
    assert not r.ok and not r.retryable and "310000" in r.status
    with pytest.raises(Refused):
        verify_dingtalk(server.last, DING_SECRET)
    # the right secret but a clock two hours off: refused as DingTalk would
    ch = make("dingtalk", server.url)
    ch.clock = lambda: time.time() - 7200
    r = send(ch)
    assert not r.ok and not r.retryable
    with pytest.raises(Refused, match="more than an hour"):
        verify_dingtalk(server.last, DING_SECRET)


def test_feishu_signature_verifies_as_feishu_checks_it(server):
    server.responder = feishu_responder(FEISHU_SECRET)
    ch = make("feishu", server.url)
    assert (ch.name, ch.label, ch.rate_per_minute) == ("feishu", "飞书", 100)
    r = send(ch, alert(severity="重大"))
    assert r.ok, r
    req = server.last
    verify_feishu(req, FEISHU_SECRET)
    assert req.path == f"/open-apis/bot/v2/hook/{FEISHU_TOKEN}" and req.query == {}
    body = req.json
    assert isinstance(body["timestamp"], str) and abs(int(body["timestamp"]) - time.time()) < 60
    assert body["msg_type"] == "interactive"
    card = body["card"]
    assert card["header"]["title"] == {"tag": "plain_text", "content": "【新舆情】望江路小区电梯困人一小时无人处理"}
    assert card["header"]["template"] == "orange"
    assert card["elements"][0]["text"] == {"tag": "plain_text",
                                           "content": "事件：望江路小区电梯困人一小时无人处理\n级别：一般\n第一责任单位：湖滨街道"}
    assert card["elements"][1]["actions"][0]["url"] == LINK
    with pytest.raises(Refused, match="sign match fail"):
        verify_feishu(req, "another-secret")


def test_feishu_wrong_secret_and_stale_clock_are_refused(server):
    server.responder = feishu_responder(FEISHU_SECRET)
    ch = make("feishu", server.url, {**ENV, "YUQING_FEISHU_HUBIN_SECRET": "not-the-secret"})
    r = send(ch)
    assert not r.ok and not r.retryable and r.status == "HTTP 200 code 19021"
    ch = make("feishu", server.url)
    ch.clock = lambda: time.time() + 3700
    assert not send(ch).ok
    with pytest.raises(Refused, match="more than an hour"):
        verify_feishu(server.last, FEISHU_SECRET)


def test_feishu_long_body_fits_20k_with_header_and_button(server):
    ch = make("feishu", server.url)
    send(ch, alert(lines=[], body='群众反映"电梯"困人\n' * 2000))   # quotes and breaks grow in JSON
    assert len(server.last.raw) <= 20000
    card = server.last.json["card"]
    assert card["elements"][0]["text"]["content"].endswith(TAIL)
    assert card["elements"][1]["actions"][0]["url"] == LINK and len(server.last.raw) > 19000


def test_dingtalk_long_text_is_cut_to_20000_bytes(server):
    server.responder = dingtalk_responder(DING_SECRET)
    ch = make("dingtalk", server.url)
    assert send(ch, alert(lines=[], body="电梯困人无人处理。\n" * 3000)).ok
    text = server.last.json["markdown"]["text"]
    assert 19990 < len(text.encode("utf-8")) <= 20000 and text.endswith(f"{TAIL}\n\n[查看详情]({LINK})")


# ------------------------------------------------------------------------------ outcomes
@pytest.mark.parametrize("kind", KINDS)
def test_server_error_and_rate_limit_status_are_retryable(server, kind):
    ch = make(kind, server.url)
    for status in (500, 502, 503, 429):
        server.answer = Answer(status, {"message": "busy"})
        r = send(ch)
        assert not r.ok and r.retryable and r.status.startswith(f"HTTP {status}"), r
    server.answer = Answer(200, OK[kind])
    assert send(ch).ok                   # and it goes once the server is back


@pytest.mark.parametrize("kind", KINDS)
def test_client_errors_are_permanent(server, kind):
    ch = make(kind, server.url)
    for status in (400, 403, 404):
        server.answer = Answer(status, b"<html>nope</html>")
        r = send(ch)
        assert not r.ok and not r.retryable and r.status == f"HTTP {status}", r


@pytest.mark.parametrize("kind", KINDS)
def test_hanging_server_times_out_as_retryable(server, kind):
    server.answer = Answer(hang=True)
    ch = make(kind, server.url, timeout=0.3)
    t = time.monotonic()
    r = send(ch)
    assert time.monotonic() - t < 3
    assert not r.ok and r.retryable and r.status == "timeout", r


@pytest.mark.parametrize("kind", KINDS)
def test_nothing_listening_is_retryable(kind):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]        # closed again: connections are refused
    r = send(make(kind, f"http://127.0.0.1:{port}"))
    assert not r.ok and r.retryable and r.status == "connection error", r


@pytest.mark.parametrize("kind,code,retryable", [
    ("wecom", 45009, True), ("wecom", -1, True), ("wecom", 93000, False), ("wecom", 40008, False),
    ("dingtalk", 130101, True), ("dingtalk", 310000, False), ("dingtalk", 300001, False),
    ("feishu", 11232, True), ("feishu", 19021, False), ("feishu", 9499, False)])
def test_platform_error_codes_in_a_200_answer(server, kind, code, retryable):
    server.answer = Answer(200, {"code": code, "msg": "x"} if kind == "feishu" else {"errcode": code, "errmsg": "x"})
    r = send(make(kind, server.url))
    assert not r.ok and r.retryable is retryable and str(code) in r.status, r


def test_feishu_old_style_answer_is_read(server):
    server.answer = Answer(200, {"Extra": None, "StatusCode": 0, "StatusMessage": "success"})
    assert send(make("feishu", server.url)).ok
    server.answer = Answer(200, {"StatusCode": 19021, "StatusMessage": "sign match fail"})
    r = send(make("feishu", server.url))
    assert not r.ok and "sign match fail" in r.error


def test_answer_that_is_not_the_platforms_is_not_taken_for_sent(server):
    server.answer = Answer(200, b"<html>portal login</html>")
    r = send(make("wecom", server.url))
    assert not r.ok and not r.retryable and "without errcode" in r.error


def test_redirect_is_not_followed(server):
    server.answer = Answer(302, b"")
    r = send(make("wecom", server.url))
    assert not r.ok and not r.retryable and len(server.requests) == 1


def test_unknown_address_is_refused_without_a_request(server):
    ch = make("wecom", server.url)
    r = ch.send(alert(), "YUQING_SOMETHING_ELSE")
    assert not r.ok and not r.retryable and server.requests == []


# ------------------------------------------------------------------------------ configuration
@pytest.mark.parametrize("kind", KINDS)
def test_missing_variable_means_no_address_logged_once(server, kind, caplog):
    caplog.set_level(logging.WARNING, logger="yuqing.channels")
    ch = make(kind, server.url)
    assert ch.address(HUBIN) is not None
    for _ in range(3):
        assert ch.address(WANGJIANG) is None
    warned = [r for r in caplog.records if "WANGJIANG" in r.getMessage()]
    assert len(warned) == (2 if kind != "wecom" else 1)   # once per missing variable (token, secret)
    assert all("is not set" in r.getMessage() for r in warned)


def test_dingtalk_token_without_its_secret_has_no_address(server):
    env = {k: v for k, v in ENV.items() if k != "YUQING_DING_HUBIN_SECRET"}
    env["YUQING_DING_WANGJIANG"], env["YUQING_DING_WANGJIANG_SECRET"] = "tok", "SECx"
    ch = make("dingtalk", server.url, env)
    assert ch.address(HUBIN) is None and ch.address(WANGJIANG) == "YUQING_DING_WANGJIANG"


@pytest.mark.parametrize("kind", KINDS)
def test_not_configured(server, kind):
    mod = {"wecom": wecom, "dingtalk": dingtalk, "feishu": feishu}[kind]
    cls = {"wecom": wecom.WecomChannel, "dingtalk": dingtalk.DingtalkChannel, "feishu": feishu.FeishuChannel}[kind]
    with pytest.raises(NotConfigured, match="no .* section"):
        cls.from_config(None, {}, ENV)
    with pytest.raises(NotConfigured, match="no robots"):
        cls.from_config(mod.Config(), {}, ENV)
    with pytest.raises(NotConfigured, match="switched off"):
        make(kind, server.url, enabled=False)
    with pytest.raises(NotConfigured, match="none of the environment variables") as e:
        make(kind, server.url, {})
    assert "HUBIN" in str(e.value)


def test_config_is_strict_and_never_echoes_a_pasted_secret():
    with pytest.raises(ValidationError, match="Extra inputs"):
        wecom.Config(robots=[], webhook=f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}")
    for bad in (dict(webhook_env=WECOM_KEY), dict(webhook_env="YUQING_X", key=WECOM_KEY)):
        with pytest.raises(ValidationError) as e:
            wecom.Config(robots=[{"unit": "湖滨街道", "role": "信息发布联络员", **bad}])
        assert WECOM_KEY not in str(e.value) and WECOM_KEY[:12] not in str(e.value)
    with pytest.raises(ValidationError, match="listed twice"):
        wecom.Config(robots=[{"unit": "湖滨街道", "role": "信息发布联络员", "webhook_env": "A"},
                             {"unit": "湖滨街道", "role": "信息发布联络员", "webhook_env": "B"}])
    with pytest.raises(ValidationError, match="two secrets"):
        dingtalk.Config(robots=[{"unit": "a", "role": "r", "token_env": "T", "secret_env": "S1"},
                                {"unit": "b", "role": "r", "token_env": "T", "secret_env": "S2"}])
    with pytest.raises(ValidationError, match="without query"):
        feishu.Config(base_url="https://open.feishu.cn/?x=1")


# ------------------------------------------------------------------------------ secrets
@pytest.mark.parametrize("kind", KINDS)
def test_no_secret_in_any_error_or_log_line(server, kind, caplog):
    caplog.set_level(logging.DEBUG)
    ch = make(kind, server.url, timeout=0.3)
    errors = []
    # a server that echoes the request URL and body back in its error, as some gateways do
    def echo(req):
        return Answer(200, {"errcode": 93000, "code": 19021,
                            "errmsg": f"invalid url /x?{req.raw_query} body={req.raw.decode()}",
                            "msg": f"bad hook {req.path} {req.raw.decode()}"})
    server.responder = echo
    errors.append(send(ch).error)
    own = {"wecom": WECOM_KEY, "dingtalk": DING_TOKEN, "feishu": FEISHU_TOKEN}[kind]
    for ans in (Answer(500, {"errmsg": f"key={own}", "msg": f"token={own}"}),
                Answer(404, f"no robot {own}".encode()), Answer(hang=True)):
        server.responder = None
        server.answer = ans
        errors.append(send(ch).error)
    text = "\n".join(errors) + "\n" + caplog.text + "\n" + json.dumps([r.getMessage() for r in caplog.records])
    assert len([e for e in errors if e]) == 4
    for secret in SECRETS:
        assert secret not in text, f"{mask(secret)} leaked"
    assert mask(own) in errors[0]         # masked, not dropped: the operator sees which key it was


def test_mask_shows_four_characters_at_most():
    assert mask(WECOM_KEY) == "693a****" and mask("short") == "****"
