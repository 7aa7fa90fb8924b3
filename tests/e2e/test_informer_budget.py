"""The shared Informer budget with processor processes and a time-scaled sandbox:
Informer's 60 calls a minute become 60 calls per 2 seconds."""

from __future__ import annotations

import asyncio
import copy
import itertools
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import pytest

from common.db.outbox import enqueue
from common.db.pool import Pool
from common.messages import ProcessOrder, ShopOrder, order_correlation_id
from sandbox.informer.seed_data import default_seed
from sandbox.informer.state import InformerState
from sandbox.informer.testing import running_sandbox
from tests.fakes.installations import CreatedInstallation, InstallationFactory
from tests.fakes.orders import customer, recent_order
from tests.fakes.processes import ServiceProcess, free_port
from tests.fakes.processor import DEMO_CONFIG

pytestmark = pytest.mark.e2e

WINDOW, LIMIT = 2.0, 60
_ids = itertools.count(200_000)


def two_administrations() -> dict[str, Any]:
    """The demo administration and a twin with its own key: two merchants."""
    seed = default_seed()
    demo = next(a for a in seed["administrations"] if a["slug"] == "demo")
    twin = copy.deepcopy(demo) | {
        "slug": "twin",
        "api_key": "twin-informer-key",
        "security_code": "twin-security-code",
        "relations": [],
    }
    seed["administrations"].append(twin)
    return seed


@dataclass
class Budgeted:
    pool: Pool
    informer: InformerState
    env: dict[str, str]
    processes: list[ServiceProcess] = field(default_factory=list)

    async def processor(self, **extra: str) -> None:
        port = free_port()
        process = ServiceProcess(
            "processor", self.env | {"HTTP_PORT": str(port)} | extra, name=f"processor-{port}"
        ).start()
        self.processes.append(process)
        await process.wait_http(f"http://127.0.0.1:{port}/readyz")

    async def send(self, installation: CreatedInstallation, orders: list[dict[str, Any]]) -> None:
        messages = [
            ProcessOrder(
                installation_id=installation.id,
                correlation_id=order_correlation_id(installation.id, o["id"]),
                source="webhook",
                order=ShopOrder.model_validate(o),
            )
            for o in orders
        ]
        async with self.pool.acquire() as conn, conn.transaction():
            await enqueue(conn, messages)

    async def invoiced(self, installation: CreatedInstallation) -> int:
        return await self.pool.fetchval(
            "SELECT count(*) FROM order_states WHERE installation_id = $1 AND state = 'invoiced'",
            installation.id,
        )

    async def wait_invoiced(
        self, installation: CreatedInstallation, count: int, timeout: float
    ) -> float:
        loop = asyncio.get_running_loop()
        started = loop.time()
        while await self.invoiced(installation) < count:
            if loop.time() - started > timeout:
                states = await self.pool.fetch(
                    """SELECT state, error_code, count(*) FROM order_states
                        WHERE installation_id = $1 GROUP BY 1, 2""",
                    installation.id,
                )
                raise AssertionError(f"not all invoiced: {[tuple(r) for r in states]}")
            await asyncio.sleep(0.1)
        return loop.time() - started

    def max_calls_in_a_window(self, slug: str) -> int:
        stamps = sorted(c.at for c in self.informer.calls if c.administration == slug)
        best, start = 0, 0
        for end, stamp in enumerate(stamps):
            while stamp - stamps[start] >= WINDOW:
                start += 1
            best = max(best, end - start + 1)
        return best

    def refused(self) -> int:
        return sum(1 for c in self.informer.calls if c.status == 429)


@pytest.fixture
async def budgeted(
    pool: Pool, database_url: str, amqp_url: str, secret_keys: str
) -> AsyncIterator[Budgeted]:
    informer = InformerState(seed=two_administrations())
    informer.limiter.configure(window_seconds=WINDOW, window_limit=LIMIT)
    await pool.execute("UPDATE installations SET status = 'disabled' WHERE status = 'active'")
    # Each test starts with full budgets (the demo key is shared by every test's shop).
    await pool.execute("DELETE FROM informer_budget_usage")
    await pool.execute("DELETE FROM informer_budgets")
    async with AsyncExitStack() as stack:
        url = await stack.enter_async_context(running_sandbox(informer))
        env = {
            "DATABASE_URL": database_url,
            "AMQP_URL": amqp_url,
            "SECRET_KEYS": secret_keys,
            "HTTP_HOST": "127.0.0.1",
            "INFORMER_BASE_URL": url,
            "INFORMER_WINDOW_SECONDS": str(WINDOW),
            "INFORMER_WINDOW_LIMIT": str(LIMIT),
            "OPTIONS_CACHE_SECONDS": "600",
            "LOG_FORMAT": "json",
        }
        harness = Budgeted(pool, informer, env)
        try:
            yield harness
        finally:
            for process in harness.processes:
                process.stop()


def known_customer_orders(informer: InformerState, slug: str, count: int) -> list[dict[str, Any]]:
    informer.add_relation(
        slug,
        {
            "relation_type": 1,
            "firstname": "An",
            "surname": "Vaste",
            "street": "Kerkstraat",
            "house_number": "1",
            "zip": "9000",
            "city": "Gent",
            "country": "BE",
            "email": f"vaste.klant@{slug}.example",
        },
    )
    who = customer(email=f"vaste.klant@{slug}.example", isocountry="BE")
    return [_order(next(_ids), who) for _ in range(count)]


def _order(order_id: int, who: dict[str, Any]) -> dict[str, Any]:
    line = {
        "id": 1,
        "product_id": 1,
        "sku": "MUG",
        "description": "Koffiemok",
        "quantity": 1,
        "unit_price": "12.10",
        "discount": "0.00",
        "vat_rate": "21.00",
        "total": "12.10",
    }
    return recent_order(
        order_id, customer=who, lines=[line], shipping=None, total="12.10", vat_total="2.10"
    )


async def test_four_processors_share_one_budget_without_a_429(
    budgeted: Budgeted, installations: InstallationFactory
) -> None:
    shop = await installations.create(config=DEMO_CONFIG)
    for _ in range(4):
        await budgeted.processor()
    orders = known_customer_orders(budgeted.informer, "demo", 240)
    await budgeted.send(shop, orders)
    elapsed = await budgeted.wait_invoiced(shop, len(orders), timeout=60)
    assert budgeted.max_calls_in_a_window("demo") <= LIMIT
    assert budgeted.refused() == 0
    # ...and the budget is used: 240 calls take about 240 / 53 windows, not far more.
    assert elapsed < 240 / 53 * WINDOW * 2 + 5


async def test_a_backlog_of_one_merchant_does_not_hold_up_another(
    budgeted: Budgeted, installations: InstallationFactory
) -> None:
    merchant_a = await installations.create(config=DEMO_CONFIG)
    merchant_b = await installations.create(
        config=DEMO_CONFIG,
        informer={"api_key": "twin-informer-key", "security_code": "twin-security-code"},
    )
    await budgeted.processor()
    await budgeted.processor()
    await budgeted.send(merchant_a, known_customer_orders(budgeted.informer, "demo", 1000))
    await asyncio.sleep(3)  # A's backlog is being worked through at A's pace
    b_orders = known_customer_orders(budgeted.informer, "twin", 1)
    await budgeted.send(merchant_b, b_orders)
    waited = await budgeted.wait_invoiced(merchant_b, 1, timeout=30)
    assert waited < 5
    assert await budgeted.invoiced(merchant_a) < 1000  # A was indeed still busy
    assert budgeted.refused() == 0


async def test_past_the_days_budget_orders_wait_then_resume(
    budgeted: Budgeted, installations: InstallationFactory
) -> None:
    # A "day" of 6 seconds holding 25 calls (both in the sandbox and the processor).
    budgeted.informer.limiter.configure(day_seconds=6.0, daily_limit=25)
    shop = await installations.create(config=DEMO_CONFIG)
    await budgeted.processor(INFORMER_DAY_SECONDS="6", INFORMER_DAY_LIMIT="25")
    orders = known_customer_orders(budgeted.informer, "demo", 40)
    await budgeted.send(shop, orders)
    await asyncio.sleep(3)
    partway = await budgeted.invoiced(shop)
    assert 10 <= partway < 40
    waiting = await budgeted.pool.fetchval(
        """SELECT count(*) FROM order_states
            WHERE installation_id = $1 AND state IN ('queued', 'claimed')""",
        shop.id,
    )
    assert waiting > 0
    await budgeted.wait_invoiced(shop, 40, timeout=40)
    failed = await budgeted.pool.fetchval(
        "SELECT count(*) FROM order_states WHERE installation_id = $1 AND state = 'failed'", shop.id
    )
    assert failed == 0
    assert budgeted.refused() == 0
