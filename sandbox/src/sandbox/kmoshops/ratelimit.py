"""Per-token budget: 120 calls in any rolling 60 seconds (kmoshops/API.md).

Rolling, not fixed windows: a call counts until exactly one window after it was made,
so a burst at the end of one minute cannot be followed by another at the start of the
next. Refused calls (401, 429) cost nothing. Retry-After is whole seconds, at least 1,
rounded up, so a client that waits that long is always let through.
"""

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RateLimitConfig:
    enabled: bool = True
    limit: int = 120
    window_seconds: float = 60.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "limit": self.limit,
            "window_seconds": self.window_seconds,
        }


@dataclass
class RateLimiter:
    config: RateLimitConfig = field(default_factory=RateLimitConfig)
    clock: Callable[[], float] = time.monotonic
    _calls: dict[str, deque[float]] = field(default_factory=dict)

    def configure(self, **changes: Any) -> None:
        """Change settings and forget counted calls, so a test starts with a full budget."""
        for name, value in changes.items():
            if name not in RateLimitConfig.__dataclass_fields__:
                raise ValueError(f"unknown rate-limit setting {name!r}")
            setattr(self.config, name, value)
        if self.config.limit < 1 or self.config.window_seconds <= 0:
            raise ValueError("limit must be >= 1 and window_seconds > 0")
        self._calls.clear()

    def reset(self) -> None:
        self._calls.clear()

    def retry_after(self, token: str) -> int | None:
        """None when the call is allowed (and counted); else the seconds to wait."""
        if not self.config.enabled:
            return None
        now = self.clock()
        calls = self._calls.setdefault(token, deque())
        while calls and calls[0] <= now - self.config.window_seconds:
            calls.popleft()
        if len(calls) >= self.config.limit:
            oldest = calls[len(calls) - self.config.limit]
            return max(1, math.ceil(oldest + self.config.window_seconds - now))
        calls.append(now)
        return None
