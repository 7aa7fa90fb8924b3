"""Waking up on PostgreSQL NOTIFY, with a poll as the safety net.

A :class:`Wakeup` holds one LISTEN connection (re-opened after database trouble).
Each notification is a token: :meth:`Wakeup.wait_turn` takes one, so one notification
wakes one of many waiting workers, not all of them at once to race for a single row;
:meth:`Wakeup.wait` (for a lone waiter such as the outbox relay) takes them all.
Notifications are hints, never the source of truth: whoever wakes re-reads the table.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping

from common.db.pool import Pool
from common.logging import get_logger

log = get_logger(__name__)

ORDER_QUEUED = "order_queued"
"""NOTIFY channel that wakes the processor's workers when an order is queued (by the
processor's intake, or by the dashboard when a merchant resubmits a failed order)."""


class Wakeup:
    def __init__(
        self, pool: Pool, channel: str, accept: Callable[[str], bool] | None = None
    ) -> None:
        """``accept`` picks the notifications (by payload) that wake; default all. A
        lost listening connection always wakes."""
        self._pool = pool
        self._channel = channel
        self._accept = accept
        self._tokens: asyncio.Queue[None] = asyncio.Queue(maxsize=10_000)

    def set(self) -> None:
        with contextlib.suppress(asyncio.QueueFull):
            self._tokens.put_nowait(None)

    async def wait_turn(self, seconds: float) -> None:
        """Return on one notification (consuming it) or after ``seconds``."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._tokens.get(), seconds)

    async def wait(self, seconds: float) -> None:
        """Return when notified since the last wait (consuming every notification so
        far) or after ``seconds``."""
        await self.wait_turn(seconds)
        while not self._tokens.empty():
            self._tokens.get_nowait()

    async def listen(self, stop: asyncio.Event) -> None:
        await listen(self._pool, {self._channel: self.on_notify}, stop)

    def on_notify(self, _conn: object, _pid: int, _channel: str, payload: str | None) -> None:
        if payload is None or self._accept is None or self._accept(payload):
            self.set()


Callback = Callable[[object, int, str, str | None], object]
"""``(connection, pid, channel, payload)``, as asyncpg calls a listener."""


async def listen(pool: Pool, callbacks: Mapping[str, Callback], stop: asyncio.Event) -> None:
    """LISTEN on every channel of ``callbacks`` over one connection until ``stop``,
    re-opening it after database trouble. Each callback runs per notification on its
    channel, and once with payload None after a lost connection (notifications may
    have been missed meanwhile)."""
    while not stop.is_set():
        try:
            async with pool.acquire() as conn:
                try:
                    for channel, callback in callbacks.items():
                        await conn.add_listener(channel, callback)
                    while not stop.is_set() and not conn.is_closed():
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(stop.wait(), timeout=5.0)
                        await conn.execute("SELECT 1")
                finally:
                    # Not UNLISTEN: cancelled mid-statement (a shutdown right after the
                    # start), the connection was never handed back to the pool, whose
                    # close then waited for it forever. A listening connection holds
                    # nothing worth keeping; the pool opens a fresh one when needed.
                    conn.terminate()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("listener lost its connection", channels=list(callbacks), error=repr(exc))
            for channel, callback in callbacks.items():
                callback(None, 0, channel, None)  # let waiters re-read while we reconnect
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=1.0)
