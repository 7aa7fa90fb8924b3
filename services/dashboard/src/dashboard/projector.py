"""Keeps ``order_views`` up to date from the processor's outcome events.

Idempotent on ``message_id`` (recorded in the same statement); an event older than
the one already applied to an order (events may arrive out of order) changes nothing.

Events are written in batches (:mod:`common.db.coalesce`): every event handed over
while the previous write ran goes into the next one, one ``executemany`` (asyncpg
pipelines the rows in one round trip, one transaction, one commit). ``apply`` returns
only once its own row committed, so the consumer still acks each message after its
write; an event whose row fails fails alone (the batch is retried row by row). Rows of
one order in one batch run in arrival order in one transaction, each statement seeing
the previous ones, so the ``last_event_at`` guard leaves the same state as applying
them one by one. Rows are written in key order (stable), so two replicas' batches lock
the rows of the orders they share in the same order, never in opposite orders.
"""

from __future__ import annotations

from typing import Any

from common.db.coalesce import Coalescer
from common.db.pool import Pool
from common.logging import get_logger
from common.messages import (
    InvoiceCreated,
    Message,
    OrderCancelled,
    OrderFailed,
    OrderIgnored,
    OrderResubmitted,
    OrderWaiting,
    RefundIgnored,
)
from common.metrics import PROJECTION_BATCH_EVENTS
from dashboard.open_flags import project_long_open

CONSUMER = "dashboard.projector"

_UPSERT = """
WITH first AS (
    INSERT INTO processed_messages (consumer, message_id) VALUES ($19, $20)
    ON CONFLICT DO NOTHING RETURNING 1
)
INSERT INTO order_views (installation_id, order_id, number, outcome, shop_status,
    order_created_at, total, currency, customer_name, customer_email, invoice_id,
    invoice_number, invoice_url, invoice_date, error_code, error_message, error_detail,
    last_event_at)
SELECT $1::uuid, $2::bigint, $3::text, $4::text, $5::text, $6::timestamptz, $7::numeric,
       $8::text, $9::text, $10::text, $11::bigint, $12::text, $13::text, $14::date,
       $15::text, $16::text, $17::jsonb, $18::timestamptz
 WHERE EXISTS (SELECT 1 FROM first)
ON CONFLICT (installation_id, order_id) DO UPDATE
   SET number = EXCLUDED.number, outcome = EXCLUDED.outcome,
       shop_status = EXCLUDED.shop_status, total = EXCLUDED.total,
       customer_name = EXCLUDED.customer_name, customer_email = EXCLUDED.customer_email,
       invoice_id = EXCLUDED.invoice_id, invoice_number = EXCLUDED.invoice_number,
       invoice_url = EXCLUDED.invoice_url, invoice_date = EXCLUDED.invoice_date,
       error_code = EXCLUDED.error_code, error_message = EXCLUDED.error_message,
       error_detail = EXCLUDED.error_detail, last_event_at = EXCLUDED.last_event_at
 WHERE order_views.last_event_at <= EXCLUDED.last_event_at
"""

OutcomeEvent = (
    InvoiceCreated | OrderFailed | OrderWaiting | OrderCancelled | OrderResubmitted | OrderIgnored
)


def _row(event: OutcomeEvent) -> tuple[Any, ...]:
    order = event.order
    invoice = event if isinstance(event, InvoiceCreated) else None
    failure = event if isinstance(event, OrderFailed) else None
    outcome = {
        InvoiceCreated: "processed",
        OrderFailed: "failed",
        OrderWaiting: "waiting",
        OrderCancelled: "cancelled",
        OrderResubmitted: "queued",
        OrderIgnored: "ignored",
    }[type(event)]
    return (
        event.installation_id,
        order.order_id,
        order.number,
        outcome,
        order.status,
        order.created_at,
        order.total,
        order.currency,
        order.customer_name,
        order.customer_email,
        invoice.invoice_id if invoice else None,
        invoice.invoice_number if invoice else None,
        invoice.invoice_url if invoice else None,
        invoice.invoice_date if invoice else None,
        failure.code if failure else None,
        failure.message if failure else None,
        failure.detail if failure else None,
        event.occurred_at,
    )


def _order_key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return row[0], row[1]  # installation_id, order_id


log = get_logger(__name__)


class Projector:
    def __init__(self, pool: Pool, *, max_batch: int = 128) -> None:
        self.pool = pool
        self.writes = Coalescer(self._write, max_batch=max_batch)

    async def apply(self, event: Message) -> None:
        if isinstance(event, RefundIgnored):
            return  # refunds are never booked; nothing on the order changes
        if not isinstance(event, OutcomeEvent):
            return
        await self.writes.submit((*_row(event), CONSUMER, event.message_id))
        log.info("order projected", order_id=event.order.order_id, event_type=event.type)

    async def _write(self, rows: list[tuple[Any, ...]]) -> None:
        await self.pool.executemany(_UPSERT, sorted(rows, key=_order_key))
        PROJECTION_BATCH_EVENTS.observe(len(rows))

    def registry(self) -> dict[str, Any]:
        names = (
            "InvoiceCreated",
            "OrderFailed",
            "OrderWaiting",
            "OrderCancelled",
            "OrderResubmitted",
            "OrderIgnored",
            "RefundIgnored",
        )
        return dict.fromkeys(names, self.apply) | {
            "OrderLongOpen": lambda event: project_long_open(self.pool, event)
        }
