"""Builds ingest from its settings: pool, HTTP app, broker link, outbox relay, poll consumer."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from functools import partial

import aiohttp

from common.amqp.broker import BrokerLink
from common.amqp.consumer import Consumer, Handler
from common.amqp.topology import BACKFILL, POLL_SHOP, RECHECK_OPEN, RECONCILE, QueueSpec
from common.crypto import SecretBox
from common.db.outbox import OutboxRelay
from common.db.pool import application_name, open_pool
from common.installations.models import Installation
from common.kmoshops import KmoShopsClient
from common.logging import get_logger
from common.metrics_probes import queue_probe
from common.runtime import run_until_stopped
from common.web.health import serve
from ingest.backfill import backfill_page
from ingest.polling import PollSettings, poll_shop
from ingest.recheck import recheck_open_orders
from ingest.reconcile import reconcile_shop
from ingest.settings import IngestSettings
from ingest.web.app import create_app

log = get_logger(__name__)


async def main(settings: IngestSettings, stop: asyncio.Event) -> None:
    box = SecretBox(settings.secret_keys)
    async with open_pool(settings, "ingest") as pool, aiohttp.ClientSession() as http:

        def client_for(installation: Installation) -> KmoShopsClient:
            return KmoShopsClient(
                http,
                installation.kmo_base_url,
                installation.kmo_token,
                max_attempts=settings.kmo_max_attempts,
                max_retry_after=settings.kmo_max_retry_after_seconds,
                timeout=settings.kmo_timeout_seconds,
            )

        poll_settings = PollSettings(
            page_size=settings.poll_page_size,
            overlap=timedelta(seconds=settings.poll_overlap_seconds),
        )

        shop = {"pool": pool, "box": box, "client_for": client_for}

        def consumer(queue: QueueSpec, handler: Handler, prefetch: int = 1) -> Consumer:
            return Consumer(queue, dict.fromkeys(queue.routing_keys, handler), prefetch=prefetch)

        consumers = [
            consumer(
                POLL_SHOP,
                partial(poll_shop, settings=poll_settings, **shop),
                settings.consumer_prefetch,
            ),
            consumer(
                RECHECK_OPEN,
                partial(
                    recheck_open_orders,
                    clock=lambda: datetime.now(UTC),
                    long_open=timedelta(days=settings.long_open_days),
                    **shop,
                ),
            ),
            consumer(
                BACKFILL, partial(backfill_page, page_size=settings.backfill_page_size, **shop)
            ),
            consumer(RECONCILE, partial(reconcile_shop, page_size=settings.poll_page_size, **shop)),
        ]
        broker = BrokerLink(settings.amqp_url.get_secret_value(), "ingest", consumers=consumers)
        relay = OutboxRelay(pool, broker.publisher, producer=application_name("ingest"))

        app = create_app(
            settings,
            pool,
            box,
            broker_ready=broker.ready,
            probes=[queue_probe(broker.queue_depths)],
        )
        runner = await serve(app, settings.http_host, settings.http_port)
        log.info("listening", host=settings.http_host, port=settings.http_port)
        await run_until_stopped(stop, [broker.run(stop), relay.run(stop)], cleanup=runner.cleanup)
