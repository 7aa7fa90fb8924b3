"""Builds the dashboard service. Today: the projections' consumer and health; the
merchant's web UI and JSON API come on top of the same projections."""

from __future__ import annotations

import asyncio

from aiohttp import web

from common.amqp.broker import BrokerLink
from common.amqp.consumer import Consumer
from common.amqp.topology import PROJECTIONS
from common.db.pool import open_pool
from common.metrics_probes import queue_probe
from common.runtime import run_until_stopped
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
        add_health_routes(app, pool, broker.ready, [queue_probe(broker.queue_depths)])
        runner = await serve(app, settings.http_host, settings.http_port)
        await run_until_stopped(stop, [broker.run(stop)], cleanup=runner.cleanup)
