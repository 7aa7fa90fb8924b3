"""Natural batching of writes: many concurrent callers, one flush at a time.

``await coalescer.submit(item)`` returns once a flush that contained ``item`` returned
(for a database write: committed), or raises that flush's error. One flush runs at a
time; everything submitted while it ran goes into the next one, in submission order,
at most ``max_batch`` items. There is no timer: a lone item on an idle system is
flushed at once, and under load a batch grows with the time the previous flush took.

A batch of several items that fails is flushed again one item at a time, so an item
that can never be written (a poison message) fails only its own submit, and a
transient failure costs its items one extra attempt each, not an error.

Cancelling a submitter never touches the others' batch: flushes run in their own task.
An item whose submitter is cancelled before its flush started is withdrawn; once its
flush started it may still be written, so flushes must tolerate an item written without
anyone waiting for it (the caller's retry then finds it done: idempotency). If the
flushing task itself is cancelled (the event loop shutting down), every waiting
submitter is cancelled too, rather than left waiting forever.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from common.logging import get_logger

log = get_logger(__name__)

T = TypeVar("T")

_Entry = tuple[T, asyncio.Future[None]]  # an item and what its submitter awaits


class Coalescer(Generic[T]):
    def __init__(
        self, flush: Callable[[list[T]], Awaitable[None]], *, max_batch: int = 128
    ) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._flush = flush
        self._max_batch = max_batch
        self._pending: deque[_Entry[T]] = deque()
        self._flusher: asyncio.Task[None] | None = None
        self.flushes = 0
        """Calls of ``flush`` so far, retries included (for tests and diagnostics)."""

    async def submit(self, item: T) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((item, done))
        if self._flusher is None:
            # A fresh context: the flusher serves every submitter, so it must not log
            # under the first one's correlation id.
            self._flusher = asyncio.create_task(
                self._drain(), name="coalescer flush", context=contextvars.Context()
            )
        await done  # a cancelled submitter cancels ``done``: withdrawn unless flushing

    async def _drain(self) -> None:
        batch: list[_Entry[T]] = []
        try:
            while self._pending:
                batch = self._take()
                if batch:
                    await self._write(batch)
                batch = []
        except BaseException:
            for _, done in (*batch, *self._pending):
                done.cancel()
            self._pending.clear()
            raise
        finally:
            self._flusher = None

    def _take(self) -> list[_Entry[T]]:
        batch: list[_Entry[T]] = []
        while self._pending and len(batch) < self._max_batch:
            entry = self._pending.popleft()
            if not entry[1].done():  # done before its flush: its submitter was cancelled
                batch.append(entry)
        return batch

    async def _write(self, batch: list[_Entry[T]]) -> None:
        self.flushes += 1
        try:
            await self._flush([item for item, _ in batch])
        except Exception as exc:
            if len(batch) == 1:
                _settle(batch[0][1], exc)
                return
            log.warning(
                "batch flush failed; flushing its items one by one",
                items=len(batch),
                error=repr(exc),
            )
            for entry in batch:
                if not entry[1].done():
                    await self._write([entry])
            return
        for _, done in batch:
            _settle(done, None)


def _settle(done: asyncio.Future[None], error: Exception | None) -> None:
    if done.done():  # its submitter was cancelled meanwhile
        return
    if error is None:
        done.set_result(None)
    else:
        done.set_exception(error)
