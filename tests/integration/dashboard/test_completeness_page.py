"""Report › Completeness: the stored daily reconciliation, as the merchant reads it."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from aiohttp.test_utils import TestClient

from common.crypto import SecretBox
from common.db.pool import Pool
from tests.fakes.dashboard import connect, sign_up

pytestmark = pytest.mark.integration


async def test_the_completeness_page_lists_each_day_and_its_differences(
    client: TestClient, pool: Pool, box: SecretBox
) -> None:
    merchant = await sign_up(client)
    await connect(pool, box, merchant.installation_id)
    base = f"/i/{merchant.installation_id}"
    empty = await (await client.get(f"{base}/report/completeness")).text()
    assert "No day has been checked yet" in empty
    await pool.execute(
        """INSERT INTO reconciliations (installation_id, day, shop_count, shop_totals,
                                        invoiced_count, invoiced_totals, differences)
           VALUES ($1, $2, 3, $3, 2, $4, $5)""",
        merchant.installation_id,
        date(2026, 11, 30),
        {"EUR": "150.25"},
        {"EUR": "100.00"},
        [
            {
                "order_id": 7005,
                "number": "N7005",
                "currency": "EUR",
                "total": "50.25",
                "state": "failed",
                "problem": "not invoiced",
            }
        ],
    )
    page = await (await client.get(f"{base}/report/completeness")).text()
    assert "EUR 150.25" in page
    assert "EUR 100.00" in page
    assert f'href="{base}/orders/7005"' in page
    assert "not invoiced (failed)" in page
    assert (await client.get(f"/i/{uuid.uuid4()}/report/completeness")).status == 404
