"""Orders from the KMO Shops sandbox to invoices in the Informer sandbox, with every
service running as a process on the real PostgreSQL and RabbitMQ."""

from __future__ import annotations

import asyncio
import os
import signal
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from common.db.pool import Pool
from sandbox.informer.state import InformerState
from sandbox.informer.testing import running_sandbox
from sandbox.kmoshops.app import serve
from sandbox.kmoshops.state import KmoShopsState, WebhookSettings
from tests.fakes.corpus import corpus_config, expected_outcome
from tests.fakes.installations import CreatedInstallation, InstallationFactory
from tests.fakes.processes import ServiceProcess, free_port

pytestmark = pytest.mark.e2e

SHOP = 1234
FINAL = {"invoiced", "failed", "waiting", "ignored", "needs_review"}


@dataclass
class System:
    pool: Pool
    kmo: KmoShopsState
    informer: InformerState
    installation: CreatedInstallation
    env: dict[str, str]
    processes: list[ServiceProcess] = field(default_factory=list)

    def start(self, module: str, **extra: str) -> ServiceProcess:
        port = free_port()
        env = self.env | {"HTTP_PORT": str(port)} | extra
        process = ServiceProcess(module, env, name=f"{module}-{port}").start()
        process.port = port  # type: ignore[attr-defined]
        self.processes.append(process)
        return process

    async def states(self) -> dict[int, Any]:
        rows = await self.pool.fetch(
            "SELECT * FROM order_states WHERE installation_id = $1", self.installation.id
        )
        return {r["order_id"]: r for r in rows}

    async def wait_settled(self, order_ids: set[int], timeout: float = 120.0) -> dict[int, Any]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            states = await self.states()
            if all(o in states and states[o]["state"] in FINAL for o in order_ids):
                return states
            if loop.time() > deadline:
                pending = Counter(s["state"] for s in states.values() if s["state"] not in FINAL)
                missing = len(order_ids - set(states))
                raise AssertionError(f"not settled: {pending}, {missing} never arrived")
            await asyncio.sleep(0.2)

    def invoices_by_reference(self) -> Counter[str]:
        return Counter(i.body["reference"] for i in self.informer.invoices("demo"))


@pytest.fixture
async def system(
    pool: Pool,
    installations: InstallationFactory,
    database_url: str,
    amqp_url: str,
    secret_keys: str,
) -> AsyncIterator[System]:
    informer = InformerState()
    informer.limiter.configure(enabled=False)
    kmo = KmoShopsState(webhook_settings=WebhookSettings(retry_time_scale=0.001))
    kmo.create_shop(SHOP, "Fietsen Peeters", "BE", tokens=["e2e-token"])
    kmo.limiter.configure(enabled=False)
    async with AsyncExitStack() as stack:
        informer_url = await stack.enter_async_context(running_sandbox(informer))
        runner, kmo_base = await serve(kmo)
        stack.push_async_callback(runner.cleanup)
        installation = await installations.create(
            config=corpus_config(informer),
            kmoshops={"base_url": f"{kmo_base}/api/v1", "api_token": "e2e-token"},
        )
        await pool.execute(
            "UPDATE installations SET status = 'disabled' WHERE id <> $1 AND status = 'active'",
            installation.id,
        )
        env = {
            "DATABASE_URL": database_url,
            "AMQP_URL": amqp_url,
            "SECRET_KEYS": secret_keys,
            "HTTP_HOST": "127.0.0.1",
            "INFORMER_BASE_URL": informer_url,
            "INFORMER_BUDGET_ENABLED": "false",
            "LOG_FORMAT": "json",
        }
        system = System(pool, kmo, informer, installation, env)
        ingest = system.start("ingest")
        await ingest.wait_http(f"http://127.0.0.1:{ingest.port}/readyz")  # type: ignore[attr-defined]
        kmo.register_webhook(
            SHOP,
            f"http://127.0.0.1:{ingest.port}/webhooks/kmoshops/{installation.id}",  # type: ignore[attr-defined]
            installation.webhook_secret,
        )
        try:
            yield system
        finally:
            for process in system.processes:
                process.stop()


async def start_ready(system: System, module: str, **extra: str) -> ServiceProcess:
    process = system.start(module, **extra)
    await process.wait_http(f"http://127.0.0.1:{process.port}/readyz")  # type: ignore[attr-defined]
    return process


async def test_a_corpus_of_300_orders_gives_exactly_the_right_invoices_and_errors(
    system: System,
) -> None:
    await start_ready(system, "processor")
    await start_ready(system, "dashboard")
    config = corpus_config(system.informer)
    made = system.kmo.generate(SHOP, 2026, 320, include_invalid=True)
    expected = {g.order["id"]: expected_outcome(g, config) for g in made}
    assert len({e for e in expected.values()}) >= 10  # every kind and error is there

    states = await system.wait_settled(set(expected), timeout=180)
    outcome = {
        order_id: (
            "invoice"
            if row["state"] == "invoiced"
            else "open"
            if row["state"] == "waiting"
            else "cancelled"
            if row["state"] == "ignored"
            else row["error_code"]
        )
        for order_id, row in states.items()
        if order_id in expected
    }
    wrong = {o: (expected[o], outcome[o]) for o in expected if outcome[o] != expected[o]}
    assert wrong == {}

    invoiced = {str(o) for o, e in expected.items() if e == "invoice"}
    by_reference = system.invoices_by_reference()
    assert set(by_reference) == {system.kmo.order(int(n))["number"] for n in invoiced}
    assert set(by_reference.values()) == {1}
    assert system.informer.count("PUT /relations/{id}") == 0
    assert system.informer.count("POST /invoices/sales/send/{id}") == 0
    _check_invoices_against_orders(system, {int(n) for n in invoiced})

    views = await system.pool.fetch(
        "SELECT order_id, outcome FROM order_views WHERE installation_id = $1",
        system.installation.id,
    )
    assert Counter(v["outcome"] for v in views)["processed"] == len(invoiced)


def _check_invoices_against_orders(system: System, order_ids: set[int]) -> None:
    """Every invoice adds up to its order, with the vat_option of its kind."""
    kinds = {
        "regular": {"incl", "excl"},
        "icp": {"icv_within_eu"},
        "international": {"icv_outside_eu"},
    }
    for invoice in system.informer.invoices("demo"):
        order = system.kmo.order(int(invoice.body["reference"]))
        generated = system.kmo.scenarios[order["id"]]
        assert invoice.body["vat_option"] in kinds[generated.kind]
        lines_total = sum(
            Decimal(str(line["qty"])) * Decimal(str(line["amount"])) for line in invoice.lines
        )
        expected = Decimal(order["total"]) - (
            Decimal(0) if order["prices_include_vat"] else Decimal(order["vat_total"])
        )
        assert lines_total == expected, order["number"]


async def test_processor_killed_between_the_informer_call_and_the_commit(
    system: System,
) -> None:
    # Every invoice POST takes 1.5 s in Informer: a kill lands mid-call.
    system.informer.faults.add_latency(1.5, method="POST", path_prefix="/invoices/sales")
    lease = {"LEASE_SECONDS": "3", "SETTLE_SECONDS": "1"}
    victim = await start_ready(system, "processor", **lease)
    made = system.kmo.generate(SHOP, 77, 12, scenarios=["domestic_b2c", "oss_b2c"])
    ids = {g.order["id"] for g in made}
    await _wait_for(lambda: system.informer.count("POST /invoices/sales") >= 3, timeout=60)
    assert victim.process is not None
    os.kill(victim.process.pid, signal.SIGKILL)
    victim.process.wait()
    await start_ready(system, "processor", **lease)

    states = await system.wait_settled(ids, timeout=120)
    assert {s["state"] for o, s in states.items() if o in ids} == {"invoiced"}
    by_reference = system.invoices_by_reference()
    assert all(by_reference[system.kmo.order(o)["number"]] == 1 for o in ids)


async def test_two_processors_racing_on_the_same_orders_invoice_each_once(
    system: System,
) -> None:
    await start_ready(system, "processor", WORKER_CONCURRENCY="8")
    await start_ready(system, "processor", WORKER_CONCURRENCY="8")
    made = system.kmo.generate(SHOP, 99, 80, scenarios=["domestic_b2c", "icp_b2b", "oss_b2c"])
    config = corpus_config(system.informer)
    expected = {g.order["id"]: expected_outcome(g, config) for g in made}
    # Same customers twice: two orders of one new customer race for one relation.
    for generated in made[:20]:
        twin = {
            k: v
            for k, v in generated.order.items()
            if k not in ("id", "number", "created_at", "updated_at")
        }
        expected[system.kmo.add_order(SHOP, twin)["id"]] = expected[generated.order["id"]]
    states = await system.wait_settled(set(expected), timeout=120)
    outcome = {
        o: "invoice" if s["state"] == "invoiced" else s["error_code"] for o, s in states.items()
    }
    assert outcome == expected
    by_reference = system.invoices_by_reference()
    assert set(by_reference.values()) == {1}
    assert len(by_reference) == list(expected.values()).count("invoice")
    emails = Counter(r.fields.get("email") for r in system.informer.relations("demo"))
    assert max(emails.values()) == 1


async def _wait_for(condition: Callable[[], bool], timeout: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)
