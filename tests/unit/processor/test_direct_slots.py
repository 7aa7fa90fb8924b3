"""The slots of orders claimed at intake, and the wake for an order intake left queued."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any, cast

from common.informer.budget import BudgetPolicy
from processor.adapters.repository import Claim
from processor.pipeline import PipelineSettings
from processor.worker import CLAIM_PAUSE_SECONDS, TAIL_WAKE_SECONDS, Workers


class _Pipeline:
    def __init__(self) -> None:
        self.ran: list[int] = []
        self.release = asyncio.Event()

    async def run(self, claim: Claim) -> None:
        self.ran.append(claim.order_id)
        await self.release.wait()


def _workers(pipeline: _Pipeline, limit: int) -> Workers:
    workers = Workers(
        cast(Any, None),
        cast(Any, pipeline),
        BudgetPolicy(enabled=False),
        PipelineSettings(),
        concurrency=1,
        direct_limit=limit,
    )
    workers._running = True  # as while run() runs, without a database to listen on
    return workers


def _claim(order_id: int) -> Claim:
    attributes = {"order_id": order_id, "installation_id": uuid.uuid4(), "attempts": 1,
                  "claim_id": uuid.uuid4()}  # fmt: skip
    return cast(Claim, type("C", (), attributes)())


async def test_slots_are_limited_and_handed_back_when_the_order_is_done() -> None:
    pipeline = _Pipeline()
    workers = _workers(pipeline, limit=2)

    first, second = workers.reserve_direct(), workers.reserve_direct()
    assert first is not None
    assert second is not None
    assert first.claim_id != second.claim_id
    assert workers.reserve_direct() is None  # full: the order is queued instead

    workers.release_direct()  # an intake that claimed nothing hands its slot back
    assert (third := workers.reserve_direct()) is not None
    workers.run_direct(_claim(1))
    workers.run_direct(_claim(2))
    await asyncio.sleep(0)
    assert pipeline.ran == [1, 2]
    assert workers.reserve_direct() is None

    pipeline.release.set()
    for _ in range(10):
        await asyncio.sleep(0)
    assert workers.reserve_direct() is not None
    assert third.lease == PipelineSettings().lease


async def test_no_slot_while_the_workers_are_not_running() -> None:
    workers = _workers(_Pipeline(), limit=4)
    workers._running = False
    assert workers.reserve_direct() is None


async def test_an_order_left_queued_wakes_one_worker_unless_another_intake_follows() -> None:
    workers = _workers(_Pipeline(), limit=1)
    started = time.monotonic()
    workers.left_queued()
    await asyncio.sleep(TAIL_WAKE_SECONDS / 2)
    workers.left_queued()  # the next intake came: the wake moves on
    await workers._wakeup.wait_turn(5.0)
    waited = time.monotonic() - started
    assert TAIL_WAKE_SECONDS * 1.4 <= waited < 2.0
    assert workers._wakeup._tokens.empty()  # one wake, not two


async def test_an_intake_that_found_nothing_to_claim_pauses_claims_for_a_moment() -> None:
    workers = _workers(_Pipeline(), limit=4)
    assert workers.reserve_direct() is not None
    workers.nothing_to_claim()  # e.g. a backlog all waiting for its budget
    assert workers.reserve_direct() is None  # the next intakes only queue...
    await asyncio.sleep(CLAIM_PAUSE_SECONDS * 1.5)
    assert workers.reserve_direct() is not None  # ...for a moment
