"""Builds ingest from its settings: pool, HTTP app, broker link, outbox relay, poll consumer."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import aiohttp

from common.amqp.broker import BrokerLink
from common.amqp.consumer import Consumer
from common.amqp.topology import BACKFILL, POLL_SHOP, RECHECK_OPEN
from common.crypto import SecretBox
from common.db.outbox import OutboxRelay
from common.db.pool import application_name, open_pool
from common.installations.models import Installation
from common.kmoshops import KmoShopsClient
from common.logging import get_logger
from common.messages import BackfillOrders, PollShop, RecheckOpenOrders
from common.metrics_probes import queue_probe
from common.runtime import run_until_stopped
from common.web.health import serve
from ingest.backfill import backfill_page
from ingest.polling import PollSettings, poll_shop
from ingest.recheck import recheck_open_orders
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

        async def handle_poll(command: PollShop) -> None:
            await poll_shop(
                command, pool=pool, box=box, client_for=client_for, settings=poll_settings
            )

        async def handle_recheck(command: RecheckOpenOrders) -> None:
            await recheck_open_orders(
                command,
                pool=pool,
                box=box,
                client_for=client_for,
                clock=lambda: datetime.now(UTC),
                long_open=timedelta(days=settings.long_open_days),
            )

        async def handle_backfill(command: BackfillOrders) -> None:
            await backfill_page(
                command,
                pool=pool,
                box=box,
                client_for=client_for,
                page_size=settings.backfill_page_size,
            )

        consumers = [
            Consumer(POLL_SHOP, {"PollShop": handle_poll}, prefetch=settings.consumer_prefetch),
            Consumer(RECHECK_OPEN, {"RecheckOpenOrders": handle_recheck}, prefetch=1),
            Consumer(BACKFILL, {"BackfillOrders": handle_backfill}, prefetch=1),
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
