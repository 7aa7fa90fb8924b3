"""Trials and subscriptions: past the paid period no worker claims the installation's
orders (they wait, and are booked once it is renewed); a week before its end the
merchant is e-mailed once per end date."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from common.db.pool import Pool
from common.messages import SendEmail, ShopOrder, parse_message
from processor.adapters import repository
from scheduler.expiry import warn_expiring
from scheduler.jobs import default_jobs, run_job_if_due
from scheduler.settings import SchedulerSettings
from tests.fakes.installations import InstallationFactory
from tests.fakes.orders import recent_order

pytestmark = pytest.mark.integration

LEASE = timedelta(seconds=30)
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


async def peek(pool: Pool, shop_id: uuid.UUID) -> list[int]:
    """The orders of ``shop_id`` a worker would claim now; rolled back, so they stay."""
    async with pool.acquire() as conn:
        transaction = conn.transaction()
        await transaction.start()
        try:
            claims = await repository.claim_batch(
                conn, LEASE, limit=1000, budget_enabled=False, budget_tolerance=timedelta(0)
            )
        finally:
            await transaction.rollback()
    return [c.order_id for c in claims if c.installation_id == shop_id]


async def test_an_expired_installation_s_orders_wait_until_it_is_renewed(
    pool: Pool, installations: InstallationFactory
) -> None:
    shop = await installations.create()
    order = ShopOrder.model_validate(recent_order(88001))
    async with pool.acquire() as conn:
        await repository.record_intake(
            conn, uuid.uuid4(), "test", shop.id, order, "queued", timedelta(0)
        )
    assert await peek(pool, shop.id) == [88001]  # operator installation: no end date

    await pool.execute(
        "UPDATE installations SET trial_ends_at = now() - interval '1 minute' WHERE id = $1",
        shop.id,
    )
    assert await peek(pool, shop.id) == []
    await pool.execute(
        "UPDATE installations SET subscription_ends_at = now() + interval '1 year' WHERE id = $1",
        shop.id,
    )
    assert await peek(pool, shop.id) == [88001]


async def mails_to(pool: Pool, address: str) -> list[SendEmail]:
    rows = await pool.fetch("SELECT body FROM outbox WHERE routing_key = 'SendEmail' ORDER BY id")
    found = [parse_message(bytes(r["body"])) for r in rows]
    return [m for m in found if isinstance(m, SendEmail) and m.to == [address]]


async def warn(pool: Pool, now: datetime) -> int:
    async with pool.acquire() as conn, conn.transaction():
        return await warn_expiring(conn, now, dashboard_url="https://dash.example.test")


async def test_a_week_before_the_end_the_merchant_is_warned_once_per_end_date(
    pool: Pool, installations: InstallationFactory
) -> None:
    soon, later, over = [await installations.create() for _ in range(3)]
    address = f"merchant-{uuid.uuid4().hex[:8]}@example.test"
    for shop, ends in ((soon, NOW + timedelta(days=5)), (later, NOW + timedelta(days=20))):
        await pool.execute(
            """UPDATE installations SET trial_ends_at = $2, notification_email = $3
                WHERE id = $1""",
            shop.id,
            ends,
            address,
        )
    await pool.execute(
        "UPDATE installations SET trial_ends_at = $2, notification_email = $3 WHERE id = $1",
        over.id,
        NOW - timedelta(days=1),
        address,
    )

    await warn(pool, NOW)
    [mail] = await mails_to(pool, address)
    assert mail.installation_id == soon.id
    assert "trial" in mail.subject
    assert "06 December 2026" in mail.subject
    assert f"https://dash.example.test/i/{soon.id}" in mail.text
    await warn(pool, NOW + timedelta(days=1))
    assert len(await mails_to(pool, address)) == 1  # once per end date

    # Renewed for a month, then that end comes near: a new warning, about the subscription.
    await pool.execute(
        "UPDATE installations SET subscription_ends_at = $2 WHERE id = $1",
        soon.id,
        NOW + timedelta(days=35),
    )
    await warn(pool, NOW + timedelta(days=2))
    assert len(await mails_to(pool, address)) == 1
    await warn(pool, NOW + timedelta(days=30))
    mails = await mails_to(pool, address)
    assert len(mails) == 2
    assert "subscription" in mails[1].subject
    assert {m.installation_id for m in mails} == {soon.id}


async def test_the_scheduler_s_warn_expiring_job_mails_once_per_fire_time(
    pool: Pool, installations: InstallationFactory
) -> None:
    [job] = [j for j in default_jobs(SchedulerSettings()) if j.name == "warn-expiring"]
    job = dataclasses.replace(job, name=f"warn-expiring-{uuid.uuid4().hex[:8]}")
    shop = await installations.create()
    address = f"merchant-{uuid.uuid4().hex[:8]}@example.test"
    await pool.execute(
        "UPDATE installations SET trial_ends_at = $2, notification_email = $3 WHERE id = $1",
        shop.id,
        datetime(2026, 12, 8, 12, 0, tzinfo=UTC),
        address,
    )
    brussels = ZoneInfo("Europe/Brussels")
    now = datetime(2026, 12, 3, 9, 0, 30, tzinfo=brussels)
    ran = await run_job_if_due(pool, job, now, brussels)
    assert ran is not None
    assert ran.fire == datetime(2026, 12, 3, 9, 0, tzinfo=brussels)
    assert ran.commands >= 1
    assert await run_job_if_due(pool, job, now + timedelta(hours=2), brussels) is None
    [mail] = await mails_to(pool, address)
    assert "http://127.0.0.1:8000/i/" in mail.text
