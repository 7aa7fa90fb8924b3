"""Claims carry the customer's e-mail index entry, and only from a built index."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from common.db.pool import Pool
from common.messages import ShopOrder
from processor.adapters import relation_store, repository
from tests.fakes.installations import InstallationFactory
from tests.fakes.orders import customer, recent_order

pytestmark = pytest.mark.integration

LEASE = timedelta(seconds=30)


async def _queue_and_claim(pool: Pool, shop_id: uuid.UUID, order_id: int) -> repository.Claim:
    order = ShopOrder.model_validate(
        recent_order(order_id, customer=customer(email="  An.Klant@Example.BE "))
    )
    async with pool.acquire() as conn:
        await repository.record_intake(
            conn, uuid.uuid4(), "test", shop_id, order, "queued", timedelta(0)
        )
        # Rolled back: other tests' queued orders stay as they were.
        transaction = conn.transaction()
        await transaction.start()
        try:
            claims = await repository.claim_batch(
                conn, LEASE, limit=10_000, budget_enabled=False, budget_tolerance=timedelta(0)
            )
        finally:
            await transaction.rollback()
    return next(c for c in claims if c.installation_id == shop_id and c.order_id == order_id)


async def test_a_claim_brings_the_index_entry_only_once_the_index_is_built(
    pool: Pool, installations: InstallationFactory
) -> None:
    shop = await installations.create()
    async with pool.acquire() as conn:
        await relation_store.add_entries(
            conn, shop.id, [("an.klant@example.be", 4242, 7)], replace=True
        )
    half_built = await _queue_and_claim(pool, shop.id, 910_001)
    assert half_built.known_relation_id is None

    async with pool.acquire() as conn:
        await relation_store.mark_built(conn, shop.id, full=True, max_relation_number=7)
    built = await _queue_and_claim(pool, shop.id, 910_002)
    assert built.known_relation_id == 4242
    assert built.order.customer.email == "an.klant@example.be"
