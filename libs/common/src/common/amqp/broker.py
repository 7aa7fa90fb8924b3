"""A service's link to RabbitMQ, made in the background so the service can start (and
keep answering) while the broker is down."""

from __future__ import annotations

import asyncio
import contextlib

from aio_pika.abc import AbstractRobustConnection

from common.amqp.connection import connect
from common.amqp.publisher import Publisher
from common.amqp.topology import declare_topology


class BrokerLink:
    def __init__(self, url: str, name: str) -> None:
        self._url = url
        self._name = name
        self.connection: AbstractRobustConnection | None = None
        self._connected = asyncio.Event()

    async def connect(self) -> AbstractRobustConnection:
        connection = await connect(self._url, self._name)
        channel = await connection.channel()
        await declare_topology(channel)
        await channel.close()
        self.connection = connection
        self._connected.set()
        return connection

    async def wait(self) -> AbstractRobustConnection:
        await self._connected.wait()
        assert self.connection is not None
        return self.connection

    async def publisher(self) -> Publisher:
        connection = await self.wait()
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        return Publisher(channel)

    def ready(self) -> bool:
        connection = self.connection
        return (
            connection is not None and not connection.is_closed and connection.connected.is_set()  # type: ignore[attr-defined]
        )

    async def close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(Exception):
                await self.connection.close()
