from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from aiohttp import web

from common.crypto import SecretBox
from common.db.pool import Pool
from common.web.health import Probe, add_health_routes
from ingest.installations import InstallationCache
from ingest.settings import IngestSettings
from ingest.web.batching import WebhookWrites
from ingest.web.keys import CLOCK, INSTALLATIONS, POOL, SETTINGS, WEBHOOK_WRITES
from ingest.web.webhooks import receive_webhook


def create_app(
    settings: IngestSettings,
    pool: Pool,
    box: SecretBox,
    *,
    broker_ready: Callable[[], bool] = lambda: False,
    clock: Callable[[], float] = time.time,
    probes: Sequence[Probe] = (),
) -> web.Application:
    # A little headroom over the webhook limit so the view, not aiohttp, answers 413
    # with our message for bodies just over it.
    app = web.Application(client_max_size=settings.webhook_max_bytes + 1)
    app[SETTINGS] = settings
    app[POOL] = pool
    app[INSTALLATIONS] = InstallationCache(pool, box, settings.installation_cache_seconds)
    app[CLOCK] = clock
    app[WEBHOOK_WRITES] = WebhookWrites(pool)
    app.router.add_post("/webhooks/kmoshops/{installation}", receive_webhook)
    add_health_routes(app, pool, broker_ready, probes)
    return app
