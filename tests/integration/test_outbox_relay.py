"""The outbox relay publishes committed messages once, with confirms, across replicas."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import asyncpg
import pytest
from aio_pika.abc import AbstractRobustConnection

from common.amqp.broker import BrokerLink, BrokerUnavailable
from common.amqp.publisher import OutgoingMessage, Publisher
from common.amqp.topology import POLL_SHOP, PROCESS_ORDER
from common.db.notify import Wakeup
from common.db.outbox import (
    NOTIFY_CHANNEL,
    OutboxRelay,
    OutboxRelayError,
    enqueue,
    hand_over,
    relay_accepts,
    wake_relays,
)
from common.db.pool import Pool, application_name
from common.messages import PollShop, parse_message
from tests.fakes.amqp import connect, drain, purge_all, running_link
from tests.fakes.outbox import insert_quiet, running_relay

pytestmark = pytest.mark.integration


@pytest.fixture
async def broker(amqp_url: str) -> AsyncIterator[AbstractRobustConnection]:
    connection = await connect(amqp_url)
    await purge_all(connection)
    yield connection
    await connection.close()


@pytest.fixture
async def clean_outbox(pool: Pool) -> None:
    await pool.execute("DELETE FROM outbox")


async def test_committed_messages_are_published_and_removed(
    pool: Pool, amqp_url: str, broker: AbstractRobustConnection, clean_outbox: None
) -> None:
    commands = [PollShop(installation_id=uuid.uuid4()) for _ in range(30)]
    async with pool.acquire() as conn, conn.transaction():
        await enqueue(conn, commands)

    async with running_link(amqp_url) as link:
        relay = OutboxRelay(pool, link.publisher, batch_size=7)
        while await relay.relay_once():
            pass

    received = await drain(broker, POLL_SHOP.name, expect=30)
    ids = [parse_message(m.body).message_id for m in received]
    assert sorted(ids) == sorted(c.message_id for c in commands)
    assert all(m.message_id == str(parse_message(m.body).message_id) for m in received)
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 0


async def test_rolled_back_transaction_publishes_nothing(
    pool: Pool, amqp_url: str, broker: AbstractRobustConnection, clean_outbox: None
) -> None:
    async def failing_change() -> None:
        async with pool.acquire() as conn, conn.transaction():
            await enqueue(conn, [PollShop(installation_id=uuid.uuid4())])
            raise RuntimeError("the state change failed")

    with pytest.raises(RuntimeError):
        await failing_change()
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 0


async def test_two_relays_running_side_by_side_publish_each_message_once(
    pool: Pool, amqp_url: str, broker: AbstractRobustConnection, clean_outbox: None
) -> None:
    links = [BrokerLink(amqp_url, f"relay-{i}") for i in range(2)]
    stop = asyncio.Event()
    link_tasks = [asyncio.create_task(link.run(stop)) for link in links]
    for link in links:
        await link.wait_ready()
    relays = [OutboxRelay(pool, link.publisher, batch_size=5) for link in links]
    tasks = [asyncio.create_task(relay.run(stop)) for relay in relays]

    commands = [PollShop(installation_id=uuid.uuid4()) for _ in range(200)]
    for start in range(0, 200, 20):
        async with pool.acquire() as conn, conn.transaction():
            await enqueue(conn, commands[start : start + 20])

    received = await drain(broker, POLL_SHOP.name, expect=200)
    stop.set()
    await asyncio.gather(*tasks, *link_tasks)
    ids = [parse_message(m.body).message_id for m in received]
    assert len(ids) == 200
    assert set(ids) == {c.message_id for c in commands}


async def test_unroutable_message_is_not_deleted(
    pool: Pool, amqp_url: str, broker: AbstractRobustConnection, clean_outbox: None
) -> None:
    await pool.execute(
        """INSERT INTO outbox (message_id, exchange, routing_key, body)
           VALUES ($1, 'k2i.commands', 'NoSuchCommand', '{}')""",
        uuid.uuid4(),
    )
    async with running_link(amqp_url) as link:
        relay = OutboxRelay(pool, link.publisher)
        with pytest.raises(OutboxRelayError, match="1 of 1 messages not confirmed"):
            await relay.relay_once()
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 1
    await pool.execute("DELETE FROM outbox")
    assert await drain(broker, PROCESS_ORDER.name, expect=0, timeout=0.2) == []


async def test_a_services_relay_wakes_for_its_own_rows_and_for_rows_of_no_service(
    pool: Pool, database_url: str
) -> None:
    """The notification names the inserting session's application: the ingest relay
    is not woken by the processor's messages (the processor's relay takes them), but
    by its own and by those of sessions that are no service (CLI, tests)."""
    wakeup = Wakeup(pool, NOTIFY_CHANNEL, relay_accepts(application_name("ingest")))
    stop = asyncio.Event()
    listener = asyncio.create_task(wakeup.listen(stop))

    async def insert_as(name: str | None) -> bool:
        settings = {"application_name": name} if name else {}
        conn = await asyncpg.connect(database_url, server_settings=settings)
        try:
            async with conn.transaction():
                await enqueue(conn, [PollShop(installation_id=uuid.uuid4())])
        finally:
            await conn.close()
        try:
            await asyncio.wait_for(wakeup.wait(10), timeout=1.0)
        except TimeoutError:
            return False
        return True

    try:
        await asyncio.sleep(0.3)  # listening
        assert await insert_as(application_name("ingest"))
        assert not await insert_as(application_name("processor"))
        assert await insert_as(None)
        assert await insert_as("psql")
    finally:
        stop.set()
        await listener
        await pool.execute("DELETE FROM outbox")


async def test_a_quiet_row_notifies_nobody_and_a_loud_transaction_notifies_once(
    pool: Pool, database_url: str, clean_outbox: None
) -> None:
    """Notifications reach a listener in commit order, and the payload names the
    inserting session: had the quiet insert notified, its name would come first."""
    heard: asyncio.Queue[str] = asyncio.Queue()
    listener = await asyncpg.connect(database_url)
    await listener.add_listener(NOTIFY_CHANNEL, lambda *args: heard.put_nowait(args[3]))

    async def insert_as(name: str, count: int, *, wake: bool) -> None:
        conn = await asyncpg.connect(database_url, server_settings={"application_name": name})
        try:
            async with conn.transaction():
                for _ in range(count):
                    await conn.execute(
                        """INSERT INTO outbox (message_id, exchange, routing_key, body, wake)
                           VALUES ($1, 'k2i.commands', 'PollShop', '{}', $2)""",
                        uuid.uuid4(),
                        wake,
                    )
        finally:
            await conn.close()

    try:
        await insert_as("quiet-writer", 3, wake=False)
        await insert_as("loud-writer", 3, wake=True)
        assert await asyncio.wait_for(heard.get(), timeout=5) == "loud-writer"
        await insert_as("last-writer", 1, wake=True)
        assert await asyncio.wait_for(heard.get(), timeout=5) == "last-writer"
        assert heard.empty()
    finally:
        await listener.close()
    assert await pool.fetchval("SELECT count(*) FROM outbox WHERE NOT wake") == 3
    await pool.execute("DELETE FROM outbox")  # bodies no consumer could read


async def test_wake_relays_makes_a_running_relay_publish_a_quiet_row_at_once(
    pool: Pool, amqp_url: str, broker: AbstractRobustConnection, clean_outbox: None
) -> None:
    async with running_relay(pool, amqp_url, poll_interval=30) as relay:
        command = PollShop(installation_id=uuid.uuid4())
        await insert_quiet(pool, command)
        rounds = relay.rounds
        assert await drain(broker, POLL_SHOP.name, expect=0, timeout=0.5) == []
        assert relay.rounds == rounds  # the quiet row woke nothing
        wake_relays()
        [message] = await drain(broker, POLL_SHOP.name, expect=1, timeout=5)
    assert parse_message(message.body).message_id == command.message_id
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 0


async def test_a_quiet_row_nobody_wakes_for_is_published_by_the_poll(
    pool: Pool, amqp_url: str, broker: AbstractRobustConnection, clean_outbox: None
) -> None:
    """A process without a relay (the CLI), or whose relay is gone, wakes nobody: any
    relay's poll takes its rows."""
    async with running_relay(pool, amqp_url, poll_interval=0.5):
        command = PollShop(installation_id=uuid.uuid4())
        await insert_quiet(pool, command)
        [message] = await drain(broker, POLL_SHOP.name, expect=1, timeout=5)
    assert parse_message(message.body).message_id == command.message_id
    wake_relays()  # the relay stopped and left the registry: waking nobody is harmless


async def test_handed_over_messages_are_published_from_memory_and_their_rows_deleted(
    pool: Pool, amqp_url: str, broker: AbstractRobustConnection, clean_outbox: None
) -> None:
    """The hot paths' way: no round of the relay reads the table for them."""
    async with running_relay(pool, amqp_url, poll_interval=30) as relay:
        commands = [PollShop(installation_id=uuid.uuid4()) for _ in range(3)]
        for command in commands:
            await insert_quiet(pool, command)
        rounds = relay.rounds
        hand_over([OutgoingMessage.of(c) for c in commands])
        received = await drain(broker, POLL_SHOP.name, expect=3, timeout=5)
        async with asyncio.timeout(5):
            while await pool.fetchval("SELECT count(*) FROM outbox"):
                await asyncio.sleep(0.01)
        assert relay.rounds == rounds
    assert sorted(parse_message(m.body).message_id for m in received) == sorted(
        c.message_id for c in commands
    )


async def test_a_round_leaves_fresh_quiet_rows_to_their_hand_over_then_takes_them(
    pool: Pool, amqp_url: str, broker: AbstractRobustConnection, clean_outbox: None
) -> None:
    """A quiet row whose message never comes (its writer died after the commit) is
    published by a round once it is ``quiet_grace`` old; a loud row at once."""
    grace = timedelta(seconds=1)
    async with running_relay(pool, amqp_url, poll_interval=30, quiet_grace=grace) as relay:
        quiet = PollShop(installation_id=uuid.uuid4())
        await insert_quiet(pool, quiet)
        loud = PollShop(installation_id=uuid.uuid4())
        async with pool.acquire() as conn:
            await enqueue(conn, [loud])
        [first] = await drain(broker, POLL_SHOP.name, expect=1, timeout=5)
        assert parse_message(first.body).message_id == loud.message_id
        assert await drain(broker, POLL_SHOP.name, expect=0, timeout=0.3) == []
        await asyncio.sleep(grace.total_seconds())
        relay.wake()
        [late] = await drain(broker, POLL_SHOP.name, expect=1, timeout=5)
    assert parse_message(late.body).message_id == quiet.message_id
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 0


async def test_a_failed_hand_over_leaves_its_rows_and_wakes_a_round_for_quiet_rows(
    pool: Pool, amqp_url: str, broker: AbstractRobustConnection, clean_outbox: None
) -> None:
    """The refused message's row stays; the round the failure wakes takes the quiet
    rows at once (here a bystander nobody handed over), not after ``quiet_grace``."""
    async with running_relay(pool, amqp_url, poll_interval=30):
        refused = OutgoingMessage(str(uuid.uuid4()), "k2i.commands", "NoSuchCommand", b"{}")
        accepted = OutgoingMessage.of(PollShop(installation_id=uuid.uuid4()))
        bystander = PollShop(installation_id=uuid.uuid4())
        for message in (refused, accepted, bystander):
            await insert_quiet(pool, message)
        hand_over([refused, accepted])
        received = await drain(broker, POLL_SHOP.name, expect=2, timeout=5)
        async with asyncio.timeout(5):
            while await pool.fetchval("SELECT count(*) FROM outbox") > 1:
                await asyncio.sleep(0.01)
        left = await pool.fetchval("SELECT message_id FROM outbox")
    assert sorted(str(parse_message(m.body).message_id) for m in received) == sorted(
        [accepted.message_id, str(bystander.message_id)]
    )
    assert str(left) == refused.message_id
    await pool.execute("DELETE FROM outbox")


async def test_hand_over_without_a_relay_in_the_process_leaves_the_rows_to_a_poll(
    pool: Pool, amqp_url: str, broker: AbstractRobustConnection, clean_outbox: None
) -> None:
    command = PollShop(installation_id=uuid.uuid4())
    await insert_quiet(pool, command)
    hand_over([OutgoingMessage.of(command)])  # nobody takes it: no error, row kept
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 1
    async with running_link(amqp_url) as link:
        assert await OutboxRelay(pool, link.publisher).relay_once() == 1
    [message] = await drain(broker, POLL_SHOP.name, expect=1, timeout=5)
    assert parse_message(message.body).message_id == command.message_id


async def test_a_round_asked_for_quiet_rows_that_fails_is_retried_for_them(
    pool: Pool, amqp_url: str, broker: AbstractRobustConnection, clean_outbox: None
) -> None:
    """Right after a broker outage the first round fails too; the retry must still
    take the fresh quiet rows, not leave them for ``quiet_grace`` (30 s)."""
    command = PollShop(installation_id=uuid.uuid4())
    await insert_quiet(pool, command)
    async with running_link(amqp_url) as link:
        outage = [True]

        def publisher() -> Publisher:
            if outage.pop() if outage else False:
                raise BrokerUnavailable("not connected to RabbitMQ")
            return link.publisher()

        relay = OutboxRelay(pool, publisher)  # its first round takes quiet rows
        with pytest.raises(BrokerUnavailable):
            await relay.relay_once()
        assert await relay.relay_once() == 1
    [message] = await drain(broker, POLL_SHOP.name, expect=1, timeout=5)
    assert parse_message(message.body).message_id == command.message_id
