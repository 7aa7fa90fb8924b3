"""The dashboard's projection of outcome events, on the real database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from common.db.pool import Pool
from common.messages import (
    InvoiceCreated,
    OrderFailed,
    OrderLongOpen,
    OrderSummary,
    OrderWaiting,
)
from dashboard.projector import Projector
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
