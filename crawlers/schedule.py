"""When each source is crawled: its own interval or crontab, on its own APScheduler job.

`CRAWL_INTERVAL_SECONDS` is a politeness floor, never a cap: a source set to 60 s is crawled every
60 s, and one set to 10 s under a 20 s floor every 20 s. A job never overlaps itself
(max_instances=1) and runs that were missed while one was still going collapse into one
(coalesce): a slow crawl delays the next, it never piles them up.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

JOB_DEFAULTS: dict[str, Any] = {"max_instances": 1, "coalesce": True}


def trigger_for(src, floor: int | float | None, tz):
    """The APScheduler trigger of one source."""
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger
    if src.cron:
        return CronTrigger.from_crontab(src.cron, timezone=tz)
    every = max(src.interval_seconds, floor) if floor else src.interval_seconds
    return IntervalTrigger(seconds=every, timezone=tz)


def schedule_sources(scheduler, sources, job, *, floor, tz, start: datetime | None = None) -> list[str]:
    """One job per enabled source calling `job(key)`; interval sources run first at `start`
    (default: at once), crontab sources at their next time. Returns the job ids."""
    ids = []
    for src in sources:
        if not src.enabled:
            continue
        trig = trigger_for(src, floor, tz)
        kw = dict(JOB_DEFAULTS, misfire_grace_time=max(30, int(getattr(trig, "interval", None).total_seconds())
                                                        if getattr(trig, "interval", None) else 60))
        if not src.cron:
            kw["next_run_time"] = start or datetime.now(tz)      # APScheduler runs on the wall clock
        scheduler.add_job(job, trig, args=[src.key], id=f"crawl:{src.key}", replace_existing=True, **kw)
        ids.append(f"crawl:{src.key}")
    return ids
