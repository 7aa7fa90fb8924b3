"""Report › Back-fill: the merchant starts a back-fill of historical orders and follows
it, on the page and in the API. The work and its guards are ``common.backfills``'s (the
same as the operator's CLI): one back-fill per installation runs at a time (a unique
index), so a second one, overlapping or not, is refused until the first is done.

The merchant picks days in the shop's time zone, both included (like the views'
period filter); the back-fill's range is from the first day's midnight to the
midnight after the last day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from common.backfills import BackfillError, backfill_progress, list_backfills, start_backfill
from dashboard.tenancy import OwnedInstallation

SHOWN = 10


class NotNow(Exception):
    """The back-fill cannot start now (one is running, the installation is not active)."""


@dataclass(frozen=True)
class Range:
    first_day: date
    last_day: date

    def bounds(self, timezone: str) -> tuple[datetime, datetime]:
        zone = ZoneInfo(timezone)
        return (
            datetime.combine(self.first_day, time(0), zone),
            datetime.combine(self.last_day + timedelta(days=1), time(0), zone),
        )


def _day(values: dict[str, Any], name: str, errors: dict[str, str]) -> date | None:
    value = values.get(name)
    if not isinstance(value, str) or not value.strip():
        errors[name] = "Pick a day."
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        errors[name] = f"{value!r} is not a date such as 2026-01-31."
        return None


def parse_range(values: dict[str, Any], today: date) -> Range | dict[str, str]:
    """The ``from`` and ``to`` days (both included) or, per field, what is wrong."""
    errors: dict[str, str] = {}
    first, last = _day(values, "from", errors), _day(values, "to", errors)
    if first and first > today:
        errors["from"] = "The first day is in the future; nothing to back-fill yet."
    if first and last and last < first:
        errors["to"] = "The last day is before the first."
    if errors or first is None or last is None:
        return errors
    return Range(first, last)


async def start(
    conn: asyncpg.Connection, installation: OwnedInstallation, days: Range, requested_by: str
) -> dict[str, Any]:
    created_from, created_to = days.bounds(installation.shop_timezone)
    try:
        started = await start_backfill(
            conn, installation.id, created_from, created_to, requested_by=requested_by
        )
    except BackfillError as exc:
        raise NotNow(str(exc)) from None
    return await backfill_progress(conn, started)


async def recent(conn: asyncpg.Connection, installation: OwnedInstallation) -> list[dict[str, Any]]:
    """The installation's latest back-fills, newest first, with their progress."""
    found = await list_backfills(conn, installation.id)
    return [await backfill_progress(conn, b) for b in found[:SHOWN]]
