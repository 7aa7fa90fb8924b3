"""The merchant's actions on an order: the one place the dashboard writes the
processor's state (``order_states``).

Each action is a single guarded UPDATE (the state it starts from is in the WHERE), so
two clicks, two tabs or two merchants racing change an order once: the loser gets
:class:`NotInState`. The event that tells the projection is written to the outbox in
the same transaction; nothing is announced that did not happen.
"""

from __future__ import annotations

import uuid

import asyncpg

from common.db.notify import ORDER_QUEUED
from common.db.outbox import enqueue
from common.messages import (
    OrderIgnored,
    OrderResubmitted,
    OrderSummary,
    ShopOrder,
    order_correlation_id,
)


class NotInState(Exception):
    """The order is not (or no longer) in the state the action starts from."""


async def resubmit(conn: asyncpg.Connection, installation_id: uuid.UUID, order_id: int) -> None:
    """failed → queued, attempts reset, error cleared; the processor's next claim
    takes it like a new order. The order keeps its payload (the shop's newest version)
    and its ``in_doubt`` flag, so an invoice that may exist is looked up before any
    new POST. A fixed configuration is already what the processor uses: a saved
    change is announced (common.installations.changes) and drops its cached copy."""
    async with conn.transaction():
        payload = await conn.fetchval(
            """UPDATE order_states
                  SET state = 'queued', attempts = 0, error_code = NULL,
                      error_message = NULL, error_detail = NULL,
                      priority_at = clock_timestamp(), not_before = clock_timestamp(),
                      updated_at = clock_timestamp()
                WHERE installation_id = $1 AND order_id = $2 AND state = 'failed'
            RETURNING payload""",
            installation_id,
            order_id,
        )
        if payload is None:
            raise NotInState("only a failed order can be processed again")
        order = ShopOrder.model_validate(payload)
        await enqueue(
            conn,
            [
                OrderResubmitted(
                    installation_id=installation_id,
                    correlation_id=order_correlation_id(installation_id, order_id),
                    order=OrderSummary.of(order),
                )
            ],
        )
        await conn.execute("SELECT pg_notify($1, '')", ORDER_QUEUED)


async def ignore(conn: asyncpg.Connection, installation_id: uuid.UUID, order_id: int) -> None:
    """waiting → ignored: never booked, whatever status the shop gives it later."""
    async with conn.transaction():
        payload = await conn.fetchval(
            """UPDATE order_states SET state = 'ignored', updated_at = clock_timestamp()
                WHERE installation_id = $1 AND order_id = $2 AND state = 'waiting'
            RETURNING payload""",
            installation_id,
            order_id,
        )
        if payload is None:
            raise NotInState("only an order waiting under Open can be ignored")
        await enqueue(
            conn,
            [
                OrderIgnored(
                    installation_id=installation_id,
                    correlation_id=order_correlation_id(installation_id, order_id),
                    order=OrderSummary.of(ShopOrder.model_validate(payload)),
                )
            ],
        )
