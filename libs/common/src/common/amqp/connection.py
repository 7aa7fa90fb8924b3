"""Connecting to RabbitMQ: robust connections that wait for a broker that is down."""

from __future__ import annotations

import asyncio

import aio_pika
from aio_pika.abc import AbstractRobustConnection

from common.logging import get_logger

log = get_logger(__name__)

CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    ConnectionError,
    OSError,
    asyncio.TimeoutError,
    aio_pika.exceptions.AMQPConnectionError,
)


async def connect(url: str, name: str, *, max_delay: float = 10.0) -> AbstractRobustConnection:
    """Connect, retrying with backoff until the broker answers.

    Once connected, aio-pika's robust connection reconnects by itself and restores
    channels, exchanges, queues and consumers.
    """
    delay = 0.2
    while True:
        try:
            return await aio_pika.connect_robust(
                url, client_properties={"connection_name": name}, timeout=10
            )
        except CONNECTION_ERRORS as exc:
            log.warning("broker unreachable, retrying", error=str(exc), retry_in_s=delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, max_delay)
