"""Scrape-time probes: read shared state into the gauges of :mod:`common.metrics`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from common.db.pool import Pool
from common.metrics import OUTBOX_LAG_SECONDS, OUTBOX_MESSAGES, QUEUE_MESSAGES

QueueDepths = Callable[[], Awaitable[dict[str, int]]]


def outbox_probe(pool: Pool) -> Callable[[], Awaitable[None]]:
    """Outbox size and lag: the age of the oldest message the relay has not published."""

    async def outbox() -> None:
        async with pool.acquire() as conn:
            row = await conn.fetchrow(
                """SELECT count(*) AS messages,
                          coalesce(extract(epoch FROM now() - min(created_at)), 0) AS lag
                     FROM outbox"""
            )
        OUTBOX_MESSAGES.set(row["messages"])
        OUTBOX_LAG_SECONDS.set(max(float(row["lag"]), 0.0))

    return outbox


def queue_probe(depths: QueueDepths) -> Callable[[], Awaitable[None]]:
    async def queues() -> None:
        for queue, count in (await depths()).items():
            QUEUE_MESSAGES.labels(queue).set(count)

    return queues
