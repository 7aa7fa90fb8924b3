"""ReconcileShop against the KMO Shops sandbox and the real PostgreSQL: one shop day,
counted and summed on both sides, every difference listed and stored."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from common.installations.models import Installation
from common.kmoshops import KmoShopsClient
from common.messages import ReconcileShop
from ingest.normalize import parse_order
from ingest.reconcile import day_bounds, reconcile_shop
from tests.integration.test_ingest_polling import (  # noqa: F401 - the fixture
    SHOP_ID,
    Shop,
    shop,
)

pytestmark = pytest.mark.integration

BRUSSELS = ZoneInfo("Europe/Brussels")


async def book(shop: Shop, raw: dict, state: str, total: str | None = None) -> None:  # noqa: F811
    payload = parse_order(raw).model_dump(mode="json")
    if total is not None:
        payload["total"] = total
    await shop.pool.execute(
        """INSERT INTO order_states (installation_id, order_id, number, state, order_status,
                                     order_updated_at, payload)
           VALUES ($1, $2, $3, $4, $5, now(), $6)""",
        shop.installation_id,
        raw["id"],
        raw["number"],
        state,
        raw["status"],
        payload,
    )


async def test_a_shop_day_is_reconciled_by_count_and_total_with_every_difference(
    shop: Shop,  # noqa: F811
) -> None:
    day = datetime.now(BRUSSELS).date() - timedelta(days=2)
    start, end = day_bounds(day, BRUSSELS)
    window = (start + timedelta(hours=1), end - timedelta(hours=1))
    paid = [
        g.order
        for g in shop.state.generate(SHOP_ID, 31, 6, scenarios=["domestic_b2c"], window=window)
    ]
    [cancelled] = [
        g.order
        for g in shop.state.generate(SHOP_ID, 32, 1, scenarios=["status_cancelled"], window=window)
    ]
    shop.state.generate(
        SHOP_ID, 33, 3, scenarios=["domestic_b2c"], window=(end, end + timedelta(hours=5))
    )
    for raw in paid[:3]:
        await book(shop, raw, "invoiced")
    await book(shop, paid[3], "invoiced", total="1.00")
    await book(shop, paid[4], "failed")
    await book(shop, cancelled, "invoiced")  # booked, then cancelled in the shop

    def client_for(installation: Installation) -> KmoShopsClient:
        return KmoShopsClient(shop.http, installation.kmo_base_url, installation.kmo_token)

    result = await reconcile_shop(
        ReconcileShop(installation_id=shop.installation_id, day=day),
        pool=shop.pool,
        box=shop.box,
        client_for=client_for,
        page_size=3,
    )
    assert result is not None
    row = await shop.pool.fetchrow(
        "SELECT * FROM reconciliations WHERE installation_id = $1 AND day = $2",
        shop.installation_id,
        day,
    )
    assert row["shop_count"] == 6
    assert row["shop_totals"] == {"EUR": str(sum(Decimal(o["total"]) for o in paid))}
    assert row["invoiced_count"] == 5
    invoiced_total = sum(Decimal(o["total"]) for o in [*paid[:3], cancelled]) + Decimal("1.00")
    assert row["invoiced_totals"] == {"EUR": str(invoiced_total)}
    problems = {d["order_id"]: (d["state"], d["problem"]) for d in row["differences"]}
    assert problems == {
        paid[3]["id"]: ("invoiced", "invoiced for 1.00"),
        paid[4]["id"]: ("failed", "not invoiced"),
        paid[5]["id"]: ("never received", "not invoiced"),
        cancelled["id"]: ("invoiced", "invoiced, not processable in KMO Shops"),
    }
    assert {d["total"] for d in row["differences"]} == {
        o["total"] for o in [paid[3], paid[4], paid[5], cancelled]
    }
