"""A merchant in a real browser: sign up (the mail arrives), log in; the processor
books orders in the Informer sandbox; see them in Report, Errors and Open, report a
problem, fix the cause and Process the failed order until it is booked, ignore a
waiting order, stop and restart the integration. A screenshot of every view lands in
test-output/screenshots/."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.async_api import Page, expect

from common.crypto import SecretBox
from common.db.outbox import enqueue
from common.db.pool import Pool
from common.installations.changes import announce_change
from common.messages import ProcessOrder, ShopOrder, order_correlation_id
from sandbox.informer.state import InformerState
from tests.browser.conftest import shoot
from tests.fakes.dashboard import PASSWORD, connect, unique_email
from tests.fakes.orders import EXAMPLE_ORDER
from tests.fakes.orders import order as wire_order
from tests.fakes.processor import DEMO_CONFIG
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


def belgian_order(order_id: int, created: datetime) -> dict[str, Any]:
    customer = {
        **EXAMPLE_ORDER["customer"],
        "email": f"klant{order_id}@example.be",
        "firstname": "An",
        "lastname": "Peeters",
        "city": "Gent",
        "zipcode": "9000",
        "isocountry": "BE",
    }
    return wire_order(
        id=order_id,
        number=str(order_id),
        created_at=created.isoformat(),
        updated_at=created.isoformat(),
        customer=customer,
        lines=[
            {
                "id": 1,
                "product_id": 7,
                "sku": "BEL-1",
                "description": "Fietsbel",
                "quantity": 1,
                "unit_price": "121.00",
                "discount": "0.00",
                "vat_rate": "21.00",
                "total": "121.00",
            }
        ],
        shipping={"description": "bpost", "amount": "6.05", "vat_rate": "21.00"},
        total="127.05",
        vat_total="22.05",
    )


async def send(pool: Pool, installation_id: uuid.UUID, wire: dict[str, Any]) -> None:
    """As ingest does: a ProcessOrder in the outbox (relayed by the running dashboard)."""
    order = ShopOrder.model_validate(wire)
    async with pool.acquire() as conn:
        await enqueue(
            conn,
            [
                ProcessOrder(
                    installation_id=installation_id,
                    source="webhook",
                    order=order,
                    correlation_id=order_correlation_id(installation_id, order.id),
                )
            ],
        )


async def test_a_merchant_signs_up_and_works_through_every_view(
    page: Page,
    dashboard: str,
    processor: str,
    informer: tuple[InformerState, str],
    smtp: CapturingSmtp,
    pool: Pool,
    box: SecretBox,
) -> None:
    informer_state = informer[0]
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

    # The wizard (another module) connects the installation, to the Informer sandbox's
    # demo administration, but its VAT table lacks Germany. Orders come in as the
    # ingest service sends them: ProcessOrder commands through the outbox and broker.
    config = {
        **DEMO_CONFIG,
        "vat_table": {k: v for k, v in DEMO_CONFIG["vat_table"].items() if k != "DE"},
    }
    await connect(pool, box, installation_id, config=config, informer_api_key="demo-informer-key")
    await pool.execute(
        "UPDATE installations SET status = 'disabled' WHERE id <> $1 AND status = 'active'",
        installation_id,
    )
    now = datetime.now(UTC)
    await send(pool, installation_id, belgian_order(6001, now - timedelta(hours=3)))
    await send(
        pool,
        installation_id,
        wire_order(
            id=6002,
            number="6002",
            created_at=(now - timedelta(hours=2)).isoformat(),
            updated_at=(now - timedelta(hours=2)).isoformat(),
        ),
    )
    await send(
        pool,
        installation_id,
        wire_order(
            id=6003,
            number="6003",
            status="pending_payment",
            created_at=(now - timedelta(days=2)).isoformat(),
            updated_at=(now - timedelta(days=2)).isoformat(),
        ),
    )
    base = f"{dashboard}/i/{installation_id}"

    # Report: the Belgian order, booked in Informer by the processor.
    await _until_listed(page, f"{base}/report", "6001")
    assert [i.body["reference"] for i in informer_state.invoices("demo")] == ["6001"]
    await shoot(page, "04-report")
    await page.get_by_label("Order number").fill("6001")
    await page.get_by_role("button", name="Show").click()
    await expect(page.get_by_role("link", name="6001", exact=True)).to_be_visible()

    # Errors: the German order, with the plain words and More info.
    await _until_listed(page, f"{base}/errors", "6002")
    await expect(
        page.get_by_text("Your VAT table has no row for this country and rate.")
    ).to_be_visible()
    await shoot(page, "05-errors")
    await page.get_by_role("link", name="6002", exact=True).click()
    await expect(page.get_by_text("More info")).to_be_visible()
    await shoot(page, "06-order-more-info")

    # Report problem (from the failed order's page).
    await page.get_by_label("What is wrong?").fill("Germany is in our VAT table, I think?")
    await page.get_by_role("button", name="Report problem").click()
    await expect(page.get_by_role("heading", name="Problem reported")).to_be_visible()
    await shoot(page, "07-problem-reported")
    ticket = await asyncio.to_thread(
        smtp.wait_for,
        lambda m: m["To"] == "support@kmo2informer.test" and "6002" in m["Subject"],
    )
    assert "Germany is in our VAT table" in ticket.get_payload()
    assert "VAT_MAPPING_MISSING" in ticket.get_payload()
    assert ticket["Reply-To"] == email

    # The merchant fixes the cause (the configuration editor saves the German rows and
    # announces the change), then presses Process: the processor books it.
    async with pool.acquire() as conn:
        await conn.execute(
            "UPDATE installations SET config = $2 WHERE id = $1", installation_id, DEMO_CONFIG
        )
        await announce_change(conn, installation_id)
    await page.goto(f"{base}/errors")
    await page.get_by_role("button", name="Process").click()
    await expect(page.get_by_text("The order is being processed again.")).to_be_visible()
    await _until_listed(page, f"{base}/report", "6002")
    assert sorted(i.body["reference"] for i in informer_state.invoices("demo")) == ["6001", "6002"]
    await shoot(page, "08-report-after-process")
    await page.goto(f"{base}/errors")
    await expect(page.get_by_text("No errors")).to_be_visible()

    # Open, Ignore.
    await _until_listed(page, f"{base}/open", "6003")
    await expect(page.get_by_text("pending payment")).to_be_visible()
    await expect(page.get_by_text("2 days")).to_be_visible()
    await shoot(page, "09-open")
    await page.get_by_role("button", name="Ignore").click()
    await expect(page.get_by_text("The order is ignored.")).to_be_visible()
    deadline = asyncio.get_running_loop().time() + 20
    while await page.get_by_role("link", name="6003", exact=True).count():
        assert asyncio.get_running_loop().time() < deadline, "6003 stayed under Open"
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
    await page.get_by_role("button", name="New secret").click()
    await expect(page.get_by_text(re.compile(r"whsec_[A-Za-z0-9_-]{20,}"))).to_be_visible()

    # The same views on a phone.
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.goto(f"{base}/report")
    await shoot(page, "12-report-phone")
    await page.goto(f"{base}/errors")
    await shoot(page, "13-errors-phone")
