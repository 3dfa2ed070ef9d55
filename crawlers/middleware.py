"""Downloader middlewares of the crawl: retries that back off.

Scrapy's RetryMiddleware puts a failed request straight back in the queue; against a server
that is struggling (500, 503, a timeout) an immediate retry adds load just when it hurts. Here a
retry carries `backoff_seconds` (RETRY_BACKOFF_BASE x 2^(n-1), capped at RETRY_BACKOFF_MAX) and
`BackoffMiddleware` waits that long before the retry goes out, without blocking other requests
(an asyncio sleep on Scrapy's asyncio reactor).
"""
from __future__ import annotations

import asyncio

from scrapy.downloadermiddlewares.retry import RetryMiddleware


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 30.0)

    def _retry(self, request, reason):
        retry = super()._retry(request, reason)
        if retry is not None:
            n = retry.meta.get("retry_times", 1)
            retry.meta["backoff_seconds"] = min(self.cap, self.base * 2 ** (n - 1))
        return retry


class BackoffMiddleware:
    """Waits a retry's backoff before it is downloaded."""

    async def process_request(self, request, spider=None):
        delay = request.meta.pop("backoff_seconds", 0)
        if delay:
            await asyncio.sleep(delay)
        return None
