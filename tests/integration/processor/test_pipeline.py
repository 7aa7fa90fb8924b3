"""The processor's pipeline against the Informer sandbox and the real PostgreSQL."""

from __future__ import annotations

import asyncio
import itertools
from decimal import Decimal
from typing import Any

import pytest

from common.amqp.topology import PROJECTIONS
from common.crypto import SecretBox
from common.db.pool import Pool
from common.messages import InvoiceCreated, OrderFailed, OrderWaiting, parse_message
from sandbox.informer.state import InformerState
from tests.fakes.amqp import connect, drain, purge_all
from tests.fakes.installations import InstallationFactory
from tests.fakes.orders import customer, recent_order
from tests.fakes.outbox import running_relay
from tests.fakes.processor import running_processor

pytestmark = pytest.mark.integration

_ids = itertools.count(70_000)


def belgian_order(**overrides: Any) -> dict[str, Any]:
    """A Belgian consumer at 21 %: 2 × 10.00 − 0.01 discount, plus 6.95 shipping."""
    order_id = next(_ids)
    line = {
        "id": 1,
        "product_id": 5,
        "sku": "MUG",
        "description": "Koffiemok",
        "quantity": 3,
        "unit_price": "8.33",
        "discount": "0.01",
        "vat_rate": "21.00",
        "total": "24.98",
    }
    return (
        recent_order(
            order_id,
            customer=customer(
                email=f"klant{order_id}@example.be",
                isocountry="BE",
                firstname="An",
                lastname="Peeters",
                address1="Kerkstraat 12 bus 3",
                housenr="",
                city="Gent",
                zipcode="9000",
            ),
            lines=[line],
            shipping={"description": "Bpost", "amount": "6.95", "vat_rate": "21.00"},
            total="31.93",
            vat_total="5.54",
        )
        | overrides
    )


async def events(pool: Pool, kind: type) -> list[Any]:
    rows = await pool.fetch("SELECT body FROM outbox ORDER BY id")
    return [m for m in (parse_message(bytes(r["body"])) for r in rows) if isinstance(m, kind)]


async def test_new_customer_gets_a_relation_and_one_exact_invoice(
    pool: Pool, box: SecretBox, installations: InstallationFactory
) -> None:
    async with running_processor(pool, box, installations) as harness:
        order = belgian_order()
        await harness.send(order)
        [row] = await harness.settled(order["id"])
        assert row["state"] == "invoiced", row["error_message"]

        [invoice] = harness.invoices()
        assert invoice.body["reference"] == order["number"]
        lines = [(line["qty"], Decimal(str(line["amount"]))) for line in invoice.lines]
        assert sorted(lines[:2]) == [(1, Decimal("8.32")), (2, Decimal("8.33"))]
        assert lines[2] == (1, Decimal("6.95"))
        assert sum(q * a for q, a in lines) == Decimal("31.93")
        [relation] = [
            r
            for r in harness.informer.relations("demo")
            if r.fields.get("email") == order["customer"]["email"]
        ]
        assert relation.fields["street"] == "Kerkstraat"
        assert relation.fields["house_number"] == "12 bus 3"
        assert row["relation_id"] == relation.id
        assert row["invoice_id"] == invoice.id
        assert harness.informer.count("PUT /relations/{id}") == 0
        assert harness.informer.count("POST /invoices/sales/send/{id}") == 0
        created = [e for e in await events(pool, InvoiceCreated) if e.order.order_id == order["id"]]
        assert [e.invoice_id for e in created] == [invoice.id]


async def test_order_events_notify_nobody_and_wake_this_process_relay(
    pool: Pool, box: SecretBox, installations: InstallationFactory, amqp_url: str
) -> None:
    """The intake's OrderWaiting and the invoice's InvoiceCreated are quiet rows; the
    processor wakes its own relay once they committed (the relay polls only every
    30 s here)."""
    await pool.execute("DELETE FROM outbox")
    broker = await connect(amqp_url)
    try:
        await purge_all(broker)
        async with running_processor(pool, box, installations) as harness:
            invoiced, waiting = belgian_order(), belgian_order(status="pending_payment")
            await harness.send(invoiced)
            await harness.send(waiting)
            await harness.settled(invoiced["id"], waiting["id"])
            rows = await pool.fetch("SELECT routing_key, wake FROM outbox ORDER BY routing_key")
            assert [tuple(r) for r in rows] == [("InvoiceCreated", False), ("OrderWaiting", False)]
            async with running_relay(pool, amqp_url, poll_interval=30):
                assert len(await drain(broker, PROJECTIONS.name, expect=2, timeout=5)) == 2
                later = belgian_order()
                await harness.send(later)
                await harness.settled(later["id"])
                [created] = await drain(broker, PROJECTIONS.name, expect=1, timeout=5)
                later_waiting = belgian_order(status="pending_payment")
                await harness.send(later_waiting)
                [waited] = await drain(broker, PROJECTIONS.name, expect=1, timeout=5)
    finally:
        await broker.close()
    published = [parse_message(m.body) for m in (created, waited)]
    assert [(type(e), e.order.order_id) for e in published] == [
        (InvoiceCreated, later["id"]),
        (OrderWaiting, later_waiting["id"]),
    ]


async def test_known_customer_costs_one_call(
    pool: Pool, box: SecretBox, installations: InstallationFactory
) -> None:
    informer = InformerState()
    known = informer.add_relation(
        "demo",
        {
            "relation_type": 1,
            "firstname": "Sophie",
            "surname": "Fischer",
            "street": "Hauptstrasse",
            "house_number": "12a",
            "zip": "10115",
            "city": "Berlin",
            "country": "DE",
            "email": " Sophie.Fischer@Example.DE ",
        },
    )
    async with running_processor(pool, box, installations, informer=informer) as harness:
        warm = belgian_order(customer=customer(email="sophie.fischer@example.de", isocountry="BE"))
        await harness.send(warm)
        await harness.settled(warm["id"])
        informer.clear_calls()
        orders = [
            belgian_order(customer=customer(email="sophie.fischer@example.de", isocountry="BE"))
            for _ in range(5)
        ]
        for order in orders:
            await harness.send(order)
        rows = await harness.settled(*(o["id"] for o in orders))
        assert {r["state"] for r in rows} == {"invoiced"}
        assert {r["relation_id"] for r in rows} == {known.id}
        assert informer.counts() == {"POST /invoices/sales": 5}


async def test_two_orders_of_one_new_customer_at_once_create_one_relation(
    pool: Pool, box: SecretBox, installations: InstallationFactory
) -> None:
    async with running_processor(pool, box, installations, concurrency=8) as harness:
        who = customer(email="nieuw@example.be", isocountry="BE", company="Nieuw BV")
        orders = [belgian_order(customer=who) for _ in range(4)]
        await asyncio.gather(*(harness.send(o) for o in orders))
        rows = await harness.settled(*(o["id"] for o in orders))
        assert {r["state"] for r in rows} == {"invoiced"}
        made = [
            r
            for r in harness.informer.relations("demo")
            if r.fields.get("email") == "nieuw@example.be"
        ]
        assert len(made) == 1
        assert {r["relation_id"] for r in rows} == {made[0].id}
        assert len(harness.invoices()) == 4


async def test_lost_response_is_recovered_by_reference_without_a_second_invoice(
    pool: Pool, box: SecretBox, installations: InstallationFactory
) -> None:
    informer = InformerState()
    async with running_processor(pool, box, installations, informer=informer) as harness:
        first = belgian_order()
        await harness.send(first)
        await harness.settled(first["id"])  # relation and index exist now
        informer.faults.lose_next(1)
        order = belgian_order(customer=customer(email=first["customer"]["email"], isocountry="BE"))
        await harness.send(order)
        [row] = await harness.settled(order["id"])
        assert row["state"] == "invoiced"
        mine = [i for i in harness.invoices() if i.body["reference"] == order["number"]]
        assert len(mine) == 1
        assert row["invoice_id"] == mine[0].id
        created = [e for e in await events(pool, InvoiceCreated) if e.order.order_id == order["id"]]
        assert [e.recovered for e in created] == [True]


async def test_server_error_on_post_is_looked_up_then_posted_once(
    pool: Pool, box: SecretBox, installations: InstallationFactory
) -> None:
    informer = InformerState()
    async with running_processor(pool, box, installations, informer=informer) as harness:
        first = belgian_order()
        await harness.send(first)
        await harness.settled(first["id"])
        informer.faults.fail_next(1, status=502, method="POST", path_prefix="/invoices/sales")
        order = belgian_order(customer=customer(email=first["customer"]["email"], isocountry="BE"))
        await harness.send(order)
        [row] = await harness.settled(order["id"])
        assert row["state"] == "invoiced"
        assert len([i for i in harness.invoices() if i.body["reference"] == order["number"]]) == 1


async def test_failed_pre_check_calls_no_informer_write(
    pool: Pool, box: SecretBox, installations: InstallationFactory
) -> None:
    informer = InformerState()
    async with running_processor(pool, box, installations, informer=informer) as harness:
        order = belgian_order(total="99.99")
        await harness.send(order)
        [row] = await harness.settled(order["id"])
        assert row["state"] == "failed"
        assert row["error_code"] == "TOTAL_MISMATCH"
        assert "31.93" in row["error_message"]
        assert informer.count("POST /invoices/sales") == 0
        assert informer.count("POST /relations") == 0
        failed = [e for e in await events(pool, OrderFailed) if e.order.order_id == order["id"]]
        assert [e.code for e in failed] == ["TOTAL_MISMATCH"]


async def test_informer_422_fails_the_order_with_informers_words(
    pool: Pool, box: SecretBox, installations: InstallationFactory
) -> None:
    async with running_processor(pool, box, installations) as harness:
        nameless = customer(email="anoniem@example.be", isocountry="BE", firstname="", lastname="")
        order = belgian_order(customer=nameless)
        await harness.send(order)
        [row] = await harness.settled(order["id"])
        assert row["state"] == "failed"
        assert row["error_code"] == "INFORMER_VALIDATION"
        assert "surname" in row["error_message"] or "firstname" in row["error_message"]
        assert harness.invoices() == []


async def test_order_waits_for_a_processable_status_then_is_invoiced(
    pool: Pool, box: SecretBox, installations: InstallationFactory
) -> None:
    async with running_processor(pool, box, installations) as harness:
        order = belgian_order(status="pending_payment")
        await harness.send(order)
        [row] = await harness.settled(order["id"])
        assert row["state"] == "waiting"
        paid = order | {"status": "paid", "updated_at": _later(order["updated_at"])}
        await harness.send(paid)
        await asyncio.sleep(0.1)
        [row] = await harness.settled(order["id"])
        assert row["state"] == "invoiced"
        assert len(harness.invoices()) == 1


def _later(stamp: str) -> str:
    from datetime import datetime, timedelta

    return (datetime.fromisoformat(stamp) + timedelta(seconds=5)).isoformat()


async def test_many_workers_starting_at_once_read_the_options_once(
    pool: Pool, box: SecretBox, installations: InstallationFactory
) -> None:
    informer = InformerState()
    async with running_processor(
        pool, box, installations, informer=informer, concurrency=16
    ) as harness:
        who = customer(email="een@example.be", isocountry="BE")
        first = belgian_order(customer=who)
        await harness.send(first)
        await harness.settled(first["id"])
        informer.clear_calls()
    async with running_processor(
        pool, box, installations, informer=informer, concurrency=16
    ) as harness:
        orders = [belgian_order(customer=who) for _ in range(16)]
        await asyncio.gather(*(harness.send(o) for o in orders))
        await harness.settled(*(o["id"] for o in orders))
        counts = informer.counts()
        assert counts.get("GET /invoices/sales/options") == 1
        assert counts.get("GET /administration") == 1


@pytest.mark.parametrize(("source", "looked_up_first"), [("webhook", False), ("backfill", True)])
async def test_a_poison_message_ends_as_a_failed_order_the_merchant_sees(
    pool: Pool,
    box: SecretBox,
    installations: InstallationFactory,
    source: str,
    looked_up_first: bool,
) -> None:
    """A back-filled order keeps its "look it up first" mark: pressing Process must not
    book again an order the integration kmo2informer replaces may have invoiced."""
    from common.messages import ProcessOrder, ShopOrder, order_correlation_id

    async with running_processor(pool, box, installations) as harness:
        order = ShopOrder.model_validate(belgian_order())
        message = ProcessOrder(
            installation_id=harness.installation_id,
            correlation_id=order_correlation_id(harness.installation_id, order.id),
            source=source,
            order=order,
        )
        await harness.handlers.record_dead_letter(message, RuntimeError("handler kept crashing"))
        row = await harness.state(order.id)
        assert row["state"] == "failed"
        assert row["error_code"] == "PROCESSING_ERROR"
        assert "press Process" in row["error_message"]
        assert "handler kept crashing" in row["error_detail"]["error"]
        assert row["in_doubt"] is looked_up_first


async def test_relation_index_refresh_reads_what_changed_since_the_last_one(
    pool: Pool, box: SecretBox, installations: InstallationFactory
) -> None:
    from datetime import UTC, datetime, timedelta

    from common.messages import RefreshRelationIndex

    informer = InformerState()
    async with running_processor(pool, box, installations, informer=informer) as harness:
        await harness.handlers.refresh_relation_index(
            RefreshRelationIndex(installation_id=harness.installation_id, full=True)
        )
        informer.clear_calls()
        informer.add_relation(
            "demo",
            {
                "relation_type": 0,
                "company_name": "Later BV",
                "street": "Dorp",
                "house_number": "1",
                "zip": "9000",
                "city": "Gent",
                "country": "BE",
                "email": "Later@Example.BE",
            },
            last_edit=datetime.now(UTC) + timedelta(days=1),
        )
        await harness.handlers.refresh_relation_index(
            RefreshRelationIndex(installation_id=harness.installation_id)
        )
        [call] = informer.calls_for("GET /relations")
        assert "last_edit" in call.query
        found = await pool.fetchval(
            "SELECT relation_id FROM relation_index WHERE installation_id = $1 AND email = $2",
            harness.installation_id,
            "later@example.be",
        )
        assert found is not None


async def test_failing_to_record_an_invoice_never_posts_it_twice(
    pool: Pool, box: SecretBox, installations: InstallationFactory
) -> None:
    """The database refuses to record the first invoice (after Informer created it):
    the order must come back in doubt, be found by reference, and not be posted again."""
    await pool.execute(
        # A sequence survives the rollback of the refused statement: refuse once only.
        """DROP SEQUENCE IF EXISTS test_refusals;
           CREATE SEQUENCE test_refusals;
           CREATE OR REPLACE FUNCTION test_refuse_once() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN
               IF NEW.state = 'invoiced' AND nextval('test_refusals') = 1 THEN
                   RAISE EXCEPTION 'injected: the database refused the update'
                         USING ERRCODE = 'serialization_failure';
               END IF;
               RETURN NEW;
           END $$;
           DROP TRIGGER IF EXISTS test_refuse_once ON order_states;
           CREATE TRIGGER test_refuse_once BEFORE UPDATE ON order_states
               FOR EACH ROW EXECUTE FUNCTION test_refuse_once();"""
    )
    try:
        async with running_processor(pool, box, installations) as harness:
            order = belgian_order()
            await harness.send(order)
            [row] = await harness.settled(order["id"])
            assert row["state"] == "invoiced"
            mine = [i for i in harness.invoices() if i.body["reference"] == order["number"]]
            assert len(mine) == 1
            assert row["invoice_id"] == mine[0].id
    finally:
        await pool.execute("DROP TRIGGER IF EXISTS test_refuse_once ON order_states")
