"""The two writes of every order around its POST, batched across concurrent orders.

Under load many orders reach the same step at once; each step is then one statement
for all of them (:class:`common.db.coalesce.Coalescer`: no timer, so a lone order
waits for nothing; a failed batch is retried order by order). Each caller still
returns only after its own row committed, and learns its own answer: whether its
claim still held.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Generic, TypeVar

from common.db.coalesce import Coalescer
from common.db.pool import Pool
from processor.adapters import repository
from processor.adapters.repository import Claim, Invoiced, Posting

T = TypeVar("T", Posting, Invoiced)

BATCH = 64


@dataclass
class _Pending(Generic[T]):
    write: T
    held: bool = False
    """Set by the flush: the claim still held, and the row was written."""


class OrderWrites:
    def __init__(self, pool: Pool, lease: timedelta) -> None:
        self._pool = pool
        self._lease = lease
        self._postings: Coalescer[_Pending[Posting]] = Coalescer(self._post, max_batch=BATCH)
        self._invoices: Coalescer[_Pending[Invoiced]] = Coalescer(self._invoice, max_batch=BATCH)

    async def posting(self, claim: Claim, relation_id: int) -> bool:
        """``repository.mark_posting`` for one order; False: the claim was lost, and
        the order must not be POSTed."""
        pending = _Pending(Posting(claim, relation_id))
        await self._postings.submit(pending)
        return pending.held

    async def invoiced(self, invoice: Invoiced) -> bool:
        """``repository.mark_invoiced`` for one order; False: the claim was lost, and
        nothing was written."""
        pending = _Pending(invoice)
        await self._invoices.submit(pending)
        return pending.held

    async def _post(self, batch: list[_Pending[Posting]]) -> None:
        async with self._pool.acquire() as conn:
            held = await repository.mark_posting(conn, [p.write for p in batch], self._lease)
        for pending in batch:
            pending.held = repository.order_key(pending.write.claim) in held

    async def _invoice(self, batch: list[_Pending[Invoiced]]) -> None:
        async with self._pool.acquire() as conn:
            held = await repository.mark_invoiced(conn, [p.write for p in batch])
        for pending in batch:
            pending.held = repository.order_key(pending.write.claim) in held
