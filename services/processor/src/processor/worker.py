"""The worker loop: claim the next runnable order, run the pipeline, repeat.

Any number of workers in any number of processes share the queue in PostgreSQL
(``FOR UPDATE SKIP LOCKED``). A worker sleeps until intake notifies ``order_queued``
or a short poll passes. One reaper per process returns orders whose worker vanished.

Intake also claims an order for this process with each message it records, while
there is a free slot (``direct_limit``): the queue's next runnable order, or the new
one when none is before it (see ``repository.DirectClaim``). Those orders run here,
beside the workers, so under load the queue is fed and drained by intake alone, and a
quiet merchant's order skips it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta

import structlog

from common.db.notify import Callback, Wakeup, listen
from common.db.pool import Pool
from common.informer.budget import BudgetPolicy
from common.logging import get_logger
from common.messages import order_correlation_id
from common.metrics import PROCESSING_SECONDS, WORK_QUEUE_ORDERS
from processor.adapters import repository
from processor.pipeline import Pipeline, PipelineSettings

log = get_logger(__name__)


TAIL_WAKE_SECONDS = 0.05
CLAIM_PAUSE_SECONDS = 0.1


class Workers:
    def __init__(
        self,
        pool: Pool,
        pipeline: Pipeline,
        budget: BudgetPolicy,
        settings: PipelineSettings,
        *,
        concurrency: int,
        claim_batch: int = 4,
        idle_poll: float = 1.0,
        reap_every: float = 5.0,
        listeners: Mapping[str, Callback] | None = None,
        direct_limit: int = 0,
    ) -> None:
        """``listeners``: more NOTIFY channels to follow on the queue's one listening
        connection (a connection each would cost every replica one more)."""
        self._pool = pool
        self._pipeline = pipeline
        self._budget = budget
        self._settings = settings
        self._concurrency = concurrency
        self._claim_batch = claim_batch
        self._idle_poll = idle_poll
        self._reap_every = reap_every
        self._wakeup = Wakeup(pool, repository.QUEUE_CHANNEL)
        self._listeners = {repository.QUEUE_CHANNEL: self._wakeup.on_notify, **(listeners or {})}
        self._direct_limit = direct_limit
        self._direct_reserved = 0
        self._direct_tasks: set[asyncio.Task[None]] = set()
        self._running = False
        self._tail_wake: asyncio.TimerHandle | None = None
        self._claims_paused_until = 0.0
        self._held: dict[tuple[uuid.UUID, int], uuid.UUID] = {}
        """Orders (installation, order id) this process claimed (claim id) and has not
        run to their end: handed back at shutdown."""

    def reserve_direct(self) -> repository.DirectClaim | None:
        """A slot for one order claimed straight at intake, with the terms of its
        claim; None when the slots are full (or the workers are not running), and the
        order is queued instead. Hand the slot back with :meth:`run_direct` (with the
        claim the intake returned) or :meth:`release_direct` (without one)."""
        if not self._running or self._direct_reserved >= self._direct_limit:
            return None
        if asyncio.get_running_loop().time() < self._claims_paused_until:
            return None
        self._direct_reserved += 1
        return repository.DirectClaim(
            uuid.uuid4(), self._settings.lease, self._budget.enabled, self._budget.tolerance
        )

    def release_direct(self) -> None:
        self._direct_reserved -= 1

    def nothing_to_claim(self) -> None:
        """An intake found no runnable order: with a merchant's backlog waiting for its
        budget, every intake would scan that whole backlog again for nothing. Intakes
        only queue for a moment (workers, woken by NOTIFY, still claim)."""
        self._direct_reserved -= 1
        self._claims_paused_until = asyncio.get_running_loop().time() + CLAIM_PAUSE_SECONDS

    def run_direct(self, claim: repository.Claim) -> None:
        """Process a claim made at intake, in the background, in its reserved slot."""
        self._held[claim.installation_id, claim.order_id] = claim.claim_id
        task = asyncio.create_task(self._run(claim))
        self._direct_tasks.add(task)
        task.add_done_callback(self._direct_done)

    def left_queued(self) -> None:
        """Intake queued an order without waking anyone (it claimed the queue's next
        order instead, and the following intake will claim this one): should no intake
        follow soon, one local worker wakes for it."""
        if self._tail_wake is not None:
            self._tail_wake.cancel()
        self._tail_wake = asyncio.get_running_loop().call_later(TAIL_WAKE_SECONDS, self._wakeup.set)

    def _direct_done(self, task: asyncio.Task[None]) -> None:
        self._direct_tasks.discard(task)
        self.release_direct()

    async def run(self, stop: asyncio.Event) -> None:
        tasks = [asyncio.create_task(listen(self._pool, self._listeners, stop))]
        tasks += [asyncio.create_task(self._work(stop)) for _ in range(self._concurrency)]
        tasks.append(asyncio.create_task(self._reap(stop)))
        self._running = True
        try:
            await stop.wait()
        finally:
            self._running = False
            tasks += self._direct_tasks
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await self._hand_back()

    async def _hand_back(self) -> None:
        """Orders this process claimed but never got to POST go back to the queue at
        once, not when their lease ends (a rolling deploy would hold them for minutes).
        Orders already ``posting`` stay for the reaper: they come back in doubt."""
        if not self._held:
            return
        try:
            async with asyncio.timeout(5.0), self._pool.acquire() as conn:
                returned = await repository.hand_back(conn, self._held)
            log.info("claimed orders handed back at shutdown", orders=returned)
        except Exception as exc:
            log.warning("handing back claimed orders failed; their leases will", error=repr(exc))
        self._held.clear()

    async def _work(self, stop: asyncio.Event) -> None:
        """Claim a few orders, process them, and straight back for more while there
        are; only an idle worker waits, and one queued order wakes one idle worker."""
        while not stop.is_set():
            try:
                async with self._pool.acquire() as conn:
                    claims = await repository.claim_batch(
                        conn,
                        self._settings.lease,
                        limit=self._claim_batch,
                        budget_enabled=self._budget.enabled,
                        budget_tolerance=self._budget.tolerance,
                    )
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("claiming failed", error=repr(exc))
                await self._wakeup.wait_turn(self._idle_poll)
                continue
            if not claims:
                await self._wakeup.wait_turn(self._idle_poll)
                continue
            self._held.update(((c.installation_id, c.order_id), c.claim_id) for c in claims)
            for claim in claims:
                await self._run(claim)

    async def _run(self, claim: repository.Claim) -> None:
        with structlog.contextvars.bound_contextvars(
            installation_id=str(claim.installation_id),
            order_id=claim.order_id,
            correlation_id=str(order_correlation_id(claim.installation_id, claim.order_id)),
            attempt=claim.attempts,
        ):
            started = time.perf_counter()
            try:
                await self._pipeline.run(claim)
                PROCESSING_SECONDS.observe(time.perf_counter() - started)
            except asyncio.CancelledError:
                raise  # still held: handed back at shutdown
            except Exception:
                # A bug, not an Informer answer: the lease brings the order back.
                log.exception("pipeline crashed; the order returns when its lease ends")
            self._held.pop((claim.installation_id, claim.order_id), None)

    async def _reap(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                async with self._pool.acquire() as conn:
                    reaped = await repository.reap_expired_leases(conn, self._settings.settle)
                if reaped:
                    log.warning("orders returned from vanished workers", orders=reaped)
                    self._wakeup.set()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("reaping failed", error=repr(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self._reap_every)


def spacing(policy: BudgetPolicy) -> timedelta:
    """How far apart one installation's queued orders are placed in priority: its
    budget's pace, so a backlog interleaves with other merchants' orders."""
    return policy.interval if policy.enabled else timedelta(0)


def work_queue_probe(pool: Pool) -> Callable[[], Awaitable[None]]:
    """The work queue's active states, for ``/metrics``; only states with a partial
    index are counted, so a scrape stays cheap however many orders were ever booked."""

    async def work_queue() -> None:
        async with pool.acquire() as conn:
            rows = await conn.fetch(
                """SELECT state, count(*) AS orders FROM order_states
                    WHERE state IN ('queued', 'claimed', 'posting') GROUP BY state"""
            )
        counts = {row["state"]: row["orders"] for row in rows}
        for state in ("queued", "claimed", "posting"):
            WORK_QUEUE_ORDERS.labels(state).set(counts.get(state, 0))

    return work_queue
