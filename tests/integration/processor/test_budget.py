"""The shared Informer budget, exercised by several OS processes at once."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid

import pytest

from common.db.pool import Pool
from common.informer.budget import Budget, BudgetExhausted, BudgetPolicy

pytestmark = pytest.mark.integration

# Informer's 60 calls a minute, time-scaled to 60 calls per 2 seconds.
SCALED = BudgetPolicy(window_seconds=2.0, window_limit=60, day_seconds=3600, day_limit=5000)

HAMMER = """
import asyncio, json, sys, time
from common.db.pool import create_pool
from common.informer.budget import Budget, BudgetPolicy

async def main(dsn, key, seconds):
    pool = await create_pool(dsn, min_size=1, max_size=2)
    budget = Budget(pool, BudgetPolicy(window_seconds=2.0, window_limit=60,
                                       day_seconds=3600, day_limit=5000))
    stamps, end = [], time.time() + seconds
    while time.time() < end:
        await budget.acquire(key)
        stamps.append(time.time())
    await pool.close()
    print(json.dumps(stamps))

asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3])))
"""


def max_in_rolling_window(stamps: list[float], window: float) -> int:
    stamps = sorted(stamps)
    best, start = 0, 0
    for end, stamp in enumerate(stamps):
        while stamp - stamps[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


async def test_four_processes_share_one_budget_without_exceeding_the_window(
    database_url: str,
) -> None:
    key = f"test:{uuid.uuid4()}"
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            HAMMER,
            database_url,
            key,
            "6",
            stdout=asyncio.subprocess.PIPE,
        )
        for _ in range(4)
    ]
    outputs = [await p.communicate() for p in processes]
    stamps = [s for out, _ in outputs for s in json.loads(out)]
    assert all(p.returncode == 0 for p in processes)
    assert max_in_rolling_window(stamps, 2.0) <= 60
    # ...and the budget is used, not wasted: the GCRA allows 53 per window sustained.
    assert len(stamps) >= 53 * 6 / 2 * 0.85
    per_process = [len(json.loads(out)) for out, _ in outputs]
    assert min(per_process) > 0


async def test_day_limit_makes_callers_wait_rather_than_fail(pool: Pool) -> None:
    policy = BudgetPolicy(
        window_seconds=1.0, window_limit=1000, day_seconds=3.0, day_limit=12, margin=2
    )
    budget = Budget(pool, policy)
    key = f"test:{uuid.uuid4()}"
    for _ in range(10):
        await budget.acquire(key)
    wait = await budget.wait_seconds(key)
    assert 0 < wait <= 3.0 + 3.0 / 96 + 0.1
    strict = Budget(pool, BudgetPolicy(**{**policy.__dict__, "max_inline_wait": 0.01}))
    with pytest.raises(BudgetExhausted) as raised:
        await strict.acquire(key)
    assert raised.value.wait_seconds > 0
    # The budget comes back once the day's oldest calls age out, not before.
    loop = asyncio.get_running_loop()
    spent_at = loop.time()
    while (next_wait := await budget.wait_seconds(key)) > 0:
        assert loop.time() - spent_at < policy.day_seconds + 2 * policy.bucket.total_seconds()
        await asyncio.sleep(min(next_wait, 0.05))
    assert loop.time() - spent_at >= wait - 0.1


async def test_pause_after_a_429_holds_every_caller(pool: Pool) -> None:
    budget = Budget(pool, SCALED)
    key = f"test:{uuid.uuid4()}"
    await budget.acquire(key)
    await budget.pause(key, 1.5)
    wait = await budget.wait_seconds(key)
    assert 1.3 < wait <= 1.5


def test_policy_refuses_a_burst_that_leaves_no_rate() -> None:
    with pytest.raises(ValueError, match="exceed"):
        BudgetPolicy(window_limit=6, burst=5, margin=2)
