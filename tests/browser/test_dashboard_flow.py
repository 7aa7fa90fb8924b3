"""A merchant in a real browser: sign up (the mail arrives), log in, see orders in
Report, Errors and Open, Process a failed order, report a problem, ignore a waiting
order, stop and restart the integration. A screenshot of every view lands in
test-output/screenshots/."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import Page, expect

from common.crypto import SecretBox
from common.db.pool import Pool
from tests.browser.conftest import shoot
from tests.fakes.dashboard import PASSWORD, connect, seed_order, unique_email
from tests.fakes.smtp import CapturingSmtp

pytestmark = pytest.mark.browser


async def _until_listed(page: Page, url: str, text: str, timeout: float = 20.0) -> None:
    """Reload until the projection (fed through outbox, broker and projector) shows it."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        await page.goto(url)
        if await page.get_by_text(text, exact=True).count():
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{text!r} never appeared at {url}")
        await asyncio.sleep(0.3)


async def test_a_merchant_signs_up_and_works_through_every_view(
    page: Page, dashboard: str, smtp: CapturingSmtp, pool: Pool, box: SecretBox
) -> None:
    email = unique_email()
    # Sign up.
    await page.goto(f"{dashboard}/signup")
    await shoot(page, "01-signup")
    await page.get_by_label("Your name").fill("Fietsen Peeters")
    await page.get_by_label("E-mail address").fill(email)
    await page.get_by_label("Country of your shop").select_option("BE")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_label("I accept the").check()
    await page.get_by_role("button", name="Start the trial").click()
    await expect(page.get_by_text("Welcome! Your 30-day trial has started.")).to_be_visible()
    installation_id = uuid.UUID(re.search(r"/i/([0-9a-f-]{36})", page.url).group(1))
    await shoot(page, "02-installation-to-set-up")
    mail = await asyncio.to_thread(smtp.wait_for, lambda m: m["To"] == email)
    body = mail.get_payload()
    assert f"{dashboard}/i/{installation_id}/setup" in body
    assert PASSWORD not in body

    # Log out and in again.
    await page.get_by_role("button", name="Log out").click()
    await expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    await page.get_by_label("E-mail address").fill(email)
    await page.get_by_label("Password").fill("not the password")
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_text("do not match")).to_be_visible()
    await shoot(page, "03-login-refused")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()

    # The wizard (another module) connects the installation; orders come in as events.
    await connect(pool, box, installation_id)
    now = datetime.now(UTC)
    for n in range(3):
        await seed_order(
            pool,
            installation_id,
            5001 + n,
            "processed",
            created_at=now - timedelta(hours=5 - n),
            via_outbox=True,
        )
    await seed_order(
        pool, installation_id, 5101, "failed", created_at=now - timedelta(hours=1), via_outbox=True
    )
    await seed_order(
        pool,
        installation_id,
        5102,
        "failed",
        created_at=now - timedelta(minutes=50),
        via_outbox=True,
    )
    await seed_order(
        pool, installation_id, 5201, "waiting", created_at=now - timedelta(days=2), via_outbox=True
    )
    base = f"{dashboard}/i/{installation_id}"

    # Report.
    await _until_listed(page, f"{base}/report", "5003")
    await expect(page.get_by_role("link", name="F2026-5003")).to_be_visible()
    await shoot(page, "04-report")
    await page.get_by_label("Order number").fill("5002")
    await page.get_by_role("button", name="Show").click()
    await expect(page.get_by_role("link", name="5002", exact=True)).to_be_visible()
    assert await page.get_by_role("link", name="5003", exact=True).count() == 0

    # Errors, More info, Process.
    await _until_listed(page, f"{base}/errors", "5102")
    await expect(
        page.get_by_text("The order's lines do not add up to its total.").first
    ).to_be_visible()
    await shoot(page, "05-errors")
    await page.get_by_role("link", name="5101", exact=True).click()
    await expect(page.get_by_text("More info")).to_be_visible()
    await expect(page.get_by_text("206.95").first).to_be_visible()
    await shoot(page, "06-order-more-info")
    await page.get_by_role("button", name="Process").click()
    await expect(page.get_by_text("The order is being processed again.")).to_be_visible()
    state = await pool.fetchval(
        "SELECT state FROM order_states WHERE installation_id = $1 AND order_id = 5101",
        installation_id,
    )
    assert state == "queued"
    await _until_listed(page, f"{base}/errors", "processing")
    await shoot(page, "07-errors-after-process")

    # Report problem.
    await page.goto(f"{base}/orders/5102")
    await page.get_by_label("What is wrong?").fill("The total is right in our shop; please look.")
    await page.get_by_role("button", name="Report problem").click()
    await expect(page.get_by_role("heading", name="Problem reported")).to_be_visible()
    await shoot(page, "08-problem-reported")
    ticket = await asyncio.to_thread(
        smtp.wait_for, lambda m: m["To"] == "support@kmo2informer.test" and "5102" in m["Subject"]
    )
    assert "The total is right in our shop" in ticket.get_payload()
    assert ticket["Reply-To"] == email

    # Open, Ignore.
    await _until_listed(page, f"{base}/open", "5201")
    await expect(page.get_by_text("pending payment")).to_be_visible()
    await expect(page.get_by_text("2 days")).to_be_visible()
    await shoot(page, "09-open")
    await page.get_by_role("button", name="Ignore").click()
    await expect(page.get_by_text("The order is ignored.")).to_be_visible()
    deadline = asyncio.get_running_loop().time() + 20
    while await page.get_by_role("link", name="5201", exact=True).count():
        assert asyncio.get_running_loop().time() < deadline, "5201 stayed under Open"
        await asyncio.sleep(0.3)
        await page.goto(f"{base}/open")

    # Profile: stop, restart, the webhook secret.
    await page.get_by_role("link", name="Profile").click()
    await shoot(page, "10-profile")
    await page.get_by_role("button", name="Stop the integration").click()
    await expect(page.get_by_text("The integration is stopped.")).to_be_visible()
    await shoot(page, "11-profile-stopped")
    assert (
        await pool.fetchval("SELECT status FROM installations WHERE id = $1", installation_id)
        == "disabled"
    )
    await page.get_by_role("button", name="Restart the integration").click()
    await expect(page.get_by_text("The integration runs again.")).to_be_visible()
    assert (
        await pool.fetchval("SELECT status FROM installations WHERE id = $1", installation_id)
        == "active"
    )
    await page.get_by_role("button", name="Show").click()
    await expect(page.get_by_text(re.compile(r"whsec_[A-Za-z0-9_-]{20,}"))).to_be_visible()

    # The same views on a phone.
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.goto(f"{base}/report")
    await shoot(page, "12-report-phone")
    await page.goto(f"{base}/errors")
    await shoot(page, "13-errors-phone")
