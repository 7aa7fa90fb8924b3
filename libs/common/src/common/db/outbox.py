"""The transactional outbox and its relay to RabbitMQ.

``enqueue`` writes a message in the caller's transaction, next to the state change it
announces; nothing reaches the broker unless that transaction commits. The relay takes
rows with ``FOR UPDATE SKIP LOCKED`` (so any number of relays can run), publishes them
with confirms and deletes them in the same transaction. A crash after the publish and
before the commit publishes those rows again: delivery is at least once, and consumers
are idempotent on ``message_id``.

How a relay learns of new rows, cheapest first:

* A hot path (ingest's order statements, the processor's intake and invoice) writes its
  rows quiet (``wake = false``) and, once its transaction has committed, calls
  :func:`wake_relays`, which wakes the relays running in its own process: no database
  round trip at all.
* Any other row is loud (the column's default): a trigger NOTIFYs ``outbox`` naming
  the inserting session's application, and the relay of that service (or every relay,
  for a session that is no service's, see :func:`relay_accepts`) wakes within
  milliseconds. A NOTIFY is not free: each one makes every listening backend of the
  database run a transaction to read it, and notifying commits take turns on one
  lock; listeners' reads were most of the 18 PostgreSQL transactions an order cost
  (for 6.4 statements of the services) before the hot paths went quiet.
* Every relay polls the whole table (``poll_interval``): the safety net for a missed
  notification, and what relays a quiet row whose writer's process has no relay
  (a test, the CLI) or lost it.

The publisher is asked for on every batch, so a rebuilt broker link is picked up, and
while the broker is away the relay backs off and the rows wait.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable

import asyncpg

from common.amqp.publisher import OutgoingMessage, Publisher
from common.db.notify import Wakeup
from common.db.pool import SERVICE_PREFIX, Pool
from common.logging import get_logger
from common.messages.base import Message

log = get_logger(__name__)

NOTIFY_CHANNEL = "outbox"


async def enqueue(conn: asyncpg.Connection, messages: Iterable[Message]) -> None:
    rows = [
        (m.message_id, o.exchange, o.routing_key, o.body)
        for m in messages
        for o in (OutgoingMessage.of(m),)
    ]
    if rows:
        await conn.executemany(
            "INSERT INTO outbox (message_id, exchange, routing_key, body) VALUES ($1, $2, $3, $4)",
            rows,
        )


_running: set[OutboxRelay] = set()
"""The relays running in this process, for :func:`wake_relays`."""


def wake_relays() -> None:
    """Wake every outbox relay running in this process, as a NOTIFY would: call it
    after the transaction that wrote quiet rows (``wake = false``) has committed (for
    a statement in autocommit, once its await returned). Does nothing where no relay
    runs; the rows then wait for some relay's poll."""
    for relay in _running:
        relay.wake()


def relay_accepts(producer: str) -> Callable[[str], bool]:
    """Which outbox notifications wake the relay of ``producer`` (an application name):
    its own rows' and those of sessions that are no service's."""
    return lambda name: name == producer or not name.startswith(SERVICE_PREFIX)


class OutboxRelayError(Exception):
    def __init__(self, failed: int, batch: int, first: BaseException) -> None:
        super().__init__(f"{failed} of {batch} messages not confirmed; first error: {first!r}")
        self.first = first


class OutboxRelay:
    def __init__(
        self,
        pool: Pool,
        publisher: Callable[[], Publisher],
        *,
        batch_size: int = 250,
        poll_interval: float = 1.0,
        max_backoff: float = 10.0,
        producer: str | None = None,
    ) -> None:
        """With ``producer`` (the application name of the service's own pool), the
        relay wakes at once only for rows its service wrote, and for rows of sessions
        that are no service's; other services' rows are their relays' (and this
        relay's poll still takes any row left behind)."""
        self._pool = pool
        self._publisher = publisher
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._max_backoff = max_backoff
        self._wakeup = Wakeup(
            pool, NOTIFY_CHANNEL, None if producer is None else relay_accepts(producer)
        )

    def wake(self) -> None:
        """Relay again now rather than at the next poll."""
        self._wakeup.set()

    async def relay_once(self) -> int:
        """Publish one batch; return how many rows it relayed.

        Rows the broker confirmed are deleted even when others in the batch failed, so
        a broker outage mid-batch republishes only what was really in doubt.
        """
        async with self._pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                """SELECT id, message_id, exchange, routing_key, body FROM outbox
                   ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED""",
                self._batch_size,
            )
            if not rows:
                return 0
            errors = await self._publisher().publish_many(
                [
                    OutgoingMessage(
                        str(r["message_id"]), r["exchange"], r["routing_key"], r["body"]
                    )
                    for r in rows
                ]
            )
            confirmed = [r["id"] for r, error in zip(rows, errors, strict=True) if error is None]
            await conn.execute("DELETE FROM outbox WHERE id = ANY($1::bigint[])", confirmed)
        failures = [e for e in errors if e is not None]
        if failures:
            raise OutboxRelayError(len(failures), len(rows), failures[0])
        return len(rows)

    async def run(self, stop: asyncio.Event) -> None:
        listener = asyncio.create_task(self._wakeup.listen(stop))
        _running.add(self)
        backoff = 0.1
        try:
            while not stop.is_set():
                try:
                    relayed = await self.relay_once()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    log.warning(
                        "outbox relay failed, retrying", error=repr(exc), retry_in_s=backoff
                    )
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), timeout=backoff)
                    backoff = min(backoff * 2, self._max_backoff)
                    continue
                backoff = 0.1
                if relayed < self._batch_size:
                    await self._wakeup.wait(self._poll_interval)
        finally:
            _running.discard(self)
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener
