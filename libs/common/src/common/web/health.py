"""``/healthz``: the process answers. ``/readyz``: PostgreSQL and RabbitMQ are reachable.
``/metrics``: Prometheus text format (:mod:`common.metrics`).

Every service mounts these; readiness is what compose and orchestrators gate on. The
gauges of shared state are refreshed by probes just before a scrape is answered; a
probe that fails (the broker is down) leaves its gauges as they were and is logged,
so the counters are still served.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from common.db.pool import Pool
from common.logging import get_logger
from common.metrics_probes import outbox_probe

log = get_logger(__name__)

Probe = Callable[[], Awaitable[None]]

HEALTH_POOL = web.AppKey("health_pool", Pool)
HEALTH_BROKER_READY = web.AppKey("health_broker_ready", Callable[[], bool])
METRICS_PROBES = web.AppKey("metrics_probes", list[Probe])
PROBE_TIMEOUT_SECONDS = 3.0


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


async def metrics(request: web.Request) -> web.Response:
    for probe in request.app[METRICS_PROBES]:
        try:
            async with asyncio.timeout(PROBE_TIMEOUT_SECONDS):
                await probe()
        except Exception as exc:
            log.warning(
                "metrics probe failed", probe=getattr(probe, "__name__", "?"), error=repr(exc)
            )
    body = generate_latest(REGISTRY)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def add_health_routes(
    app: web.Application,
    pool: Pool,
    broker_ready: Callable[[], bool],
    probes: Sequence[Probe] = (),
) -> None:
    """Mount ``/healthz``, ``/readyz`` and ``/metrics``; the outbox probe is always on."""
    app[HEALTH_POOL] = pool
    app[HEALTH_BROKER_READY] = broker_ready
    app[METRICS_PROBES] = [outbox_probe(pool), *probes]
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)


async def serve(app: web.Application, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
