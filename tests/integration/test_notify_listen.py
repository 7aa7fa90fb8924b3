"""The listening connection goes back to its pool however the listener is stopped."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from common.db.notify import listen
from common.db.pool import create_pool

pytestmark = pytest.mark.integration


async def test_a_listener_cancelled_while_it_starts_leaves_no_connection_behind(
    database_url: str,
) -> None:
    """A service stopped right after its start cancelled the listener mid-LISTEN; the
    connection never went back to the pool, and closing the pool hung for ever."""
    pool = await create_pool(database_url, min_size=1, max_size=2)
    try:
        callbacks = {"k2i_test_a": lambda *_: None, "k2i_test_b": lambda *_: None}
        for attempt in range(60):
            stop = asyncio.Event()
            task = asyncio.create_task(listen(pool, callbacks, stop))
            await asyncio.sleep(0.0005 * (attempt % 8))
            stop.set()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            assert pool.get_size() == pool.get_idle_size(), f"attempt {attempt}"
    finally:
        await asyncio.wait_for(pool.close(), 10)
