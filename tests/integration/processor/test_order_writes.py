"""The writes around each POST are batched across concurrent orders, each order still
learning its own answer."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest

from common.amqp.publisher import OutgoingMessage
from common.db.pool import Pool
from common.messages import RefundIgnored, ShopOrder
from processor.adapters import repository
from processor.adapters.writes import OrderWrites
from tests.fakes.installations import InstallationFactory, only_active
from tests.fakes.orders import recent_order

pytestmark = pytest.mark.integration

LEASE = timedelta(seconds=30)


async def _claimed(pool: Pool, shop_id: uuid.UUID, ids: range) -> list[repository.Claim]:
    await only_active(pool, shop_id)
    async with pool.acquire() as conn:
        for order_id in ids:
            order = ShopOrder.model_validate(recent_order(order_id))
            await repository.record_intake(
                conn, uuid.uuid4(), "test", shop_id, order, "queued", timedelta(0)
            )
        claims = await repository.claim_batch(
            conn, LEASE, limit=len(ids), budget_enabled=False, budget_tolerance=timedelta(0)
        )
    assert sorted(c.order_id for c in claims) == list(ids)
    return claims


def _event(claim: repository.Claim) -> OutgoingMessage:
    return OutgoingMessage.of(
        RefundIgnored(
            installation_id=claim.installation_id,
            correlation_id=uuid.uuid4(),
            refund_id=claim.order_id,
            order_id=claim.order_id,
            amount="1.00",
            refunded_at="2026-12-01T10:00:00+01:00",
        )
    )


async def test_concurrent_orders_share_statements_and_each_learns_its_own_answer(
    pool: Pool, installations: InstallationFactory
) -> None:
    shop = await installations.create()
    claims = await _claimed(pool, shop.id, range(930_001, 930_021))
    lost = claims[7]
    await pool.execute(  # another worker took this one over meanwhile
        "UPDATE order_states SET claim_id = $3 WHERE installation_id = $1 AND order_id = $2",
        lost.installation_id,
        lost.order_id,
        uuid.uuid4(),
    )
    writes = OrderWrites(pool, LEASE)

    posted = await asyncio.gather(*(writes.posting(c, 4242) for c in claims))

    assert posted == [c is not lost for c in claims]
    assert writes._postings.flushes < len(claims)
    states = await pool.fetch(
        """SELECT order_id, state, relation_id FROM order_states
            WHERE installation_id = $1 ORDER BY order_id""",
        shop.id,
    )
    assert [(r["state"], r["relation_id"]) for r in states if r["order_id"] != lost.order_id] == [
        ("posting", 4242)
    ] * 19
    assert next(r for r in states if r["order_id"] == lost.order_id)["state"] == "claimed"

    mine = [c for c in claims if c is not lost]
    events = {c.order_id: _event(c) for c in claims}
    recorded = await asyncio.gather(
        *(
            writes.invoiced(
                repository.Invoiced(c, 4242, 70_000 + n, f"https://x/{n}", None, events[c.order_id])
            )
            for n, c in enumerate(claims)
        )
    )

    assert recorded == [c is not lost for c in claims]
    assert writes._invoices.flushes < len(claims)
    invoiced = await pool.fetch(
        """SELECT order_id, invoice_id, claim_id FROM order_states
            WHERE installation_id = $1 AND state = 'invoiced' ORDER BY order_id""",
        shop.id,
    )
    assert [r["order_id"] for r in invoiced] == [c.order_id for c in mine]
    assert all(r["claim_id"] is None for r in invoiced)
    announced = await pool.fetch(
        "SELECT message_id, wake FROM outbox WHERE message_id = ANY($1::uuid[])",
        [uuid.UUID(e.message_id) for e in events.values()],
    )
    assert sorted(str(r["message_id"]) for r in announced) == sorted(
        events[c.order_id].message_id for c in mine
    )
    assert not any(r["wake"] for r in announced)
    await pool.execute(
        "DELETE FROM outbox WHERE message_id = ANY($1::uuid[])",
        [uuid.UUID(e.message_id) for e in events.values()],
    )
