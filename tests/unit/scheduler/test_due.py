from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from scheduler.due import BadSchedule, due_fire, next_fire, validate

BRUSSELS = ZoneInfo("Europe/Brussels")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_hourly_job_is_due_once_per_hour() -> None:
    last = at("2026-11-24T09:00:00+01:00")
    assert due_fire("0 * * * *", last, at("2026-11-24T09:59:59+01:00"), BRUSSELS) is None
    assert due_fire("0 * * * *", last, at("2026-11-24T10:00:00+01:00"), BRUSSELS) == at(
        "2026-11-24T10:00:00+01:00"
    )


def test_missed_runs_collapse_into_the_latest_one() -> None:
    last = at("2026-11-23T02:30:00+01:00")
    now = at("2026-11-25T08:00:00+01:00")  # down for two nights
    assert due_fire("30 2 * * *", last, now, BRUSSELS) == at("2026-11-25T02:30:00+01:00")


def test_a_job_that_never_ran_is_due_at_its_latest_fire_time() -> None:
    now = at("2026-11-24T08:10:00+01:00")
    assert due_fire("0 * * * *", None, now, BRUSSELS) == at("2026-11-24T08:00:00+01:00")


def test_schedules_follow_the_configured_zone_across_dst() -> None:
    # 02:30 Brussels on the night summer time ends is still one fire.
    fire = next_fire("30 2 * * *", at("2026-10-24T12:00:00+00:00"), BRUSSELS)
    assert fire.astimezone(UTC).hour in (0, 1)


def test_bad_expressions_are_refused_with_the_expression_named() -> None:
    with pytest.raises(BadSchedule, match="'61 \\* \\* \\* \\*'"):
        validate("61 * * * *")
