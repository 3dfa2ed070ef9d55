"""`yuqing notify-test UNIT`: a test message through every channel configured for a unit, sent
now (not through the outbox: the point is to see each channel answer), one row per channel and
role with its status. Addresses are shown masked (phone numbers, robot variables are names, not
secrets); errors come from the channels already redacted of every key."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

from responders.channels import channel_class
from responders.channels.config import LIAISON, ChannelsConfig
from responders.policy import FIRST, chain_targets
from yuqing import vocab
from yuqing.seams import AlertMessage, NotConfigured, Recipient
from yuqing.timeutil import fmt_local


@dataclass
class Row:
    channel: str          # Chinese label
    role: str | None
    address: str | None   # masked
    ok: bool | None       # None: not tried (channel off, no address)
    status: str           # Chinese


def mask_address(addr: str | None) -> str | None:
    if addr is None:
        return None
    if re.fullmatch(r"1\d{10}", addr):
        return addr[:3] + "****" + addr[-4:]
    return addr


def roles_of(unit: str, district, timing) -> list[str]:
    roles = [LIAISON]
    for t in chain_targets(district, timing):
        if t["unit"] in (FIRST, unit) and t["role"] not in roles:
            roles.append(t["role"])
    return roles


def message(unit: str, role: str, now: datetime) -> AlertMessage:
    subject = f"【{vocab.ALERT_KINDS['test']}】舆情系统通知渠道测试"
    body = (f"{unit}（{role}）：\n\n这是一条测试消息，用于确认舆情系统的提醒能送达本渠道，无需处理。\n\n"
            f"发送时间：{fmt_local(now)}\n")
    return AlertMessage(alert_id=0, key=f"notify-test|{unit}|{role}|{now.isoformat()}", kind="test",
                        kind_label=vocab.ALERT_KINDS["test"], recipient=Recipient(None, unit, role),
                        subject=subject, body=body, short=f"【舆情系统】{unit}通知渠道测试，无需回复",
                        lines=[("内容", "通知渠道测试，无需处理"), ("接收", f"{unit}（{role}）"),
                               ("发送时间", fmt_local(now))], created_at=now)


def notify_test(config, settings: Mapping[str, Any], unit: str, now: datetime,
                environ: Mapping[str, str] | None = None) -> list[Row]:
    ch = ChannelsConfig.load(config)
    district = config.district
    if unit not in set(district.unit_names()) | {ch.escalation.district_unit}:
        raise KeyError(unit)
    roles = roles_of(unit, district, ch.escalation)
    rows: list[Row] = []
    for name in ch.enabled:
        cls = channel_class(name)
        label = getattr(cls, "label", name)
        if name == "inbox":
            rows.append(Row(label, None, unit, True, "始终可用：提醒写入数据库即在本单位收件箱可见"))
            continue
        try:
            channel = cls.from_config(ch.section(name), settings, environ)
        except NotConfigured as exc:
            rows.append(Row(label, None, None, None, f"未启用：{_why(exc)}"))
            continue
        reached = False
        for role in roles:
            addr = channel.address(Recipient(None, unit, role))
            if not addr:
                continue
            reached = True
            r = channel.send(message(unit, role, now), addr)
            status = ("已发送" + (f"（{r.status}）" if r.status else "")) if r.ok else \
                ("发送失败" + ("，可重试" if r.retryable else "") + f"：{r.error or r.status}")
            rows.append(Row(label, role, mask_address(addr), r.ok, status))
        if not reached:
            rows.append(Row(label, None, None, None, "本单位在该渠道没有配置地址"))
    return rows


def _why(exc: Exception) -> str:
    text = str(exc)
    return text.split(": ", 1)[1] if ": " in text else text
