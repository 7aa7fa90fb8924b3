"""Order webhooks that arrive together are recorded together.

Under load, many webhooks wait for the database at once; they are written with one
statement (``store.record_webhook_orders``) per flush of a :class:`Coalescer`: no timer,
so a lone webhook waits for nothing, and a batch that fails is retried webhook by
webhook, so a bad one fails alone. Each webhook is answered only after its own rows
committed, with the outcome it would have had alone; the ``ProcessOrder`` messages
committed are handed to the outbox relay (``common.db.outbox.hand_over``).
"""

from __future__ import annotations

from dataclasses import dataclass

from asyncpg import Connection

from common.amqp.publisher import OutgoingMessage
from common.db.coalesce import Coalescer
from common.db.outbox import hand_over
from common.db.pool import Pool
from ingest.store import (
    Outcome,
    WebhookRecord,
    distinct_rounds,
    record_webhook,
    record_webhook_orders,
)

BATCH = 64


@dataclass
class _Pending:
    record: WebhookRecord
    outcome: Outcome | None = None


class WebhookWrites:
    def __init__(self, pool: Pool) -> None:
        self._pool = pool
        self._orders: Coalescer[_Pending] = Coalescer(self._flush, max_batch=BATCH)

    async def record(self, record: WebhookRecord) -> Outcome:
        if record.order is None:  # a refund: rare, on its own
            async with self._pool.acquire() as conn:
                return await record_webhook(conn, record)
        pending = _Pending(record)
        await self._orders.submit(pending)
        assert pending.outcome is not None
        return pending.outcome

    async def _flush(self, batch: list[_Pending]) -> None:
        pending = {id(p.record): p for p in batch}
        rounds = distinct_rounds([p.record for p in batch])
        async with self._pool.acquire() as conn:
            if len(rounds) == 1:  # the usual case: one statement, its own transaction
                committed = await self._write(conn, rounds[0], pending)
            else:
                async with conn.transaction():  # all or none, so a retry sees no half
                    committed = [
                        message
                        for members in rounds
                        for message in await self._write(conn, members, pending)
                    ]
        hand_over(committed)

    @staticmethod
    async def _write(
        conn: Connection, members: list[WebhookRecord], pending: dict[int, _Pending]
    ) -> list[OutgoingMessage]:
        """Record one round; return the announcements it wrote."""
        results = await record_webhook_orders(conn, members)
        for record, recorded in zip(members, results, strict=True):
            pending[id(record)].outcome = recorded.outcome
        return [r.announcement for r in results if r.announcement is not None]
