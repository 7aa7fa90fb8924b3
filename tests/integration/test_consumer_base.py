"""The consumer base on a real quorum queue: ack after success, capped retries, DLQ."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator

import aio_pika
import pytest
from aio_pika.abc import AbstractRobustConnection

from common.amqp.consumer import Consumer, PermanentError, RetryPolicy
from common.amqp.publisher import Publisher
from common.amqp.topology import DEAD_LETTER_QUEUE, POLL_SHOP
from common.messages import Message, PollShop
from tests.fakes.amqp import connect, drain, purge_all, running_link

pytestmark = pytest.mark.integration

FAST_RETRY = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05)


@pytest.fixture
async def broker(amqp_url: str) -> AsyncIterator[AbstractRobustConnection]:
    connection = await connect(amqp_url)
    await purge_all(connection)
    yield connection
    await connection.close()


async def publish(connection: AbstractRobustConnection, *messages: Message) -> None:
    channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
    publisher = Publisher(channel)
    for message in messages:
        await publisher.publish_message(message)
    await channel.close()


async def wait_until(condition, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


async def test_handled_message_is_acked_once(broker: AbstractRobustConnection) -> None:
    seen: list[uuid.UUID] = []

    async def handle(message: PollShop) -> None:
        seen.append(message.message_id)

    async with running_link(str(broker.url), Consumer(POLL_SHOP, {"PollShop": handle})):
        command = PollShop(installation_id=uuid.uuid4())
        await publish(broker, command)
        await wait_until(lambda: len(seen) == 1)
    assert seen == [command.message_id]
    assert await drain(broker, POLL_SHOP.name, expect=0, timeout=0.3) == []


async def test_transient_failure_is_retried_then_succeeds(broker: AbstractRobustConnection) -> None:
    attempts: Counter[uuid.UUID] = Counter()
    done: list[uuid.UUID] = []

    async def flaky(message: PollShop) -> None:
        attempts[message.message_id] += 1
        if attempts[message.message_id] < 3:
            raise ConnectionError("database blinked")
        done.append(message.message_id)

    consumer = Consumer(POLL_SHOP, {"PollShop": flaky}, retry=FAST_RETRY)
    async with running_link(str(broker.url), consumer):
        command = PollShop(installation_id=uuid.uuid4())
        await publish(broker, command)
        await wait_until(lambda: done == [command.message_id])
    assert attempts[command.message_id] == 3
    assert await drain(broker, DEAD_LETTER_QUEUE, expect=0, timeout=0.3) == []


async def test_failure_past_the_cap_goes_to_the_dead_letter_queue_and_is_recorded(
    broker: AbstractRobustConnection,
) -> None:
    attempts: Counter[uuid.UUID] = Counter()
    recorded: list[tuple[uuid.UUID, str]] = []

    async def always_fails(message: PollShop) -> None:
        attempts[message.message_id] += 1
        raise ConnectionError("still down")

    async def record(message: Message, error: BaseException) -> None:
        recorded.append((message.message_id, repr(error)))

    consumer = Consumer(
        POLL_SHOP, {"PollShop": always_fails}, retry=FAST_RETRY, on_dead_letter=record
    )
    async with running_link(str(broker.url), consumer):
        command = PollShop(installation_id=uuid.uuid4())
        await publish(broker, command)
        dead = await drain(broker, DEAD_LETTER_QUEUE, expect=1)
    assert [m.message_id for m in dead] == [str(command.message_id)]
    assert attempts[command.message_id] == FAST_RETRY.max_attempts
    assert recorded == [(command.message_id, "ConnectionError('still down')")]


async def test_permanent_error_is_dead_lettered_without_retry(
    broker: AbstractRobustConnection,
) -> None:
    attempts: Counter[uuid.UUID] = Counter()

    async def refuses(message: PollShop) -> None:
        attempts[message.message_id] += 1
        raise PermanentError("this can never work")

    consumer = Consumer(POLL_SHOP, {"PollShop": refuses}, retry=FAST_RETRY)
    async with running_link(str(broker.url), consumer):
        command = PollShop(installation_id=uuid.uuid4())
        await publish(broker, command)
        dead = await drain(broker, DEAD_LETTER_QUEUE, expect=1)
    assert len(dead) == 1
    assert attempts[command.message_id] == 1


async def test_unparseable_message_is_dead_lettered(broker: AbstractRobustConnection) -> None:
    handled: list[object] = []

    async def handle(message: PollShop) -> None:
        handled.append(message)

    async with running_link(str(broker.url), Consumer(POLL_SHOP, {"PollShop": handle})):
        channel = await broker.channel()
        exchange = await channel.get_exchange("k2i.commands", ensure=False)
        await exchange.publish(aio_pika.Message(b'{"type": "PollShop"}'), routing_key="PollShop")
        await channel.close()
        dead = await drain(broker, DEAD_LETTER_QUEUE, expect=1)
    assert [m.body for m in dead] == [b'{"type": "PollShop"}']
    assert handled == []


async def test_consumer_comes_back_by_itself_after_the_connection_is_cut(
    broker: AbstractRobustConnection, amqp_url: str
) -> None:
    from urllib.parse import urlsplit

    from tests.fakes.tcp_proxy import TcpProxy

    parts = urlsplit(amqp_url)
    proxy = await TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5672).start()
    proxied = parts._replace(netloc=f"guest:guest@127.0.0.1:{proxy.port}").geturl()
    seen: list[uuid.UUID] = []

    async def handle(message: PollShop) -> None:
        seen.append(message.message_id)

    try:
        async with running_link(proxied, Consumer(POLL_SHOP, {"PollShop": handle})) as link:
            await publish(broker, PollShop(installation_id=uuid.uuid4()))
            await wait_until(lambda: len(seen) == 1)
            proxy.cut()
            await wait_until(lambda: not link.ready())
            await publish(broker, PollShop(installation_id=uuid.uuid4()))
            await asyncio.sleep(0.5)
            assert len(seen) == 1
            proxy.restore()
            await wait_until(link.ready)
            await wait_until(lambda: len(seen) == 2)
            assert link.connects == 2
    finally:
        await proxy.stop()


async def test_messages_handled_together_are_acked_with_fewer_frames_and_none_comes_back(
    broker: AbstractRobustConnection,
) -> None:
    gate = asyncio.Event()
    handled: list[uuid.UUID] = []

    async def handle(message: PollShop) -> None:
        await gate.wait()
        handled.append(message.message_id)

    commands = [PollShop(installation_id=uuid.uuid4()) for _ in range(40)]
    consumer = Consumer(POLL_SHOP, {"PollShop": handle}, prefetch=64)
    async with running_link(str(broker.url), consumer):
        await publish(broker, *commands)
        await wait_until(
            lambda: consumer._acks is not None and len(consumer._acks._unsettled) == 40
        )
        gate.set()
        await wait_until(lambda: len(handled) == 40)
        acks = consumer.acks
        assert acks is not None
        await wait_until(lambda: acks.handling == 0 and acks.idle)
        frames = acks.frames
    assert frames < 40
    assert await drain(broker, POLL_SHOP.name, expect=0, timeout=0.5) == []


async def test_a_delivery_still_being_handled_does_not_hold_back_the_acks_after_it(
    broker: AbstractRobustConnection,
) -> None:
    """Its later neighbours are acked (alone) meanwhile; when the connection goes, only
    the unfinished one comes back."""
    slow = PollShop(installation_id=uuid.uuid4())
    quick = [PollShop(installation_id=uuid.uuid4()) for _ in range(5)]
    handled: list[uuid.UUID] = []

    async def handle(message: PollShop) -> None:
        if message.message_id == slow.message_id:
            await asyncio.Event().wait()  # never finishes: cancelled at shutdown
        handled.append(message.message_id)

    consumer = Consumer(POLL_SHOP, {"PollShop": handle}, prefetch=64)
    async with running_link(str(broker.url), consumer):
        await publish(broker, slow, *quick)
        await wait_until(lambda: len(handled) == 5)
        await wait_until(lambda: consumer.acks is not None and consumer.acks.idle)
        await asyncio.sleep(0.2)
    [back] = await drain(broker, POLL_SHOP.name, expect=1, timeout=5)
    assert back.message_id == str(slow.message_id)
