"""Webhooks into ingest, in-process, against the real PostgreSQL."""

from __future__ import annotations

import io
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from common.amqp.topology import PROCESS_ORDER
from common.crypto import SecretBox
from common.db.pool import Pool, create_pool
from common.messages import ProcessOrder, RefundIgnored, parse_message
from ingest.settings import IngestSettings
from ingest.web.app import create_app
from tests.fakes.amqp import connect, drain, purge_all
from tests.fakes.installations import CreatedInstallation, InstallationFactory
from tests.fakes.orders import order
from tests.fakes.outbox import running_relay
from tests.fakes.services import unique_name, with_user
from tests.fakes.webhooks import delivery_body, signed_headers, signed_request

pytestmark = pytest.mark.integration

Client = TestClient[web.Request, web.Application]


@pytest.fixture
def settings(database_url: str, secret_keys: str) -> IngestSettings:
    return IngestSettings(database_url=SecretStr(database_url), secret_keys=SecretStr(secret_keys))


@pytest.fixture
async def client(settings: IngestSettings, pool: Pool, box: SecretBox) -> AsyncIterator[Client]:
    async with TestClient(TestServer(create_app(settings, pool, box))) as test_client:
        yield test_client


@pytest.fixture
async def shop(installations: InstallationFactory) -> CreatedInstallation:
    return await installations.create()


Post = Callable[..., Awaitable[Any]]


@pytest.fixture
def post(client: Client, shop: CreatedInstallation) -> Post:
    async def _post(
        topic: str,
        data: dict[str, Any],
        *,
        delivery_id: str | None = None,
        secret: str | None = None,
    ) -> tuple[int, dict[str, Any]]:
        body, headers = signed_request(
            secret or shop.webhook_secret, topic, data, delivery_id=delivery_id
        )
        response = await client.post(f"/webhooks/kmoshops/{shop.id}", data=body, headers=headers)
        return response.status, await response.json()

    return _post


async def outbox_messages(pool: Pool, installation_id: uuid.UUID) -> list[Any]:
    rows = await pool.fetch("SELECT body FROM outbox ORDER BY id")
    messages = [parse_message(bytes(r["body"])) for r in rows]
    return [m for m in messages if m.installation_id == installation_id]


async def test_signed_order_is_stored_and_queued_as_process_order(
    post: Post, pool: Pool, shop: CreatedInstallation
) -> None:
    status, body = await post("order.created", order())
    assert (status, body) == (200, {"outcome": "stored"})

    stored = await pool.fetchrow(
        "SELECT status, total, updated_at FROM shop_orders WHERE installation_id = $1", shop.id
    )
    assert stored["status"] == "paid"
    assert str(stored["total"]) == "206.95"
    [message] = await outbox_messages(pool, shop.id)
    assert isinstance(message, ProcessOrder)
    assert message.source == "webhook"
    assert message.order.id == 6224
    assert str(message.order.lines[0].unit_price) == "200.00"
    assert message.order.customer.isocountry == "DE"
    assert message.order.created_at.utcoffset() is not None


async def test_a_stored_orders_message_notifies_nobody_and_wakes_this_process_relay(
    post: Post, pool: Pool, shop: CreatedInstallation, amqp_url: str
) -> None:
    """One NOTIFY per order costs every listening backend a transaction: the row is
    quiet, and once it committed the handler hands its message to the relay of its own
    process (the relay polls only every 30 s here; its first round takes the row
    written before it ran)."""
    await pool.execute("DELETE FROM outbox")
    broker = await connect(amqp_url)
    try:
        await purge_all(broker)
        assert (await post("order.created", order(id=1)))[1] == {"outcome": "stored"}
        assert await pool.fetchval("SELECT wake FROM outbox") is False
        async with running_relay(pool, amqp_url, poll_interval=30):
            assert (await post("order.created", order(id=2)))[1] == {"outcome": "stored"}
            received = await drain(broker, PROCESS_ORDER.name, expect=2, timeout=5)
    finally:
        await broker.close()
    orders = sorted(parse_message(m.body).order.id for m in received)
    assert orders == [1, 2]


async def test_wrong_signature_is_401_and_nothing_is_stored(
    client: Client, pool: Pool, shop: CreatedInstallation
) -> None:
    body, headers = signed_request("not-the-secret", "order.created", order())
    response = await client.post(f"/webhooks/kmoshops/{shop.id}", data=body, headers=headers)
    assert response.status == 401
    assert (
        await pool.fetchval(
            "SELECT count(*) FROM webhook_deliveries WHERE installation_id = $1", shop.id
        )
        == 0
    )
    assert (
        await pool.fetchval(
            "SELECT count(*) FROM rejected_payloads WHERE installation_id = $1", shop.id
        )
        == 0
    )


async def test_body_changed_after_signing_is_401(client: Client, shop: CreatedInstallation) -> None:
    body, headers = signed_request(shop.webhook_secret, "order.created", order())
    tampered = body.replace(b'"206.95"', b'"1.00"')
    response = await client.post(f"/webhooks/kmoshops/{shop.id}", data=tampered, headers=headers)
    assert response.status == 401


@pytest.mark.parametrize("missing", ["X-KMO-Signature", "X-KMO-Timestamp"])
async def test_missing_signature_headers_are_401(
    client: Client, shop: CreatedInstallation, missing: str
) -> None:
    body, headers = signed_request(shop.webhook_secret, "order.created", order())
    del headers[missing]
    response = await client.post(f"/webhooks/kmoshops/{shop.id}", data=body, headers=headers)
    assert response.status == 401
    assert "required" in (await response.json())["error"]


@pytest.mark.parametrize("offset", [-301, 301, -3600])
async def test_timestamp_more_than_five_minutes_off_is_refused_as_replay(
    client: Client, pool: Pool, shop: CreatedInstallation, offset: int
) -> None:
    envelope = delivery_body("order.created", order())
    body = json.dumps(envelope).encode()
    headers = signed_headers(
        shop.webhook_secret,
        body,
        topic="order.created",
        delivery_id=envelope["id"],
        timestamp=int(time.time()) + offset,
    )
    response = await client.post(f"/webhooks/kmoshops/{shop.id}", data=body, headers=headers)
    assert response.status == 401
    assert "replay" in (await response.json())["error"]
    assert (
        await pool.fetchval(
            "SELECT count(*) FROM webhook_deliveries WHERE installation_id = $1", shop.id
        )
        == 0
    )


async def test_timestamp_within_five_minutes_is_accepted(
    client: Client, shop: CreatedInstallation
) -> None:
    envelope = delivery_body("order.created", order())
    body = json.dumps(envelope).encode()
    headers = signed_headers(
        shop.webhook_secret,
        body,
        topic="order.created",
        delivery_id=envelope["id"],
        timestamp=int(time.time()) - 290,
    )
    response = await client.post(f"/webhooks/kmoshops/{shop.id}", data=body, headers=headers)
    assert response.status == 200


async def test_body_over_one_megabyte_is_413(client: Client, shop: CreatedInstallation) -> None:
    big = order(comment="x" * 1_100_000)
    body, headers = signed_request(shop.webhook_secret, "order.created", big)
    response = await client.post(
        f"/webhooks/kmoshops/{shop.id}", data=io.BytesIO(body), headers=headers
    )
    assert response.status == 413


async def test_malformed_json_is_400_and_kept_for_support(
    client: Client, pool: Pool, shop: CreatedInstallation
) -> None:
    body = b'{"id": "d-1", "topic": "order.created", '
    headers = signed_headers(shop.webhook_secret, body, topic="order.created", delivery_id="d-1")
    response = await client.post(f"/webhooks/kmoshops/{shop.id}", data=body, headers=headers)
    assert response.status == 400
    assert "not valid JSON" in (await response.json())["error"]
    kept = await pool.fetchrow(
        "SELECT delivery_id, body FROM rejected_payloads WHERE installation_id = $1", shop.id
    )
    assert kept["delivery_id"] == "d-1"
    assert bytes(kept["body"]) == body


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"total": 206.95}, "data.total: Value error, must be a decimal string"),
        ({"status": "shipped-ish"}, "data.status: Input should be"),
        ({"created_at": "2022-12-06T09:14:03"}, "data.created_at: Input should have timezone info"),
        ({"lines": []}, "data.lines: List should have at least 1 item"),
        ({"currency": "EURO"}, "data.currency: String should match pattern"),
        ({"prices_include_vat": "yes"}, "data.prices_include_vat: Input should be a valid boolean"),
    ],
)
async def test_order_breaking_the_contract_is_400_naming_the_field(
    post: Post, pool: Pool, shop: CreatedInstallation, change: dict[str, Any], expected: str
) -> None:
    status, body = await post("order.created", order(**change))
    assert status == 400
    assert expected in body["error"]
    assert await outbox_messages(pool, shop.id) == []


async def test_line_whose_total_is_not_quantity_times_price_less_discount_is_400(
    post: Post,
) -> None:
    line = order()["lines"][0] | {
        "quantity": 2,
        "unit_price": "10.00",
        "discount": "1.00",
        "total": "20.00",
    }
    status, body = await post("order.created", order(lines=[line]))
    assert status == 400
    assert "data.lines.0" in body["error"]
    assert "19.00" in body["error"]


async def test_quantity_must_be_a_whole_number(post: Post) -> None:
    line = order()["lines"][0] | {"quantity": "1"}
    status, body = await post("order.created", order(lines=[line]))
    assert status == 400
    assert "data.lines.0.quantity" in body["error"]


async def test_header_and_body_delivery_id_must_agree(
    client: Client, shop: CreatedInstallation
) -> None:
    envelope = delivery_body("order.created", order())
    body = json.dumps(envelope).encode()
    headers = signed_headers(shop.webhook_secret, body, topic="order.created", delivery_id="other")
    response = await client.post(f"/webhooks/kmoshops/{shop.id}", data=body, headers=headers)
    assert response.status == 400
    assert "X-KMO-Delivery" in (await response.json())["error"]


async def test_redelivery_of_the_same_delivery_is_200_and_stored_once(
    post: Post, pool: Pool, shop: CreatedInstallation
) -> None:
    first = await post("order.created", order(), delivery_id="dup-1")
    second = await post("order.created", order(), delivery_id="dup-1")
    assert first == (200, {"outcome": "stored"})
    assert second == (200, {"outcome": "duplicate"})
    assert len(await outbox_messages(pool, shop.id)) == 1
    assert (
        await pool.fetchval(
            "SELECT count(*) FROM webhook_deliveries WHERE installation_id = $1", shop.id
        )
        == 1
    )


async def test_out_of_order_updates_end_in_the_newest_version_published_once_each(
    post: Post, pool: Pool, shop: CreatedInstallation
) -> None:
    newer = order(status="shipped", updated_at="2022-12-06T10:00:00+01:00")
    older = order(status="paid", updated_at="2022-12-06T09:20:41+01:00")
    assert (await post("order.updated", newer))[1] == {"outcome": "stored"}
    assert (await post("order.created", older))[1] == {"outcome": "stale"}
    assert (await post("order.updated", newer))[1] == {"outcome": "stale"}

    stored = await pool.fetchrow(
        "SELECT status, updated_at FROM shop_orders WHERE installation_id = $1", shop.id
    )
    assert stored["status"] == "shipped"
    messages = await outbox_messages(pool, shop.id)
    assert [m.order.status for m in messages] == ["shipped"]


async def test_concurrent_copies_of_one_delivery_publish_once(
    post: Post, pool: Pool, shop: CreatedInstallation
) -> None:
    import asyncio

    results = await asyncio.gather(
        *(post("order.created", order(), delivery_id="race-1") for _ in range(8))
    )
    outcomes = sorted(body["outcome"] for _, body in results)
    assert outcomes == ["duplicate"] * 7 + ["stored"]
    assert len(await outbox_messages(pool, shop.id)) == 1


async def test_refund_is_recorded_as_ignored_and_queues_nothing_for_informer(
    post: Post, pool: Pool, shop: CreatedInstallation
) -> None:
    refund = {
        "id": 88,
        "order_id": 6224,
        "amount": "20.00",
        "created_at": "2022-12-07T10:00:00+01:00",
    }
    status, body = await post("refund.created", refund)
    assert (status, body) == (200, {"outcome": "ignored"})
    messages = await outbox_messages(pool, shop.id)
    assert not any(isinstance(m, ProcessOrder) for m in messages)
    [event] = messages
    assert isinstance(event, RefundIgnored)
    assert str(event.amount) == "20.00"
    assert (
        await pool.fetchval(
            "SELECT effect FROM webhook_deliveries WHERE installation_id = $1", shop.id
        )
        == "ignored"
    )


async def test_unknown_installation_is_404(client: Client) -> None:
    body, headers = signed_request("whatever", "order.created", order())
    response = await client.post(f"/webhooks/kmoshops/{uuid.uuid4()}", data=body, headers=headers)
    assert response.status == 404
    response = await client.post("/webhooks/kmoshops/not-a-uuid", data=body, headers=headers)
    assert response.status == 404


async def test_database_down_is_503_so_kmo_shops_retries(
    settings: IngestSettings, database_url: str, box: SecretBox, shop: CreatedInstallation
) -> None:
    dead_pool = await create_pool(database_url, min_size=1, max_size=1)
    await dead_pool.close()
    app = create_app(settings, dead_pool, box)
    async with TestClient(TestServer(app)) as test_client:
        body, headers = signed_request(shop.webhook_secret, "order.created", order())
        response = await test_client.post(
            f"/webhooks/kmoshops/{shop.id}", data=body, headers=headers
        )
        assert response.status == 503
        assert response.headers["Retry-After"] == "30"


async def test_database_refusing_connections_is_503_not_500(
    settings: IngestSettings, database_url: str, box: SecretBox, shop: CreatedInstallation
) -> None:
    """PostgreSQL up but out of connections answers 'too many connections': a passing
    condition, so KMO Shops must be told to retry, not that its webhook broke us."""
    role = unique_name("k2i_full")
    admin = await asyncpg.connect(database_url)
    try:
        await admin.execute(f'CREATE ROLE "{role}" LOGIN CONNECTION LIMIT 0')
        full_pool = await create_pool(with_user(database_url, role), min_size=0, max_size=1)
        try:
            app = create_app(settings, full_pool, box)
            async with TestClient(TestServer(app)) as test_client:
                body, headers = signed_request(shop.webhook_secret, "order.created", order())
                response = await test_client.post(
                    f"/webhooks/kmoshops/{shop.id}", data=body, headers=headers
                )
                assert response.status == 503
                assert response.headers["Retry-After"] == "30"
        finally:
            await full_pool.close()
    finally:
        await admin.execute(f'DROP ROLE "{role}"')
        await admin.close()


async def test_healthz_and_readyz(client: Client) -> None:
    assert (await client.get("/healthz")).status == 200
    ready = await client.get("/readyz")
    assert ready.status == 503  # no broker link in this in-process app
    assert (await ready.json())["checks"] == {"database": "ok", "broker": "unavailable"}


async def test_webhooks_arriving_together_are_recorded_in_fewer_statements(
    post: Post, pool: Pool, shop: CreatedInstallation, client: Client
) -> None:
    import asyncio

    from ingest.web.keys import WEBHOOK_WRITES

    writes = client.server.app[WEBHOOK_WRITES]
    before = writes._orders.flushes
    orders = [order(id=940_000 + n, number=str(940_000 + n)) for n in range(24)]
    # Each order twice under two delivery ids, and a newer version of the first:
    # one statement cannot take them all, and each must get its answer as if alone.
    newer = order(id=940_000, number="940000", status="shipped",
                  updated_at="2022-12-06T11:00:00+01:00")  # fmt: skip
    results = await asyncio.gather(
        *(post("order.created", o, delivery_id=f"together-{o['id']}") for o in orders),
        *(post("order.created", o, delivery_id=f"together-{o['id']}") for o in orders[:4]),
        post("order.updated", newer, delivery_id="together-newer"),
    )

    assert all(status == 200 for status, _ in results)
    outcomes = [body["outcome"] for _, body in results]
    assert outcomes.count("duplicate") == 4
    # The newer version was stored, or came first and made the first one stale.
    assert outcomes.count("stored") + outcomes.count("stale") == 25
    assert outcomes.count("stale") <= 1
    assert writes._orders.flushes - before < len(results)
    stored = await pool.fetch(
        "SELECT order_id, status FROM shop_orders WHERE installation_id = $1 ORDER BY order_id",
        shop.id,
    )
    assert [r["order_id"] for r in stored] == [o["id"] for o in orders]
    assert stored[0]["status"] == "shipped"
    messages = await outbox_messages(pool, shop.id)
    assert sorted(m.order.id for m in messages if m.order.id != 940_000) == [
        o["id"] for o in orders[1:]
    ]
    deliveries = await pool.fetchval(
        "SELECT count(*) FROM webhook_deliveries WHERE installation_id = $1", shop.id
    )
    assert deliveries == 25
