"""Builds the dashboard service. Today: the projections' consumer and health; the
merchant's web UI and JSON API come on top of the same projections."""

from __future__ import annotations

import asyncio
import contextlib

from aiohttp import web

from common.amqp.broker import BrokerLink
from common.amqp.consumer import Consumer
from common.amqp.topology import PROJECTIONS
from common.db.pool import open_pool
from common.runtime import stop_on_failure
from common.web.health import add_health_routes, serve
from dashboard.projector import Projector
from dashboard.settings import DashboardSettings


async def main(settings: DashboardSettings, stop: asyncio.Event) -> None:
    async with open_pool(settings) as pool:
        projector = Projector(pool)
        broker = BrokerLink(
            settings.amqp_url.get_secret_value(),
            "dashboard",
            consumers=[Consumer(PROJECTIONS, projector.registry(), prefetch=64)],
        )
        app = web.Application()
        add_health_routes(app, pool, broker.ready)
        runner = await serve(app, settings.http_host, settings.http_port)
        task = asyncio.create_task(broker.run(stop))
        task.add_done_callback(lambda done: stop_on_failure(done, stop))
        try:
            await stop.wait()
        finally:
            await runner.cleanup()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
