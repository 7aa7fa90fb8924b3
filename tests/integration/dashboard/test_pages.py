"""The HTML pages on the real database: what the merchant reads on each view."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from aiohttp.test_utils import TestClient

from common.crypto import SecretBox
from common.db.pool import Pool
from common.messages import OrderFailed, OrderSummary
from dashboard.projector import Projector
from tests.fakes.dashboard import connect, seed_order, sign_up

pytestmark = pytest.mark.integration


async def test_views_show_orders_errors_in_plain_words_and_informers_messages(
    client: TestClient, pool: Pool, box: SecretBox
) -> None:
    merchant = await sign_up(client)
    await connect(pool, box, merchant.installation_id)
    base = f"/i/{merchant.installation_id}"
    await seed_order(pool, merchant.installation_id, 8001, "processed")
    await seed_order(pool, merchant.installation_id, 8003, "waiting")
    order = await seed_order(pool, merchant.installation_id, 8002, "failed")
    await Projector(pool).apply(
        OrderFailed(
            installation_id=merchant.installation_id,
            order=OrderSummary.of(order),
            code="INFORMER_VALIDATION",
            message="Informer refused the invoice: the debtor's VAT number is not valid.",
            detail={"fields": ["relation.vat_number"], "informer": "vat_number: invalid format"},
            occurred_at=datetime.now(UTC),
        )
    )
    report = await (await client.get(f"{base}/report")).text()
    assert "F2026-8001" in report
    assert "https://app.informer.eu/sales-invoice/98001" in report
    assert "EUR 206.95" in report
    errors = await (await client.get(f"{base}/errors")).text()
    assert "Informer refused the invoice." in errors
    assert "correct what they name" in errors
    assert f'action="{base}/orders/8002/process"' in errors
    detail = await (await client.get(f"{base}/orders/8002")).text()
    assert "Informer says" in detail
    assert "vat_number: invalid format" in detail
    assert "relation.vat_number" in detail
    waiting = await (await client.get(f"{base}/open")).text()
    assert "pending payment" in waiting
    assert f'action="{base}/orders/8003/ignore"' in waiting
    assert "2 hours" in waiting
    filtered = await client.get(f"{base}/report?from=2026-02-30")
    assert filtered.status == 400
    assert "is not a date" in await filtered.text()
    assert (await client.get(f"/i/{uuid.uuid4()}/report")).status == 404


async def test_the_stored_secret_is_never_shown_a_new_one_once(
    client: TestClient, pool: Pool, box: SecretBox
) -> None:
    merchant = await sign_up(client)
    await connect(pool, box, merchant.installation_id)

    async def stored() -> str:
        token = await pool.fetchval(
            "SELECT webhook_secret FROM installations WHERE id = $1", merchant.installation_id
        )
        return box.decrypt(token).get_secret_value()

    old = await stored()
    profile = await (await client.get(f"/i/{merchant.installation_id}/profile")).text()
    assert old not in profile
    assert f"/webhooks/kmoshops/{merchant.installation_id}" in profile
    assert "running" in profile
    shown = await merchant.form(f"/i/{merchant.installation_id}/webhook-secret")
    page = await shown.text()
    assert shown.headers["Cache-Control"] == "no-store"
    new = await stored()
    assert new != old
    assert new in page
    assert old not in page
    again = await (await client.get(f"/i/{merchant.installation_id}/profile")).text()
    assert new not in again
