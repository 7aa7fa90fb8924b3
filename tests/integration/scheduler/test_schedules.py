"""Every default schedule, driven by a controllable clock through two simulated days:
the hourly poll, the nightly re-check of Open orders and the nightly index refresh
each fire once per fire time, at the right local hour, and a scheduler that was down
catches up once."""

from __future__ import annotations

import dataclasses
import uuid
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from common.db.pool import Pool
from common.messages import parse_message
from scheduler.jobs import Job, default_jobs, run_job_if_due
from scheduler.settings import SchedulerSettings
from tests.fakes.installations import InstallationFactory

pytestmark = pytest.mark.integration

BRUSSELS = ZoneInfo("Europe/Brussels")


def jobs() -> list[Job]:
    settings = SchedulerSettings()
    suffix = uuid.uuid4().hex[:8]
    return [
        dataclasses.replace(job, name=f"{job.name}-{suffix}")
        for job in default_jobs(settings)
        if job.command_for is not None
    ]


async def commands_for(pool: Pool, installation_id: uuid.UUID) -> list[str]:
    rows = await pool.fetch("SELECT body FROM outbox ORDER BY id")
    return [
        message.type
        for row in rows
        if (message := parse_message(bytes(row["body"]))).installation_id == installation_id
        and message.kind == "command"
    ]


async def test_each_default_schedule_fires_once_per_fire_time_on_a_simulated_clock(
    pool: Pool, installations: InstallationFactory
) -> None:
    shop = await installations.create()
    schedule = jobs()
    start = datetime(2026, 11, 23, 0, 0, 30, tzinfo=BRUSSELS)
    # Prime: a first round runs each job for its latest fire time before the start.
    for job in schedule:
        await run_job_if_due(pool, job, start, BRUSSELS)
    primed = Counter(await commands_for(pool, shop.id))
    fired: dict[str, list[datetime]] = {job.name: [] for job in schedule}
    now = start
    while now < start + timedelta(days=2):
        now += timedelta(minutes=10)
        for job in schedule:
            ran = await run_job_if_due(pool, job, now, BRUSSELS)
            if ran is not None:
                fired[job.name].append(ran.fire.astimezone(BRUSSELS))
    by_kind = {name.rsplit("-", 1)[0]: fires for name, fires in fired.items()}
    assert len(by_kind["poll-shops"]) == 48
    assert all(f.minute == 0 for f in by_kind["poll-shops"])
    assert [(f.day, f.hour, f.minute) for f in by_kind["recheck-open-orders"]] == [
        (23, 3, 0),
        (24, 3, 0),
    ]
    assert [(f.day, f.hour, f.minute) for f in by_kind["reconcile-shops"]] == [
        (23, 5, 0),
        (24, 5, 0),
    ]
    assert [(f.day, f.hour, f.minute) for f in by_kind["refresh-relation-index"]] == [
        (23, 2, 30),
        (24, 2, 30),
    ]
    emitted = Counter(await commands_for(pool, shop.id)) - primed
    assert emitted == Counter(
        {"PollShop": 48, "RecheckOpenOrders": 2, "RefreshRelationIndex": 2, "ReconcileShop": 2}
    )

    # Down from 02:00 to 09:10 on the 25th: each job runs once for its latest fire time.
    back = datetime(2026, 11, 25, 9, 10, tzinfo=BRUSSELS)
    caught_up = [await run_job_if_due(pool, job, back, BRUSSELS) for job in schedule]
    assert [r.fire.astimezone(BRUSSELS).hour for r in caught_up if r] == [9, 2, 3, 5]
    assert [await run_job_if_due(pool, job, back, BRUSSELS) for job in schedule] == [None] * 4
