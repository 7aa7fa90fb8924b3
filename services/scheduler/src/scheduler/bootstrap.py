"""Builds the scheduler: the job loop, its outbox relay, health endpoints."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from aiohttp import web

from common.amqp.broker import BrokerLink
from common.db.outbox import OutboxRelay
from common.db.pool import application_name, open_pool
from common.metrics_probes import queue_probe
from common.runtime import run_until_stopped
from common.web.health import add_health_routes, serve
from scheduler.jobs import default_jobs, run_forever
from scheduler.settings import SchedulerSettings


async def main(settings: SchedulerSettings, stop: asyncio.Event) -> None:
    jobs = default_jobs(settings)
    async with open_pool(settings, "scheduler") as pool:
        broker = BrokerLink(settings.amqp_url.get_secret_value(), "scheduler")
        app = web.Application()
        add_health_routes(app, pool, broker.ready, [queue_probe(broker.queue_depths)])
        runner = await serve(app, settings.http_host, settings.http_port)
        loops = [
            broker.run(stop),
            OutboxRelay(pool, broker.publisher, producer=application_name("scheduler")).run(stop),
            run_forever(
                pool,
                jobs,
                ZoneInfo(settings.schedule_timezone),
                stop,
                tick_seconds=settings.tick_seconds,
                clock=lambda: datetime.now(UTC),
            ),
        ]
        await run_until_stopped(stop, loops, cleanup=runner.cleanup)
