"""Ingest as a real process between real PostgreSQL and RabbitMQ.

A signed webhook in, a ``ProcessOrder`` with the normalized order out on the
processor's queue; and a burst of webhooks while the broker connection is cut, with
nothing lost, nothing doubled and the consumers back without a hand.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import aiohttp
import pytest
from aio_pika.abc import AbstractRobustConnection

from common.amqp.topology import PROCESS_ORDER
from common.db.outbox import enqueue
from common.db.pool import Pool
from common.messages import PollShop, ProcessOrder, parse_message
from ingest.store import advance_cursor
from sandbox.kmoshops.app import serve
from sandbox.kmoshops.state import KmoShopsState, WebhookSettings
from tests.fakes.amqp import connect, drain, purge_all
from tests.fakes.installations import CreatedInstallation, InstallationFactory
from tests.fakes.orders import order
from tests.fakes.processes import ServiceProcess, free_port
from tests.fakes.tcp_proxy import TcpProxy
from tests.fakes.webhooks import signed_request

pytestmark = pytest.mark.e2e


@pytest.fixture
async def broker_proxy(amqp_url: str) -> AsyncIterator[TcpProxy]:
    parts = urlsplit(amqp_url)
    proxy = await TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5672).start()
    yield proxy
    await proxy.stop()


@pytest.fixture
async def broker(amqp_url: str) -> AsyncIterator[AbstractRobustConnection]:
    connection = await connect(amqp_url)
    await purge_all(connection)
    yield connection
    await connection.close()


@pytest.fixture
def ingest(
    database_url: str, amqp_url: str, secret_keys: str, broker_proxy: TcpProxy
) -> Iterator[tuple[ServiceProcess, str]]:
    port = free_port()
    parts = urlsplit(amqp_url)
    proxied = parts._replace(
        netloc=f"{parts.username}:{parts.password}@127.0.0.1:{broker_proxy.port}"
    )
    process = ServiceProcess(
        "ingest",
        {
            "DATABASE_URL": database_url,
            "AMQP_URL": proxied.geturl(),
            "SECRET_KEYS": secret_keys,
            "HTTP_HOST": "127.0.0.1",
            "HTTP_PORT": str(port),
            "LOG_FORMAT": "json",
        },
        name=f"ingest-{port}",
    ).start()
    yield process, f"http://127.0.0.1:{port}"
    assert process.stop() == 0, process.logs()[-3000:]


async def send(
    http: aiohttp.ClientSession, base: str, shop: CreatedInstallation, data: dict, delivery_id: str
) -> int:
    body, headers = signed_request(
        shop.webhook_secret, "order.created", data, delivery_id=delivery_id
    )
    for _ in range(20):  # as KMO Shops does: retry what was not answered 2xx
        async with http.post(
            f"{base}/webhooks/kmoshops/{shop.id}", data=body, headers=headers
        ) as r:
            if r.status == 200:
                return r.status
        await asyncio.sleep(0.2)
    return r.status


async def test_signed_webhook_becomes_a_process_order_on_the_queue(
    ingest: tuple[ServiceProcess, str],
    broker: AbstractRobustConnection,
    installations: InstallationFactory,
) -> None:
    process, base = ingest
    await process.wait_http(f"{base}/readyz")
    shop = await installations.create()
    async with aiohttp.ClientSession() as http:
        assert await send(http, base, shop, order(), "e2e-1") == 200

    received = await drain(broker, PROCESS_ORDER.name, expect=1)
    [raw] = [r for r in received if parse_message(r.body).installation_id == shop.id]
    message = parse_message(raw.body)
    assert isinstance(message, ProcessOrder)
    assert message.installation_id == shop.id
    assert raw.message_id == str(message.message_id)
    wire = json.loads(raw.body)["order"]
    assert wire["total"] == "206.95"
    assert wire["customer"]["email"] == "sophie.fischer@example.de"
    assert wire["created_at"].endswith("+01:00")
    lines = [json.loads(line) for line in process.logs().splitlines() if line.startswith("{")]
    received = [line for line in lines if line.get("event") == "webhook received"]
    assert received
    assert received[0]["installation_id"] == str(shop.id)
    assert shop.webhook_secret not in process.logs()


async def test_burst_while_the_broker_connection_is_cut_loses_and_doubles_nothing(
    ingest: tuple[ServiceProcess, str],
    broker: AbstractRobustConnection,
    broker_proxy: TcpProxy,
    installations: InstallationFactory,
    pool: Pool,
) -> None:
    process, base = ingest
    await process.wait_http(f"{base}/readyz")
    shop = await installations.create()
    orders = [order(id=10_000 + i, number=str(10_000 + i)) for i in range(150)]

    async with aiohttp.ClientSession() as http:

        async def burst(chunk: list[dict]) -> list[int]:
            return await asyncio.gather(
                *(send(http, base, shop, o, f"burst-{o['id']}") for o in chunk)
            )

        first = await burst(orders[:50])
        broker_proxy.cut()
        during = await burst(orders[50:100])  # accepted while RabbitMQ is unreachable
        async with http.get(f"{base}/readyz") as ready:
            assert ready.status == 503
        await asyncio.sleep(1.0)
        broker_proxy.restore()
        after = await burst(orders[100:])
        # Duplicate deliveries of some orders on top, as KMO Shops may send them.
        again = await burst(orders[40:60])

    assert set(first + during + after + again) == {200}
    received = await drain(broker, PROCESS_ORDER.name, expect=150, timeout=30)
    # Every order was published as exactly one message. The outbox delivers at least
    # once: a message whose confirm was lost in the cut may be on the queue twice, with
    # the same message_id, which consumers recognise; different message ids for one
    # order would be a real double.
    message_ids_by_order: dict[int, set[str]] = {}
    received = [r for r in received if parse_message(r.body).installation_id == shop.id]
    for raw in received:
        message = parse_message(raw.body)
        assert isinstance(message, ProcessOrder)
        message_ids_by_order.setdefault(message.order.id, set()).add(str(message.message_id))
    assert sorted(message_ids_by_order) == [o["id"] for o in orders]
    assert all(len(ids) == 1 for ids in message_ids_by_order.values())
    redelivered = len(received) - len(orders)
    assert redelivered <= 25, f"{redelivered} copies: more than one in-flight batch"
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 0

    # The PollShop consumer came back by itself too: a poll for an unknown
    # installation is consumed (and ignored) rather than left in the queue.
    async with pool.acquire() as conn:
        await enqueue(conn, [PollShop(installation_id=uuid.uuid4())])
    await _wait_for_log(process, "poll for an unknown installation ignored")


async def _wait_for_log(process: ServiceProcess, text: str, timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while text not in process.logs():
        if loop.time() > deadline:
            raise AssertionError(f"{text!r} not logged; see {process.log_path}")
        await asyncio.sleep(0.1)


@pytest.fixture
async def kmo_sandbox() -> AsyncIterator[tuple[KmoShopsState, str]]:
    state = KmoShopsState(webhook_settings=WebhookSettings(retry_time_scale=0.001))
    state.create_shop(1234, "Fietsen Peeters", "BE", tokens=["e2e-token"])
    runner, base = await serve(state)
    yield state, f"{base}/api/v1"
    await runner.cleanup()


@pytest.fixture
async def sandbox_shop(
    ingest: tuple[ServiceProcess, str],
    installations: InstallationFactory,
    kmo_sandbox: tuple[KmoShopsState, str],
) -> tuple[KmoShopsState, CreatedInstallation]:
    """The sandbox's shop 1234, installed, its webhook pointing at the running ingest."""
    process, base = ingest
    await process.wait_http(f"{base}/readyz")
    state, kmo_url = kmo_sandbox
    shop = await installations.create(kmoshops={"base_url": kmo_url, "api_token": "e2e-token"})
    state.register_webhook(1234, f"{base}/webhooks/kmoshops/{shop.id}", shop.webhook_secret)
    return state, shop


async def test_sandbox_webhooks_with_duplicates_and_out_of_order_updates_end_once_each(
    sandbox_shop: tuple[KmoShopsState, CreatedInstallation],
    broker: AbstractRobustConnection,
    pool: Pool,
) -> None:
    state, shop = sandbox_shop
    state.set_switches(1234, duplicate=True, out_of_order=True)

    made = state.generate(1234, 11, 20, scenarios=["domestic_b2c", "icp_b2b", "international"])
    for generated in made[:10]:
        if generated.order["status"] not in ("completed", "cancelled"):
            state.set_status(generated.order["id"], "cancelled")
    state.release_held()
    refund_target = made[-1].order
    state.create_refund(refund_target["id"], "1.00")
    await _wait_deliveries_done(state)

    final = {o: state.order(o)["updated_at"] for o in (g.order["id"] for g in made)}
    rows = await pool.fetch(
        "SELECT order_id, updated_at FROM shop_orders WHERE installation_id = $1", shop.id
    )
    assert {r["order_id"]: r["updated_at"] for r in rows} == {
        o: datetime.fromisoformat(stamp) for o, stamp in final.items()
    }
    received = await drain(broker, PROCESS_ORDER.name, expect=len(made), timeout=15)
    newest = [parse_message(m.body) for m in received]
    by_order: dict[int, list[str]] = {}
    for message in newest:
        assert isinstance(message, ProcessOrder)
        if message.installation_id != shop.id:
            continue  # left over by an earlier test
        by_order.setdefault(message.order.id, []).append(message.order.updated_at.isoformat())
    # Each order version at most once; every order's newest version present.
    assert all(len(v) == len(set(v)) for v in by_order.values())
    assert set(by_order) == set(final)
    assert (
        await pool.fetchval("SELECT count(*) FROM shop_refunds WHERE installation_id = $1", shop.id)
        == 1
    )


async def test_polling_through_the_broker_publishes_what_webhooks_missed(
    sandbox_shop: tuple[KmoShopsState, CreatedInstallation],
    broker: AbstractRobustConnection,
    pool: Pool,
) -> None:
    state, shop = sandbox_shop
    state.set_switches(1234, drop=True)  # every webhook lost
    made = state.generate(1234, 5, 30)
    async with pool.acquire() as conn:
        await advance_cursor(conn, shop.id, datetime.now(UTC) - timedelta(days=1))
        await enqueue(conn, [PollShop(installation_id=shop.id)])

    received = [parse_message(m.body) for m in await drain(broker, PROCESS_ORDER.name, expect=30)]
    mine = [m for m in received if isinstance(m, ProcessOrder) and m.installation_id == shop.id]
    assert sorted(m.order.id for m in mine) == sorted(g.order["id"] for g in made)
    assert all(m.source == "poll" for m in mine)


async def _wait_deliveries_done(state: KmoShopsState, timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while any(d.status not in ("delivered", "failed", "dropped") for d in state.delivery_list()):
        if loop.time() > deadline:
            pending = [d for d in state.delivery_list() if d.status != "delivered"]
            raise AssertionError(f"deliveries not done: {pending[:3]}")
        await asyncio.sleep(0.1)
