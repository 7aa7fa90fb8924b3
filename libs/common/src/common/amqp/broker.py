"""A service's link to RabbitMQ, supervised.

``BrokerLink.run`` connects (waiting with backoff while the broker is down), declares
the topology, opens the publisher channel, starts every consumer, and then watches:
when the connection or any of its channels closes, it tears everything down and builds
it again. We do this ourselves rather than rely on aio-pika's robust connections,
whose restore after a hard network cut proved unreliable (aio-pika issues #231, #563);
a rebuild from scratch is simple and always complete. The service keeps running
meanwhile: the outbox holds what it would publish, and unacked deliveries return to
their queues for the next consumer.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractConnection

from common.amqp.consumer import Consumer
from common.amqp.publisher import Publisher
from common.amqp.topology import DEAD_LETTER_QUEUE, QUEUES, declare_topology
from common.logging import get_logger

log = get_logger(__name__)


class BrokerUnavailable(ConnectionError):
    """Not connected to RabbitMQ right now."""


class BrokerLink:
    def __init__(
        self,
        url: str,
        name: str,
        *,
        consumers: Sequence[Consumer] = (),
        max_delay: float = 5.0,
    ) -> None:
        self._url = url
        self._name = name
        self._consumers = consumers
        self._max_delay = max_delay
        self._publisher: Publisher | None = None
        self._connection: AbstractConnection | None = None
        self._ready = asyncio.Event()
        self._lost = asyncio.Event()
        self.connects = 0

    def ready(self) -> bool:
        return self._ready.is_set()

    async def wait_ready(self) -> None:
        await self._ready.wait()

    def publisher(self) -> Publisher:
        if self._publisher is None or not self._ready.is_set():
            raise BrokerUnavailable("not connected to RabbitMQ")
        return self._publisher

    async def queue_depths(self) -> dict[str, int]:
        connection = self._connection
        if connection is None or connection.is_closed or not self._ready.is_set():
            raise BrokerUnavailable("not connected to RabbitMQ")
        return await queue_depths(connection)

    async def run(self, stop: asyncio.Event) -> None:
        delay = 0.1
        while not stop.is_set():
            try:
                await self._connect_and_build()
            except asyncio.CancelledError:
                await self._teardown()
                raise
            except Exception as exc:
                # Anything at all: aiormq raises more than connection errors when a
                # connection dies mid-handshake (StopAsyncIteration, say). A supervisor
                # that gives up on an unexpected type is no supervisor.
                await self._teardown()
                log.warning("broker unreachable, retrying", error=repr(exc), retry_in_s=delay)
                await _sleep_or_stop(stop, delay)
                delay = min(delay * 2, self._max_delay)
                continue
            delay = 0.1
            log.info("broker connected", connects=self.connects)
            await _wait_any(stop, self._lost)
            if not stop.is_set():
                log.warning("broker connection lost, rebuilding")
            await self._teardown()

    async def _connect_and_build(self) -> None:
        self._lost.clear()
        connection = await aio_pika.connect(
            self._url, client_properties={"connection_name": self._name}, timeout=10
        )
        self._connection = connection
        connection.close_callbacks.add(self._on_close)
        setup = await connection.channel()
        await declare_topology(setup)
        await setup.close()
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        self._watch(channel)
        self._publisher = Publisher(channel)
        for consumer in self._consumers:
            self._watch(await consumer.start(connection))
        self.connects += 1
        self._ready.set()

    def _watch(self, channel: AbstractChannel) -> None:
        channel.close_callbacks.add(self._on_close)

    def _on_close(self, *_: Any) -> None:
        self._ready.clear()
        self._lost.set()

    async def _teardown(self) -> None:
        self._ready.clear()
        self._publisher = None
        connection, self._connection = self._connection, None
        if connection is not None and not connection.is_closed:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), timeout=5)


async def queue_depths(connection: AbstractConnection) -> dict[str, int]:
    """Messages ready in every queue of the topology (passive declares: nothing is
    created or consumed)."""
    depths: dict[str, int] = {}
    channel = await connection.channel()
    try:
        for name in (*(spec.name for spec in QUEUES), DEAD_LETTER_QUEUE):
            queue = await channel.declare_queue(name, passive=True)
            depths[name] = queue.declaration_result.message_count or 0
    finally:
        await channel.close()
    return depths


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def _wait_any(*events: asyncio.Event) -> None:
    waiters = [asyncio.create_task(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
