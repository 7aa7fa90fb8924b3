"""``kmo2informer backfill``: start a back-fill and follow it (see common.backfills).

    kmo2informer backfill start ID --from 2026-01-01 --to 2026-04-01
    kmo2informer backfill status BACKFILL_ID
    kmo2informer backfill list ID

A date is midnight in the shop's time zone; ``--to`` is exclusive. A full ISO 8601
time with an offset is taken as it is.
"""

from __future__ import annotations

import argparse
import uuid
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from common.backfills import (
    BackfillError,
    backfill_progress,
    get_backfill,
    list_backfills,
    start_backfill,
)


def add_backfill_parser(groups: Any) -> None:
    backfill = groups.add_parser("backfill", help="historical orders for a date range")
    actions = backfill.add_subparsers(dest="action", required=True)
    start = actions.add_parser("start", help="back-fill one installation's orders")
    start.add_argument("id")
    start.add_argument("--from", dest="created_from", required=True, help="first day")
    start.add_argument("--to", dest="created_to", required=True, help="day after the last")
    actions.add_parser("status", help="progress of one back-fill").add_argument("backfill_id")
    actions.add_parser("list", help="an installation's back-fills").add_argument("id")


def parse_moment(value: str, zone: ZoneInfo) -> datetime:
    try:
        return datetime.combine(date.fromisoformat(value), time(0), zone)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BackfillError(f"{value!r} is neither a date (YYYY-MM-DD) nor an ISO time") from None
    if moment.tzinfo is None:
        raise BackfillError(f"{value!r} has no UTC offset")
    return moment


async def run_backfill(
    args: argparse.Namespace, conn: asyncpg.Connection, parse_id: Any
) -> dict[str, Any] | list[dict[str, Any]]:
    if args.action == "start":
        installation_id = parse_id(args.id)
        zone_name = await conn.fetchval(
            "SELECT shop_timezone FROM installations WHERE id = $1", installation_id
        )
        if zone_name is None:
            raise BackfillError(f"no installation {installation_id}")
        zone = ZoneInfo(zone_name)
        started = await start_backfill(
            conn,
            installation_id,
            parse_moment(args.created_from, zone),
            parse_moment(args.created_to, zone),
            requested_by="cli",
        )
        return await backfill_progress(conn, started)
    if args.action == "status":
        try:
            backfill_id = uuid.UUID(args.backfill_id)
        except ValueError:
            raise BackfillError(f"{args.backfill_id!r} is not a back-fill id") from None
        found = await get_backfill(conn, backfill_id)
        if found is None:
            raise BackfillError(f"no back-fill {backfill_id}")
        return await backfill_progress(conn, found)
    found_all = await list_backfills(conn, parse_id(args.id))
    return [await backfill_progress(conn, b) for b in found_all]
