"""``BackfillOrders``: one page of a back-fill (see :mod:`common.backfills`).

KMO Shops lists orders by ``updated_since`` only, so the walk starts at the range's
first instant (an order created in the range was last updated at or after it) and
keeps the orders created inside the range. Pages are walked by keyset like a poll. The
page's new orders (with their ``ProcessOrder``, ``source='backfill'``), the cursor, the
counts and the next command commit in one transaction, under the back-fill's row lock
and only if the row is still at this command's ``step``: a redelivered or duplicated
command changes nothing, and a crash before the commit repeats only this page.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import orjson

from common.backfills import Backfill, get_backfill, next_command
from common.crypto import SecretBox
from common.db.outbox import enqueue, wake_relays
from common.db.pool import Pool
from common.installations.repository import InstallationNotFound, get_installation
from common.kmoshops import KmoShopsError
from common.logging import get_logger
from common.messages import BackfillOrders
from ingest.polling import ClientFactory, newest_stamp, split_valid
from ingest.store import record_order, record_rejection

log = get_logger(__name__)


@dataclass(frozen=True)
class PageDone:
    step: int
    seen: int
    matched: int
    queued: int
    finished: bool


async def _fail(pool: Pool, backfill: Backfill, error: str) -> None:
    await pool.execute(
        """UPDATE backfills SET status = 'failed', error = $3, updated_at = now(),
                                finished_at = now()
            WHERE id = $1 AND step = $2 AND status = 'running'""",
        backfill.id,
        backfill.step,
        error,
    )


async def backfill_page(
    command: BackfillOrders,
    *,
    pool: Pool,
    box: SecretBox,
    client_for: ClientFactory,
    page_size: int,
) -> PageDone | None:
    async with pool.acquire() as conn:
        backfill = await get_backfill(conn, command.backfill_id)
    if backfill is None or backfill.status != "running" or backfill.step != command.step:
        log.info("back-fill step already done or stopped", backfill_id=str(command.backfill_id))
        return None
    try:
        async with pool.acquire() as conn:
            installation = await get_installation(conn, box, backfill.installation_id)
    except InstallationNotFound:
        await _fail(pool, backfill, "the installation no longer exists")
        return None
    client = client_for(installation)
    try:
        page = await client.orders(backfill.cursor_since, backfill.cursor_page, page_size)
    except KmoShopsError as exc:
        if exc.transient:
            raise
        await _fail(pool, backfill, str(exc))
        log.error("back-fill failed", backfill_id=str(backfill.id), error=str(exc))
        return None
    valid, invalid = split_valid(page.orders)
    in_range = [o for o in valid if backfill.created_from <= o.created_at < backfill.created_to]
    newest = newest_stamp(page.orders, valid)
    finished = not page.orders or page.page >= page.pages
    if newest is not None and newest > backfill.cursor_since:
        since, page_number = newest, 1
    else:
        since, page_number = backfill.cursor_since, backfill.cursor_page + 1
    async with pool.acquire() as conn, conn.transaction():
        locked = await conn.fetchval(
            "SELECT step FROM backfills WHERE id = $1 AND status = 'running' FOR UPDATE",
            backfill.id,
        )
        if locked != backfill.step:
            return None  # another delivery of this step committed first
        queued = []
        for order in in_range:
            if await record_order(conn, installation.id, order, "backfill"):
                queued.append(order.id)
        if queued:
            await conn.execute(
                """UPDATE shop_orders SET backfill_id = $3
                    WHERE installation_id = $1 AND order_id = ANY($2::bigint[])""",
                installation.id,
                queued,
                backfill.id,
            )
        for raw, reason in invalid:
            await record_rejection(conn, installation.id, "poll", reason, orjson.dumps(raw))
        await conn.execute(
            """UPDATE backfills
                  SET step = step + 1, cursor_since = $2, cursor_page = $3,
                      seen = seen + $4, queued = queued + $5,
                      status = CASE WHEN $6 THEN 'done' ELSE status END,
                      finished_at = CASE WHEN $6 THEN now() END, updated_at = now()
                WHERE id = $1""",
            backfill.id,
            since,
            page_number,
            len(page.orders),
            len(queued),
            finished,
        )
        if not finished:
            await enqueue(conn, [next_command(replace(backfill, step=backfill.step + 1))])
    if queued:
        wake_relays()
    log.info(
        "back-fill page done",
        backfill_id=str(backfill.id),
        step=backfill.step,
        seen=len(page.orders),
        in_range=len(in_range),
        queued=len(queued),
        finished=finished,
    )
    return PageDone(backfill.step, len(page.orders), len(in_range), len(queued), finished)
