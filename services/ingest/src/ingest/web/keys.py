"""Typed application keys: what the views find on the app."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from common.db.pool import Pool
from ingest.installations import InstallationCache
from ingest.settings import IngestSettings
from ingest.web.batching import WebhookWrites

SETTINGS = web.AppKey("settings", IngestSettings)
POOL = web.AppKey("pool", Pool)
INSTALLATIONS = web.AppKey("installations", InstallationCache)
CLOCK = web.AppKey("clock", Callable[[], float])
WEBHOOK_WRITES = web.AppKey("webhook_writes", WebhookWrites)
