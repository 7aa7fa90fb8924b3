"""The transactional outbox and its relay to RabbitMQ.

``enqueue`` writes a message in the caller's transaction, next to the state change it
announces; nothing reaches the broker unless that transaction commits. The relay takes
rows with ``FOR UPDATE SKIP LOCKED`` (so any number of relays can run), publishes them
with confirms and deletes them in the same transaction. A crash after the publish and
before the commit publishes those rows again: delivery is at least once, and consumers
are idempotent on ``message_id``.

How a relay learns of new rows, cheapest first:

* A hot path (ingest's order statements, the processor's intake and invoice) writes its
  rows quiet (``wake = false``) and, once its transaction has committed, hands their
  messages to its own process's relay with :func:`hand_over`. The relay publishes them
  from memory and deletes their rows with one statement by message id: no read, no
  transaction of its own, one round trip where a relay round takes four (BEGIN,
  SELECT ... FOR UPDATE, DELETE, COMMIT). If the publish or the delete fails, or the
  process dies first, the rows are still there for a relay's poll.
* A quiet row whose writer has not its messages at hand calls :func:`wake_relays`: the
  relays of its process run a round that takes quiet rows too.
* Any other row is loud (the column's default): a trigger NOTIFYs ``outbox`` naming
  the inserting session's application, and the relay of that service (or every relay,
  for a session that is no service's, see :func:`relay_accepts`) wakes within
  milliseconds. A NOTIFY is not free: each one makes every listening backend of the
  database run a transaction to read it, and notifying commits take turns on one
  lock; listeners' reads were most of the 18 PostgreSQL transactions an order cost
  (for 6.4 statements of the services) before the hot paths went quiet.
* Every relay polls the whole table (``poll_interval``): the safety net for a missed
  notification, and what relays a quiet row whose writer's process has no relay
  (a test, the CLI) or lost it. A round leaves quiet rows younger than
  ``quiet_grace`` alone unless woken for them: they are being handed over, and taking
  them too would publish them twice (harmless, but twice the work).

The publisher is asked for on every batch, so a rebuilt broker link is picked up, and
while the broker is away the relay backs off and the rows wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta

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


QUIET_GRACE = timedelta(seconds=30)
"""How long a quiet row is left to its hand-over before any relay's round takes it.
Under a burst the writer's relay can lag seconds behind its commits (it shares the
event loop with the writer), and every relay of every service polls the whole
table: with 2 s, a sixth of the processor's ProcessOrder deliveries and a third of
the dashboard's event deliveries were second copies. A row waits this long only when its
writer died between commit and hand-over; a failed hand-over wakes its relay for
the quiet rows at once."""

HANDED_LIMIT = 10_000
"""Messages a relay keeps in memory from :func:`hand_over`; beyond, rows wait for a poll."""

_running: set[OutboxRelay] = set()
"""The relays running in this process, for :func:`wake_relays`."""


def wake_relays() -> None:
    """Wake every outbox relay running in this process for a round that takes quiet
    rows too: call it after the transaction that wrote quiet rows (``wake = false``)
    has committed (for a statement in autocommit, once its await returned), when their
    messages are not at hand for :func:`hand_over`. Does nothing where no relay runs;
    the rows then wait for some relay's poll."""
    for relay in _running:
        relay.wake(quiet_rows=True)


def hand_over(messages: Sequence[OutgoingMessage]) -> None:
    """Give the messages of quiet rows just committed to a relay of this process, to
    publish at once without reading them back (see the module docstring). Call it only
    after the commit: a message handed over is published even if its row was never
    written. Does nothing where no relay runs; the rows then wait for a poll."""
    if messages:
        for relay in _running:
            relay.take(messages)
            return


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
        quiet_grace: timedelta = QUIET_GRACE,
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
        self._quiet_grace = quiet_grace
        self._wakeup = Wakeup(
            pool, NOTIFY_CHANNEL, None if producer is None else relay_accepts(producer)
        )
        self._take_quiet = True  # the first round takes what a previous run left
        self._handed: deque[OutgoingMessage] = deque()
        self._handed_ready = asyncio.Event()

    def wake(self, *, quiet_rows: bool = False) -> None:
        """Relay again now rather than at the next poll; with ``quiet_rows``, take the
        quiet rows that are younger than ``quiet_grace`` too."""
        self._take_quiet = self._take_quiet or quiet_rows
        self._wakeup.set()

    def take(self, messages: Iterable[OutgoingMessage]) -> None:
        """Publish these committed quiet rows' messages from memory (:func:`hand_over`).
        Beyond ``HANDED_LIMIT`` waiting (a slow broker), they are left to the poll."""
        room = HANDED_LIMIT - len(self._handed)
        self._handed.extend(itertools.islice(messages, max(room, 0)))
        self._handed_ready.set()

    async def relay_once(self) -> int:
        """Publish one batch; return how many rows it relayed.

        Rows the broker confirmed are deleted even when others in the batch failed, so
        a broker outage mid-batch republishes only what was really in doubt.
        """
        take_quiet, self._take_quiet = self._take_quiet, False
        try:
            relayed = await self._relay_round(take_quiet)
        except BaseException:
            self._take_quiet = self._take_quiet or take_quiet  # retried as it was asked
            raise
        if take_quiet and relayed == self._batch_size:
            self._take_quiet = True  # the next round goes on where this one stopped
        return relayed

    async def _relay_round(self, take_quiet: bool) -> int:
        async with self._pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                """SELECT id, message_id, exchange, routing_key, body FROM outbox
                    WHERE $2 OR wake OR created_at < clock_timestamp() - $3::interval
                    ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED""",
                self._batch_size,
                take_quiet,
                self._quiet_grace,
            )
            if not rows:
                return 0
            messages = [
                OutgoingMessage(str(r["message_id"]), r["exchange"], r["routing_key"], r["body"])
                for r in rows
            ]
            confirmed, failed = await self._publish(messages)
            await conn.execute(
                "DELETE FROM outbox WHERE id = ANY($1::bigint[])",
                [r["id"] for r, ok in zip(rows, confirmed, strict=True) if ok],
            )
        if failed is not None:
            raise failed
        return len(rows)

    async def _publish(
        self, messages: list[OutgoingMessage]
    ) -> tuple[list[bool], OutboxRelayError | None]:
        """Publish with confirms: which were confirmed, and the error to raise (once the
        confirmed ones are deleted) if any was not."""
        errors = await self._publisher().publish_many(messages)
        failures = [e for e in errors if e is not None]
        failed = OutboxRelayError(len(failures), len(messages), failures[0]) if failures else None
        return [e is None for e in errors], failed

    async def relay_handed(self) -> int:
        """Publish up to a batch of the messages handed over and delete the rows of
        those confirmed; return how many were taken. Whatever fails stays in the table
        for a poll."""
        batch = [self._handed.popleft() for _ in range(min(len(self._handed), self._batch_size))]
        if not batch:
            return 0
        confirmed, failed = await self._publish(batch)
        done = [uuid.UUID(m.message_id) for m, ok in zip(batch, confirmed, strict=True) if ok]
        if done:
            await self._pool.execute("DELETE FROM outbox WHERE message_id = ANY($1::uuid[])", done)
        if failed is not None:
            raise failed
        return len(batch)

    async def _run_handed(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self._handed_ready.wait()
            self._handed_ready.clear()
            while self._handed:
                try:
                    await self.relay_handed()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    # The rows stay: a round of this relay takes them, with its backoff.
                    log.warning("handed-over messages left to the poll", error=repr(exc))
                    self.wake(quiet_rows=True)

    async def run(self, stop: asyncio.Event) -> None:
        listener = asyncio.create_task(self._wakeup.listen(stop))
        handed = asyncio.create_task(self._run_handed(stop))
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
            for task in (listener, handed):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
