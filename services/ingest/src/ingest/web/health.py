"""``/healthz``: the process answers. ``/readyz``: PostgreSQL and RabbitMQ are reachable."""

from __future__ import annotations

import asyncio

from aiohttp import web

from ingest.web.keys import BROKER_READY, POOL


async def healthz(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    checks: dict[str, str] = {}
    try:
        async with asyncio.timeout(2):
            async with request.app[POOL].acquire() as conn:
                await conn.fetchval("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unavailable: {type(exc).__name__}"
    checks["broker"] = "ok" if request.app[BROKER_READY]() else "unavailable"
    ready = all(v == "ok" for v in checks.values())
    return web.json_response(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status=200 if ready else 503,
    )
