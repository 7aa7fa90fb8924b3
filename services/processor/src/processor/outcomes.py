"""Committing what happened to an order, together with the event that tells the
dashboard (one transaction: never a dual write)."""

from __future__ import annotations

from datetime import date
from typing import Any

from common.amqp.publisher import OutgoingMessage
from common.db.outbox import enqueue, hand_over
from common.db.pool import Pool
from common.logging import get_logger
from common.messages import (
    InvoiceCreated,
    OrderFailed,
    OrderSummary,
    ShopOrder,
    order_correlation_id,
)
from common.metrics import ORDERS
from processor.adapters import repository
from processor.adapters.repository import Claim, Invoiced
from processor.adapters.writes import OrderWrites

log = get_logger(__name__)


def summary(order: ShopOrder) -> OrderSummary:
    return OrderSummary.of(order)


async def invoiced(
    writes: OrderWrites,
    claim: Claim,
    *,
    relation_id: int,
    invoice_id: int,
    invoice_url: str,
    invoice_number: str | None,
    invoice_date: date,
    recovered: bool = False,
) -> None:
    event = InvoiceCreated(
        installation_id=claim.installation_id,
        correlation_id=order_correlation_id(claim.installation_id, claim.order_id),
        order=summary(claim.order),
        invoice_id=invoice_id,
        invoice_url=invoice_url,
        invoice_number=invoice_number,
        invoice_date=invoice_date,
        relation_id=relation_id,
        recovered=recovered,
    )
    announcement = OutgoingMessage.of(event)
    recorded = await writes.invoiced(
        Invoiced(claim, relation_id, invoice_id, invoice_url, invoice_number, announcement)
    )
    if not recorded:
        # Our lease lapsed and another worker took the order; it will find this
        # invoice by reference rather than create a second one.
        log.warning("claim lost before recording the invoice", invoice_id=invoice_id)
        return
    hand_over([announcement])
    ORDERS.labels("invoiced").inc()
    log.info("invoice created", invoice_id=invoice_id, recovered=recovered)


async def failed(
    pool: Pool,
    claim: Claim,
    code: str,
    message: str,
    detail: dict[str, Any],
    *,
    park: bool = False,
) -> None:
    async with pool.acquire() as conn, conn.transaction():
        state = await repository.mark_failed(conn, claim, code, message, detail, park=park)
        if state in ("failed", "needs_review"):
            await enqueue(
                conn,
                [
                    OrderFailed(
                        installation_id=claim.installation_id,
                        correlation_id=order_correlation_id(claim.installation_id, claim.order_id),
                        order=summary(claim.order),
                        code=code,
                        message=message,
                        detail=detail,
                    )
                ],
            )
    if state in ("failed", "needs_review"):
        ORDERS.labels(state).inc()
    log.info("order failed", code=code, state=state)
