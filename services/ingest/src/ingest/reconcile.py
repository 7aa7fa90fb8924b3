"""``ReconcileShop``: the daily completeness check of one installation for one shop day.

What KMO Shops says (its processable orders created that day, read through the API
page by page) against what was booked (the processor's invoiced orders for the same
day, its write side: the authoritative record, not a projection that may lag), by count
and by total per currency (Decimal), with every difference listed: an order not
invoiced (and what became of it with us), or invoiced while the shop no longer counts
it (cancelled after invoicing, say). Stored per installation and day, replaced when the
day is checked again; the CLI and the dashboard read it. Informer itself is not asked:
its invoices carry no order id to match cheaply, and the budget is for booking.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from common.crypto import SecretBox
from common.db.pool import Pool
from common.installations.repository import InstallationNotFound, get_installation
from common.kmoshops import KmoShopsClient
from common.logging import get_logger
from common.messages import ReconcileShop, ShopOrder
from ingest.polling import ClientFactory, newest_stamp, split_valid

log = get_logger(__name__)


@dataclass(frozen=True)
class Side:
    count: int
    totals: dict[str, Decimal]


@dataclass
class Reconciliation:
    day: date
    shop: Side
    invoiced: Side
    differences: list[dict[str, Any]] = field(default_factory=list)


def _side(orders: dict[int, tuple[str, Decimal]]) -> Side:
    totals: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for currency, total in orders.values():
        totals[currency] += total
    return Side(len(orders), dict(totals))


def compare(
    day: date,
    shop: dict[int, tuple[str, str, Decimal]],
    invoiced: dict[int, tuple[str, str, Decimal]],
    states: dict[int, str],
) -> Reconciliation:
    """Pure: order id → (number, currency, total) on each side; ``states`` says what
    became of a shop order that was not invoiced."""
    result = Reconciliation(
        day,
        _side({o: (c, t) for o, (_, c, t) in shop.items()}),
        _side({o: (c, t) for o, (_, c, t) in invoiced.items()}),
    )
    for order_id in sorted(shop.keys() | invoiced.keys()):
        if order_id not in invoiced:
            number, currency, total = shop[order_id]
            state = states.get(order_id, "never received")
            problem = "not invoiced"
        elif order_id not in shop:
            number, currency, total = invoiced[order_id]
            state, problem = "invoiced", "invoiced, not processable in KMO Shops"
        elif shop[order_id][2] != invoiced[order_id][2]:
            number, currency, total = shop[order_id]
            state, problem = "invoiced", f"invoiced for {invoiced[order_id][2]}"
        else:
            continue
        result.differences.append(
            {
                "order_id": order_id,
                "number": number,
                "currency": currency,
                "total": str(total),
                "state": state,
                "problem": problem,
            }
        )
    return result


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), zone)
    return start, datetime.combine(day + timedelta(days=1), time(0), zone)


async def shop_orders_of_day(
    client: KmoShopsClient,
    start: datetime,
    end: datetime,
    processable: frozenset[str],
    page_size: int,
) -> dict[int, tuple[str, str, Decimal]]:
    """Every order created in [start, end) whose status is processable now, by keyset
    over ``updated_since`` (an order created in the day was updated at or after it)."""
    found: dict[int, ShopOrder] = {}
    since, page_number = start, 1
    while True:
        page = await client.orders(since, page_number, page_size)
        valid, _ = split_valid(page.orders)
        for order in valid:
            if start <= order.created_at < end:
                found[order.id] = order
        if not page.orders or page.page >= page.pages:
            break
        newest = newest_stamp(page.orders, valid)
        if newest is not None and newest > since:
            since, page_number = newest, 1
        else:
            page_number += 1
    return {
        o.id: (o.number, o.currency, o.total)
        for o in found.values()
        if o.status.value in processable
    }


async def our_side(
    conn: asyncpg.Connection, installation_id: uuid.UUID, start: datetime, end: datetime
) -> tuple[dict[int, tuple[str, str, Decimal]], dict[int, str]]:
    rows = await conn.fetch(
        """SELECT order_id, number, state, payload->>'currency' AS currency,
                  (payload->>'total')::numeric AS total
             FROM order_states
            WHERE installation_id = $1
              AND (payload->>'created_at')::timestamptz >= $2
              AND (payload->>'created_at')::timestamptz < $3""",
        installation_id,
        start,
        end,
    )
    invoiced = {
        r["order_id"]: (r["number"], r["currency"], r["total"])
        for r in rows
        if r["state"] == "invoiced"
    }
    return invoiced, {r["order_id"]: r["state"] for r in rows}


async def store(
    conn: asyncpg.Connection, installation_id: uuid.UUID, result: Reconciliation
) -> None:
    await conn.execute(
        """INSERT INTO reconciliations (installation_id, day, shop_count, shop_totals,
                                        invoiced_count, invoiced_totals, differences)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (installation_id, day) DO UPDATE
              SET shop_count = EXCLUDED.shop_count, shop_totals = EXCLUDED.shop_totals,
                  invoiced_count = EXCLUDED.invoiced_count,
                  invoiced_totals = EXCLUDED.invoiced_totals,
                  differences = EXCLUDED.differences, checked_at = now()""",
        installation_id,
        result.day,
        result.shop.count,
        {c: str(t) for c, t in result.shop.totals.items()},
        result.invoiced.count,
        {c: str(t) for c, t in result.invoiced.totals.items()},
        result.differences,
    )


async def reconcile_shop(
    command: ReconcileShop,
    *,
    pool: Pool,
    box: SecretBox,
    client_for: ClientFactory,
    page_size: int,
) -> Reconciliation | None:
    try:
        async with pool.acquire() as conn:
            installation = await get_installation(conn, box, command.installation_id)
    except InstallationNotFound:
        log.warning("reconciliation for an unknown installation ignored")
        return None
    zone = ZoneInfo(installation.shop_timezone)
    day = command.day or (command.occurred_at.astimezone(zone).date() - timedelta(days=1))
    start, end = day_bounds(day, zone)
    processable = frozenset(s.value for s in installation.config.processable_statuses)
    shop = await shop_orders_of_day(client_for(installation), start, end, processable, page_size)
    async with pool.acquire() as conn, conn.transaction():
        invoiced, states = await our_side(conn, installation.id, start, end)
        result = compare(day, shop, invoiced, states)
        await store(conn, installation.id, result)
    log.info(
        "reconciled",
        day=day.isoformat(),
        shop=result.shop.count,
        invoiced=result.invoiced.count,
        differences=len(result.differences),
    )
    return result
