"""Alert channels behind the `Channel` seam (yuqing.seams), one module each, as a registry.

A channel module defines its config model `Config` (its section of channels.yaml, validated on
load), a factory `from_config(config, settings, environ)` that raises NotConfigured when it
cannot work, the address of a recipient, and `send` within the channel's limits. Adding a
channel is one module plus one `register_channel` line (or a call from a plugin) plus config:

    register_channel("wxwork_app", "mypkg.channels.wxwork_app:WxworkAppChannel")
"""
from __future__ import annotations

import importlib
import logging
import os
from typing import Any, Mapping

from yuqing.seams import NotConfigured

log = logging.getLogger("yuqing.channels")

_REGISTRY: dict[str, str] = {}


def register_channel(name: str, dotted: str) -> None:
    """Declare a channel kind: its name in channels.yaml and its class ("module:Class")."""
    _REGISTRY[name] = dotted


def registered() -> dict[str, str]:
    return dict(_REGISTRY)


def channel_class(name: str):
    dotted = _REGISTRY.get(name)
    if dotted is None:
        raise KeyError(f"unknown channel {name!r}; known: {', '.join(sorted(_REGISTRY))}")
    module, _, cls = dotted.partition(":")
    return getattr(importlib.import_module(module), cls)


def config_model(name: str):
    """The channel's config model: the `Config` of its module."""
    module = _REGISTRY[name].partition(":")[0]
    return getattr(importlib.import_module(module), "Config")


for _name, _path in (("inbox", "responders.channels.inbox:InboxChannel"),
                     ("email", "responders.channels.smtp:SmtpChannel"),
                     ("wecom", "responders.channels.wecom:WecomChannel"),
                     ("dingtalk", "responders.channels.dingtalk:DingtalkChannel"),
                     ("feishu", "responders.channels.feishu:FeishuChannel"),
                     ("sms", "responders.channels.sms:SmsChannel")):
    register_channel(_name, _path)


def build_channels(config, settings: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The enabled channels that can work, in the configured order (the fallback order). A channel
    that cannot (NotConfigured: no SMTP host, no robot key in the environment) is logged and left
    out; the inbox is always there."""
    from responders.channels.config import ChannelsConfig
    ch = ChannelsConfig.load(config)
    env = os.environ if environ is None else environ
    out: dict[str, Any] = {}
    for name in ch.enabled:
        try:
            out[name] = channel_class(name).from_config(ch.section(name), settings, env)
        except NotConfigured as exc:
            log.warning("alert channel %s is off: %s", name, exc)
    if "inbox" not in out:
        out = {"inbox": channel_class("inbox").from_config(None, settings, env), **out}
    log.info("alert channels on: %s", ", ".join(out))
    return out


__all__ = ["build_channels", "channel_class", "config_model", "register_channel", "registered"]
