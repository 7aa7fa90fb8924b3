"""Every JSON endpoint under /api/v1 on the real database, and the OpenAPI document
against the routes."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient
from openapi_spec_validator import validate

from common.crypto import SecretBox
from common.db.pool import Pool
from common.messages import OrderIgnored, OrderResubmitted, parse_message
from dashboard.projector import Projector
from tests.fakes.dashboard import PASSWORD, Merchant, connect, seed_order, sign_up
from tests.integration.dashboard.conftest import ClientFactory

pytestmark = pytest.mark.integration


@pytest.fixture
async def shop(client: TestClient, pool: Pool, box: SecretBox) -> Merchant:
    merchant = await sign_up(client)
    await connect(pool, box, merchant.installation_id)
    return merchant


def base(merchant: Merchant) -> str:
    return f"/api/v1/installations/{merchant.installation_id}"


async def _project_outbox(pool: Pool, installation_id: uuid.UUID) -> None:
    """Apply the events the dashboard wrote, as the projector would once relayed."""
    rows = await pool.fetch(
        "SELECT body FROM outbox WHERE routing_key IN ('OrderResubmitted', 'OrderIgnored')"
    )
    for row in rows:
        event = parse_message(row["body"])
        if event.installation_id == installation_id:
            await Projector(pool).apply(event)


async def test_account_session_and_installations(shop: Merchant, new_client: ClientFactory) -> None:
    account = await (await shop.client.get("/api/v1/account")).json()
    assert account["email"] == shop.email
    assert account["csrf_token"] == shop.csrf
    listed = await (await shop.client.get("/api/v1/installations")).json()
    assert [i["id"] for i in listed["installations"]] == [str(shop.installation_id)]
    one = listed["installations"][0]
    assert one["webhook_url"].endswith(f"/webhooks/kmoshops/{shop.installation_id}")
    assert one["webhook_secret"] == "whsec_…"
    assert len(one["license_key"]) == 29
    added = await shop.api(
        "POST", "/api/v1/installations", {"name": "Second shop", "shop_country": "nl"}
    )
    assert added.status == 201
    second = await (
        await shop.client.get(f"/api/v1/installations/{(await added.json())['id']}")
    ).json()
    assert second["status"] == "setup"
    assert second["shop_country"] == "NL"
    assert second["license_key"] != one["license_key"]
    bad = await shop.api("POST", "/api/v1/installations", {"name": "", "shop_country": "US"})
    assert bad.status == 400
    assert set((await bad.json())["error"]["fields"]) == {"name", "shop_country"}
    # Log in again through the API: a new session and token; log out ends it.
    other = await new_client()
    login = await other.post("/api/v1/session", json={"email": shop.email, "password": PASSWORD})
    assert login.status == 200
    token = (await login.json())["csrf_token"]
    assert token != shop.csrf
    out = await other.delete("/api/v1/session", json={}, headers={"X-CSRF-Token": token})
    assert out.status == 204
    assert (await other.get("/api/v1/account")).status == 401
    wrong = await other.post("/api/v1/session", json={"email": shop.email, "password": "nope"})
    assert wrong.status == 401


async def test_views_filter_search_and_page_by_keyset(shop: Merchant, pool: Pool) -> None:
    start = datetime(2026, 3, 1, 12, tzinfo=UTC)
    for n in range(7):
        await seed_order(
            pool, shop.installation_id, 1000 + n, "processed", created_at=start + timedelta(days=n)
        )
    await seed_order(pool, shop.installation_id, 2000, "failed")
    await seed_order(pool, shop.installation_id, 3000, "waiting")
    first = await (await shop.client.get(f"{base(shop)}/report?limit=3")).json()
    assert [o["order_id"] for o in first["orders"]] == [1006, 1005, 1004]
    assert first["orders"][0]["total"] == "206.95"
    assert first["orders"][0]["invoice_number"] == "F2026-1006"
    second = await (
        await shop.client.get(f"{base(shop)}/report?limit=3&after={first['next_cursor']}")
    ).json()
    assert [o["order_id"] for o in second["orders"]] == [1003, 1002, 1001]
    third = await (
        await shop.client.get(f"{base(shop)}/report?limit=3&after={second['next_cursor']}")
    ).json()
    assert [o["order_id"] for o in third["orders"]] == [1000]
    assert third["next_cursor"] is None
    period = await (
        await shop.client.get(f"{base(shop)}/report?from=2026-03-02&to=2026-03-03")
    ).json()
    assert [o["order_id"] for o in period["orders"]] == [1002, 1001]
    found = await (await shop.client.get(f"{base(shop)}/report?q=1004")).json()
    assert [o["order_id"] for o in found["orders"]] == [1004]
    errors = await (await shop.client.get(f"{base(shop)}/errors")).json()
    assert [o["order_id"] for o in errors["orders"]] == [2000]
    assert errors["orders"][0]["error_title"] == "The order's lines do not add up to its total."
    assert errors["orders"][0]["error_detail"]["difference"] == "6.95"
    waiting = await (await shop.client.get(f"{base(shop)}/open")).json()
    assert [(o["order_id"], o["shop_status"]) for o in waiting["orders"]] == [
        (3000, "pending_payment")
    ]
    for query, field in (
        ("from=2026-13-01", "from"),
        ("limit=0", "limit"),
        ("after=zzz", "after"),
        ("from=2026-03-05&to=2026-03-01", "to"),
    ):
        bad = await shop.client.get(f"{base(shop)}/report?{query}")
        assert bad.status == 400
        assert (await bad.json())["error"]["message"].startswith(field)
    detail = await (await shop.client.get(f"{base(shop)}/orders/2000")).json()
    assert detail["error_code"] == "TOTAL_MISMATCH"
    assert (await shop.client.get(f"{base(shop)}/orders/999999")).status == 404
    counts = (await (await shop.client.get(base(shop))).json())["counts"]
    assert counts == {"failed": 1, "waiting": 1, "queued": 0}


async def test_process_moves_failed_to_queued_once_with_its_event(
    shop: Merchant, pool: Pool
) -> None:
    await seed_order(pool, shop.installation_id, 2100, "failed")
    await seed_order(pool, shop.installation_id, 2101, "processed")
    response = await shop.api("POST", f"{base(shop)}/orders/2100/process")
    assert response.status == 202
    row = await pool.fetchrow(
        """SELECT state, attempts, error_code FROM order_states
            WHERE installation_id = $1 AND order_id = 2100""",
        shop.installation_id,
    )
    assert dict(row) == {"state": "queued", "attempts": 0, "error_code": None}
    again = await shop.api("POST", f"{base(shop)}/orders/2100/process")
    assert again.status == 409
    assert "only a failed order" in (await again.json())["error"]["message"]
    assert (await shop.api("POST", f"{base(shop)}/orders/2101/process")).status == 409
    events = [parse_message(r["body"]) for r in await pool.fetch("SELECT body FROM outbox")]
    mine = [
        e
        for e in events
        if isinstance(e, OrderResubmitted)
        and e.order.order_id == 2100
        and e.installation_id == shop.installation_id
    ]
    assert len(mine) == 1
    await _project_outbox(pool, shop.installation_id)
    view = await (await shop.client.get(f"{base(shop)}/orders/2100")).json()
    assert view["outcome"] == "queued"
    assert (await (await shop.client.get(base(shop))).json())["counts"]["queued"] == 1


async def test_ignore_moves_waiting_to_ignored(shop: Merchant, pool: Pool) -> None:
    await seed_order(pool, shop.installation_id, 3100, "waiting")
    assert (await shop.api("POST", f"{base(shop)}/orders/3100/ignore")).status == 200
    assert (await shop.api("POST", f"{base(shop)}/orders/3100/ignore")).status == 409
    state = await pool.fetchval(
        "SELECT state FROM order_states WHERE installation_id = $1 AND order_id = 3100",
        shop.installation_id,
    )
    assert state == "ignored"
    events = [parse_message(r["body"]) for r in await pool.fetch("SELECT body FROM outbox")]
    assert any(isinstance(e, OrderIgnored) and e.order.order_id == 3100 for e in events)
    await _project_outbox(pool, shop.installation_id)
    waiting = await (await shop.client.get(f"{base(shop)}/open")).json()
    assert waiting["orders"] == []


async def test_tickets_carry_what_support_needs(shop: Merchant, pool: Pool) -> None:
    await seed_order(pool, shop.installation_id, 2200, "failed")
    created = await shop.api(
        "POST", f"{base(shop)}/orders/2200/tickets", {"note": "  The total is right in the shop.  "}
    )
    assert created.status == 201
    ticket_id = (await created.json())["id"]
    ticket = await (await shop.client.get(f"{base(shop)}/tickets/{ticket_id}")).json()
    assert ticket["note"] == "The total is right in the shop."
    snapshot = ticket["snapshot"]
    assert snapshot["order"]["error_code"] == "TOTAL_MISMATCH"
    assert snapshot["order"]["error_detail"]["order_total"] == "206.95"
    assert snapshot["processor_state"]["state"] == "failed"
    assert snapshot["installation"]["id"] == str(shop.installation_id)
    assert snapshot["account"]["email"] == shop.email
    mails = [
        parse_message(r["body"])
        for r in await pool.fetch("SELECT body FROM outbox WHERE routing_key = 'SendEmail'")
    ]
    mail = next(m for m in mails if ticket_id in m.subject)
    assert mail.to == ["support@kmo2informer.local"]
    assert mail.reply_to == shop.email
    assert "The total is right in the shop." in mail.text
    empty = await shop.api("POST", f"{base(shop)}/orders/2200/tickets", {"note": " "})
    assert empty.status == 400
    assert (await shop.client.get(f"{base(shop)}/tickets/{uuid.uuid4()}")).status == 404


async def test_profile_stop_restart_notification_and_secret(shop: Merchant, pool: Pool) -> None:
    stopped = await shop.api("POST", f"{base(shop)}/stop")
    assert stopped.status == 200
    body = await stopped.json()
    assert body["status"] == "disabled"
    assert body["stopped_at"] is not None
    assert (await shop.api("POST", f"{base(shop)}/stop")).status == 409
    restarted = await (await shop.api("POST", f"{base(shop)}/restart")).json()
    assert restarted["status"] == "active"
    assert restarted["stopped_at"] is None
    saved = await shop.api(
        "PUT", f"{base(shop)}/notification-email", {"notification_email": "boekhouding@example.be"}
    )
    assert (await saved.json())["notification_email"] == "boekhouding@example.be"
    bad = await shop.api("PUT", f"{base(shop)}/notification-email", {"notification_email": "nope"})
    assert bad.status == 400
    cleared = await shop.api(
        "PUT", f"{base(shop)}/notification-email", {"notification_email": None}
    )
    assert (await cleared.json())["notification_email"] is None
    first = await shop.api("POST", f"{base(shop)}/webhook-secret")
    assert first.headers["Cache-Control"] == "no-store"
    second = await shop.api("POST", f"{base(shop)}/webhook-secret")
    old, new = (await first.json())["webhook_secret"], (await second.json())["webhook_secret"]
    assert old.startswith("whsec_")
    assert new.startswith("whsec_")
    assert new != old  # a new secret each time; the stored one is never read back
    # An installation still in setup can be neither stopped nor restarted.
    added = await (
        await shop.api("POST", "/api/v1/installations", {"name": "New", "shop_country": "BE"})
    ).json()
    refused = await shop.api("POST", f"/api/v1/installations/{added['id']}/stop")
    assert refused.status == 409
    assert "not set up yet" in (await refused.json())["error"]["message"]


async def test_openapi_documents_exactly_the_api_routes(client: TestClient) -> None:
    document = await (await client.get("/api/openapi.json")).json()
    validate(document)
    documented = {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}
    served = {
        (route.method, info.get("formatter") or info.get("path"))
        for route in client.app.router.routes()
        for info in (route.resource.get_info(),)
        if route.method != "HEAD"
        and (info.get("formatter") or info.get("path") or "").startswith("/api/v1/")
    }
    assert documented == served


async def test_two_process_clicks_at_once_resubmit_once(shop: Merchant, pool: Pool) -> None:
    await seed_order(pool, shop.installation_id, 2300, "failed")
    url = f"{base(shop)}/orders/2300/process"
    answers = await asyncio.gather(*(shop.api("POST", url) for _ in range(6)))
    assert sorted(a.status for a in answers) == [202, 409, 409, 409, 409, 409]
    events = [parse_message(r["body"]) for r in await pool.fetch("SELECT body FROM outbox")]
    resubmits = [
        e for e in events
        if isinstance(e, OrderResubmitted) and e.installation_id == shop.installation_id
        and e.order.order_id == 2300
    ]  # fmt: skip
    assert len(resubmits) == 1
