"""Running the processor's parts in-process against the Informer sandbox."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp

from common.crypto import SecretBox
from common.db.pool import Pool
from common.informer.budget import Budget, BudgetPolicy
from common.installations.changes import CHANNEL
from common.messages import ProcessOrder, ShopOrder, order_correlation_id
from processor.handlers import Handlers
from processor.informer_context import InformerContexts
from processor.pipeline import Pipeline, PipelineSettings
from processor.worker import Workers, spacing
from sandbox.informer.state import InformerState
from sandbox.informer.testing import running_sandbox
from tests.fakes.installations import InstallationFactory, only_active

DEMO_CONFIG: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[2] / "demo" / "installation.json").read_text()
)["config"]

FAST = PipelineSettings(
    lease=timedelta(seconds=5), settle=timedelta(seconds=0.2), max_attempts=4, retry_base=0.1
)
NO_BUDGET = BudgetPolicy(enabled=False)


@dataclass
class ProcessorHarness:
    pool: Pool
    installation_id: uuid.UUID
    informer: InformerState
    handlers: Handlers

    async def send(self, order: dict[str, Any] | ShopOrder) -> None:
        parsed = order if isinstance(order, ShopOrder) else ShopOrder.model_validate(order)
        await self.handlers.receive_order(
            ProcessOrder(
                installation_id=self.installation_id,
                correlation_id=order_correlation_id(self.installation_id, parsed.id),
                source="webhook",
                order=parsed,
            )
        )

    async def state(self, order_id: int) -> Any:
        return await self.pool.fetchrow(
            "SELECT * FROM order_states WHERE installation_id = $1 AND order_id = $2",
            self.installation_id,
            order_id,
        )

    async def settled(self, *order_ids: int, timeout: float = 20.0) -> list[Any]:
        """Wait until every order is in a final state; return their rows."""
        final = {"invoiced", "failed", "waiting", "ignored", "needs_review"}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            rows = [await self.state(o) for o in order_ids]
            if all(r is not None and r["state"] in final for r in rows):
                return rows
            if loop.time() > deadline:
                raise AssertionError(f"not settled: {[(r and r['state']) for r in rows]}")
            await asyncio.sleep(0.05)

    def invoices(self) -> list[Any]:
        return self.informer.invoices("demo")


@asynccontextmanager
async def running_processor(
    pool: Pool,
    box: SecretBox,
    installations: InstallationFactory,
    *,
    informer: InformerState | None = None,
    policy: BudgetPolicy = NO_BUDGET,
    settings: PipelineSettings = FAST,
    concurrency: int = 4,
    config: dict[str, Any] | None = None,
    direct: bool = True,
) -> AsyncIterator[ProcessorHarness]:
    state = informer or InformerState()
    created = await installations.create(config=config or DEMO_CONFIG)
    # Only this test's installation is active, so workers touch nothing else.
    await only_active(pool, created.id)
    async with running_sandbox(state) as base_url, aiohttp.ClientSession() as http:
        contexts = InformerContexts(
            pool, box, http, Budget(pool, policy), base_url=base_url, timeout=5, cache_seconds=60
        )
        workers = Workers(
            pool,
            Pipeline(pool, contexts, settings),
            policy,
            settings,
            concurrency=concurrency,
            idle_poll=0.1,
            reap_every=0.2,
            listeners={CHANNEL: contexts.on_change},
            direct_limit=concurrency if direct else 0,
        )
        handlers = Handlers(pool, box, contexts, spacing(policy), direct=workers)
        stop = asyncio.Event()
        task = asyncio.create_task(workers.run(stop))
        try:
            yield ProcessorHarness(pool, created.id, state, handlers)
        finally:
            stop.set()
            await task
