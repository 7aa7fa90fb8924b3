"""Ingest's database side: inbox, orders, refunds, cursors, rejections.

Every function that changes state writes the messages announcing it to the outbox
in the same transaction (``common.db.outbox.enqueue``), so a webhook answered 200 is
durable and its ``ProcessOrder`` will reach the broker even if RabbitMQ is down now.
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

Source = Literal["webhook", "poll"]
Outcome = Literal["stored", "stale", "ignored", "duplicate"]

_UPSERT_ORDER = """
WITH stored AS (
    INSERT INTO shop_orders (installation_id, order_id, number, status, updated_at, created_at,
                             total, currency, source, payload)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
    ON CONFLICT (installation_id, order_id) DO UPDATE
       SET number = EXCLUDED.number, status = EXCLUDED.status,
           updated_at = EXCLUDED.updated_at, total = EXCLUDED.total,
           currency = EXCLUDED.currency, source = EXCLUDED.source,
           payload = EXCLUDED.payload, last_seen_at = now()
     WHERE shop_orders.updated_at < EXCLUDED.updated_at
    RETURNING order_id
), announced AS (
    INSERT INTO outbox (message_id, exchange, routing_key, body)
    SELECT $11, $12, $13, $14 FROM stored
    RETURNING id
), marked AS (
    UPDATE webhook_deliveries SET effect = 'stored'
     WHERE installation_id = $1 AND delivery_id = $15 AND EXISTS (SELECT 1 FROM stored)
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM stored)
"""


async def record_order(
    conn: asyncpg.Connection,
    installation_id: uuid.UUID,
    order: ShopOrder,
    source: Source,
    *,
    delivery_id: str | None = None,
) -> bool:
    """Store the order if it is new or newer than the stored version and queue its
    ``ProcessOrder``, in one statement; mark the webhook delivery that brought it.

    Returns False for a version already stored or older (a duplicate or out-of-order
    delivery): nothing is published, so one order version is published once.
    """
    message = OutgoingMessage.of(
        ProcessOrder(
            installation_id=installation_id,
            correlation_id=order_correlation_id(installation_id, order.id),
            source=source,
            order=order,
        )
    )
    return await conn.fetchval(
        _UPSERT_ORDER,
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
        delivery_id,
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
    """Record one delivery in the inbox and apply it, in the caller's transaction.

    A delivery id seen before is a retry of the same delivery: nothing else happens.
    Two copies arriving at once serialize on the inbox's primary key.
    """
    order_id = (
        record.order.id if record.order else record.refund.order_id if record.refund else None
    )
    first = await conn.fetchval(
        """INSERT INTO webhook_deliveries (installation_id, delivery_id, topic, order_id, effect)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING true""",
        record.installation_id,
        record.delivery_id,
        record.topic,
        order_id,
        "ignored" if record.refund else "stale",
    )
    if not first:
        return "duplicate"
    if record.refund is not None:
        await record_refund(conn, record.installation_id, record.refund)
        return "ignored"
    assert record.order is not None
    stored = await record_order(
        conn, record.installation_id, record.order, "webhook", delivery_id=record.delivery_id
    )
    return "stored" if stored else "stale"


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
