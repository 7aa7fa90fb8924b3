"""The dashboard's projection of outcome events, on the real database."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import asyncpg
import pytest

from common.db.pool import Pool
from common.messages import (
    InvoiceCreated,
    OrderFailed,
    OrderLongOpen,
    OrderSummary,
    OrderWaiting,
)
from dashboard.projector import CONSUMER, Projector
from tests.fakes.installations import InstallationFactory

pytestmark = pytest.mark.integration

SUMMARY = OrderSummary(
    order_id=7001,
    number="7001",
    status="paid",
    created_at=datetime(2026, 11, 24, 9, tzinfo=UTC),
    updated_at=datetime(2026, 11, 24, 9, tzinfo=UTC),
    total=Decimal("31.93"),
    currency="EUR",
    customer_name="An Peeters",
    customer_email="an@example.be",
)


async def test_outcomes_replace_each_other_in_order_and_once(
    pool: Pool, installations: InstallationFactory
) -> None:
    shop = await installations.create()
    projector = Projector(pool)
    start = datetime.now(UTC)
    waiting = OrderWaiting(installation_id=shop.id, order=SUMMARY, occurred_at=start)
    failed = OrderFailed(
        installation_id=shop.id,
        order=SUMMARY,
        code="TOTAL_MISMATCH",
        message="The total does not match.",
        detail={"total": "31.93"},
        occurred_at=start + timedelta(seconds=1),
    )
    invoiced = InvoiceCreated(
        installation_id=shop.id,
        order=SUMMARY,
        invoice_id=40001,
        invoice_url="https://app.informer.eu/sales-invoice/40001",
        invoice_number=None,
        invoice_date=date(2026, 11, 24),
        relation_id=5,
        occurred_at=start + timedelta(seconds=2),
    )

    async def view() -> dict:
        row = await pool.fetchrow(
            "SELECT * FROM order_views WHERE installation_id = $1 AND order_id = 7001", shop.id
        )
        return dict(row)

    await projector.apply(waiting)
    assert (await view())["outcome"] == "waiting"
    await projector.apply(invoiced)
    await projector.apply(failed)  # older than the invoice: arrives late, changes nothing
    await projector.apply(invoiced)  # redelivered: changes nothing
    row = await view()
    assert row["outcome"] == "processed"
    assert row["invoice_id"] == 40001
    assert row["total"] == Decimal("31.93")
    assert row["error_code"] is None


async def test_a_long_open_order_is_flagged_on_its_view_once(
    pool: Pool, installations: InstallationFactory
) -> None:
    shop = await installations.create()
    projector = Projector(pool).registry()
    waiting = OrderWaiting(installation_id=shop.id, order=SUMMARY)
    await projector["OrderWaiting"](waiting)
    first = OrderLongOpen(
        installation_id=shop.id,
        order_id=SUMMARY.order_id,
        number=SUMMARY.number,
        status="pending_payment",
        created_at=SUMMARY.created_at,
        open_days=31,
        occurred_at=datetime(2026, 12, 25, 3, tzinfo=UTC),
    )
    await projector["OrderLongOpen"](first)
    await projector["OrderLongOpen"](first.model_copy(update={"occurred_at": datetime.now(UTC)}))
    flagged = await pool.fetchval(
        "SELECT open_flagged_at FROM order_views WHERE installation_id = $1 AND order_id = $2",
        shop.id,
        SUMMARY.order_id,
    )
    assert flagged == first.occurred_at


def invoiced(shop_id: uuid.UUID, order_id: int, at: datetime) -> InvoiceCreated:
    return InvoiceCreated(
        installation_id=shop_id,
        order=SUMMARY.model_copy(update={"order_id": order_id, "number": str(order_id)}),
        invoice_id=50000 + order_id,
        invoice_url=f"https://app.informer.eu/sales-invoice/{50000 + order_id}",
        invoice_number=None,
        invoice_date=date(2026, 11, 24),
        relation_id=5,
        occurred_at=at,
    )


async def outcomes(pool: Pool, shop_id: uuid.UUID) -> dict[int, tuple[str, int | None]]:
    rows = await pool.fetch(
        "SELECT order_id, outcome, invoice_id FROM order_views WHERE installation_id = $1",
        shop_id,
    )
    return {row["order_id"]: (row["outcome"], row["invoice_id"]) for row in rows}


async def recorded(pool: Pool, message_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    rows = await pool.fetch(
        "SELECT message_id FROM processed_messages WHERE consumer = $1"
        " AND message_id = ANY($2::uuid[])",
        CONSUMER,
        message_ids,
    )
    return {row["message_id"] for row in rows}


class CountingPool:
    """The real pool, counting the projector's statements: one call is one round trip."""

    def __init__(self, pool: Pool) -> None:
        self._pool = pool
        self.calls: list[str] = []

    async def execute(self, query: str, *args: object) -> str:
        self.calls.append("execute")
        return await self._pool.execute(query, *args)

    async def executemany(self, query: str, args: list[tuple[object, ...]]) -> None:
        self.calls.append("executemany")
        await self._pool.executemany(query, args)


async def test_events_delivered_together_are_written_in_fewer_round_trips_than_events(
    pool: Pool, installations: InstallationFactory
) -> None:
    shop = await installations.create()
    counting = CountingPool(pool)
    projector = Projector(counting)  # type: ignore[arg-type]
    now = datetime.now(UTC)
    events = [invoiced(shop.id, 8000 + n, now) for n in range(50)]
    await asyncio.gather(*(projector.apply(event) for event in events))
    assert 0 < len(counting.calls) < len(events)
    assert await outcomes(pool, shop.id) == {8000 + n: ("processed", 58000 + n) for n in range(50)}
    assert await recorded(pool, [event.message_id for event in events]) == {
        event.message_id for event in events
    }


async def test_a_message_id_seen_before_changes_nothing_even_in_the_same_batch(
    pool: Pool, installations: InstallationFactory
) -> None:
    shop = await installations.create()
    projector = Projector(pool)
    now = datetime.now(UTC)
    waiting = OrderWaiting(installation_id=shop.id, order=SUMMARY, occurred_at=now)
    # Newer, so only the message id keeps it out: a redelivery is never applied twice.
    same_id = invoiced(shop.id, SUMMARY.order_id, now + timedelta(seconds=1)).model_copy(
        update={"message_id": waiting.message_id}
    )
    await asyncio.gather(projector.apply(waiting), projector.apply(same_id))
    assert projector.writes.flushes == 1
    assert await outcomes(pool, shop.id) == {SUMMARY.order_id: ("waiting", None)}
    await asyncio.gather(projector.apply(same_id), projector.apply(waiting))  # redelivered
    assert await outcomes(pool, shop.id) == {SUMMARY.order_id: ("waiting", None)}


@pytest.mark.parametrize("newer_first", [False, True])
async def test_two_events_of_one_order_in_one_batch_end_as_if_applied_one_by_one(
    pool: Pool, installations: InstallationFactory, newer_first: bool
) -> None:
    shop = await installations.create()
    projector = Projector(pool)
    now = datetime.now(UTC)
    waiting = OrderWaiting(installation_id=shop.id, order=SUMMARY, occurred_at=now)
    invoice = invoiced(shop.id, SUMMARY.order_id, now + timedelta(seconds=1))
    batch = [invoice, waiting] if newer_first else [waiting, invoice]
    await asyncio.gather(*(projector.apply(event) for event in batch))
    assert projector.writes.flushes == 1  # one batch, so the guard is what decides
    assert await outcomes(pool, shop.id) == {SUMMARY.order_id: ("processed", invoice.invoice_id)}
    assert await recorded(pool, [waiting.message_id, invoice.message_id]) == {
        waiting.message_id,
        invoice.message_id,
    }


async def test_a_poison_event_fails_alone_and_its_neighbours_land(
    pool: Pool, installations: InstallationFactory
) -> None:
    shop = await installations.create()
    projector = Projector(pool)
    now = datetime.now(UTC)
    good = [invoiced(shop.id, 8100 + n, now) for n in range(5)]
    # An installation that does not exist: its row violates order_views' foreign key.
    poison = invoiced(uuid.uuid4(), 8199, now)
    batch = [*good[:2], poison, *good[2:]]
    results = await asyncio.gather(
        *(projector.apply(event) for event in batch), return_exceptions=True
    )
    assert isinstance(results[2], asyncpg.ForeignKeyViolationError)
    assert [result for n, result in enumerate(results) if n != 2] == [None] * 5
    assert await outcomes(pool, shop.id) == {8100 + n: ("processed", 58100 + n) for n in range(5)}
    # Not recorded as processed, so its redelivery is tried again rather than skipped.
    assert await recorded(pool, [poison.message_id]) == set()
