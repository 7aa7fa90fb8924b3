"""Builds the scheduler: the job loop, its outbox relay, health endpoints."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from aiohttp import web

from common.amqp.broker import BrokerLink
from common.db.outbox import OutboxRelay
from common.db.pool import open_pool
from common.runtime import stop_on_failure
from common.web.health import add_health_routes, serve
from scheduler.jobs import default_jobs, run_forever
from scheduler.settings import SchedulerSettings


async def main(settings: SchedulerSettings, stop: asyncio.Event) -> None:
    jobs = default_jobs(settings.poll_schedule, settings.relation_index_schedule)
    async with open_pool(settings) as pool:
        broker = BrokerLink(settings.amqp_url.get_secret_value(), "scheduler")
        app = web.Application()
        add_health_routes(app, pool, broker.ready)
        runner = await serve(app, settings.http_host, settings.http_port)
        tasks = [
            asyncio.create_task(broker.run(stop)),
            asyncio.create_task(OutboxRelay(pool, broker.publisher).run(stop)),
            asyncio.create_task(
                run_forever(
                    pool,
                    jobs,
                    ZoneInfo(settings.schedule_timezone),
                    stop,
                    tick_seconds=settings.tick_seconds,
                    clock=lambda: datetime.now(UTC),
                )
            ),
        ]
        for task in tasks:
            task.add_done_callback(lambda done: stop_on_failure(done, stop))
        try:
            await stop.wait()
        finally:
            await runner.cleanup()
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
