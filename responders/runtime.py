"""Wiring shared by the worker hook, the scheduler and the CLI: settings, notifiers, the outbox."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from responders.alerts import Outbox
from responders.channels.config import ChannelsConfig
from responders.channels.inbox import InboxNotifier
from yuqing.seams import NotConfigured

log = logging.getLogger("yuqing.responders")


def load_settings(config=None, overrides: dict | None = None):
    from yuqing.config import default_config_dir
    from yuqing.settings import Settings
    cdir = Path(config.dir) if getattr(config, "dir", None) else default_config_dir()
    return Settings.load(cdir, overrides)


def build_notifiers(config=None, settings=None) -> dict[str, Any]:
    """The notifiers of the enabled channels that are configured (email needs ALERT_SMTP_HOST)."""
    ch = ChannelsConfig.load(config)
    settings = settings or load_settings(config)
    out: dict[str, Any] = {"inbox": InboxNotifier()}
    if "email" in ch.enabled:
        from responders.channels.email import EmailNotifier
        try:
            out["email"] = EmailNotifier.from_settings(settings)
        except NotConfigured as exc:
            log.warning("email channel enabled in channels.yaml but not configured: %s; alerts go to the inbox only", exc)
    return out


def build_outbox(config, notifiers: dict[str, Any] | None = None, settings=None) -> Outbox:
    notifiers = notifiers if notifiers is not None else build_notifiers(config, settings)
    return Outbox.from_config(config, active=list(notifiers))
