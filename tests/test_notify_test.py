"""`yuqing notify-test UNIT` against a local robot and SMS gateway: one test message per channel and
role configured for the unit, a status line each, no secret printed, exit 1 when one failed."""
from __future__ import annotations

import io

import pytest
import yaml

from tests.servers.webhook import Answer, WebhookServer
from yuqing.app.cli import main

pytestmark = pytest.mark.integration
KEY = "693a91f6-7a1e-4bc4-97a0-0ec2sifa5aaa"
SMS_KEY = "sk-live-4f9d2c7e8a1b3c5d"


@pytest.fixture
def setup(config_dir, monkeypatch):
    with WebhookServer() as server:
        ch = yaml.safe_load((config_dir / "channels.yaml").read_text(encoding="utf-8"))
        ch["enabled"] = ["inbox", "wecom", "dingtalk", "sms"]
        ch["wecom"] = {"base_url": server.url, "timeout": 2,
                       "robots": [{"unit": "南星街道", "role": "信息发布联络员", "webhook_env": "YUQING_TEST_WECOM"}]}
        ch["dingtalk"] = {"base_url": server.url, "robots": [
            {"unit": "南星街道", "role": "信息发布联络员", "token_env": "YUQING_TEST_DING", "secret_env": "YUQING_TEST_DING_S"}]}
        ch["sms"] = {"base_url": server.url, "api_key_env": "YUQING_TEST_SMS", "sign_name": "上城区舆情",
                     "phones": [{"unit": "南星街道", "role": "分管领导", "phone": "13800138000"}]}
        (config_dir / "channels.yaml").write_text(yaml.safe_dump(ch, allow_unicode=True), encoding="utf-8")
        monkeypatch.setenv("YUQING_TEST_WECOM", KEY)
        monkeypatch.setenv("YUQING_TEST_SMS", SMS_KEY)
        monkeypatch.delenv("YUQING_TEST_DING", raising=False)
        yield config_dir, server


def run(config_dir, *args):
    out, err = io.StringIO(), io.StringIO()
    rc = main(["--config", str(config_dir), "notify-test", *args], out=out, err=err)
    return rc, out.getvalue(), err.getvalue()


def test_every_channel_of_the_unit_gets_a_test_message(setup):
    config_dir, server = setup
    server.responder = lambda req: Answer(200, {"errcode": 0, "errmsg": "ok"})
    rc, out, err = run(config_dir, "南星街道")
    assert rc == 0, out + err
    lines = out.splitlines()
    assert lines[0] == "南星街道 通知渠道测试："
    assert any(l.strip().startswith("系统收件箱") and "始终可用" in l for l in lines)
    assert any("企业微信（信息发布联络员） YUQING_TEST_WECOM：已发送" in l for l in lines), out
    assert any("钉钉：未启用" in l and "YUQING_TEST_DING" in l for l in lines), out
    assert any("短信（分管领导） 138****8000：已发送" in l for l in lines), out
    assert KEY not in out + err and SMS_KEY not in out + err and "13800138000" not in out
    posts = {r.path: r for r in server.requests}
    assert set(posts) == {"/cgi-bin/webhook/send", "/sms/send"}
    assert posts["/cgi-bin/webhook/send"].query["key"] == KEY
    assert "通知渠道测试" in posts["/cgi-bin/webhook/send"].json["markdown"]["content"]
    assert "通知渠道测试" in posts["/sms/send"].json["text"]


def test_a_failing_channel_is_reported_and_the_exit_code_says_so(setup):
    config_dir, server = setup
    server.responder = lambda req: (Answer(500, {"error": f"gateway down for key {SMS_KEY}"})
                                    if req.path == "/sms/send" else Answer(200, {"errcode": 0, "errmsg": "ok"}))
    rc, out, err = run(config_dir, "南星街道")
    assert rc == 1
    sms = next(l for l in out.splitlines() if "短信" in l)
    assert "发送失败，可重试" in sms and "HTTP 500" in sms and SMS_KEY not in out
    assert "企业微信（信息发布联络员） YUQING_TEST_WECOM：已发送" in out


def test_an_unknown_unit_is_refused(setup):
    config_dir, _ = setup
    rc, out, err = run(config_dir, "火星街道")
    assert rc == 2 and "未知单位“火星街道”" in err
