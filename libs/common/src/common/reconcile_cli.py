"""``kmo2informer reconcile``: read the daily completeness checks, or check a day again.

kmo2informer reconcile show ID [--days 14]
kmo2informer reconcile run ID [--day YYYY-MM-DD]
"""

from __future__ import annotations

import argparse
import uuid
from datetime import date
from typing import Any

import asyncpg

from common.db.outbox import enqueue
from common.messages import ReconcileShop


class ReconcileError(ValueError):
    """Bad input; the message says what."""


def add_reconcile_parser(groups: Any) -> None:
    reconcile = groups.add_parser("reconcile", help="daily completeness checks")
    actions = reconcile.add_subparsers(dest="action", required=True)
    show = actions.add_parser("show", help="the latest checks and their differences")
    show.add_argument("id")
    show.add_argument("--days", type=int, default=14)
    run = actions.add_parser("run", help="check one shop day again (default: yesterday)")
    run.add_argument("id")
    run.add_argument("--day", help="YYYY-MM-DD, in the shop's time zone")


async def run_reconcile(
    args: argparse.Namespace, conn: asyncpg.Connection, installation_id: uuid.UUID
) -> Any:
    if args.action == "run":
        try:
            day = date.fromisoformat(args.day) if args.day else None
        except ValueError:
            raise ReconcileError(f"{args.day!r} is not a day (YYYY-MM-DD)") from None
        if not await conn.fetchval("SELECT 1 FROM installations WHERE id = $1", installation_id):
            raise ReconcileError(f"no installation {installation_id}")
        command = ReconcileShop(installation_id=installation_id, day=day)
        await enqueue(conn, [command])
        return {"queued": command.type, "message_id": str(command.message_id)}
    rows = await conn.fetch(
        """SELECT day, shop_count, shop_totals, invoiced_count, invoiced_totals,
                  differences, checked_at
             FROM reconciliations WHERE installation_id = $1
            ORDER BY day DESC LIMIT $2""",
        installation_id,
        args.days,
    )
    return [
        {
            "day": r["day"].isoformat(),
            "shop": {"orders": r["shop_count"], "totals": r["shop_totals"]},
            "invoiced": {"orders": r["invoiced_count"], "totals": r["invoiced_totals"]},
            "differences": r["differences"],
            "checked_at": r["checked_at"].isoformat(),
        }
        for r in rows
    ]
