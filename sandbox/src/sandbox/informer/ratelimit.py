"""Per-API-key call budgets: a short window (60 calls / 60 s) and a day (5,000 / 24 h).

Both windows are rolling: a call counts until exactly one window length after it was
made, so a burst at the end of one minute cannot be followed by a second burst at the
start of the next (stricter than a fixed window). Only calls that are let through
consume budget; a refused call (401, 429) costs nothing.
"""

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RateLimitConfig:
    enabled: bool = True
    window_seconds: float = 60.0
    window_limit: int = 60
    day_seconds: float = 86_400.0
    daily_limit: int = 5_000

    def as_dict(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "window_seconds": self.window_seconds,
            "window_limit": self.window_limit,
            "day_seconds": self.day_seconds,
            "daily_limit": self.daily_limit,
        }


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    headers: dict[str, str]
    retry_after: int = 0


@dataclass
class _Budget:
    window: deque[float] = field(default_factory=deque)
    day: deque[float] = field(default_factory=deque)


class RateLimiter:
    def __init__(self, config: RateLimitConfig | None = None) -> None:
        self.config = config or RateLimitConfig()
        self._budgets: dict[str, _Budget] = {}

    def configure(self, **changes: Any) -> None:
        """Change limits; counted calls are forgotten so a test starts from a full budget."""
        for name, value in changes.items():
            if not hasattr(self.config, name):
                raise ValueError(f"unknown rate-limit setting {name!r}")
            setattr(self.config, name, value)
        self.reset()

    def reset(self) -> None:
        self._budgets.clear()

    def check(self, key: str, now: float) -> Verdict:
        """Count the call if the budget allows it; otherwise say how long to wait."""
        cfg = self.config
        if not cfg.enabled:
            return Verdict(True, {})
        budget = self._budgets.setdefault(key, _Budget())
        _expire(budget.window, now - cfg.window_seconds)
        _expire(budget.day, now - cfg.day_seconds)
        waits = []
        if len(budget.window) >= cfg.window_limit:
            waits.append(budget.window[len(budget.window) - cfg.window_limit] + cfg.window_seconds)
        if len(budget.day) >= cfg.daily_limit:
            waits.append(budget.day[len(budget.day) - cfg.daily_limit] + cfg.day_seconds)
        if waits:
            retry_after = max(1, math.ceil(max(waits) - now))
            return Verdict(False, self._headers(budget, now), retry_after)
        budget.window.append(now)
        budget.day.append(now)
        return Verdict(True, self._headers(budget, now))

    def _headers(self, budget: _Budget, now: float) -> dict[str, str]:
        cfg = self.config
        reset_at = budget.window[0] + cfg.window_seconds if budget.window else now
        return {
            "X-RateLimit-Limit": str(cfg.window_limit),
            "X-RateLimit-Remaining": str(max(0, cfg.window_limit - len(budget.window))),
            "X-RateLimit-Reset": str(math.ceil(reset_at)),
            "X-DailyLimit-Limit": str(cfg.daily_limit),
            "X-DailyLimit-Remaining": str(max(0, cfg.daily_limit - len(budget.day))),
        }


def _expire(calls: deque[float], cutoff: float) -> None:
    while calls and calls[0] <= cutoff:
        calls.popleft()
