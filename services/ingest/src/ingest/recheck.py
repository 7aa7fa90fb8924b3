"""``RecheckOpenOrders``: re-read every Open order of an installation from KMO Shops.

The safety net under the safety net: a status change the shop neither sent by webhook
nor stamped with a newer ``updated_at`` (so the hourly poll missed it) is caught here,
nightly. The Open orders are listed from ingest's own ``shop_orders`` (latest known
status not processable and not cancelled), not from the processor's ``order_states``
or the dashboard's ``order_views``: ingest owns the KMO Shops side, and whether a new
version is processable stays the processor's decision. Each order is fetched with
``GET /orders/{id}`` and a changed one goes through the same store path as webhooks and
polls (``record_order``: newest version wins, its ``ProcessOrder`` in the same
statement), so re-running the command after a crash repeats nothing.

An order that is still Open more than ``long_open`` after it was placed is flagged to
the merchant once (an ``OrderLongOpen`` event with the flag, in one transaction)
rather than waiting unseen for ever.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg
import orjson

from common.crypto import SecretBox
from common.db.outbox import enqueue, wake_relays
from common.db.pool import Pool
from common.installations.models import Installation
from common.installations.repository import InstallationNotFound, get_installation
from common.kmoshops import KmoShopsError
from common.logging import get_logger
from common.messages import OrderLongOpen, OrderStatus, RecheckOpenOrders, order_correlation_id
from ingest.normalize import InvalidPayload, parse_order
from ingest.polling import ClientFactory
from ingest.store import record_order, record_rejection

log = get_logger(__name__)

LONG_OPEN = timedelta(days=30)


@dataclass
class RecheckResult:
    open: int = 0
    changed: int = 0
    missing: int = 0
    rejected: int = 0
    flagged: int = 0


@dataclass(frozen=True)
class OpenOrder:
    order_id: int
    number: str
    status: str
    created_at: datetime
    flagged: bool


def open_statuses(installation: Installation) -> list[str]:
    """The statuses an order waits under Open with: neither processable nor cancelled."""
    waiting = set(OrderStatus) - set(installation.config.processable_statuses)
    return sorted(s.value for s in waiting - {OrderStatus.CANCELLED})


async def open_orders(conn: asyncpg.Connection, installation: Installation) -> list[OpenOrder]:
    rows = await conn.fetch(
        """SELECT order_id, number, status, created_at, open_flagged_at IS NOT NULL AS flagged
             FROM shop_orders
            WHERE installation_id = $1 AND status = ANY($2::text[])
            ORDER BY order_id""",
        installation.id,
        open_statuses(installation),
    )
    return [OpenOrder(**dict(row)) for row in rows]


async def flag_long_open(
    conn: asyncpg.Connection, installation_id: uuid.UUID, order: OpenOrder, now: datetime
) -> bool:
    """Flag once: the flag and its event commit together, or neither."""
    async with conn.transaction():
        flagged = await conn.fetchval(
            """UPDATE shop_orders SET open_flagged_at = $3
                WHERE installation_id = $1 AND order_id = $2 AND open_flagged_at IS NULL
                  AND status = $4
            RETURNING true""",
            installation_id,
            order.order_id,
            now,
            order.status,
        )
        if not flagged:
            return False
        await enqueue(
            conn,
            [
                OrderLongOpen(
                    installation_id=installation_id,
                    correlation_id=order_correlation_id(installation_id, order.order_id),
                    order_id=order.order_id,
                    number=order.number,
                    status=order.status,
                    created_at=order.created_at,
                    open_days=(now - order.created_at).days,
                )
            ],
        )
    return True


async def recheck_open_orders(
    command: RecheckOpenOrders,
    *,
    pool: Pool,
    box: SecretBox,
    client_for: ClientFactory,
    clock: Callable[[], datetime],
    long_open: timedelta = LONG_OPEN,
) -> RecheckResult | None:
    try:
        async with pool.acquire() as conn:
            installation = await get_installation(conn, box, command.installation_id)
    except InstallationNotFound:
        log.warning("recheck for an unknown installation ignored")
        return None
    if not installation.active:
        log.info("recheck skipped: installation disabled")
        return None
    client = client_for(installation)
    waiting = set(open_statuses(installation))
    result = RecheckResult()
    async with pool.acquire() as conn:
        orders = await open_orders(conn, installation)
    result.open = len(orders)
    for order in orders:
        try:
            raw = await client.order(order.order_id)
        except KmoShopsError as exc:
            if exc.status != 404:
                raise
            result.missing += 1
            log.warning("open order no longer in KMO Shops", order_id=order.order_id)
            continue
        async with pool.acquire() as conn:
            try:
                fresh = parse_order(raw, prefix=f"orders/{order.order_id}")
            except InvalidPayload as exc:
                result.rejected += 1
                await record_rejection(conn, installation.id, "poll", str(exc), orjson.dumps(raw))
                continue
            if await record_order(conn, installation.id, fresh, "poll"):
                wake_relays()
                result.changed += 1
            still_open = fresh.status.value in waiting
            now = clock()
            if (
                still_open
                and not order.flagged
                and now - fresh.created_at > long_open
                and await flag_long_open(
                    conn, installation.id, _with_status(order, fresh.status.value), now
                )
            ):
                result.flagged += 1
    log.info(
        "open orders rechecked",
        open=result.open,
        changed=result.changed,
        missing=result.missing,
        flagged=result.flagged,
    )
    return result


def _with_status(order: OpenOrder, status: str) -> OpenOrder:
    return OpenOrder(order.order_id, order.number, status, order.created_at, order.flagged)
