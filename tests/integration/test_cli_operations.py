"""The operator CLI's operations commands: health, queue depths, the dead-letter queue
listed and replayed, run as the operator runs them against the real PostgreSQL and
RabbitMQ."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import aio_pika
import pytest
from aio_pika.abc import AbstractConnection

from common.amqp.topology import DEAD_LETTER_EXCHANGE, POLL_SHOP, declare_topology
from common.db.pool import Pool
from common.messages import PollShop, ReconcileShop, RefreshRelationIndex, parse_message
from tests.fakes.cli import run_cli_json
from tests.fakes.installations import InstallationFactory
from tests.fakes.orders import recent_order

pytestmark = pytest.mark.integration


@pytest.fixture
async def broker(amqp_url: str) -> AsyncIterator[AbstractConnection]:
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        await declare_topology(channel)
        await channel.close()
        yield connection


@pytest.fixture
def run(database_url: str, amqp_url: str, secret_keys: str):  # type: ignore[no-untyped-def]
    env = {"DATABASE_URL": database_url, "AMQP_URL": amqp_url, "SECRET_KEYS": secret_keys}

    def _run(*args: str) -> Any:
        return run_cli_json(env, *args)

    return _run


async def dead_letter(connection: AbstractConnection, body: bytes, queue: str) -> None:
    """What RabbitMQ does to a rejected message: the DLX with an x-death header."""
    channel = await connection.channel(publisher_confirms=True)
    exchange = await channel.get_exchange(DEAD_LETTER_EXCHANGE)
    await exchange.publish(
        aio_pika.Message(
            body,
            headers={"x-death": [{"queue": queue, "reason": "rejected", "count": 1}]},
        ),
        routing_key="",
    )
    await channel.close()


async def drain(connection: AbstractConnection, queue_name: str) -> list[bytes]:
    channel = await connection.channel()
    queue = await channel.get_queue(queue_name)
    bodies = []
    while (message := await queue.get(no_ack=True, fail=False)) is not None:
        bodies.append(message.body)
    await channel.close()
    return bodies


async def test_health_shows_poll_queue_errors_index_and_budget(
    run: Any, pool: Pool, installations: InstallationFactory
) -> None:
    created = await installations.create()
    # Disabled: health shows it all the same, and no worker of a later test claims the
    # stand-in orders below (their payload is no order).
    await pool.execute("UPDATE installations SET status = 'disabled' WHERE id = $1", created.id)
    polled = datetime.now(UTC) - timedelta(minutes=3)
    await pool.execute(
        """INSERT INTO poll_cursors (installation_id, updated_since, last_poll_at, last_error)
           VALUES ($1, $2, $2, 'GET /orders: 503')""",
        created.id,
        polled,
    )
    for order_id, state in ((1, "queued"), (2, "queued"), (3, "failed"), (4, "invoiced")):
        await pool.execute(
            """INSERT INTO order_states (installation_id, order_id, number, state,
                                         order_status, order_updated_at, payload)
               VALUES ($1, $2, $3, $4, 'paid', now(), $5)""",
            created.id,
            order_id,
            f"N{order_id}",
            state,
            # A real order: queued rows stay claimable by later tests' workers.
            recent_order(order_id),
        )
    await pool.execute(
        """INSERT INTO relation_index_state (installation_id, built_at, relations)
           VALUES ($1, now(), 42)""",
        created.id,
    )
    key = f"budget-{created.id}"
    await pool.execute("UPDATE installations SET budget_key = $2 WHERE id = $1", created.id, key)
    await pool.execute("INSERT INTO informer_budgets (budget_key, tat) VALUES ($1, now())", key)
    await pool.execute(
        """INSERT INTO informer_budget_usage (budget_key, bucket_start, calls)
           VALUES ($1, now() - interval '2 hours', 5), ($1, now() - interval '1 hour', 2),
                  ($1, now() - interval '2 days', 40)""",
        key,
    )

    [health] = run("health", str(created.id))
    assert health["id"] == str(created.id)
    assert datetime.fromisoformat(health["poll"]["last_poll_at"]) == polled
    assert health["poll"]["error"] == "GET /orders: 503"
    assert health["queue"]["queued"] == 2
    assert health["errors"] == {"failed": 1, "needs_review": 0}
    assert health["relation_index"]["relations"] == 42
    assert health["budget"]["calls_last_day"] == 7
    assert str(created.id) in {h["id"] for h in run("health")}


async def test_queues_and_dead_letters_listed_then_replayed_to_their_queue(
    run: Any, broker: AbstractConnection
) -> None:
    await drain(broker, POLL_SHOP.name)
    installation_id = uuid.uuid4()
    poll = PollShop(installation_id=installation_id)
    index = RefreshRelationIndex(installation_id=installation_id)
    await dead_letter(broker, poll.to_bytes(), POLL_SHOP.name)
    await dead_letter(broker, index.to_bytes(), "processor.relation-index")
    await dead_letter(broker, b"not a message", POLL_SHOP.name)

    depths = run("queues")
    assert depths["k2i.dead-letter"] >= 3
    assert depths[POLL_SHOP.name] == 0
    listed = run("dead-letters", "list", "--limit", "10000")
    mine = [d for d in listed if d["installation_id"] == str(installation_id)]
    assert {(d["type"], d["queue"], d["reason"]) for d in mine} == {
        ("PollShop", POLL_SHOP.name, "rejected"),
        ("RefreshRelationIndex", "processor.relation-index", "rejected"),
    }
    assert run("queues")["k2i.dead-letter"] == depths["k2i.dead-letter"]  # listing took nothing

    replayed = run(
        "dead-letters", "replay", "--type", "PollShop", "--installation", str(installation_id)
    )
    assert replayed["replayed"] == 1
    assert [parse_message(b) for b in await drain(broker, POLL_SHOP.name)] == [poll]
    after = run("queues")
    assert after["k2i.dead-letter"] == depths["k2i.dead-letter"] - 1
    left = run("dead-letters", "list", "--limit", "10000")
    assert [d["type"] for d in left if d["installation_id"] == str(installation_id)] == [
        "RefreshRelationIndex"
    ]


async def test_reconcile_run_queues_a_day_and_show_reads_the_checks(
    run: Any, pool: Pool, installations: InstallationFactory
) -> None:
    created = await installations.create()
    queued = run("reconcile", "run", str(created.id), "--day", "2026-11-30")
    body = await pool.fetchval(
        "SELECT body FROM outbox WHERE message_id = $1", uuid.UUID(queued["message_id"])
    )
    command = parse_message(bytes(body))
    assert isinstance(command, ReconcileShop)
    assert (command.installation_id, command.day) == (created.id, date(2026, 11, 30))
    await pool.execute(
        """INSERT INTO reconciliations (installation_id, day, shop_count, shop_totals,
                                        invoiced_count, invoiced_totals, differences)
           VALUES ($1, '2026-11-30', 2, '{"EUR": "20.00"}', 2, '{"EUR": "20.00"}', '[]')""",
        created.id,
    )
    [shown] = run("reconcile", "show", str(created.id))
    assert shown["day"] == "2026-11-30"
    assert shown["shop"] == {"orders": 2, "totals": {"EUR": "20.00"}}
    assert shown["differences"] == []
