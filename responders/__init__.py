"""Responders: alerts, escalation, the unit's workflow and timeliness reporting (rulebook §4–§6).

- `responders.dispatch.on_case_change` — the worker's hook (new case, level raised, emergency).
- `responders.scheduler.sweep` — one sweep of due clocks, escalations, reminders and deliveries.
- `responders.workflow` — acknowledge, 三审三校, publish, press conference, clocks, close/reopen.
- `responders.stats.timeliness` / `responders.report` — §6 statistics and the period report.
"""

from yuqing.config.loader import REPO_CONFIG, Section, register_section

register_section(Section("channels", "channels.yaml", "responders.channels.config:ChannelsConfig", False,
                         "alert channels, addresses, rate limits and the escalation timing",
                         REPO_CONFIG / "channels.yaml"))
register_section(Section("release", "release.yaml", "responders.review:ReleaseConfig", False,
                         "review before release (sensitive words, link whitelist) and the accounts whose "
                         "official items are suspected releases", REPO_CONFIG / "release.yaml"))
