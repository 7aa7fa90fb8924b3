"""Reading what landed in a queue, for assertions."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import aio_pika
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustConnection

from common.amqp.broker import BrokerLink
from common.amqp.consumer import Consumer
from common.amqp.topology import QUEUES, declare_topology


async def drain(
    connection: AbstractRobustConnection, queue_name: str, *, expect: int, timeout: float = 10.0
) -> list[AbstractIncomingMessage]:
    """Take (and ack) messages until ``expect`` arrived or the timeout passed, then a
    short grace period to catch any extra ones."""
    channel = await connection.channel()
    queue = await channel.get_queue(queue_name, ensure=False)
    taken: list[AbstractIncomingMessage] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    grace_until: float | None = None
    while True:
        message = await queue.get(fail=False, no_ack=True)
        if message is not None:
            taken.append(message)
            continue
        now = loop.time()
        if len(taken) >= expect:
            grace_until = grace_until or now + 0.3
            if now > grace_until:
                break
        elif now > deadline:
            break
        await asyncio.sleep(0.02)
    await channel.close()
    return taken


async def purge_all(connection: AbstractRobustConnection) -> None:
    channel = await connection.channel()
    await declare_topology(channel)
    for spec in QUEUES:
        await (await channel.get_queue(spec.name, ensure=False)).purge()
    await (await channel.get_queue("k2i.dead-letter", ensure=False)).purge()
    await channel.close()


async def connect(url: str) -> AbstractRobustConnection:
    return await aio_pika.connect_robust(url)


@contextlib.asynccontextmanager
async def running_link(url: str, *consumers: Consumer) -> AsyncIterator[BrokerLink]:
    """A supervised broker link, connected, for the duration of the block."""
    link = BrokerLink(url, "test", consumers=consumers)
    stop = asyncio.Event()
    task = asyncio.create_task(link.run(stop))
    await asyncio.wait_for(link.wait_ready(), timeout=10)
    try:
        yield link
    finally:
        stop.set()
        await task
