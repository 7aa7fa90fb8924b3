"""A back-fill of 500 historical orders, started from the operator CLI, interrupted
(ingest killed mid-way) and resumed: every order ends with exactly one invoice, and the
ones the integration we replace had already invoiced are found, not booked again."""

from __future__ import annotations

import asyncio
import os
import signal
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from sandbox.informer.testing import invoice_body, invoice_line, person_body
from tests.e2e.test_order_to_invoice import (  # noqa: F401 - the fixture
    SHOP,
    System,
    start_ready,
    system,
)
from tests.fakes.cli import run_cli_json

pytestmark = pytest.mark.e2e

ORDERS = 500
SHOP_ZONE = ZoneInfo("Europe/Brussels")  # the CLI's days are the shop's days
INVOICED_BEFORE = 20


def cli(system: System, *args: str) -> dict:  # noqa: F811
    return run_cli_json(system.env, *args)


async def backfill_row(system: System, backfill_id: str) -> dict:  # noqa: F811
    row = await system.pool.fetchrow(
        "SELECT status, step, queued FROM backfills WHERE id = $1::uuid", backfill_id
    )
    return dict(row)


async def test_a_backfill_of_500_orders_interrupted_and_resumed_books_each_once(
    system: System,  # noqa: F811 - the imported fixture
) -> None:
    # History: placed 60 to 90 days ago, before kmo2informer was connected (no webhooks).
    system.kmo.set_switches(SHOP, drop=True)
    now = system.kmo.clock()
    start, end = now - timedelta(days=90), now - timedelta(days=60)
    made = system.kmo.generate(SHOP, 2027, ORDERS, scenarios=["domestic_b2c"], window=(start, end))
    outside = system.kmo.generate(
        SHOP,
        2028,
        5,
        scenarios=["domestic_b2c"],
        window=(start - timedelta(days=9), start - timedelta(days=2)),
    )
    # The closed integration had invoiced some of them already.
    admin = system.informer.admin("demo")
    earlier: dict[str, int] = {}
    relations: dict[str, int] = {}  # one relation per customer, as that integration kept
    for generated in made[:INVOICED_BEFORE]:
        order = generated.order
        email = order["customer"]["email"].strip().lower()
        if email not in relations:
            relations[email] = system.informer.add_relation("demo", person_body(email=email)).id
        invoice = system.informer.store_invoice(
            admin,
            invoice_body(
                relations[email],
                reference=order["number"],
                invoice_date=order["created_at"][:10],
                lines=[invoice_line(amount=Decimal(order["total"]))],
            ),
        )
        earlier[order["number"]] = invoice.id

    await start_ready(system, "processor")
    await start_ready(system, "dashboard")
    ingest = system.processes[0]
    ingest.stop()
    ingest = await start_ready(system, "ingest", BACKFILL_PAGE_SIZE="20")

    started = cli(
        system,
        "backfill",
        "start",
        str(system.installation.id),
        "--from",
        start.astimezone(SHOP_ZONE).date().isoformat(),
        "--to",
        (end.astimezone(SHOP_ZONE) + timedelta(days=1)).date().isoformat(),
    )
    backfill_id = started["id"]

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while (await backfill_row(system, backfill_id))["step"] < 5:
        assert loop.time() < deadline, "the back-fill made no progress"
        await asyncio.sleep(0.05)
    os.kill(ingest.process.pid, signal.SIGKILL)  # type: ignore[union-attr]
    ingest.process.wait()  # type: ignore[union-attr]
    interrupted = await backfill_row(system, backfill_id)
    assert interrupted["status"] == "running"
    assert 5 <= interrupted["step"] < ORDERS // 20

    await start_ready(system, "ingest", BACKFILL_PAGE_SIZE="20")
    deadline = loop.time() + 120
    while (await backfill_row(system, backfill_id))["status"] == "running":
        assert loop.time() < deadline, "the back-fill did not resume"
        await asyncio.sleep(0.2)
    done = cli(system, "backfill", "status", backfill_id)
    assert done["status"] == "done"
    assert done["orders_in_range"] == ORDERS
    assert done["orders_queued"] == ORDERS

    order_ids = {g.order["id"] for g in made}
    states = await system.wait_settled(order_ids, timeout=300)
    assert Counter(states[o]["state"] for o in order_ids) == {"invoiced": ORDERS}
    assert not set(states) & {g.order["id"] for g in outside}
    per_reference = system.invoices_by_reference()
    numbers = [g.order["number"] for g in made]
    assert {n: per_reference[n] for n in numbers} == dict.fromkeys(numbers, 1)
    for generated in made[:INVOICED_BEFORE]:
        row = states[generated.order["id"]]
        assert row["invoice_id"] == earlier[generated.order["number"]]
    assert not any(per_reference[g.order["number"]] for g in outside)
    deadline = loop.time() + 30
    while (progress := cli(system, "backfill", "status", backfill_id))["outcomes"] != {
        "processed": ORDERS
    }:
        assert loop.time() < deadline, f"the dashboard shows {progress['outcomes']}"
        await asyncio.sleep(0.5)
    assert datetime.fromisoformat(progress["finished_at"]) > now - timedelta(minutes=10)
