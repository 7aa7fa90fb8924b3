"""Ingest's database side: inbox, orders, refunds, cursors, rejections.

Every function that changes state writes the messages announcing it to the outbox
in the same transaction (``common.db.outbox.enqueue``), so a webhook answered 200 is
durable and its ``ProcessOrder`` will reach the broker even if RabbitMQ is down now.
An order's ``ProcessOrder`` row is quiet (no NOTIFY, one per order otherwise): once
its transaction has committed, the caller hands the message over to its relay
(``common.db.outbox.hand_over``) or, without it at hand, calls ``wake_relays``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import asyncpg

from common.amqp.publisher import OutgoingMessage
from common.db.outbox import enqueue
from common.messages import ProcessOrder, Refund, RefundIgnored, ShopOrder, order_correlation_id

Source = Literal["webhook", "poll", "backfill"]
Outcome = Literal["stored", "stale", "ignored", "duplicate"]

_ORDER_COLUMNS = """installation_id, order_id, number, status, updated_at, created_at,
                   total, currency, source, payload"""

_NEWER_VERSION_WINS = """
ON CONFLICT (installation_id, order_id) DO UPDATE
   SET number = EXCLUDED.number, status = EXCLUDED.status,
       updated_at = EXCLUDED.updated_at, total = EXCLUDED.total,
       currency = EXCLUDED.currency, source = EXCLUDED.source,
       payload = EXCLUDED.payload, last_seen_at = now()
 WHERE shop_orders.updated_at < EXCLUDED.updated_at
"""

_ANNOUNCE = """
announced AS (
    INSERT INTO outbox (message_id, exchange, routing_key, body, wake)
    SELECT $11, $12, $13, $14, false FROM stored
    RETURNING id
)
"""

_UPSERT_ORDER = f"""
WITH stored AS (
    INSERT INTO shop_orders ({_ORDER_COLUMNS})
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
    {_NEWER_VERSION_WINS}
    RETURNING order_id
), {_ANNOUNCE}
SELECT EXISTS (SELECT 1 FROM stored)
"""


def _process_order(installation_id: uuid.UUID, order: ShopOrder, source: Source) -> OutgoingMessage:
    return OutgoingMessage.of(
        ProcessOrder(
            installation_id=installation_id,
            correlation_id=order_correlation_id(installation_id, order.id),
            source=source,
            order=order,
        )
    )


def _order_arguments(
    installation_id: uuid.UUID, order: ShopOrder, source: Source, message: OutgoingMessage
) -> tuple[object, ...]:
    return (
        installation_id,
        order.id,
        order.number,
        order.status.value,
        order.updated_at,
        order.created_at,
        order.total,
        order.currency,
        source,
        order.model_dump(mode="json"),
        uuid.UUID(message.message_id),
        message.exchange,
        message.routing_key,
        message.body,
    )


async def record_order(
    conn: asyncpg.Connection, installation_id: uuid.UUID, order: ShopOrder, source: Source
) -> bool:
    """Store the order if it is new or newer than the stored version and queue its
    ``ProcessOrder``, in one statement.

    Returns False for a version already stored or older (a duplicate or out-of-order
    delivery): nothing is published, so one order version is published once. On True,
    call ``wake_relays`` after the commit.
    """
    message = _process_order(installation_id, order, source)
    return await conn.fetchval(
        _UPSERT_ORDER, *_order_arguments(installation_id, order, source, message)
    )


async def record_refund(
    conn: asyncpg.Connection, installation_id: uuid.UUID, refund: Refund
) -> None:
    inserted = await conn.fetchval(
        """INSERT INTO shop_refunds (installation_id, refund_id, order_id, amount, created_at)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING true""",
        installation_id,
        refund.id,
        refund.order_id,
        refund.amount,
        refund.created_at,
    )
    if inserted:
        await enqueue(
            conn,
            [
                RefundIgnored(
                    installation_id=installation_id,
                    correlation_id=order_correlation_id(installation_id, refund.order_id),
                    refund_id=refund.id,
                    order_id=refund.order_id,
                    amount=refund.amount,
                    refunded_at=refund.created_at,
                )
            ],
        )


@dataclass(frozen=True)
class WebhookRecord:
    installation_id: uuid.UUID
    delivery_id: str
    topic: str
    order: ShopOrder | None = None
    refund: Refund | None = None


async def record_webhook(conn: asyncpg.Connection, record: WebhookRecord) -> Outcome:
    """Record one delivery in the inbox and apply it, atomically.

    An order delivery is one statement (inbox row, newest order version, its
    ``ProcessOrder`` in the outbox: :func:`record_webhook_orders`), its own
    transaction. A delivery id seen before is a retry of the same delivery: nothing
    else happens; two copies arriving at once serialise on the inbox's primary key.
    The inbox's ``effect`` (informational) is corrected to ``stale`` afterwards when
    the version was not the newest. On ``stored``, call ``wake_relays`` after the
    commit (or hand the announcement :func:`record_webhook_orders` returns over).
    """
    if record.refund is not None:
        async with conn.transaction():
            first = await conn.fetchval(
                """INSERT INTO webhook_deliveries
                       (installation_id, delivery_id, topic, order_id, effect)
                   VALUES ($1, $2, $3, $4, 'ignored') ON CONFLICT DO NOTHING RETURNING true""",
                record.installation_id,
                record.delivery_id,
                record.topic,
                record.refund.order_id,
            )
            if not first:
                return "duplicate"
            await record_refund(conn, record.installation_id, record.refund)
        return "ignored"
    (recorded,) = await record_webhook_orders(conn, [record])
    return recorded.outcome


_WEBHOOK_ORDERS = f"""
WITH v AS (
    SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[], $5::timestamptz[],
                         $6::timestamptz[], $7::numeric[], $8::text[], $9::text[], $10::jsonb[],
                         $11::uuid[], $12::text[], $13::text[], $14::bytea[], $15::text[],
                         $16::text[])
      AS v(installation_id, order_id, number, status, updated_at, created_at, total,
           currency, source, payload, message_id, exchange, routing_key, body, delivery_id,
           topic)
), delivery AS (
    INSERT INTO webhook_deliveries (installation_id, delivery_id, topic, order_id, effect)
    SELECT installation_id, delivery_id, topic, order_id, 'stored' FROM v
    ON CONFLICT DO NOTHING
    RETURNING installation_id, delivery_id
), stored AS (
    INSERT INTO shop_orders ({_ORDER_COLUMNS})
    SELECT v.installation_id, v.order_id, v.number, v.status, v.updated_at, v.created_at,
           v.total, v.currency, v.source, v.payload
      FROM v JOIN delivery USING (installation_id, delivery_id)
    {_NEWER_VERSION_WINS}
    RETURNING installation_id, order_id
), announced AS (
    INSERT INTO outbox (message_id, exchange, routing_key, body, wake)
    SELECT v.message_id, v.exchange, v.routing_key, v.body, false
      FROM v JOIN stored USING (installation_id, order_id)
    RETURNING id
)
SELECT v.installation_id, v.delivery_id, d.delivery_id IS NOT NULL AS first,
       s.order_id IS NOT NULL AS stored
  FROM v LEFT JOIN delivery d USING (installation_id, delivery_id)
         LEFT JOIN stored s USING (installation_id, order_id)
"""


def distinct_rounds(records: list[WebhookRecord]) -> list[list[WebhookRecord]]:
    """Split order deliveries into rounds, keeping their order, in which no order and
    no delivery id comes twice: one statement cannot upsert one order twice, and a
    delivery id seen twice is a retry whose outcome depends on the first."""
    rounds: list[tuple[set[object], list[WebhookRecord]]] = []
    for record in records:
        assert record.order is not None
        keys = {
            ("order", record.installation_id, record.order.id),
            ("delivery", record.installation_id, record.delivery_id),
        }
        for used, members in rounds:
            if not used & keys:
                used |= keys
                members.append(record)
                break
        else:
            rounds.append((keys, [record]))
    return [members for _, members in rounds]


@dataclass(frozen=True)
class Recorded:
    outcome: Outcome
    announcement: OutgoingMessage | None
    """The ``ProcessOrder`` written (quiet) to the outbox, when ``stored``: for
    ``common.db.outbox.hand_over`` once the statement has committed."""


async def record_webhook_orders(
    conn: asyncpg.Connection, records: list[WebhookRecord]
) -> list[Recorded]:
    """:func:`record_webhook` for order deliveries, in one statement: under load the
    inbox row, newest order version and ``ProcessOrder`` of every webhook that arrived
    together. The deliveries must be of distinct orders and distinct delivery ids (see
    :func:`distinct_rounds`): then each gets the outcome it would get alone. Results
    in the order of ``records``."""
    if len(distinct_rounds(records)) != 1:
        raise ValueError("one statement takes deliveries of distinct orders and ids only")
    orders = [(r, r.order) for r in records if r.order is not None]
    messages = [_process_order(r.installation_id, order, "webhook") for r, order in orders]
    arguments = [
        (*_order_arguments(r.installation_id, order, "webhook", m), r.delivery_id, r.topic)
        for (r, order), m in zip(orders, messages, strict=True)
    ]
    columns = [list(column) for column in zip(*arguments, strict=True)]
    rows = await conn.fetch(_WEBHOOK_ORDERS, *columns)
    by_delivery = {(row["installation_id"], row["delivery_id"]): row for row in rows}
    results: list[Recorded] = []
    stale: list[WebhookRecord] = []
    for record, message in zip(records, messages, strict=True):
        row = by_delivery[record.installation_id, record.delivery_id]
        if not row["first"]:
            results.append(Recorded("duplicate", None))
        elif row["stored"]:
            results.append(Recorded("stored", message))
        else:
            results.append(Recorded("stale", None))
            stale.append(record)
    if stale:
        await conn.execute(
            """UPDATE webhook_deliveries w SET effect = 'stale'
                 FROM unnest($1::uuid[], $2::text[]) AS s(installation_id, delivery_id)
                WHERE w.installation_id = s.installation_id AND w.delivery_id = s.delivery_id""",
            [r.installation_id for r in stale],
            [r.delivery_id for r in stale],
        )
    return results


async def record_rejection(
    conn: asyncpg.Connection,
    installation_id: uuid.UUID,
    source: Source,
    reason: str,
    body: bytes,
    *,
    delivery_id: str | None = None,
    topic: str | None = None,
) -> None:
    await conn.execute(
        """INSERT INTO rejected_payloads (installation_id, source, delivery_id, topic, reason, body)
           VALUES ($1, $2, $3, $4, $5, $6)""",
        installation_id,
        source,
        delivery_id,
        topic,
        reason,
        body,
    )


async def poll_cursor(conn: asyncpg.Connection, installation_id: uuid.UUID) -> datetime | None:
    return await conn.fetchval(
        "SELECT updated_since FROM poll_cursors WHERE installation_id = $1", installation_id
    )


async def advance_cursor(
    conn: asyncpg.Connection, installation_id: uuid.UUID, updated_since: datetime
) -> None:
    """Move the cursor forward, never back (two polls may overlap)."""
    await conn.execute(
        """INSERT INTO poll_cursors (installation_id, updated_since, last_poll_at)
           VALUES ($1, $2, now())
           ON CONFLICT (installation_id) DO UPDATE
              SET updated_since = GREATEST(poll_cursors.updated_since, EXCLUDED.updated_since),
                  last_poll_at = now(), last_error = NULL, last_error_at = NULL""",
        installation_id,
        updated_since,
    )


async def record_poll_error(
    conn: asyncpg.Connection, installation_id: uuid.UUID, since: datetime, error: str
) -> None:
    await conn.execute(
        """INSERT INTO poll_cursors (installation_id, updated_since, last_error, last_error_at)
           VALUES ($1, $2, $3, now())
           ON CONFLICT (installation_id) DO UPDATE
              SET last_error = EXCLUDED.last_error, last_error_at = now()""",
        installation_id,
        since,
        error,
    )
