"""The daily digest: one e-mail per merchant with the day's new errors and long-Open
orders, none when nothing is new, once per fire time."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from common.db.pool import Pool
from common.messages import SendEmail, parse_message
from scheduler.jobs import Job, default_jobs, run_job_if_due
from scheduler.settings import SchedulerSettings
from tests.fakes.installations import CreatedInstallation, InstallationFactory

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


async def digest_and_two_merchants(
    pool: Pool, installations: InstallationFactory
) -> tuple[Job, tuple[CreatedInstallation, str], tuple[CreatedInstallation, str]]:
    """A digest job of the test's own (its own lock and fire times) and two
    installations, each with a notification address of its own."""
    [job] = [j for j in default_jobs(SchedulerSettings()) if j.name == "daily-digest"]
    job = dataclasses.replace(job, name=f"daily-digest-{uuid.uuid4().hex[:8]}")
    merchants = []
    for _ in range(2):
        shop, address = await installations.create(), f"{uuid.uuid4().hex[:8]}@example.test"
        await pool.execute(
            "UPDATE installations SET notification_email = $2 WHERE id = $1", shop.id, address
        )
        merchants.append((shop, address))
    return job, merchants[0], merchants[1]


async def test_the_digest_lists_the_day_s_new_errors_and_long_open_orders_once(
    pool: Pool, installations: InstallationFactory
) -> None:
    job, (busy, busy_to), (quiet, quiet_to) = await digest_and_two_merchants(pool, installations)
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


async def test_the_digest_lists_the_latest_completeness_difference(
    pool: Pool, installations: InstallationFactory
) -> None:
    job, (differing, differing_to), (matching, matching_to) = await digest_and_two_merchants(
        pool, installations
    )

    async def checked(
        installation_id: uuid.UUID, day: date, at: datetime, differences: list[dict[str, str]]
    ) -> None:
        await pool.execute(
            """INSERT INTO reconciliations (installation_id, day, shop_count, shop_totals,
                   invoiced_count, invoiced_totals, differences, checked_at)
               VALUES ($1, $2, 4, '{}', 2, '{}', $3, $4)""",
            installation_id,
            day,
            differences,
            at,
        )

    def difference(number: str, currency: str, total: str) -> dict[str, str]:
        return {
            "order_id": number,
            "number": number,
            "currency": currency,
            "total": total,
            "state": "failed",
            "problem": "not invoiced",
        }

    # An older day's difference (already told the day before) and the newest day's two.
    await checked(
        differing.id, date(2026, 11, 29), FIRE - timedelta(days=2), [difference("7", "EUR", "5.00")]
    )
    await checked(
        differing.id,
        date(2026, 12, 1),
        FIRE - timedelta(hours=4),
        [
            difference("N8", "EUR", "50.25"),
            difference("N9", "EUR", "19.75"),
            difference("N10", "USD", "12.00"),
        ],
    )
    await checked(matching.id, date(2026, 12, 1), FIRE - timedelta(hours=4), [])

    assert await run_job_if_due(pool, job, FIRE + timedelta(seconds=30), BRUSSELS) is not None
    [mail] = await mails_to(pool, differing_to)
    assert "differs from KMO Shops on 01 December 2026" in mail.subject
    assert "3 order(s) differ (EUR 70.00, USD 12.00)" in mail.text
    assert "KMO Shops counts 4 processable order(s), 2 were booked" in mail.text
    assert "#N8 EUR 50.25: not invoiced (failed)" in mail.text
    assert "#7 " not in mail.text
    assert f"/i/{differing.id}/report/completeness" in mail.text
    assert await mails_to(pool, matching_to) == []
