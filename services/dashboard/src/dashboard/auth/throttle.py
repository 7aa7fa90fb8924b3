"""Login throttling, per account and per client address.

Failures are counted in a fixed window per key; at the limit, further attempts are
refused without checking the password until the window ends, and the merchant is told
how long to wait. A successful log-in clears the account's count (not the address's,
so one good password cannot reset an attacker's budget from a shared address).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

import asyncpg


@dataclass(frozen=True)
class Limits:
    per_account: int
    per_address: int
    window: timedelta


@dataclass(frozen=True)
class Blocked:
    scope: str
    retry_after_seconds: int

    def message(self) -> str:
        minutes = max(1, math.ceil(self.retry_after_seconds / 60))
        who = "this account" if self.scope == "account" else "your address"
        return (
            f"Too many failed log-ins for {who}. Try again in {minutes} minute"
            f"{'s' if minutes != 1 else ''}, or reset your password with support."
        )


async def blocked(
    conn: asyncpg.Connection, email: str, address: str, limits: Limits
) -> Blocked | None:
    rows = await conn.fetch(
        """SELECT scope, failures,
                  extract(epoch FROM window_start + $3::interval - now()) AS remaining
             FROM login_failures
            WHERE ((scope = 'account' AND key = $1) OR (scope = 'address' AND key = $2))
              AND window_start + $3::interval > now()""",
        email.lower(),
        address,
        limits.window,
    )
    for row in rows:
        limit = limits.per_account if row["scope"] == "account" else limits.per_address
        if row["failures"] >= limit:
            return Blocked(row["scope"], math.ceil(row["remaining"]))
    return None


async def record_failure(
    conn: asyncpg.Connection, email: str, address: str, limits: Limits
) -> None:
    await conn.executemany(
        """INSERT INTO login_failures (scope, key, failures, window_start)
           VALUES ($1, $2, 1, now())
           ON CONFLICT (scope, key) DO UPDATE
              SET failures = CASE WHEN login_failures.window_start + $3::interval > now()
                                  THEN login_failures.failures + 1 ELSE 1 END,
                  window_start = CASE WHEN login_failures.window_start + $3::interval > now()
                                      THEN login_failures.window_start ELSE now() END""",
        [("account", email.lower(), limits.window), ("address", address, limits.window)],
    )


async def clear_account(conn: asyncpg.Connection, email: str) -> None:
    await conn.execute(
        "DELETE FROM login_failures WHERE scope = 'account' AND key = $1", email.lower()
    )
