"""Email over SMTP against a real aiosmtpd server on 127.0.0.1: plain, STARTTLS and implicit TLS
with a self-signed certificate made here, login, and the server's answers classified."""
from __future__ import annotations

import datetime as dt
import email
import ipaddress
import logging
import socket
import ssl
import subprocess
from email.header import decode_header, make_header
from pathlib import Path

import pytest
import yaml
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from responders.channels.smtp import Config, SmtpChannel, message_id
from yuqing.seams import AlertMessage, Channel, NotConfigured, Recipient

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Sm7p-pa55word-for-yuqing"
NANXING = Recipient(1, "南星街道", "信息发布联络员")
LINK = "http://127.0.0.1:8501/?case=ev1-1"


def alert(**kw) -> AlertMessage:
    d = dict(alert_id=5, key="case:ev1-1:warn60:statement#0", kind="warn60", kind_label="临期提醒",
             recipient=NANXING, subject="【临期提醒】首次回应剩余1小时：望江路小区电梯困人",
             body="南星街道（信息发布联络员）：\n\n事件：望江路小区电梯困人一小时无人处理\n级别：一般\n\n请登录舆情系统签收。",
             short="【临期提醒】电梯困人，剩余1小时", link=LINK, severity="一般")
    d.update(kw)
    return AlertMessage(**d)


# ------------------------------------------------------------------------------ certificate
@pytest.fixture(scope="module")
def cert(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost: (certificate, key) PEM files."""
    d = tmp_path_factory.mktemp("tls")
    crt, key = d / "cert.pem", d / "key.pem"
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:                  # the system's openssl instead
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(crt),
                        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"], check=True, capture_output=True)
        return crt, key
    pk = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    c = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(pk.public_key())
         .serial_number(x509.random_serial_number())
         .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=2))
         .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                     x509.DNSName("localhost")]), critical=False)
         .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(pk.public_key()), critical=False)
         .sign(pk, hashes.SHA256()))
    crt.write_bytes(c.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(pk.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()))
    return crt, key


def server_context(cert) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(*map(str, cert))
    return ctx


# ------------------------------------------------------------------------------ server
class Sink:
    """Records what arrives; answers `rcpt` for RCPT TO and `data` for DATA."""

    def __init__(self):
        self.messages: list[tuple[list[str], bytes, bool]] = []
        self.rcpt = "250 OK"
        self.data = "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if not self.rcpt.startswith("250"):
            return self.rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if not self.data.startswith("250"):
            return self.data
        self.messages.append((envelope.rcpt_tos, envelope.content, session.ssl is not None))
        return "250 OK"


class Logins:
    def __init__(self):
        self.seen: list[tuple[str, str]] = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        assert isinstance(auth_data, LoginPassword)
        self.seen.append((auth_data.login.decode(), auth_data.password.decode()))
        ok = auth_data.password.decode() == PASSWORD
        return AuthResult(success=ok, handled=False)   # not handled: aiosmtpd answers 535 itself


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtpd():
    """Start servers with smtpd(**aiosmtpd options); returns (sink, port, logins); stopped after."""
    started = []

    def start(**kw):
        sink, logins, port = Sink(), Logins(), free_port()
        if kw.pop("auth", False):
            kw.update(authenticator=logins, auth_required=True)
        ctl = Controller(sink, hostname="127.0.0.1", port=port, **kw)
        ctl.start()
        started.append(ctl)
        return sink, port, logins
    yield start
    for ctl in started:
        ctl.stop()


def settings(port, user=""):
    return {"ALERT_SMTP_HOST": "127.0.0.1", "ALERT_SMTP_PORT": port, "ALERT_SMTP_USER": user,
            "ALERT_SMTP_FROM": "舆情系统 <yuqing@example.gov.cn>"}


def channel(port, user="", env=None, **cfg) -> SmtpChannel:
    cfg.setdefault("timeout", 5)
    cfg.setdefault("addresses", [{"unit": "南星街道", "role": "信息发布联络员", "email": "liaison@nanxing.example.gov.cn"}])
    env = {"YUQING_ALERT_SMTP_PASSWORD": PASSWORD} if env is None else env
    return SmtpChannel.from_config(Config(**cfg), settings(port, user), env)


def parsed(raw: bytes):
    msg = email.message_from_bytes(raw)
    return msg, str(make_header(decode_header(msg["Subject"]))), msg.get_payload(decode=True).decode(msg.get_content_charset())


# ------------------------------------------------------------------------------ delivery
def test_message_arrives_with_subject_body_and_headers(smtpd):
    sink, port, _ = smtpd()
    ch = channel(port)
    assert isinstance(ch, Channel) and (ch.name, ch.label, ch.tls) == ("email", "电子邮件", "none")
    r = ch.send(alert(), ch.address(NANXING))
    assert r.ok, r
    ch.send(alert(), ch.address(NANXING))        # a retry of the same alert …
    (rcpts, raw, tls), (_, raw2, _) = sink.messages
    assert rcpts == ["liaison@nanxing.example.gov.cn"] and not tls
    msg, subject, body = parsed(raw)
    assert subject == "【临期提醒】首次回应剩余1小时：望江路小区电梯困人"
    assert body.startswith("南星街道（信息发布联络员）：\n\n事件：望江路小区电梯困人一小时无人处理\n级别：一般\n")
    assert f"详情：{LINK}" in body and "请勿直接回复" in body
    assert msg["X-Yuqing-Alert"] == "case:ev1-1:warn60:statement#0"
    assert msg["Message-ID"] == message_id("case:ev1-1:warn60:statement#0", "yuqing@example.gov.cn")
    assert msg["Message-ID"].endswith("@example.gov.cn>")
    assert email.message_from_bytes(raw2)["Message-ID"] == msg["Message-ID"]   # … is recognisably the same
    assert msg["Auto-Submitted"] == "auto-generated" and msg["To"] == "liaison@nanxing.example.gov.cn"
    other = message_id("case:ev1-1:warn60:statement#1", "yuqing@example.gov.cn")
    assert other != msg["Message-ID"]


def test_line_break_in_subject_cannot_add_a_header(smtpd):
    sink, port, _ = smtpd()
    assert channel(port).send(alert(subject="电梯困人\r\nBcc: all@example.org"), "liaison@nanxing.example.gov.cn").ok
    msg, subject, _ = parsed(sink.messages[0][1])
    assert msg["Bcc"] is None and subject == "电梯困人 Bcc: all@example.org"


def test_starttls_with_login(smtpd, cert):
    sink, port, logins = smtpd(tls_context=server_context(cert), require_starttls=True, auth=True)
    ch = channel(port, user="yuqing", ca_file=str(cert[0]))
    assert ch.tls == "starttls"                  # a user logs in: STARTTLS unless told otherwise
    r = ch.send(alert(), "liaison@nanxing.example.gov.cn")
    assert r.ok, r
    assert logins.seen == [("yuqing", PASSWORD)] and sink.messages[0][2]   # logged in, over TLS


def test_starttls_certificate_not_trusted_is_retryable(smtpd, cert):
    sink, port, _ = smtpd(tls_context=server_context(cert), require_starttls=True)
    r = channel(port, tls="starttls").send(alert(), "liaison@nanxing.example.gov.cn")   # system CAs only
    assert not r.ok and r.retryable and "CERTIFICATE_VERIFY_FAILED" in r.error and sink.messages == []
    # verify: false takes it (logged as a warning when built)
    assert channel(port, tls="starttls", verify=False).send(alert(), "liaison@nanxing.example.gov.cn").ok


# aiosmtpd warns about AUTH without STARTTLS; here the whole connection is TLS already
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_implicit_tls(smtpd, cert):
    sink, port, logins = smtpd(ssl_context=server_context(cert), auth=True, auth_require_tls=False)
    ch = channel(port, user="yuqing", tls="ssl", ca_file=str(cert[0]))
    r = ch.send(alert(), "liaison@nanxing.example.gov.cn")
    assert r.ok, r
    assert logins.seen == [("yuqing", PASSWORD)] and len(sink.messages) == 1
    # plain SMTP against the TLS port: no greeting it can read → retryable, not a crash
    assert channel(port, tls="none", timeout=1).send(alert(), "liaison@nanxing.example.gov.cn").retryable


def test_starttls_asked_of_a_server_without_it_is_permanent(smtpd):
    _, port, _ = smtpd()
    r = channel(port, tls="starttls").send(alert(), "liaison@nanxing.example.gov.cn")
    assert not r.ok and not r.retryable and "not supported" in r.error


# ------------------------------------------------------------------------------ answers
@pytest.mark.parametrize("step,answer,retryable", [
    ("data", "451 4.3.0 Try again later", True),
    ("data", "552 5.3.4 Message too big", False),
    ("rcpt", "550 5.1.1 No such user", False),
    ("rcpt", "450 4.2.0 Greylisted, come back later", True),
])
def test_server_answers_are_classified(smtpd, step, answer, retryable):
    sink, port, _ = smtpd()
    setattr(sink, step, answer)
    r = channel(port).send(alert(), "liaison@nanxing.example.gov.cn")
    assert not r.ok and r.retryable is retryable and answer.split()[0] in r.error + r.status, r
    assert sink.messages == []


def test_wrong_password_is_permanent_and_never_shown(smtpd, cert, caplog):
    caplog.set_level(logging.DEBUG)
    _, port, logins = smtpd(tls_context=server_context(cert), require_starttls=True, auth=True)
    wrong = "wrong-password-0123456789"
    r = channel(port, user="yuqing", ca_file=str(cert[0]),
                env={"YUQING_ALERT_SMTP_PASSWORD": wrong}).send(alert(), "liaison@nanxing.example.gov.cn")
    assert not r.ok and not r.retryable and r.status == "535", r
    assert logins.seen and set(logins.seen) == {("yuqing", wrong)}   # smtplib tries PLAIN, then LOGIN
    assert wrong not in r.error and wrong not in caplog.text


def test_server_down_is_retryable():
    r = channel(free_port()).send(alert(), "liaison@nanxing.example.gov.cn")
    assert not r.ok and r.retryable and "ConnectionRefused" in r.error


# ------------------------------------------------------------------------------ configuration
def test_not_configured():
    with pytest.raises(NotConfigured, match="no email section"):
        SmtpChannel.from_config(None, settings(25), {})
    with pytest.raises(NotConfigured, match="ALERT_SMTP_HOST"):
        SmtpChannel.from_config(Config(), {**settings(25), "ALERT_SMTP_HOST": ""}, {})
    with pytest.raises(NotConfigured, match="switched off"):
        channel(25, enabled=False)
    with pytest.raises(NotConfigured, match="YUQING_ALERT_SMTP_PASSWORD"):
        channel(25, user="yuqing", env={})
    with pytest.raises(NotConfigured, match="unencrypted"):
        channel(25, user="yuqing", tls="none")


def test_addresses_match_the_current_email_config():
    """The repository's `email` section is valid here and gives each recipient its address."""
    section = yaml.safe_load((ROOT / "config" / "channels.yaml").read_text(encoding="utf-8"))["email"]
    ch = SmtpChannel.from_config(Config.model_validate(section), settings(25), {})
    assert ch.address(Recipient(1, "湖滨街道", "主要负责人")) == "head@hubin.example.gov.cn"
    assert ch.address(Recipient(1, "区政府", "区政府分管领导")) == "leader@qzf.example.gov.cn"
    assert ch.address(Recipient(1, "南星街道", "未知角色")) is None
    assert ch.address(NANXING) == "liaison@nanxing.example.gov.cn"
    assert ch.address(Recipient(1, "区政府办公室", "信息发布联络员")) == "yuqing-duty@qzfb.example.gov.cn"
    assert ch.address(Recipient(1, "不存在的单位", "信息发布联络员")) is None
