"""Open › held: an installation past its paid period keeps its queued orders in the
processor's queue (the claim skips them); the merchant sees them under Open with the
reason, on the page and in the API, until the installation is renewed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient

from common.crypto import SecretBox
from common.db.pool import Pool
from common.messages import ShopOrder
from tests.fakes.dashboard import connect, sign_up
from tests.fakes.orders import order as wire_order

pytestmark = pytest.mark.integration


async def _queue(pool: Pool, installation_id: uuid.UUID, order_id: int, at: datetime) -> None:
    """A queued order as the processor's intake leaves it."""
    order = ShopOrder.model_validate(
        wire_order(
            id=order_id,
            number=f"H{order_id}",
            created_at=at.isoformat(),
            updated_at=at.isoformat(),
            status="paid",
        )
    )
    await pool.execute(
        """INSERT INTO order_states (installation_id, order_id, number, state, order_status,
               order_updated_at, payload, priority_at)
           VALUES ($1, $2, $3, 'queued', 'paid', $4, $5, $4)""",
        installation_id,
        order.id,
        order.number,
        order.updated_at,
        order.model_dump(mode="json"),
    )


async def test_an_expired_installations_queued_orders_wait_under_open_with_the_reason(
    client: TestClient, pool: Pool, box: SecretBox
) -> None:
    merchant = await sign_up(client)
    installation_id = merchant.installation_id
    await connect(pool, box, installation_id)
    now = datetime.now(UTC)
    ended = now - timedelta(days=1)
    await pool.execute(
        "UPDATE installations SET trial_ends_at = $2, subscription_ends_at = NULL WHERE id = $1",
        installation_id,
        ended,
    )
    base_id = 6_000_000 + uuid.uuid4().int % 1_000_000
    for i in range(3):
        await _queue(pool, installation_id, base_id + i, now - timedelta(hours=3 - i))
    day = ended.astimezone(ZoneInfo("Europe/Brussels")).strftime("%d %B %Y")

    page = await (await client.get(f"/i/{installation_id}/open")).text()
    assert f"Your trial ended on {day}; renew to book these orders." in page
    for i in range(3):
        assert f"H{base_id + i}" in page

    api = f"/api/v1/installations/{installation_id}"
    open_json = await (await client.get(f"{api}/open")).json()
    assert open_json["expired"]["what"] == "trial"
    assert open_json["expired"]["reason"].startswith(f"Your trial ended on {day}")
    first = await (await client.get(f"{api}/held?limit=2")).json()
    assert [o["number"] for o in first["orders"]] == [f"H{base_id}", f"H{base_id + 1}"]
    assert first["orders"][0]["total"] == wire_order()["total"]
    rest = await (await client.get(f"{api}/held?limit=2&after={first['next_cursor']}")).json()
    assert [o["number"] for o in rest["orders"]] == [f"H{base_id + 2}"]
    assert rest["next_cursor"] is None
    assert (await client.get(f"{api}/held?after=nonsense")).status == 400

    # Nothing was done to them: still queued, ready for the workers once renewed.
    states = await pool.fetch(
        "SELECT state FROM order_states WHERE installation_id = $1", installation_id
    )
    assert [s["state"] for s in states] == ["queued"] * 3

    # Renewed: no reason any more (the queue is emptied first so that no other test's
    # claim books these fake orders).
    await pool.execute("DELETE FROM order_states WHERE installation_id = $1", installation_id)
    await pool.execute(
        "UPDATE installations SET subscription_ends_at = $2 WHERE id = $1",
        installation_id,
        now + timedelta(days=365),
    )
    page = await (await client.get(f"/i/{installation_id}/open")).text()
    assert "renew to book" not in page
    assert (await (await client.get(f"{api}/open")).json())["expired"] is None


async def test_an_installation_that_never_expires_shows_no_reason(
    client: TestClient, pool: Pool, box: SecretBox
) -> None:
    merchant = await sign_up(client)
    await connect(pool, box, merchant.installation_id)
    await pool.execute(
        """UPDATE installations SET trial_ends_at = NULL, subscription_ends_at = NULL
            WHERE id = $1""",
        merchant.installation_id,
    )
    body = await (await client.get(f"/api/v1/installations/{merchant.installation_id}/open")).json()
    assert body["expired"] is None
