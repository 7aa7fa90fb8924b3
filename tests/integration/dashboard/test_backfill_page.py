"""Report › Back-fill: the merchant starts a back-fill for a range of days and follows
its progress; a second one is refused while the first runs; the same in the API."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient

from common.crypto import SecretBox
from common.db.pool import Pool
from common.messages import BackfillOrders, parse_message
from tests.fakes.dashboard import connect, sign_up

pytestmark = pytest.mark.integration

BRUSSELS = ZoneInfo("Europe/Brussels")


async def test_the_merchant_starts_a_backfill_and_follows_it(
    client: TestClient, pool: Pool, box: SecretBox
) -> None:
    merchant = await sign_up(client)
    await connect(pool, box, merchant.installation_id)
    page_path = f"/i/{merchant.installation_id}/report/backfill"
    assert "No back-fill yet" in await (await client.get(page_path)).text()

    no_token = await client.post(
        page_path, data={"from": "2026-01-01", "to": "2026-01-31"}, allow_redirects=False
    )
    assert no_token.status == 403
    backwards = await merchant.form(page_path, {"from": "2026-02-01", "to": "2026-01-31"})
    assert backwards.status == 400
    assert "The last day is before the first." in await backwards.text()
    not_a_day = await merchant.form(page_path, {"from": "January", "to": "2026-01-31"})
    assert "&#39;January&#39; is not a date" in await not_a_day.text()
    assert (
        await pool.fetchval(
            "SELECT count(*) FROM backfills WHERE installation_id = $1", merchant.installation_id
        )
        == 0
    )

    started = await merchant.form(page_path, {"from": "2026-01-01", "to": "2026-01-31"})
    assert started.status == 303, await started.text()
    row = await pool.fetchrow(
        """SELECT id, created_from, created_to, status, requested_by FROM backfills
            WHERE installation_id = $1""",
        merchant.installation_id,
    )
    assert row["created_from"] == datetime(2026, 1, 1, tzinfo=BRUSSELS)
    assert row["created_to"] == datetime(2026, 2, 1, tzinfo=BRUSSELS)
    assert (row["status"], row["requested_by"]) == ("running", merchant.email)
    commands = [
        parse_message(bytes(r["body"]))
        for r in await pool.fetch("SELECT body FROM outbox WHERE routing_key = 'BackfillOrders'")
    ]
    assert [
        c.step for c in commands if isinstance(c, BackfillOrders) and c.backfill_id == row["id"]
    ] == [0]

    # A second one, overlapping, while the first runs: refused, nothing written.
    again = await merchant.form(page_path, {"from": "2026-01-15", "to": "2026-02-15"})
    assert again.status == 409
    assert "still running" in await again.text()
    api = f"/api/v1/installations/{merchant.installation_id}/backfills"
    assert (
        await merchant.api("POST", api, {"from": "2026-01-15", "to": "2026-02-15"})
    ).status == 409
    assert (
        await pool.fetchval(
            "SELECT count(*) FROM backfills WHERE installation_id = $1", merchant.installation_id
        )
        == 1
    )

    # Progress as ingest records it, page by page.
    await pool.execute(
        "UPDATE backfills SET step = 3, seen = 240, queued = 37 WHERE id = $1", row["id"]
    )
    page = await (await client.get(page_path)).text()
    assert "A back-fill is running; start the next when it is done." in page
    assert '<td data-label="Pages read" class="num">3</td>' in page
    assert '<td data-label="Orders read" class="num">240</td>' in page
    assert '<td data-label="New orders queued" class="num">37</td>' in page
    listed = (await (await client.get(api)).json())["backfills"]
    assert [(b["id"], b["pages"], b["orders_queued"]) for b in listed] == [(str(row["id"]), 3, 37)]

    # Once it is done, the next one can start (through the API this time).
    await pool.execute(
        "UPDATE backfills SET status = 'done', finished_at = now() WHERE id = $1", row["id"]
    )
    bad = await merchant.api("POST", api, {"from": "2026-03-01"})
    assert bad.status == 400
    assert (await bad.json())["error"]["fields"] == {"to": "Pick a day."}
    created = await merchant.api("POST", api, {"from": "2026-03-01", "to": "2026-03-31"})
    assert created.status == 201
    body = await created.json()
    assert body["status"] == "running"
    assert datetime.fromisoformat(body["range"][1]) == datetime(2026, 4, 1, tzinfo=BRUSSELS)
    assert len((await (await client.get(api)).json())["backfills"]) == 2
    await pool.execute(
        "UPDATE backfills SET status = 'done' WHERE installation_id = $1", merchant.installation_id
    )


async def test_an_installation_not_yet_active_cannot_backfill(client: TestClient) -> None:
    merchant = await sign_up(client)
    response = await merchant.form(
        f"/i/{merchant.installation_id}/report/backfill", {"from": "2026-01-01", "to": "2026-01-02"}
    )
    assert response.status == 409
    assert "enable it first" in await response.text()
