"""RecheckOpenOrders against the KMO Shops sandbox and the real PostgreSQL: a status
change no webhook or poll carried is found, an order Open for more than 30 days is
flagged once, and a second run repeats nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from common.installations.models import Installation
from common.kmoshops import KmoShopsClient
from common.messages import OrderLongOpen, ProcessOrder, RecheckOpenOrders, parse_message
from ingest.normalize import parse_order
from ingest.recheck import RecheckResult, recheck_open_orders
from ingest.store import record_order
from tests.integration.test_ingest_polling import (  # noqa: F401 - the fixture
    SHOP_ID,
    Shop,
    shop,
)

pytestmark = pytest.mark.integration

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


async def recheck(shop: Shop, now: datetime = NOW) -> RecheckResult | None:  # noqa: F811
    def client_for(installation: Installation) -> KmoShopsClient:
        return KmoShopsClient(
            shop.http, installation.kmo_base_url, installation.kmo_token, backoff=0.01
        )

    return await recheck_open_orders(
        RecheckOpenOrders(installation_id=shop.installation_id),
        pool=shop.pool,
        box=shop.box,
        client_for=client_for,
        clock=lambda: now,
    )


async def events(shop: Shop) -> list[OrderLongOpen]:  # noqa: F811
    rows = await shop.pool.fetch("SELECT body FROM outbox WHERE routing_key = 'OrderLongOpen'")
    found = [parse_message(bytes(r["body"])) for r in rows]
    return [e for e in found if isinstance(e, OrderLongOpen)]


async def test_recheck_finds_a_silent_status_change_and_flags_a_long_open_order_once(
    shop: Shop,  # noqa: F811
) -> None:
    recent = shop.state.generate(
        SHOP_ID, 11, 3, scenarios=["status_open"], window=(NOW - timedelta(days=2), NOW)
    )
    old = shop.state.generate(
        SHOP_ID,
        12,
        1,
        scenarios=["status_open"],
        window=(NOW - timedelta(days=45), NOW - timedelta(days=40)),
    )
    paid = shop.state.generate(SHOP_ID, 13, 1, scenarios=["domestic_b2c"])
    async with shop.pool.acquire() as conn:
        for generated in [*recent, *old, *paid]:
            order = parse_order(shop.state.order(generated.order["id"]))
            assert await record_order(conn, shop.installation_id, order, "webhook")
    before = {m.message_id for m in await shop.published()}

    # The shop marks one order paid, and neither webhook nor poll brings it.
    changed_id = recent[0].order["id"]
    shop.state.set_status(changed_id, "paid")

    result = await recheck(shop)
    assert result == RecheckResult(open=4, changed=1, missing=0, rejected=0, flagged=1)
    new = [m for m in await shop.published() if m.message_id not in before]
    assert [(m.order.id, m.order.status.value) for m in new] == [(changed_id, "paid")]
    assert all(isinstance(m, ProcessOrder) for m in new)
    [flag] = await events(shop)
    assert flag.order_id == old[0].order["id"]
    assert flag.open_days >= 40
    assert flag.installation_id == shop.installation_id

    again = await recheck(shop, NOW + timedelta(days=1))
    assert again == RecheckResult(open=3, changed=0, missing=0, rejected=0, flagged=0)
    assert len(await events(shop)) == 1
    assert [m for m in await shop.published() if m.message_id not in before] == new
