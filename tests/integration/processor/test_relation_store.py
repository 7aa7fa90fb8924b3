"""Relation claims on the real database: unique numbers, one creator per customer."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from common.db.pool import Pool
from processor.adapters import relation_store
from tests.fakes.installations import InstallationFactory

pytestmark = pytest.mark.integration

LEASE = timedelta(seconds=30)


async def test_concurrent_new_customers_get_distinct_numbers_above_informers(
    pool: Pool, installations: InstallationFactory
) -> None:
    shop = await installations.create()
    async with pool.acquire() as conn:
        await relation_store.mark_built(conn, shop.id, full=True, max_relation_number=1041)

    async def claim(n: int) -> relation_store.RelationClaim:
        async with pool.acquire() as conn:
            return await relation_store.claim_relation(conn, shop.id, f"c{n}@example.be", LEASE)

    claims = await asyncio.gather(*(claim(n) for n in range(25)))
    numbers = [c.relation_number for c in claims]
    assert len(set(numbers)) == 25
    assert min(numbers) == 1042
    assert all(c.mine for c in claims)


async def test_one_creator_per_customer_and_a_lapsed_claim_keeps_its_number(
    pool: Pool, installations: InstallationFactory
) -> None:
    shop = await installations.create()
    async with pool.acquire() as conn:
        await relation_store.mark_built(conn, shop.id, full=True, max_relation_number=0)
        first = await relation_store.claim_relation(conn, shop.id, "x@example.be", LEASE)
        second = await relation_store.claim_relation(conn, shop.id, "x@example.be", LEASE)
        assert first.mine
        assert not second.mine
        await conn.execute(
            "UPDATE relation_creations SET lease_until = now() - interval '1 s' WHERE email = $1",
            "x@example.be",
        )
        taken = await relation_store.claim_relation(conn, shop.id, "x@example.be", LEASE)
        assert taken.mine
        assert taken.taken_over
        assert taken.relation_number == first.relation_number
        await relation_store.relation_created(conn, shop.id, taken, 555)
        done = await relation_store.claim_relation(conn, shop.id, "x@example.be", LEASE)
        assert done.relation_id == 555
        assert await relation_store.lookup(conn, shop.id, "x@example.be") == 555
