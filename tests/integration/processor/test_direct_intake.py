"""Intake claims a new order itself only when the queue would hand it over next anyway."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest
from _pytest.monkeypatch import MonkeyPatch

from common.crypto import SecretBox
from common.db.pool import Pool
from common.messages import ShopOrder
from processor.adapters import relation_store, repository
from processor.worker import Workers
from sandbox.informer.state import InformerState
from tests.fakes.installations import InstallationFactory, only_active
from tests.fakes.orders import customer, recent_order
from tests.fakes.processor import running_processor

pytestmark = pytest.mark.integration

LEASE = timedelta(seconds=30)


def _terms(*, budget: bool = False) -> repository.DirectClaim:
    return repository.DirectClaim(uuid.uuid4(), LEASE, budget, timedelta(0))


def _order(order_id: int, **changes: object) -> ShopOrder:
    raw = recent_order(order_id, customer=customer(email="  Direct.Klant@Example.BE "))
    raw.update(changes)
    return ShopOrder.model_validate(raw)


async def _intake(
    pool: Pool,
    shop_id: uuid.UUID,
    order: ShopOrder,
    direct: repository.DirectClaim | None,
    intake: repository.Intake = "queued",
) -> repository.IntakeOutcome:
    async with pool.acquire() as conn:
        return await repository.record_intake(
            conn, uuid.uuid4(), "test", shop_id, order, intake, timedelta(0), direct=direct
        )


async def _row(pool: Pool, shop_id: uuid.UUID, order_id: int) -> dict[str, object]:
    row = await pool.fetchrow(
        """SELECT state, claim_id, attempts, lease_until IS NOT NULL AS leased,
                  claimed_version = order_updated_at AS claimed_this_version
             FROM order_states WHERE installation_id = $1 AND order_id = $2""",
        shop_id,
        order_id,
    )
    assert row is not None
    return dict(row)


async def test_a_new_order_of_a_quiet_merchant_is_claimed_at_intake(
    pool: Pool, installations: InstallationFactory
) -> None:
    shop = await installations.create()
    await only_active(pool, shop.id)
    async with pool.acquire() as conn:
        await relation_store.add_entries(
            conn, shop.id, [("direct.klant@example.be", 5151, 9)], replace=True
        )
        await relation_store.mark_built(conn, shop.id, full=True, max_relation_number=9)
    terms = _terms()

    outcome = await _intake(pool, shop.id, _order(920_001), terms)

    assert outcome.state == "claimed"
    assert outcome.claim is not None
    assert outcome.claim.claim_id == terms.claim_id
    assert outcome.claim.order.id == 920_001
    assert outcome.claim.attempts == 1
    assert not outcome.claim.in_doubt
    assert outcome.claim.known_relation_id == 5151
    assert await _row(pool, shop.id, 920_001) == {
        "state": "claimed",
        "claim_id": terms.claim_id,
        "attempts": 1,
        "leased": True,
        "claimed_this_version": True,
    }


async def test_behind_a_runnable_order_intake_claims_that_one_and_queues_the_new_one(
    pool: Pool, installations: InstallationFactory
) -> None:
    shop = await installations.create()
    await only_active(pool, shop.id)
    await _intake(pool, shop.id, _order(920_011), None)
    terms = _terms()

    outcome = await _intake(pool, shop.id, _order(920_012), terms)

    assert outcome.state == "queued"
    assert outcome.claim is not None
    assert (outcome.claim.order_id, outcome.claim.claim_id) == (920_011, terms.claim_id)
    assert outcome.claim.order.customer.email == "direct.klant@example.be"
    assert (await _row(pool, shop.id, 920_011))["claim_id"] == terms.claim_id
    assert (await _row(pool, shop.id, 920_012))["state"] == "queued"


async def test_the_queue_hands_out_the_earliest_order_of_any_merchant(
    pool: Pool, installations: InstallationFactory
) -> None:
    earlier, later = await installations.create(), await installations.create()
    await only_active(pool, earlier.id, later.id)
    await _intake(pool, earlier.id, _order(920_021), None)

    outcome = await _intake(pool, later.id, _order(920_022), _terms())

    assert outcome.claim is not None
    assert (outcome.claim.installation_id, outcome.claim.order_id) == (earlier.id, 920_021)


async def test_a_queued_order_not_runnable_yet_does_not_stop_the_new_one(
    pool: Pool, installations: InstallationFactory
) -> None:
    shop = await installations.create()
    await only_active(pool, shop.id)
    await _intake(pool, shop.id, _order(920_025), None)
    await pool.execute(
        """UPDATE order_states SET not_before = now() + interval '1 minute'
            WHERE installation_id = $1 AND order_id = 920025""",
        shop.id,
    )

    outcome = await _intake(pool, shop.id, _order(920_026), _terms())

    assert outcome.claim is not None
    assert outcome.claim.order_id == 920_026


async def test_no_direct_claim_for_an_inactive_installation_or_an_unprocessable_intake(
    pool: Pool, installations: InstallationFactory
) -> None:
    disabled = await installations.create()
    await only_active(pool)
    assert (await _intake(pool, disabled.id, _order(920_031), _terms())).claim is None
    assert (await _row(pool, disabled.id, 920_031))["state"] == "queued"

    active = await installations.create()
    await only_active(pool, active.id)
    waiting = await _intake(pool, active.id, _order(920_032), _terms(), intake="waiting")
    assert (waiting.state, waiting.claim) == ("waiting", None)


async def test_no_direct_claim_while_the_budget_is_paused(
    pool: Pool, installations: InstallationFactory
) -> None:
    paused, unbudgeted = await installations.create(), await installations.create()
    await only_active(pool, paused.id, unbudgeted.id)
    key = f"test-direct-{uuid.uuid4()}"  # this test's own budget: the pause touches no other
    await pool.execute(
        "UPDATE installations SET budget_key = $2 WHERE id = ANY($1::uuid[])",
        [paused.id, unbudgeted.id],
        key,
    )
    await pool.execute(
        """INSERT INTO informer_budgets (budget_key, tat, paused_until)
           VALUES ($1, now(), now() + interval '1 minute')""",
        key,
    )

    held = await _intake(pool, paused.id, _order(920_041), _terms(budget=True))
    assert (held.state, held.claim) == ("queued", None)
    # With the budget not enforced, a recorded pause holds nothing back: the queue's
    # next order (the held one) is handed out.
    outcome = await _intake(pool, unbudgeted.id, _order(920_042), _terms(budget=False))
    assert outcome.claim is not None
    assert outcome.claim.order_id == 920_041


async def test_a_newer_version_of_an_order_another_worker_holds_is_never_taken_over(
    pool: Pool, installations: InstallationFactory
) -> None:
    shop = await installations.create()
    await only_active(pool, shop.id)
    first = _order(920_051)
    holder = _terms()
    assert (await _intake(pool, shop.id, first, holder)).claim is not None

    newer = _order(920_051, updated_at=(first.updated_at + timedelta(minutes=1)).isoformat())
    outcome = await _intake(pool, shop.id, newer, _terms())

    assert outcome.state == "claimed"
    assert outcome.claim is None
    assert (await _row(pool, shop.id, 920_051))["claim_id"] == holder.claim_id


async def test_orders_claimed_at_intake_are_invoiced_once_and_free_their_slots(
    pool: Pool, box: SecretBox, installations: InstallationFactory
) -> None:
    async with running_processor(pool, box, installations, concurrency=2) as processor:
        workers = processor.handlers.direct
        assert isinstance(workers, Workers)
        started: list[int] = []
        run_direct = workers.run_direct

        def counting_run_direct(claim: repository.Claim) -> None:
            started.append(claim.order_id)
            run_direct(claim)

        workers.run_direct = counting_run_direct  # type: ignore[method-assign]
        orders = [recent_order(920_100 + n) for n in range(12)]
        for order in orders:
            await processor.send(order)
        rows = await processor.settled(*(o["id"] for o in orders))
        assert workers.reserve_direct() is not None  # every slot was handed back
        workers.release_direct()

    assert started, "no order was claimed at intake"
    assert {r["state"] for r in rows} == {"invoiced"}
    references = [i.body["reference"] for i in processor.invoices()]
    assert sorted(references) == sorted(str(o["number"]) for o in orders)


async def test_a_first_burst_waits_for_the_index_build_instead_of_going_back_to_the_queue(
    pool: Pool, box: SecretBox, installations: InstallationFactory, monkeypatch: MonkeyPatch
) -> None:
    """Orders claimed together before the installation's e-mail index exists wait for
    their process's one build; before, all but one went back to the queue for 2 s."""
    released: list[int] = []
    release = repository.release

    async def counting_release(conn: Any, claim: repository.Claim, *args: Any, **kw: Any) -> None:
        released.append(claim.order_id)
        await release(conn, claim, *args, **kw)

    monkeypatch.setattr(repository, "release", counting_release)
    async with running_processor(pool, box, installations, concurrency=8) as processor:
        # New customers each: no order waits for another's relation.
        orders = [
            recent_order(920_200 + n, customer=customer(email=f"burst{n}@example.be"))
            for n in range(8)
        ]
        await asyncio.gather(*(processor.send(order) for order in orders))
        rows = await processor.settled(*(o["id"] for o in orders))
        builds = await pool.fetchval(
            """SELECT build_relations IS NOT NULL FROM relation_index_state
                WHERE installation_id = $1""",
            processor.installation_id,
        )

    assert {r["state"] for r in rows} == {"invoiced"}
    assert builds
    assert released == []


async def test_orders_arriving_together_share_one_context_of_their_installation(
    pool: Pool, box: SecretBox, installations: InstallationFactory
) -> None:
    """One options cache and one index build per installation and process: before,
    each of a first burst's orders made its own and read Informer's options again."""
    async with running_processor(pool, box, installations) as processor:
        contexts = processor.handlers.contexts
        first, *others = await asyncio.gather(
            *(contexts.get(processor.installation_id) for _ in range(6))
        )
    assert all(other is first for other in others)


async def test_orders_claimed_but_not_posted_go_back_to_the_queue_at_shutdown(
    pool: Pool, box: SecretBox, installations: InstallationFactory
) -> None:
    """Not only when their lease ends: a rolling deploy would hold them for minutes."""
    informer = InformerState()
    # Informer's VAT options are read before the POST: slow them, and stop meanwhile.
    informer.faults.add_latency(3.0, path_prefix="/invoices/sales/options")
    async with running_processor(pool, box, installations, informer=informer) as processor:
        orders = [recent_order(920_300 + n) for n in range(3)]
        for order in orders:
            await processor.send(order)
        async with asyncio.timeout(5):
            while {(await processor.state(o["id"]))["state"] for o in orders} != {"claimed"}:
                await asyncio.sleep(0.02)

    rows = [await processor.state(o["id"]) for o in orders]
    assert [(r["state"], r["claim_id"], r["lease_until"], r["attempts"]) for r in rows] == [
        ("queued", None, None, 0)
    ] * 3
