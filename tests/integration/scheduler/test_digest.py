"""The daily digest: one e-mail per merchant with the day's new errors and long-Open
orders, none when nothing is new, once per fire time."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from common.db.pool import Pool
from common.messages import SendEmail, parse_message
from scheduler.jobs import default_jobs, run_job_if_due
from scheduler.settings import SchedulerSettings
from tests.fakes.installations import InstallationFactory

pytestmark = pytest.mark.integration

BRUSSELS = ZoneInfo("Europe/Brussels")
FIRE = datetime(2026, 12, 2, 7, 0, tzinfo=BRUSSELS)


async def view(
    pool: Pool,
    installation_id: uuid.UUID,
    order_id: int,
    outcome: str,
    at: datetime,
    *,
    message: str | None = None,
    flagged: datetime | None = None,
) -> None:
    await pool.execute(
        """INSERT INTO order_views (installation_id, order_id, number, outcome, shop_status,
               order_created_at, total, currency, customer_name, customer_email,
               error_code, error_message, last_event_at, open_flagged_at)
           VALUES ($1, $2, $3, $4, 'paid', $5, 10.00, 'EUR', 'An', 'an@example.be',
                   CASE WHEN $6::text IS NULL THEN NULL ELSE 'TOTAL_MISMATCH' END, $6, $5, $7)""",
        installation_id,
        order_id,
        f"N{order_id}",
        outcome,
        at,
        message,
        flagged,
    )


async def mails_to(pool: Pool, address: str) -> list[SendEmail]:
    rows = await pool.fetch("SELECT body FROM outbox WHERE routing_key = 'SendEmail'")
    found = [parse_message(bytes(r["body"])) for r in rows]
    return [m for m in found if isinstance(m, SendEmail) and m.to == [address]]


async def test_the_digest_lists_the_day_s_new_errors_and_long_open_orders_once(
    pool: Pool, installations: InstallationFactory
) -> None:
    [job] = [j for j in default_jobs(SchedulerSettings()) if j.name == "daily-digest"]
    job = dataclasses.replace(job, name=f"daily-digest-{uuid.uuid4().hex[:8]}")
    busy, quiet = await installations.create(), await installations.create()
    busy_to, quiet_to = (f"{uuid.uuid4().hex[:8]}@example.test" for _ in range(2))
    for shop, address in ((busy, busy_to), (quiet, quiet_to)):
        await pool.execute(
            "UPDATE installations SET notification_email = $2 WHERE id = $1", shop.id, address
        )
    day_before = FIRE - timedelta(hours=5)
    await view(pool, busy.id, 1, "failed", day_before, message="The total does not add up.")
    await view(pool, busy.id, 2, "failed", FIRE - timedelta(days=3), message="Old news.")
    await view(pool, busy.id, 3, "processed", day_before)
    await view(pool, busy.id, 4, "waiting", FIRE - timedelta(days=40), flagged=day_before)
    await view(pool, quiet.id, 5, "processed", day_before)

    ran = await run_job_if_due(pool, job, FIRE + timedelta(seconds=30), BRUSSELS)
    assert ran is not None
    assert ran.fire == FIRE
    [mail] = await mails_to(pool, busy_to)
    assert "2 order(s)" in mail.subject
    assert "#N1: The total does not add up." in mail.text
    assert "Old news" not in mail.text
    assert "#N4" in mail.text
    assert f"/i/{busy.id}/errors" in mail.text
    assert await mails_to(pool, quiet_to) == []
    assert await run_job_if_due(pool, job, FIRE + timedelta(minutes=30), BRUSSELS) is None
    assert len(await mails_to(pool, busy_to)) == 1
