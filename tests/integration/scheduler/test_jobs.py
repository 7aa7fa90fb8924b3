"""Periodic jobs on the real database: once per fire time, whatever the schedulers do."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from common.db.pool import Pool
from common.messages import PollShop, parse_message
from scheduler.jobs import Job, run_job_if_due
from tests.fakes.installations import InstallationFactory

pytestmark = pytest.mark.integration

UTC_ZONE = ZoneInfo("UTC")


async def polls_for(pool: Pool, installation_id: object) -> int:
    rows = await pool.fetch("SELECT body FROM outbox WHERE routing_key = 'PollShop'")
    return sum(
        1
        for r in rows
        if isinstance(m := parse_message(bytes(r["body"])), PollShop)
        and m.installation_id == installation_id
    )


@pytest.fixture
def job(request: pytest.FixtureRequest) -> Job:
    return Job(f"poll-{request.node.name}", "0 * * * *", lambda i: PollShop(installation_id=i))


async def test_two_schedulers_racing_run_a_fire_time_once(
    pool: Pool, installations: InstallationFactory, job: Job
) -> None:
    shop = await installations.create()
    now = datetime(2026, 11, 24, 9, 0, 5, tzinfo=UTC)
    results = await asyncio.gather(*(run_job_if_due(pool, job, now, UTC_ZONE) for _ in range(6)))
    ran = [r for r in results if r is not None]
    assert len(ran) == 1
    assert ran[0].fire == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    assert await polls_for(pool, shop.id) == 1
    # Later in the same hour: nothing; next hour: once more.
    assert await run_job_if_due(pool, job, now + timedelta(minutes=30), UTC_ZONE) is None
    assert await run_job_if_due(pool, job, now + timedelta(hours=1), UTC_ZONE) is not None
    assert await polls_for(pool, shop.id) == 2


async def test_disabled_installations_are_not_polled(
    pool: Pool, installations: InstallationFactory, job: Job
) -> None:
    shop = await installations.create()
    await pool.execute("UPDATE installations SET status = 'disabled' WHERE id = $1", shop.id)
    await run_job_if_due(pool, job, datetime(2026, 11, 24, 9, 0, 5, tzinfo=UTC), UTC_ZONE)
    assert await polls_for(pool, shop.id) == 0


async def test_a_round_that_fails_halfway_commits_nothing_and_runs_again(
    pool: Pool, installations: InstallationFactory
) -> None:
    shop = await installations.create()
    calls = 0

    def flaky(installation_id: object) -> PollShop:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("crash while building the commands")
        return PollShop(installation_id=installation_id)  # type: ignore[arg-type]

    job = Job("poll-flaky", "0 * * * *", flaky)
    now = datetime(2026, 11, 24, 9, 0, 5, tzinfo=UTC)
    with pytest.raises(RuntimeError):
        await run_job_if_due(pool, job, now, UTC_ZONE)
    assert await pool.fetchval("SELECT 1 FROM scheduler_runs WHERE job = 'poll-flaky'") is None
    assert await run_job_if_due(pool, job, now, UTC_ZONE) is not None
    assert await polls_for(pool, shop.id) == 1
