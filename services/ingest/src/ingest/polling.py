"""``PollShop``: fetch the orders changed since the cursor and publish what is new.

Pages are walked by keyset: after each page the next request starts at the newest
``updated_at`` seen (inclusive), so orders that change during the poll cannot shift
pages under us; only when a whole page shares one timestamp does it move to the next
page number. Each page commits its orders, their ``ProcessOrder`` messages and the new
cursor in one transaction: the cursor moves only once the page is durable, and a
crash re-reads at most one page, whose orders are then recognised as already stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson

from common.crypto import SecretBox
from common.db.outbox import wake_relays
from common.db.pool import Pool
from common.installations.models import Installation
from common.installations.repository import InstallationNotFound, get_installation
from common.kmoshops import KmoShopsClient, KmoShopsError
from common.logging import get_logger
from common.messages import PollShop, ShopOrder
from ingest.normalize import InvalidPayload, parse_order
from ingest.store import (
    advance_cursor,
    poll_cursor,
    record_order,
    record_poll_error,
    record_rejection,
)

log = get_logger(__name__)

ClientFactory = Callable[[Installation], KmoShopsClient]


@dataclass
class PollResult:
    pages: int = 0
    seen: int = 0
    published: int = 0
    rejected: int = 0


@dataclass(frozen=True)
class PollSettings:
    page_size: int = 250
    overlap: timedelta = timedelta(minutes=5)


def split_valid(
    raw_orders: list[dict[str, Any]],
) -> tuple[list[ShopOrder], list[tuple[dict[str, Any], str]]]:
    valid: list[ShopOrder] = []
    invalid: list[tuple[dict[str, Any], str]] = []
    for index, raw in enumerate(raw_orders):
        try:
            valid.append(parse_order(raw, prefix=f"orders[{index}]"))
        except InvalidPayload as exc:
            invalid.append((raw, str(exc)))
    return valid, invalid


def newest_stamp(raw_orders: list[dict[str, Any]], valid: list[ShopOrder]) -> datetime | None:
    """The newest updated_at on the page; broken orders count if their stamp parses."""
    stamps = [o.updated_at for o in valid]
    for raw in raw_orders:
        try:
            stamps.append(datetime.fromisoformat(str(raw.get("updated_at"))))
        except ValueError:
            continue
    aware = [s for s in stamps if s.tzinfo is not None]
    return max(aware) if aware else None


async def poll_installation(
    pool: Pool, installation: Installation, client: KmoShopsClient, settings: PollSettings
) -> PollResult:
    async with pool.acquire() as conn:
        cursor = await poll_cursor(conn, installation.id)
    cursor = cursor or installation.created_at
    since = cursor - settings.overlap
    result = PollResult()
    page_number = 1
    while True:
        page = await client.orders(since, page_number, settings.page_size)
        result.pages += 1
        result.seen += len(page.orders)
        valid, invalid = split_valid(page.orders)
        newest = newest_stamp(page.orders, valid)
        published_before = result.published
        async with pool.acquire() as conn, conn.transaction():
            for order in valid:
                if await record_order(conn, installation.id, order, "poll"):
                    result.published += 1
            for raw, reason in invalid:
                result.rejected += 1
                await record_rejection(conn, installation.id, "poll", reason, orjson.dumps(raw))
            await advance_cursor(conn, installation.id, max(cursor, newest or cursor))
        if result.published > published_before:
            wake_relays()
        if not page.orders or page.page >= page.pages:
            return result
        if newest is not None and newest > since:
            since, page_number = newest, 1
        else:
            page_number += 1


async def poll_shop(
    command: PollShop,
    *,
    pool: Pool,
    box: SecretBox,
    client_for: ClientFactory,
    settings: PollSettings,
) -> PollResult | None:
    try:
        async with pool.acquire() as conn:
            installation = await get_installation(conn, box, command.installation_id)
    except InstallationNotFound:
        log.warning("poll for an unknown installation ignored")
        return None
    if not installation.active:
        log.info("poll skipped: installation disabled")
        return None
    try:
        result = await poll_installation(pool, installation, client_for(installation), settings)
    except KmoShopsError as exc:
        async with pool.acquire() as conn:
            since = await poll_cursor(conn, installation.id) or installation.created_at
            await record_poll_error(conn, installation.id, since, str(exc))
        if exc.transient:
            raise
        log.error("poll failed", error=str(exc), status=exc.status)
        return None
    log.info(
        "poll done",
        pages=result.pages,
        seen=result.seen,
        published=result.published,
        rejected=result.rejected,
    )
    return result
