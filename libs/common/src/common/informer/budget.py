"""The Informer call budget of an administration, shared by every processor replica and
the dashboard (which verifies credentials and reads the configuration's lists with the
same API key, so its calls count against the same 60 a minute).

Informer allows 60 calls a minute and 5,000 a day per API key and answers 429 beyond.
Every call first takes a token from ``informer_acquire`` in PostgreSQL (one row lock per
administration, one clock: the database's), so any number of replicas together stay
under the limits and, in steady state, never see a 429. A 429 that comes anyway (the
merchant's own scripts share the key) pauses the budget for its Retry-After, for all
replicas at once.

The per-window limit is a GCRA: one call every ``window / (limit - margin - burst)``
with ``burst`` calls of tolerance, which keeps every rolling window at or under
``limit - margin`` calls. The margin absorbs the difference between our clock and
Informer's. Waits up to ``max_inline_wait`` are slept; a longer one (the day is spent)
raises :class:`BudgetExhausted`, and the order goes back to the queue until then.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

from common.db.pool import Pool
from common.settings import InformerSettings


class BudgetExhausted(Exception):
    def __init__(self, budget_key: str, wait_seconds: float) -> None:
        super().__init__(f"Informer budget spent; next call in {wait_seconds:.0f}s")
        self.budget_key = budget_key
        self.wait_seconds = wait_seconds


@dataclass(frozen=True)
class BudgetPolicy:
    window_seconds: float = 60.0
    window_limit: int = 60
    day_seconds: float = 86_400.0
    day_limit: int = 5_000
    burst: int = 5
    margin: int = 2
    max_inline_wait: float = 5.0
    enabled: bool = True

    def __post_init__(self) -> None:
        if self.window_limit - self.margin - self.burst < 1:
            raise ValueError("window_limit must exceed margin + burst")

    @classmethod
    def from_settings(
        cls, settings: InformerSettings, *, max_inline_wait: float = 5.0
    ) -> BudgetPolicy:
        return cls(
            window_seconds=settings.informer_window_seconds,
            window_limit=settings.informer_window_limit,
            day_seconds=settings.informer_day_seconds,
            day_limit=settings.informer_day_limit,
            burst=settings.informer_burst,
            margin=settings.informer_margin,
            enabled=settings.informer_budget_enabled,
            max_inline_wait=max_inline_wait,
        )

    @property
    def interval(self) -> timedelta:
        return timedelta(
            seconds=self.window_seconds / (self.window_limit - self.margin - self.burst)
        )

    @property
    def tolerance(self) -> timedelta:
        return self.interval * max(self.burst - 1, 0)

    @property
    def day(self) -> timedelta:
        return timedelta(seconds=self.day_seconds)

    @property
    def bucket(self) -> timedelta:
        return timedelta(seconds=self.day_seconds / 96)

    @property
    def usable_per_day(self) -> int:
        return self.day_limit - self.margin


class Budget:
    def __init__(self, pool: Pool, policy: BudgetPolicy) -> None:
        self._pool = pool
        self._policy = policy

    async def wait_seconds(self, budget_key: str) -> float:
        """Take a call if one is free now (returns 0), else return how long to wait."""
        policy = self._policy
        return await self._pool.fetchval(
            "SELECT informer_acquire($1, $2, $3, $4, $5, $6)",
            budget_key,
            policy.interval,
            policy.tolerance,
            policy.day,
            policy.usable_per_day,
            policy.bucket,
        )

    async def acquire(self, budget_key: str) -> None:
        if not self._policy.enabled:
            return
        while True:
            wait = await self.wait_seconds(budget_key)
            if wait <= 0:
                return
            if wait > self._policy.max_inline_wait:
                raise BudgetExhausted(budget_key, wait)
            await asyncio.sleep(wait)

    async def pause(self, budget_key: str, seconds: float) -> None:
        """Informer said 429: nobody calls with this key for ``seconds``."""
        await self._pool.execute(
            """INSERT INTO informer_budgets (budget_key, tat, paused_until)
               VALUES ($1, now(), clock_timestamp() + $2::interval)
               ON CONFLICT (budget_key) DO UPDATE
                  SET paused_until = greatest(informer_budgets.paused_until,
                                              EXCLUDED.paused_until)""",
            budget_key,
            timedelta(seconds=seconds),
        )
