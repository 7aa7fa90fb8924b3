"""The KMO Shops sandbox follows kmoshops/API.md: auth, /shop, /orders, limits, faults."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from sandbox.kmoshops import KmoShopsState
from sandbox.kmoshops.testing import sandbox_client

TOKEN = "shop-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
T0 = datetime(2024, 3, 30, 22, 0, tzinfo=UTC)


@pytest.fixture
def state() -> KmoShopsState:
    state = KmoShopsState(clock=lambda: T0)
    state.create_shop(1234, "Fietsen Peeters", "BE", "EUR", "Europe/Brussels", tokens=[TOKEN])
    state.create_shop(77, "Other shop", "NL", "EUR", "Europe/Amsterdam", tokens=["other"])
    return state


@pytest.fixture
async def client(state: KmoShopsState) -> AsyncIterator[TestClient]:
    async with sandbox_client(state) as client:
        yield client


async def get(client: TestClient, path: str, headers: dict[str, str] | None = None) -> Any:
    response = await client.get("/api/v1" + path, headers=AUTH if headers is None else headers)
    return response.status, await response.json(), response.headers


def an_order(updated_at: str, *, order_id: int | None = None, **changes: Any) -> dict[str, Any]:
    order: dict[str, Any] = {
        "created_at": "2024-03-01T10:00:00+01:00",
        "updated_at": updated_at,
        "status": "paid",
        "payment_method": {"code": "bancontact", "name": "Bancontact"},
        "currency": "EUR",
        "prices_include_vat": True,
        "customer": {
            "email": "a@example.com",
            "company": "",
            "firstname": "An",
            "lastname": "Peeters",
            "address1": "Kerkstraat 12 bus 3",
            "address2": "",
            "housenr": "",
            "zipcode": "2000",
            "city": "Antwerpen",
            "isocountry": "BE",
            "telnr": "",
            "coc": "",
            "vatnr": "",
        },
        "lines": [
            {
                "id": 1,
                "product_id": 5,
                "sku": "B",
                "description": "Bidon",
                "quantity": 3,
                "unit_price": "8.33",
                "discount": "0.01",
                "vat_rate": "21.00",
                "total": "24.98",
            }
        ],
        "shipping": None,
        "payment_fee": None,
        "total": "24.98",
        "vat_total": "4.34",
        "comment": "",
        **changes,
    }
    if order_id is not None:
        order["id"] = order_id
    return order


# --- auth ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"bearer {TOKEN}"},
        {"Authorization": f"Token {TOKEN}"},
        {"Authorization": f"Bearer  {TOKEN}"},
        {"Authorization": TOKEN},
    ],
)
async def test_missing_or_wrong_token_is_401_with_json(
    client: TestClient, headers: dict[str, str]
) -> None:
    status, body, _ = await get(client, "/shop", headers)
    assert status == 401
    assert body["error"]["code"] == "unauthorized"
    assert body["error"]["message"]


async def test_revoked_token_is_401_and_a_second_token_works(
    client: TestClient, state: KmoShopsState
) -> None:
    state.add_token(1234, "second")
    state.revoke_token(1234, TOKEN)
    assert (await get(client, "/shop"))[0] == 401
    assert (await get(client, "/shop", {"Authorization": "Bearer second"}))[0] == 200


async def test_shop_answers_exactly_the_documented_fields(client: TestClient) -> None:
    status, body, _ = await get(client, "/shop")
    assert status == 200
    assert body == {
        "id": 1234,
        "name": "Fietsen Peeters",
        "country": "BE",
        "currency": "EUR",
        "timezone": "Europe/Brussels",
    }
    _, other, _ = await get(client, "/shop", {"Authorization": "Bearer other"})
    assert other["id"] == 77


# --- orders -------------------------------------------------------------------------
async def test_orders_since_oldest_first_ties_by_id_and_at_or_after(
    client: TestClient, state: KmoShopsState
) -> None:
    state.add_order(1234, an_order("2024-03-02T10:00:00+01:00", order_id=30))
    state.add_order(1234, an_order("2024-03-02T10:00:00+01:00", order_id=20))
    state.add_order(1234, an_order("2024-03-02T10:00:00+01:00", order_id=10))
    state.add_order(1234, an_order("2024-03-01T23:59:59+01:00", order_id=40))
    state.add_order(77, an_order("2024-03-05T10:00:00+01:00", order_id=50))
    since = "2024-03-02T09:00:00%2B01:00"
    status, body, _ = await get(client, f"/orders?updated_since={since}")
    assert status == 200
    assert [o["id"] for o in body["orders"]] == [10, 20, 30]
    assert (body["page"], body["pages"], body["total"]) == (1, 1, 3)
    _, later, _ = await get(client, "/orders?updated_since=2024-03-02T09:00:01Z")
    assert later["orders"] == []
    assert later["pages"] == 1
    assert later["total"] == 0
    with pytest.raises(ValueError, match="shop's offset"):
        state.add_order(1234, an_order("2024-03-02T09:00:00+00:00"))


async def test_orders_pages_start_at_one_and_cover_everything_once(
    client: TestClient, state: KmoShopsState
) -> None:
    state.generate(1234, seed=5, count=23)
    seen = []
    for page in (1, 2, 3):
        status, body, _ = await get(
            client, f"/orders?updated_since=2000-01-01T00:00:00Z&limit=10&page={page}"
        )
        assert status == 200
        assert (body["page"], body["pages"], body["total"]) == (page, 3, 23)
        seen += body["orders"]
    assert len(seen) == 23 == len({o["id"] for o in seen})
    keys = [(datetime.fromisoformat(o["updated_at"]), o["id"]) for o in seen]
    assert keys == sorted(keys)
    _, default, _ = await get(client, "/orders?updated_since=2000-01-01T00:00:00Z")
    assert len(default["orders"]) == 23
    assert default["pages"] == 1


async def test_limit_defaults_to_50_and_allows_250(
    client: TestClient, state: KmoShopsState
) -> None:
    state.generate(1234, seed=6, count=260)
    _, body, _ = await get(client, "/orders?updated_since=2000-01-01T00:00:00Z")
    assert len(body["orders"]) == 50
    assert body["pages"] == 6
    _, body, _ = await get(client, "/orders?updated_since=2000-01-01T00:00:00Z&limit=250")
    assert len(body["orders"]) == 250
    assert body["pages"] == 2


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("", "updated_since is required"),
        ("updated_since=2024-03-02", "RFC 3339"),
        ("updated_since=2024-03-02T10:00:00", "RFC 3339"),
        ("updated_since=2024-03-02T10:00:00+01:00", "%2B"),  # '+' unencoded = space
        ("updated_since=2024-03-02 10:00:00Z", "space"),
        ("updated_since=1709370000", "RFC 3339"),
        ("updated_since=2024-02-30T10:00:00Z", "not a valid date-time"),
        ("updated_since=2024-03-02T10:00:00Z&limit=0", "limit must be 1..250"),
        ("updated_since=2024-03-02T10:00:00Z&limit=251", "limit must be 1..250"),
        ("updated_since=2024-03-02T10:00:00Z&limit=ten", "limit must be 1..250"),
        ("updated_since=2024-03-02T10:00:00Z&page=0", "page must be"),
        ("updated_since=2024-03-02T10:00:00Z&page=-1", "page must be"),
        ("updated_since=2024-03-02T10:00:00Z&page=2", "past the last page 1"),
        ("updated_since=2024-03-02T10:00:00Z&per_page=5", "unknown query parameters"),
        ("updated_since=2024-03-02T10:00:00Z&page=1&page=2", "more than once"),
    ],
)
async def test_bad_order_queries_are_400_with_a_precise_message(
    client: TestClient, query: str, fragment: str
) -> None:
    status, body, _ = await get(client, f"/orders?{query}")
    assert status == 400, body
    assert fragment in body["error"]["message"]


async def test_one_order_and_404s(client: TestClient, state: KmoShopsState) -> None:
    state.add_order(1234, an_order("2024-03-02T10:00:00+01:00", order_id=6224))
    state.add_order(77, an_order("2024-03-02T10:00:00+01:00", order_id=6225))
    status, body, _ = await get(client, "/orders/6224")
    assert status == 200
    assert body["id"] == 6224
    assert body["number"] == "6224"
    for missing in ("/orders/6225", "/orders/1", "/orders/abc", "/nothing"):
        status, body, _ = await get(client, missing)
        assert status == 404
        assert body["error"]["code"] == "not_found"


# --- rate limit and faults ----------------------------------------------------------
async def test_429_with_retry_after_per_token_then_recovery(
    client: TestClient, state: KmoShopsState
) -> None:
    state.limiter.configure(limit=3, window_seconds=0.3)
    for _ in range(3):
        assert (await get(client, "/shop"))[0] == 200
    status, body, headers = await get(client, "/shop")
    assert status == 429
    assert body["error"]["code"] == "rate_limited"
    assert int(headers["Retry-After"]) >= 1
    assert (await get(client, "/shop", {"Authorization": "Bearer other"}))[0] == 200
    await asyncio.sleep(0.35)
    assert (await get(client, "/shop"))[0] == 200


async def test_default_budget_is_120_a_minute_and_can_be_switched_off(
    client: TestClient, state: KmoShopsState
) -> None:
    statuses = [(await get(client, "/shop"))[0] for _ in range(121)]
    assert statuses[:120] == [200] * 120
    assert statuses[120] == 429
    state.limiter.configure(enabled=False)
    assert (await get(client, "/shop"))[0] == 200


async def test_next_calls_fail_with_injected_5xx_then_recover(
    client: TestClient, state: KmoShopsState
) -> None:
    response = await client.post("/_sandbox/shops/1234/faults", json={"statuses": [500, 503]})
    assert response.status == 200
    assert (await get(client, "/shop"))[0] == 500
    assert (await get(client, "/orders/1"))[0] == 503
    assert (await get(client, "/shop"))[0] == 200
    assert (await get(client, "/shop", {"Authorization": "Bearer other"}))[0] == 200


# --- status transitions and the control API ----------------------------------------
async def test_status_moves_forward_or_to_cancelled_only(
    client: TestClient, state: KmoShopsState
) -> None:
    order = state.add_order(1234, an_order("2024-03-30T23:00:00+01:00", status="new"))
    path = f"/_sandbox/orders/{order['id']}/status"
    steps = [
        ("paid", 200),
        ("pending_payment", 409),
        ("paid", 409),
        ("shipped", 200),
        ("refunded", 409),
        ("completed", 200),
        ("cancelled", 200),
        ("new", 409),
        ("cancelled", 409),
    ]
    for status, expected in steps:
        response = await client.post(path, json={"status": status})
        assert response.status == expected, (status, await response.text())
    assert state.orders[order["id"]]["status"] == "cancelled"


@pytest.mark.parametrize("start", ["new", "pending_payment", "on_hold", "paid", "shipped"])
async def test_any_status_can_be_cancelled_and_updated_at_moves_on(
    state: KmoShopsState, start: str
) -> None:
    order = state.add_order(1234, an_order("2024-03-31T10:00:00+02:00", status=start))
    after = state.set_status(order["id"], "cancelled")
    assert after["status"] == "cancelled"
    assert datetime.fromisoformat(after["updated_at"]) > datetime.fromisoformat(order["updated_at"])
    assert after["updated_at"].endswith("+02:00")  # Brussels summer time


async def test_control_api_round_trip(client: TestClient) -> None:
    response = await client.post(
        "/_sandbox/shops",
        json={
            "id": 9,
            "name": "Velo",
            "country": "NL",
            "currency": "EUR",
            "timezone": "Europe/Amsterdam",
            "token": "t9",
        },
    )
    assert response.status == 201
    response = await client.post(
        "/_sandbox/shops/9/orders/generate",
        json={"seed": 1, "count": 12, "include_invalid": True},
    )
    rows = (await response.json())["orders"]
    assert response.status == 201
    assert len(rows) == 12
    assert {"id", "scenario", "kind", "expected"} <= set(rows[0])
    detail = await (await client.get(f"/_sandbox/orders/{rows[0]['id']}")).json()
    assert detail["generated"]["scenario"] == rows[0]["scenario"]
    status, body, _ = await get(
        client, "/orders?updated_since=2000-01-01T00:00:00Z", {"Authorization": "Bearer t9"}
    )
    assert status == 200
    assert body["total"] == 12
    response = await client.post("/_sandbox/shops/9/orders", json={"id": 1})
    assert response.status == 400
    assert "lacks" in (await response.json())["error"]["message"]
    assert (
        await client.post("/_sandbox/shops", json={"id": 9, "name": "x", "country": "NL"})
    ).status == 409
    assert (
        await client.post("/_sandbox/orders/999999/status", json={"status": "paid"})
    ).status == 404
    response = await client.put("/_sandbox/rate-limit", json={"limit": 5, "window_seconds": 2})
    assert (await response.json())["limit"] == 5
    assert (await client.post("/_sandbox/reset")).status == 200
    status, _, _ = await get(client, "/shop", {"Authorization": "Bearer t9"})
    assert status == 401


async def test_generated_orders_via_control_default_to_the_last_hour(
    client: TestClient, state: KmoShopsState
) -> None:
    made = state.generate(1234, seed=3, count=20)
    stamps = [datetime.fromisoformat(g.order["updated_at"]) for g in made]
    assert all(T0 - timedelta(hours=1) <= s for s in stamps)
    assert all(s <= T0 for s in stamps)
