"""``/healthz``: the process answers. ``/readyz``: PostgreSQL and RabbitMQ are reachable.

Every service mounts these; readiness is what compose and orchestrators gate on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiohttp import web

from common.db.pool import Pool

HEALTH_POOL = web.AppKey("health_pool", Pool)
HEALTH_BROKER_READY = web.AppKey("health_broker_ready", Callable[[], bool])


async def healthz(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    checks: dict[str, str] = {}
    try:
        async with asyncio.timeout(2):
            async with request.app[HEALTH_POOL].acquire() as conn:
                await conn.fetchval("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unavailable: {type(exc).__name__}"
    checks["broker"] = "ok" if request.app[HEALTH_BROKER_READY]() else "unavailable"
    ready = all(v == "ok" for v in checks.values())
    return web.json_response(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status=200 if ready else 503,
    )


def add_health_routes(app: web.Application, pool: Pool, broker_ready: Callable[[], bool]) -> None:
    app[HEALTH_POOL] = pool
    app[HEALTH_BROKER_READY] = broker_ready
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)


async def serve(app: web.Application, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
