"""Every webhook dropped: the scheduler's poll (cron time-scaled from hourly to every
two seconds) still brings every order, and each is invoiced once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from tests.e2e.test_order_to_invoice import (  # noqa: F401 - the fixture
    SHOP,
    System,
    start_ready,
    system,
)

pytestmark = pytest.mark.e2e


async def test_with_every_webhook_dropped_the_scheduled_poll_books_every_order(
    system: System,  # noqa: F811 - the imported fixture
) -> None:
    system.kmo.set_switches(SHOP, drop=True)
    await start_ready(system, "processor")
    await start_ready(system, "dashboard")
    now = system.kmo.clock()
    window = (now - timedelta(seconds=60), now)
    first = system.kmo.generate(SHOP, 4242, 15, scenarios=["domestic_b2c"], window=window)
    await start_ready(
        system,
        "scheduler",
        POLL_SCHEDULE="*/2 * * * * *",
        RECHECK_SCHEDULE="0 3 * * *",
        TICK_SECONDS="0.5",
        DB_POOL_MIN_SIZE="1",
        DB_POOL_MAX_SIZE="3",
    )
    await system.wait_settled({g.order["id"] for g in first}, timeout=60)
    # Orders placed after the first polls: a later fire time picks them up.
    await asyncio.sleep(1)
    now = system.kmo.clock()
    later = system.kmo.generate(
        SHOP, 4243, 15, scenarios=["domestic_b2c"], window=(now - timedelta(seconds=1), now)
    )
    order_ids = {g.order["id"] for g in [*first, *later]}
    states = await system.wait_settled(order_ids, timeout=90)

    assert {states[o]["state"] for o in order_ids} == {"invoiced"}
    deliveries = system.kmo.delivery_list(SHOP)
    assert len(deliveries) >= 30
    assert {d.status for d in deliveries} == {"dropped"}
    received = await system.pool.fetchval(
        "SELECT count(*) FROM webhook_deliveries WHERE installation_id = $1",
        system.installation.id,
    )
    assert received == 0
    numbers = {g.order["number"] for g in [*first, *later]}
    per_reference = system.invoices_by_reference()
    assert {n: per_reference[n] for n in numbers} == dict.fromkeys(numbers, 1)
