"""The sandbox sends webhooks as kmoshops/API.md says: signed, retried, and mischievous."""

import hashlib
import hmac
import itertools
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from sandbox.kmoshops import SENDER, KmoShopsState, serve
from sandbox.kmoshops.deliveries import RETRY_PAUSES
from sandbox.kmoshops.testing import WebhookReceiver, sandbox_client

SECRET = "whsec-test"
SHOP = 1234


@pytest.fixture
def state() -> KmoShopsState:
    state = KmoShopsState()
    state.create_shop(SHOP, "Fietsen Peeters", "BE", "EUR", "Europe/Brussels", tokens=["tok"])
    state.webhook_settings.retry_time_scale = 1e-6
    state.webhook_settings.timeout_seconds = 0.2
    return state


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    receiver = await WebhookReceiver().start()
    yield receiver
    await receiver.stop()


@pytest.fixture
async def client(state: KmoShopsState, receiver: WebhookReceiver) -> AsyncIterator[TestClient]:
    state.register_webhook(SHOP, receiver.url, SECRET)
    async with sandbox_client(state) as client:
        yield client


async def settle(client: TestClient) -> None:
    await client.app[SENDER].wait_idle(5)


_seeds = itertools.count(100)


def one_order(state: KmoShopsState, **options: bool) -> dict:
    """A paid (or later) domestic order, created through the state's Python API."""
    made = state.generate(
        SHOP, seed=next(_seeds), count=1, scenarios=["domestic_b2c"], options=options or None
    )
    return made[0].order


async def test_order_created_is_signed_over_timestamp_and_raw_body(
    client: TestClient, state: KmoShopsState, receiver: WebhookReceiver
) -> None:
    order = one_order(state)
    await settle(client)
    [hit] = receiver.received
    headers = hit.headers
    expected = hmac.new(
        SECRET.encode(), headers["X-KMO-Timestamp"].encode() + b"." + hit.body, hashlib.sha256
    ).hexdigest()
    assert headers["X-KMO-Signature"] == f"sha256={expected}"
    assert headers["Content-Type"] == "application/json"
    assert headers["X-KMO-Topic"] == "order.created"
    assert abs(int(headers["X-KMO-Timestamp"]) - datetime.now(UTC).timestamp()) < 5
    payload = json.loads(hit.body)
    assert set(payload) == {"id", "topic", "shop_id", "created_at", "data"}
    assert payload["id"] == headers["X-KMO-Delivery"]
    assert uuid.UUID(payload["id"]).version == 4
    assert (payload["topic"], payload["shop_id"], payload["data"]) == ("order.created", SHOP, order)
    assert datetime.fromisoformat(payload["created_at"]).utcoffset() is not None
    # The raw body is not what a naive re-serialisation would produce.
    assert json.dumps(payload, separators=(",", ":")).encode() != hit.body


async def test_status_change_fires_order_updated_with_the_new_status(
    client: TestClient, state: KmoShopsState, receiver: WebhookReceiver
) -> None:
    order = one_order(state)
    state.set_status(order["id"], "cancelled")
    await settle(client)
    topics = [json.loads(r.body)["topic"] for r in receiver.received]
    assert topics == ["order.created", "order.updated"]
    assert json.loads(receiver.received[1].body)["data"]["status"] == "cancelled"


async def test_non_2xx_and_timeouts_are_retried_with_the_same_delivery(
    client: TestClient, state: KmoShopsState, receiver: WebhookReceiver
) -> None:
    receiver.answers = [500, 302, 0.5, 404]
    one_order(state)
    await settle(client)
    assert len(receiver.received) == 5
    assert len({r.headers["X-KMO-Delivery"] for r in receiver.received}) == 1
    assert len({r.body for r in receiver.received}) == 1
    for hit in receiver.received:  # each attempt is signed with its own timestamp
        stamp = hit.headers["X-KMO-Timestamp"].encode()
        mac = hmac.new(SECRET.encode(), stamp + b"." + hit.body, hashlib.sha256).hexdigest()
        assert hit.headers["X-KMO-Signature"] == f"sha256={mac}"
    [delivery] = state.delivery_list(SHOP)
    assert delivery.status == "delivered"
    assert [a.attempt for a in delivery.attempts] == [1, 2, 3, 4, 5]
    assert [a.status for a in delivery.attempts] == [500, 302, None, 404, 200]
    assert "no answer within 0.2 s" in (delivery.attempts[2].error or "")


async def test_gives_up_after_eight_retries_over_about_a_day(
    client: TestClient, state: KmoShopsState, receiver: WebhookReceiver
) -> None:
    receiver.answers = [503] * 20
    one_order(state)
    await settle(client)
    assert len(receiver.received) == 9
    [delivery] = state.delivery_list(SHOP)
    assert delivery.status == "failed"
    assert len(delivery.attempts) == 9
    assert len(RETRY_PAUSES) == 8
    assert list(RETRY_PAUSES) == sorted(RETRY_PAUSES)
    assert 22 * 3600 <= sum(RETRY_PAUSES) <= 26 * 3600


async def test_unreachable_receiver_is_recorded_as_errors(
    client: TestClient, state: KmoShopsState
) -> None:
    state.webhooks.clear()
    state.register_webhook(SHOP, "http://127.0.0.1:9/hook", SECRET)
    one_order(state)
    await settle(client)
    [delivery] = state.delivery_list(SHOP)
    assert delivery.status == "failed"
    assert all(a.status is None and a.error for a in delivery.attempts)


async def test_duplicate_sends_the_same_delivery_twice(
    client: TestClient, state: KmoShopsState, receiver: WebhookReceiver
) -> None:
    state.set_switches(SHOP, duplicate=True)
    one_order(state)
    await settle(client)
    first, second = receiver.received
    assert first.body == second.body
    assert first.headers["X-KMO-Delivery"] == second.headers["X-KMO-Delivery"]


async def test_out_of_order_delivers_updated_before_created(
    client: TestClient, state: KmoShopsState, receiver: WebhookReceiver
) -> None:
    order = one_order(state, out_of_order=True)
    await settle(client)
    assert receiver.received == []
    state.set_status(order["id"], "cancelled")
    await settle(client)
    payloads = [json.loads(r.body) for r in receiver.received]
    assert [p["topic"] for p in payloads] == ["order.updated", "order.created"]
    assert payloads[0]["data"]["status"] == "cancelled"
    assert payloads[1]["data"]["status"] == order["status"]  # the older snapshot


async def test_held_created_can_be_released_explicitly(
    client: TestClient, state: KmoShopsState, receiver: WebhookReceiver
) -> None:
    state.set_switches(SHOP, out_of_order=True)
    one_order(state)
    await settle(client)
    assert receiver.received == []
    response = await client.post(f"/_sandbox/shops/{SHOP}/release-held", json={})
    assert (await response.json())["released"] == 1
    await settle(client)
    assert [json.loads(r.body)["topic"] for r in receiver.received] == ["order.created"]


async def test_refund_created_carries_the_documented_data(
    client: TestClient, state: KmoShopsState, receiver: WebhookReceiver
) -> None:
    order = one_order(state)
    response = await client.post(f"/_sandbox/orders/{order['id']}/refunds", json={"amount": "0.01"})
    assert response.status == 201
    await settle(client)
    payload = json.loads(receiver.received[-1].body)
    assert payload["topic"] == "refund.created"
    assert receiver.received[-1].headers["X-KMO-Topic"] == "refund.created"
    data = payload["data"]
    assert set(data) == {"id", "order_id", "amount", "created_at"}
    assert (data["order_id"], data["amount"]) == (order["id"], "0.01")
    too_much = await client.post(
        f"/_sandbox/orders/{order['id']}/refunds", json={"amount": order["total"]}
    )
    assert too_much.status == 409
    assert (
        await client.post(f"/_sandbox/orders/{order['id']}/refunds", json={"amount": "1.5"})
    ).status == 400


async def test_dropped_deliveries_are_never_sent_but_the_order_is_pollable(
    client: TestClient, state: KmoShopsState, receiver: WebhookReceiver
) -> None:
    response = await client.put(f"/_sandbox/shops/{SHOP}/switches", json={"drop": True})
    assert response.status == 200
    order = one_order(state)
    await settle(client)
    assert receiver.received == []
    [delivery] = state.delivery_list(SHOP)
    assert delivery.status == "dropped"
    assert delivery.attempts == []
    response = await client.get(
        "/api/v1/orders?updated_since=2000-01-01T00:00:00Z",
        headers={"Authorization": "Bearer tok"},
    )
    assert [o["id"] for o in (await response.json())["orders"]] == [order["id"]]


async def test_deliveries_and_attempts_are_listed_by_the_control_api(
    client: TestClient, state: KmoShopsState, receiver: WebhookReceiver
) -> None:
    receiver.answers = [500]
    one_order(state)
    response = await client.post("/_sandbox/deliveries/wait", json={"timeout": 5})
    assert (await response.json())["busy"] == 0
    body = await (await client.get(f"/_sandbox/deliveries?shop_id={SHOP}&with_body=1")).json()
    [delivery] = body["deliveries"]
    assert delivery["status"] == "delivered"
    assert delivery["topic"] == "order.created"
    assert [(a["attempt"], a["status"]) for a in delivery["attempts"]] == [(1, 500), (2, 200)]
    assert delivery["payload"]["id"] == delivery["id"]


async def test_unregistered_webhook_gets_nothing_more(
    client: TestClient, state: KmoShopsState, receiver: WebhookReceiver
) -> None:
    [hook] = state.webhooks.values()
    assert (await client.delete(f"/_sandbox/webhooks/{hook.id}")).status == 200
    one_order(state)
    await settle(client)
    assert receiver.received == []


async def test_serve_on_a_real_port_for_separate_processes(
    state: KmoShopsState, receiver: WebhookReceiver
) -> None:
    state.register_webhook(SHOP, receiver.url, SECRET)
    runner, base = await serve(state)
    try:
        async with aiohttp.ClientSession() as session:
            async with session.get(
                f"{base}/api/v1/shop", headers={"Authorization": "Bearer tok"}
            ) as response:
                assert response.status == 200
            async with session.post(
                f"{base}/_sandbox/shops/{SHOP}/orders/generate", json={"seed": 1, "count": 2}
            ) as response:
                assert response.status == 201
            async with session.post(f"{base}/_sandbox/deliveries/wait", json={}) as response:
                assert response.status == 200
        assert len(receiver.received) == 2
    finally:
        await runner.cleanup()
