"""A new merchant in a real browser connects both sandboxes, waits for the e-mail
index, configures (a wrong row first), and an order placed in the KMO Shops sandbox
then appears in Report, booked in the Informer sandbox. Every wizard step is
photographed into test-output/screenshots/.

The whole stack runs: dashboard, ingest and processor as processes on the test
database and vhost; both sandboxes on real ports in this process."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from playwright.async_api import Page, expect

from sandbox.informer.state import InformerState
from sandbox.informer.testing import running_sandbox
from sandbox.kmoshops.app import serve
from sandbox.kmoshops.state import KmoShopsState
from tests.browser.conftest import shoot
from tests.fakes.dashboard import PASSWORD, unique_email
from tests.fakes.processes import ServiceProcess, free_port

pytestmark = pytest.mark.browser

SHOP_ID = 4711
SHOP_TOKEN = f"kmo-{uuid.uuid4().hex}"


@dataclass
class Stack:
    dashboard: str
    shop_api: str
    shop_control: str
    shops: KmoShopsState
    informer: InformerState


@pytest.fixture
async def stack(database_url: str, amqp_url: str, secret_keys: str) -> AsyncIterator[Stack]:
    shops = KmoShopsState()
    shops.create_shop(SHOP_ID, "Fietsen Peeters", "BE", tokens=[SHOP_TOKEN])
    shops.limiter.configure(enabled=False)
    shops.webhook_settings.retry_time_scale = 0.001
    runner, shop_base = await serve(shops)
    informer = InformerState()
    for i in range(349):  # with the sandbox's own customer: 350, four pages to read
        informer.add_relation("demo", {
            "relation_type": 1, "firstname": "Klant", "surname": str(i), "street": "Dorp",
            "house_number": str(i + 1), "zip": "9000", "city": "Gent", "country": "BE",
            "email": f"klant{i}@example.be",
        })  # fmt: skip
    async with running_sandbox(informer) as informer_url:
        common = {
            "DATABASE_URL": database_url,
            "AMQP_URL": amqp_url,
            "SECRET_KEYS": secret_keys,
            "HTTP_HOST": "127.0.0.1",
            "LOG_FORMAT": "console",
            "INFORMER_BASE_URL": informer_url,
        }
        ports = {name: free_port() for name in ("dashboard", "ingest", "processor")}
        ingest_url = f"http://127.0.0.1:{ports['ingest']}"
        dashboard_url = f"http://127.0.0.1:{ports['dashboard']}"
        services = [
            ServiceProcess(
                "dashboard",
                common | {
                    "HTTP_PORT": str(ports["dashboard"]),
                    "DASHBOARD_PUBLIC_URL": dashboard_url,
                    "INGEST_PUBLIC_URL": ingest_url,
                    "SESSION_COOKIE_SECURE": "false",
                    "SMTP_HOST": "127.0.0.1",
                    "SMTP_PORT": str(free_port()),  # nobody listens: sign-up mail is not the point
                },
                name="setup-dashboard",
            ).start(),
            ServiceProcess(
                "ingest", common | {"HTTP_PORT": str(ports["ingest"])}, name="setup-ingest"
            ).start(),
            ServiceProcess(
                "processor",
                common | {"HTTP_PORT": str(ports["processor"]), "WORKER_CONCURRENCY": "2"},
                name="setup-processor",
            ).start(),
        ]  # fmt: skip
        try:
            for service, port in zip(services, ports.values(), strict=True):
                await service.wait_http(f"http://127.0.0.1:{port}/readyz", timeout=40)
            yield Stack(
                dashboard_url, f"{shop_base}/api/v1", f"{shop_base}/_sandbox", shops, informer
            )
        finally:
            for service in services:
                service.stop()
    await runner.cleanup()


async def test_a_merchant_connects_configures_and_sees_an_order_booked(
    page: Page, stack: Stack
) -> None:
    # Sign up: the installation starts in set-up.
    await page.goto(f"{stack.dashboard}/signup")
    await page.get_by_label("Your name").fill("Fietsen Peeters")
    await page.get_by_label("E-mail address").fill(unique_email())
    await page.get_by_label("Country of your shop").select_option("BE")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_label("I accept the").check()
    await page.get_by_role("button", name="Start the trial").click()
    installation_id = re.search(r"/i/([0-9a-f-]{36})", page.url).group(1)  # type: ignore[union-attr]
    await page.goto(f"{stack.dashboard}/i/{installation_id}/setup")
    await expect(page.get_by_text("Processing starts when all three are green")).to_be_visible()
    await shoot(page, "setup-01-three-steps")

    # Step 1, a wrong token first: explained, nothing stored.
    await page.get_by_label("Shop API address").fill(stack.shop_api)
    await page.get_by_label("API token").fill("not-the-token")
    await page.get_by_role("button", name="Connect KMO Shops").click()
    await expect(page.get_by_text("KMO Shops refused this API token")).to_be_visible()
    await shoot(page, "setup-02-kmoshops-refused")
    await page.get_by_label("API token").fill(SHOP_TOKEN)
    await page.get_by_role("button", name="Connect KMO Shops").click()
    await expect(page.get_by_text("KMO Shops is connected")).to_be_visible()
    await shoot(page, "setup-03-kmoshops-green")

    # Step 2: Informer; then the e-mail index is read by the processor.
    await page.get_by_label("API key").fill("demo-informer-key")
    await page.get_by_label("Security code").fill("demo-security-code")
    await page.get_by_role("button", name="Connect Informer").click()
    await expect(page.get_by_text("Informer is connected")).to_be_visible()
    await shoot(page, "setup-04-informer-green-index")
    await expect(page.get_by_text("Ready: 350 customers read, 350 e-mail addresses")).to_be_visible(
        timeout=30_000
    )
    await shoot(page, "setup-05-index-ready")

    # Step 3: the configuration, prefilled; a wrong ledger first, named and not saved.
    await page.get_by_role("link", name="Configure").click()
    await expect(page.get_by_role("heading", name="Configuration")).to_be_visible()
    await shoot(page, "setup-06-configuration-prefilled")
    await page.locator('select[name="vat-0-ledger_id"]').select_option("8004")
    await page.get_by_role("button", name="Save (checked against Informer)").click()
    await expect(
        page.get_by_text("VAT table, BE 21.00 %: ledger 8004 cannot be used with VAT code 101")
    ).to_be_visible()
    await shoot(page, "setup-07-configuration-wrong-row")
    await page.locator('select[name="vat-0-ledger_id"]').select_option("8001")
    await page.get_by_role("button", name="Save (checked against Informer)").click()
    await expect(page.get_by_text("every step is green")).to_be_visible()
    await shoot(page, "setup-08-configuration-saved-active")
    await page.set_viewport_size({"width": 390, "height": 844})
    await shoot(page, "setup-08b-configuration-phone")
    await page.set_viewport_size({"width": 1280, "height": 900})

    # The merchant registers the webhook in KMO Shops (its backend: the sandbox's
    # control API here), with the address and secret from Profile.
    await page.goto(f"{stack.dashboard}/i/{installation_id}/profile")
    await page.get_by_role("button", name="New secret").click()
    codes = await page.locator("dl.facts code.wrap").all_inner_texts()
    url, secret = codes[0], codes[1]
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{stack.shop_control}/shops/{SHOP_ID}/webhooks", json={"url": url, "secret": secret}
        ) as answer:
            assert answer.status in (200, 201), await answer.text()
        async with http.post(
            f"{stack.shop_control}/shops/{SHOP_ID}/orders/generate",
            json={"seed": 11, "count": 1, "scenarios": ["domestic_b2c"]},
        ) as answer:
            placed = (await answer.json())["orders"][0]

    # The order appears in Report, with its Informer invoice.
    number = stack.shops.orders[placed["id"]]["number"]
    deadline = asyncio.get_running_loop().time() + 40
    while True:
        await page.goto(f"{stack.dashboard}/i/{installation_id}/report")
        if await page.get_by_text(number, exact=True).count():
            break
        assert asyncio.get_running_loop().time() < deadline, "the order never reached Report"
        await asyncio.sleep(0.5)
    await shoot(page, "setup-09-order-in-report")
    [invoice] = stack.informer.invoices("demo")
    assert invoice.body["reference"] == number
