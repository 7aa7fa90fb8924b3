"""Back-fills: historical orders of one installation, for a range of creation dates.

One row per back-fill holds its range, its progress and the keyset cursor of the next
KMO Shops page. The work is a chain of ``BackfillOrders`` commands, one page each: a
page's orders, the new cursor and the next command commit in one transaction, so an
interrupted back-fill resumes at the first page not committed, and a command
delivered twice finds its ``step`` done and does nothing. Starting one (from the CLI or
the dashboard) writes the row and the first command together.

Back-filled orders take the normal path (``ProcessOrder``, the processor's shared
Informer budget paces them) marked ``source='backfill'``: the processor then looks each
one up in Informer by reference before it posts anything, so an order invoiced before
kmo2informer existed (by the integration it replaces) is recorded, not booked twice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from common.db.outbox import enqueue
from common.messages import BackfillOrders


class BackfillError(ValueError):
    """The back-fill cannot start as asked; the message says why."""


@dataclass(frozen=True)
class Backfill:
    id: uuid.UUID
    installation_id: uuid.UUID
    created_from: datetime
    created_to: datetime
    status: str
    step: int
    cursor_since: datetime
    cursor_page: int
    seen: int
    queued: int
    error: str | None
    created_at: datetime
    finished_at: datetime | None


_COLUMNS = """id, installation_id, created_from, created_to, status, step, cursor_since,
              cursor_page, seen, queued, error, created_at, finished_at"""


async def start_backfill(
    conn: asyncpg.Connection,
    installation_id: uuid.UUID,
    created_from: datetime,
    created_to: datetime,
    *,
    requested_by: str,
) -> Backfill:
    if created_from.tzinfo is None or created_to.tzinfo is None:
        raise BackfillError("the range must be timezone-aware")
    if created_to <= created_from:
        raise BackfillError("the range ends before it starts")
    async with conn.transaction():
        status = await conn.fetchval(
            "SELECT status FROM installations WHERE id = $1", installation_id
        )
        if status is None:
            raise BackfillError(f"no installation {installation_id}")
        if status != "active":
            raise BackfillError(f"the installation is {status}; enable it first")
        try:
            row = await conn.fetchrow(
                f"""INSERT INTO backfills (id, installation_id, created_from, created_to,
                                           cursor_since, requested_by)
                    VALUES ($1, $2, $3, $4, $3, $5) RETURNING {_COLUMNS}""",
                uuid.uuid4(),
                installation_id,
                created_from,
                created_to,
                requested_by,
            )
        except asyncpg.UniqueViolationError:
            raise BackfillError(
                "a back-fill of this installation is still running; let it finish first"
            ) from None
        backfill = Backfill(**dict(row))
        await enqueue(conn, [next_command(backfill)])
    return backfill


def next_command(backfill: Backfill) -> BackfillOrders:
    return BackfillOrders(
        installation_id=backfill.installation_id,
        backfill_id=backfill.id,
        step=backfill.step,
    )


async def get_backfill(conn: asyncpg.Connection, backfill_id: uuid.UUID) -> Backfill | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM backfills WHERE id = $1", backfill_id)
    return Backfill(**dict(row)) if row else None


async def list_backfills(conn: asyncpg.Connection, installation_id: uuid.UUID) -> list[Backfill]:
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM backfills WHERE installation_id = $1
             ORDER BY created_at DESC""",
        installation_id,
    )
    return [Backfill(**dict(r)) for r in rows]


async def backfill_progress(conn: asyncpg.Connection, backfill: Backfill) -> dict[str, Any]:
    """The back-fill as the operator and the merchant see it: the page walk (the
    cursor's way from the start of the range to now) and what became of the orders it
    queued, from the processor's outcomes as the dashboard keeps them."""
    outcomes = await conn.fetch(
        """SELECT coalesce(v.outcome, 'pending') AS outcome, count(*) AS orders
             FROM shop_orders s
             LEFT JOIN order_views v
               ON v.installation_id = s.installation_id AND v.order_id = s.order_id
            WHERE s.installation_id = $1 AND s.backfill_id = $2
            GROUP BY 1""",
        backfill.installation_id,
        backfill.id,
    )
    in_range = await conn.fetchval(
        """SELECT count(*) FROM shop_orders
            WHERE installation_id = $1 AND created_at >= $2 AND created_at < $3""",
        backfill.installation_id,
        backfill.created_from,
        backfill.created_to,
    )
    return {
        "id": str(backfill.id),
        "installation_id": str(backfill.installation_id),
        "range": [backfill.created_from.isoformat(), backfill.created_to.isoformat()],
        "status": backfill.status,
        "pages": backfill.step,
        "read_up_to": backfill.cursor_since.isoformat(),
        "orders_read": backfill.seen,  # pages overlap by their boundary order
        "orders_in_range": in_range,
        "orders_queued": backfill.queued,
        "outcomes": {r["outcome"]: r["orders"] for r in outcomes},
        "error": backfill.error,
        "started_at": backfill.created_at.isoformat(),
        "finished_at": backfill.finished_at.isoformat() if backfill.finished_at else None,
    }
