"""When a periodic job is due: pure functions over cron expressions and instants."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from cronsim import CronSim, CronSimError

MAX_CATCH_UP = timedelta(days=8)
"""How far back a missed fire time is still run (a weekly job missed once)."""


class BadSchedule(ValueError):
    pass


def validate(expression: str) -> str:
    try:
        CronSim(expression, datetime(2026, 1, 1, tzinfo=ZoneInfo("UTC")))
    except CronSimError as exc:
        raise BadSchedule(f"{expression!r} is not a cron expression: {exc}") from None
    return expression


def next_fire(expression: str, after: datetime, zone: ZoneInfo) -> datetime:
    """The first fire time strictly after ``after``, in ``zone``."""
    if after.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    return next(iter(CronSim(expression, after.astimezone(zone))))


def due_fire(
    expression: str, last_fire: datetime | None, now: datetime, zone: ZoneInfo
) -> datetime | None:
    """The fire time to run now, or None.

    Missed fire times (the scheduler was down at 02:00) collapse into one: the latest
    one not after ``now`` — polling twice for one gap gains nothing. A job that never
    ran is due at its most recent fire time, so a fresh install starts right away.
    """
    horizon = now - MAX_CATCH_UP
    start = horizon if last_fire is None or last_fire < horizon else last_fire
    latest: datetime | None = None
    for fire in CronSim(expression, start.astimezone(zone)):
        if fire > now:
            break
        latest = fire
    return latest
