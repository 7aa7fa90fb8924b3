"""An outbox relay for tests that need to know whether it was woken."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from common.amqp.publisher import OutgoingMessage
from common.db.outbox import OutboxRelay
from common.db.pool import Pool
from common.messages.base import Message
from tests.fakes.amqp import running_link


class CountingRelay(OutboxRelay):
    """Counts its rounds, so a test can wait for the first that took all there was:
    after it the relay sleeps until woken or its poll interval has passed."""

    rounds = 0
    idle = False

    async def relay_once(self) -> int:
        relayed = await super().relay_once()
        self.rounds += 1
        self.idle = relayed < self._batch_size
        return relayed


@asynccontextmanager
async def running_relay(
    pool: Pool,
    amqp_url: str,
    *,
    poll_interval: float,
    quiet_grace: timedelta = timedelta(seconds=2),
) -> AsyncIterator[CountingRelay]:
    """A relay running in this process (so ``wake_relays`` reaches it), yielded once
    it has relayed what was there and is waiting."""
    async with running_link(amqp_url) as link:
        relay = CountingRelay(
            pool, link.publisher, poll_interval=poll_interval, quiet_grace=quiet_grace
        )
        stop = asyncio.Event()
        task = asyncio.create_task(relay.run(stop))
        try:
            async with asyncio.timeout(10):
                while not relay.idle:
                    await asyncio.sleep(0.01)
            yield relay
        finally:
            stop.set()
            relay.wake()  # it sees the stop only when it wakes, else after its poll
            await task


async def insert_quiet(pool: Pool, message: Message | OutgoingMessage) -> uuid.UUID:
    """An outbox row as the hot paths write it: no NOTIFY."""
    outgoing = message if isinstance(message, OutgoingMessage) else OutgoingMessage.of(message)
    return await pool.fetchval(
        """INSERT INTO outbox (message_id, exchange, routing_key, body, wake)
           VALUES ($1, $2, $3, $4, false) RETURNING message_id""",
        uuid.UUID(outgoing.message_id),
        outgoing.exchange,
        outgoing.routing_key,
        outgoing.body,
    )
