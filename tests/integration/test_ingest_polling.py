"""PollShop against the KMO Shops sandbox (in-process, on a real port) and the real
PostgreSQL: pages, ties, 429, 5xx, and a cursor that moves only with durable pages."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from common.amqp.topology import PROCESS_ORDER
from common.crypto import SecretBox
from common.db.pool import Pool
from common.installations.models import Installation
from common.installations.repository import set_status
from common.kmoshops import KmoShopsClient, KmoShopsError
from common.messages import PollShop, ProcessOrder, parse_message
from ingest.polling import PollResult, PollSettings, poll_shop
from ingest.store import advance_cursor
from sandbox.kmoshops.app import serve
from sandbox.kmoshops.state import KmoShopsState
from tests.fakes.amqp import connect, drain, purge_all
from tests.fakes.installations import InstallationFactory
from tests.fakes.outbox import running_relay

pytestmark = pytest.mark.integration

SHOP_ID = 1234


@dataclass
class Shop:
    state: KmoShopsState
    installation_id: uuid.UUID
    pool: Pool
    box: SecretBox
    http: aiohttp.ClientSession

    async def poll(self, *, page_size: int = 250, max_attempts: int = 5) -> PollResult | None:
        def client_for(installation: Installation) -> KmoShopsClient:
            return KmoShopsClient(
                self.http,
                installation.kmo_base_url,
                installation.kmo_token,
                max_attempts=max_attempts,
                backoff=0.01,
            )

        return await poll_shop(
            PollShop(installation_id=self.installation_id),
            pool=self.pool,
            box=self.box,
            client_for=client_for,
            settings=PollSettings(page_size=page_size, overlap=timedelta(minutes=5)),
        )

    async def published(self) -> list[ProcessOrder]:
        rows = await self.pool.fetch(
            "SELECT body FROM outbox WHERE routing_key = 'ProcessOrder' ORDER BY id"
        )
        messages = [parse_message(bytes(r["body"])) for r in rows]
        return [
            m
            for m in messages
            if isinstance(m, ProcessOrder) and m.installation_id == self.installation_id
        ]

    async def cursor(self) -> datetime:
        return await self.pool.fetchval(
            "SELECT updated_since FROM poll_cursors WHERE installation_id = $1",
            self.installation_id,
        )

    def generate(self, count: int, seed: int = 7) -> list[dict[str, Any]]:
        made = self.state.generate(SHOP_ID, seed, count, scenarios=["domestic_b2c"])
        return [g.order for g in made]


@pytest.fixture
async def shop(
    installations: InstallationFactory, pool: Pool, box: SecretBox
) -> AsyncIterator[Shop]:
    state = KmoShopsState()
    token = f"token-{uuid.uuid4().hex}"
    state.create_shop(SHOP_ID, "Fietsen Peeters", "BE", tokens=[token])
    state.limiter.configure(enabled=False)
    runner, base = await serve(state)
    created = await installations.create(
        kmoshops={"base_url": f"{base}/api/v1", "api_token": token}
    )
    async with pool.acquire() as conn:
        await advance_cursor(conn, created.id, datetime.now(UTC) - timedelta(days=2))
    async with aiohttp.ClientSession() as http:
        yield Shop(state, created.id, pool, box, http)
    await runner.cleanup()


async def test_poll_publishes_every_order_once_over_several_pages(shop: Shop) -> None:
    orders = shop.generate(60)
    result = await shop.poll(page_size=25)
    assert result is not None
    assert result.published == 60
    assert result.pages >= 3
    assert sorted(m.order.id for m in await shop.published()) == sorted(o["id"] for o in orders)
    assert all(m.source == "poll" for m in await shop.published())
    newest = max(datetime.fromisoformat(o["updated_at"]) for o in orders)
    assert await shop.cursor() == newest

    again = await shop.poll(page_size=25)
    assert again is not None
    assert again.published == 0
    assert len(await shop.published()) == 60


async def test_polled_orders_notify_nobody_and_wake_this_process_relay(
    shop: Shop, amqp_url: str
) -> None:
    """Quiet rows, as for webhooks: the poll wakes its own process's relay after each
    page's commit (the relay polls only every 30 s here)."""
    await shop.pool.execute("DELETE FROM outbox")
    broker = await connect(amqp_url)
    try:
        await purge_all(broker)
        shop.generate(3, seed=1)
        await shop.poll()
        wakes = await shop.pool.fetch("SELECT wake FROM outbox")
        assert [w["wake"] for w in wakes] == [False] * 3
        async with running_relay(shop.pool, amqp_url, poll_interval=30):
            assert len(await drain(broker, PROCESS_ORDER.name, expect=3, timeout=5)) == 3
            later = shop.generate(2, seed=2)
            await shop.poll()
            received = await drain(broker, PROCESS_ORDER.name, expect=2, timeout=5)
    finally:
        await broker.close()
    orders = sorted(parse_message(m.body).order.id for m in received)
    assert orders == sorted(o["id"] for o in later)


async def test_a_status_change_is_published_as_a_new_version(shop: Shop) -> None:
    [order] = shop.generate(1)
    await shop.poll()
    shop.state.set_status(order["id"], "shipped" if order["status"] != "shipped" else "completed")
    result = await shop.poll()
    assert result is not None
    assert result.published == 1
    versions = [m.order.status for m in await shop.published()]
    assert len(versions) == 2


async def test_more_orders_with_one_timestamp_than_fit_on_a_page(shop: Shop) -> None:
    stamp = shop.state.now_in(shop.state.shop(SHOP_ID))
    template = shop.generate(1)[0]
    for _ in range(12):
        order = {k: v for k, v in template.items() if k not in ("id", "number")}
        shop.state.add_order(SHOP_ID, order | {"created_at": stamp, "updated_at": stamp})
    result = await shop.poll(page_size=5)
    assert result is not None
    assert len({m.order.id for m in await shop.published()}) == 13


async def test_rate_limit_is_waited_out_with_retry_after(shop: Shop) -> None:
    shop.generate(30)
    shop.state.limiter.configure(enabled=True, limit=2, window_seconds=1.0)
    result = await shop.poll(page_size=5, max_attempts=10)
    assert result is not None
    assert len(await shop.published()) == 30


async def test_server_errors_are_retried(shop: Shop) -> None:
    shop.generate(3)
    shop.state.add_faults(SHOP_ID, [500, 503])
    result = await shop.poll()
    assert result is not None
    assert result.published == 3


async def test_cursor_moves_only_past_pages_that_are_durable(shop: Shop) -> None:
    orders = shop.generate(10)
    before = await shop.cursor()
    shop.state.add_faults(SHOP_ID, [503] * 3)
    with pytest.raises(KmoShopsError) as failure:
        await shop.poll(page_size=4, max_attempts=3)
    assert failure.value.transient
    assert await shop.cursor() == before
    assert await shop.published() == []
    error = await shop.pool.fetchval(
        "SELECT last_error FROM poll_cursors WHERE installation_id = $1", shop.installation_id
    )
    assert "503" in error

    result = await shop.poll(page_size=4)
    assert result is not None
    assert sorted(m.order.id for m in await shop.published()) == sorted(o["id"] for o in orders)


async def test_refused_token_is_recorded_not_retried(shop: Shop) -> None:
    shop.generate(1)
    token = next(iter(shop.state.shop(SHOP_ID).tokens))
    shop.state.revoke_token(SHOP_ID, token)
    assert await shop.poll() is None
    error = await shop.pool.fetchval(
        "SELECT last_error FROM poll_cursors WHERE installation_id = $1", shop.installation_id
    )
    assert "token was refused" in error


async def test_disabled_installation_is_not_polled(shop: Shop) -> None:
    shop.generate(2)
    async with shop.pool.acquire() as conn:
        await set_status(conn, shop.installation_id, "disabled")
    assert await shop.poll() is None
    assert await shop.published() == []


async def test_an_order_breaking_the_contract_is_kept_and_does_not_block_the_rest(
    shop: Shop,
) -> None:
    good, bad = shop.generate(2)
    shop.state.orders[bad["id"]]["lines"][0]["total"] = "0.01"  # the shop's own bug
    result = await shop.poll()
    assert result is not None
    assert result.rejected == 1
    assert [m.order.id for m in await shop.published()] == [good["id"]]
    kept = await shop.pool.fetchrow(
        "SELECT source, reason FROM rejected_payloads WHERE installation_id = $1",
        shop.installation_id,
    )
    assert kept["source"] == "poll"
    assert "orders[" in kept["reason"]
    assert "total" in kept["reason"]
