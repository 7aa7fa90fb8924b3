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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from common.db.outbox import enqueue
from common.db.pool import Pool
from common.logging import get_logger
from common.messages import Command, PollShop, RecheckOpenOrders, RefreshRelationIndex
from scheduler.due import due_fire

log = get_logger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    schedule: str
    command_for: Callable[[uuid.UUID], Command]


def default_jobs(
    poll_schedule: str, relation_index_schedule: str, recheck_schedule: str
) -> list[Job]:
    return [
        Job("poll-shops", poll_schedule, lambda i: PollShop(installation_id=i)),
        Job(
            "refresh-relation-index",
            relation_index_schedule,
            lambda i: RefreshRelationIndex(installation_id=i),
        ),
        Job(
            "recheck-open-orders",
            recheck_schedule,
            lambda i: RecheckOpenOrders(installation_id=i),
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
        installations = await conn.fetch(
            "SELECT id FROM installations WHERE status = 'active' ORDER BY id"
        )
        commands = [job.command_for(row["id"]) for row in installations]
        await enqueue(conn, commands)
        await conn.execute(
            """INSERT INTO scheduler_runs (job, last_fire_at, ran_at, commands)
               VALUES ($1, $2, now(), $3)
               ON CONFLICT (job) DO UPDATE
                  SET last_fire_at = EXCLUDED.last_fire_at, ran_at = now(),
                      commands = EXCLUDED.commands""",
            job.name,
            fire,
            len(commands),
        )
    log.info("job ran", job=job.name, fire=fire.isoformat(), commands=len(commands))
    return Ran(job.name, fire, len(commands))


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
