"""The periodic jobs and how one fire time of one job runs, exactly once.

Each job's fire time is decided and its commands are written to the outbox in one
transaction, under a transaction-scoped advisory lock per job: two schedulers take
turns and the second finds the fire time done; a scheduler that crashes halfway
commits nothing, and the next round runs that fire time whole.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

import asyncpg

from common.db.outbox import enqueue
from common.db.pool import Pool
from common.logging import get_logger
from common.messages import (
    Command,
    PollShop,
    RecheckOpenOrders,
    ReconcileShop,
    RefreshRelationIndex,
)
from scheduler.digest import send_digests
from scheduler.due import due_fire
from scheduler.expiry import warn_expiring
from scheduler.settings import SchedulerSettings

log = get_logger(__name__)


Action = Callable[[asyncpg.Connection, datetime], Awaitable[int]]
"""Work of its own for one fire time, in the job's transaction; returns how many
messages it wrote."""


@dataclass(frozen=True)
class Job:
    """Either one command per active installation (``command_for``) or an ``action``."""

    name: str
    schedule: str
    command_for: Callable[[uuid.UUID], Command] | None = None
    action: Action | None = None


def default_jobs(settings: SchedulerSettings) -> list[Job]:
    return [
        Job("poll-shops", settings.poll_schedule, lambda i: PollShop(installation_id=i)),
        Job(
            "refresh-relation-index",
            settings.relation_index_schedule,
            lambda i: RefreshRelationIndex(installation_id=i),
        ),
        Job(
            "recheck-open-orders",
            settings.recheck_schedule,
            lambda i: RecheckOpenOrders(installation_id=i),
        ),
        Job(
            "reconcile-shops",
            settings.reconcile_schedule,
            lambda i: ReconcileShop(installation_id=i),
        ),
        Job(
            "warn-expiring",
            settings.expiry_warning_schedule,
            action=partial(warn_expiring, dashboard_url=settings.dashboard_public_url),
        ),
        Job(
            "daily-digest",
            settings.digest_schedule,
            action=partial(send_digests, dashboard_url=settings.dashboard_public_url),
        ),
    ]


@dataclass(frozen=True)
class Ran:
    job: str
    fire: datetime
    commands: int


def _lock_id(job: str) -> int:
    return int.from_bytes(
        hashlib.sha256(f"scheduler:{job}".encode()).digest()[:8], "big", signed=True
    )


async def run_job_if_due(pool: Pool, job: Job, now: datetime, zone: ZoneInfo) -> Ran | None:
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _lock_id(job.name))
        last = await conn.fetchval(
            "SELECT last_fire_at FROM scheduler_runs WHERE job = $1", job.name
        )
        fire = due_fire(job.schedule, last, now, zone)
        if fire is None:
            return None
        if job.action is not None:
            written = await job.action(conn, fire)
        else:
            assert job.command_for is not None
            installations = await conn.fetch(
                "SELECT id FROM installations WHERE status = 'active' ORDER BY id"
            )
            commands = [job.command_for(row["id"]) for row in installations]
            await enqueue(conn, commands)
            written = len(commands)
        await conn.execute(
            """INSERT INTO scheduler_runs (job, last_fire_at, ran_at, commands)
               VALUES ($1, $2, now(), $3)
               ON CONFLICT (job) DO UPDATE
                  SET last_fire_at = EXCLUDED.last_fire_at, ran_at = now(),
                      commands = EXCLUDED.commands""",
            job.name,
            fire,
            written,
        )
    log.info("job ran", job=job.name, fire=fire.isoformat(), commands=written)
    return Ran(job.name, fire, written)


async def run_forever(
    pool: Pool,
    jobs: list[Job],
    zone: ZoneInfo,
    stop: asyncio.Event,
    *,
    tick_seconds: float,
    clock: Callable[[], datetime],
) -> None:
    """Check every job each tick; one failed round is logged and the loop goes on."""
    while not stop.is_set():
        for job in jobs:
            try:
                await run_job_if_due(pool, job, clock(), zone)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.error("job round failed", job=job.name, error=repr(exc))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=tick_seconds)
