"""The write coalescer: batching, per-item errors and cancellation, in pure asyncio."""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Awaitable, Callable

import pytest

from common.db.coalesce import Coalescer

POISON = "poison"
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


def bounded(test: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
    """Fail a test that would wait forever (a submit never settled) instead of hanging.
    The timeout cancels the test once: tests must not swallow ``CancelledError``."""

    @functools.wraps(test)
    async def run() -> None:
        async with asyncio.timeout(5):
            await test()

    return run


class Store:
    """A flush target that records every batch; holds each flush until ``gate`` opens
    and rejects any batch holding ``POISON``, as a database constraint would."""

    def __init__(self, *, fail_first_batch: bool = False) -> None:
        self.batches: list[list[str]] = []
        self.written: list[str] = []
        self.contexts: list[str] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.flushing = asyncio.Event()
        self._fail_first_batch = fail_first_batch

    async def flush(self, items: list[str]) -> None:
        self.batches.append(list(items))
        self.contexts.append(request_id.get())
        self.flushing.set()
        await self.gate.wait()
        if POISON in items:
            raise ValueError("constraint violated")
        if self._fail_first_batch and len(items) > 1:
            self._fail_first_batch = False
            raise ConnectionError("connection lost")
        self.written.extend(items)

    def hold(self) -> None:
        self.gate.clear()
        self.flushing.clear()


async def settle() -> None:
    """Let every ready task run until it blocks."""
    for _ in range(10):
        await asyncio.sleep(0)


def submit_all(coalescer: Coalescer[str], items: list[str]) -> list[asyncio.Task[None]]:
    return [asyncio.create_task(coalescer.submit(item)) for item in items]


@bounded
async def test_a_lone_item_is_flushed_at_once() -> None:
    store = Store()
    coalescer = Coalescer(store.flush)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await coalescer.submit("a")
    assert loop.time() - started < 0.1  # no timer waits for company
    assert store.batches == [["a"]]
    assert store.written == ["a"]


@bounded
async def test_items_submitted_while_a_flush_runs_go_together_into_the_next() -> None:
    store = Store()
    coalescer = Coalescer(store.flush)
    store.hold()
    first = asyncio.create_task(coalescer.submit("a"))
    await store.flushing.wait()
    later = submit_all(coalescer, [f"e{n}" for n in range(10)])
    await settle()
    assert not first.done()  # its flush has not returned yet
    assert not any(task.done() for task in later)
    store.gate.set()
    await asyncio.gather(first, *later)
    assert store.batches == [["a"], [f"e{n}" for n in range(10)]]
    assert coalescer.flushes == 2


@bounded
async def test_items_submitted_in_one_tick_share_the_first_flush() -> None:
    store = Store()
    coalescer = Coalescer(store.flush)
    await asyncio.gather(*submit_all(coalescer, ["a", "b", "c"]))
    assert store.batches == [["a", "b", "c"]]


@bounded
async def test_batches_are_capped_and_keep_submission_order() -> None:
    store = Store()
    coalescer = Coalescer(store.flush, max_batch=3)
    store.hold()
    first = asyncio.create_task(coalescer.submit("a"))
    await store.flushing.wait()
    later = submit_all(coalescer, list("bcdefgh"))
    await settle()
    store.gate.set()
    await asyncio.gather(first, *later)
    assert store.batches == [["a"], ["b", "c", "d"], ["e", "f", "g"], ["h"]]
    assert store.written == list("abcdefgh")


@bounded
async def test_a_poison_item_fails_only_its_own_submit() -> None:
    store = Store()
    coalescer = Coalescer(store.flush)
    store.hold()
    first = asyncio.create_task(coalescer.submit("a"))
    await store.flushing.wait()
    later = submit_all(coalescer, ["b", POISON, "c"])
    await settle()
    store.gate.set()
    await first
    results = await asyncio.gather(*later, return_exceptions=True)
    assert results[0] is None
    assert results[2] is None
    assert isinstance(results[1], ValueError)
    assert store.batches == [["a"], ["b", POISON, "c"], ["b"], [POISON], ["c"]]
    assert sorted(store.written) == ["a", "b", "c"]
    await coalescer.submit("d")  # and the coalescer goes on
    assert store.written[-1] == "d"


@bounded
async def test_a_single_item_that_fails_is_not_flushed_twice() -> None:
    store = Store()
    coalescer = Coalescer(store.flush)
    with pytest.raises(ValueError, match="constraint"):
        await coalescer.submit(POISON)
    assert store.batches == [[POISON]]


@bounded
async def test_a_transient_batch_failure_lands_every_item_one_by_one() -> None:
    store = Store(fail_first_batch=True)
    coalescer = Coalescer(store.flush)
    await asyncio.gather(*submit_all(coalescer, ["a", "b"]))
    assert store.batches == [["a", "b"], ["a"], ["b"]]
    assert store.written == ["a", "b"]


@bounded
async def test_a_submitter_cancelled_before_its_flush_withdraws_its_item() -> None:
    store = Store()
    coalescer = Coalescer(store.flush)
    store.hold()
    first = asyncio.create_task(coalescer.submit("a"))
    await store.flushing.wait()
    b, c, d = submit_all(coalescer, ["b", "c", "d"])
    await settle()
    c.cancel()
    store.gate.set()
    await asyncio.gather(first, b, d)
    assert c.cancelled()
    assert store.batches == [["a"], ["b", "d"]]


@bounded
async def test_a_submitter_cancelled_during_its_flush_leaves_the_batch_alone() -> None:
    store = Store()
    coalescer = Coalescer(store.flush)
    store.hold()
    a, b, c = submit_all(coalescer, ["a", "b", "c"])
    await store.flushing.wait()
    a.cancel()
    await settle()
    assert not b.done()
    assert not c.done()
    store.gate.set()
    await asyncio.gather(b, c)
    assert a.cancelled()
    assert store.batches == [["a", "b", "c"]]
    assert store.written == ["a", "b", "c"]  # written though nobody waits for "a"
    await coalescer.submit("d")
    assert store.batches[-1] == ["d"]


@bounded
async def test_a_cancelled_flusher_cancels_its_waiters_and_a_new_one_starts() -> None:
    store = Store()
    coalescer = Coalescer(store.flush)
    store.hold()
    first = asyncio.create_task(coalescer.submit("a"))
    await store.flushing.wait()
    (queued,) = submit_all(coalescer, ["b"])
    await settle()
    (flusher,) = [task for task in asyncio.all_tasks() if task.get_name() == "coalescer flush"]
    flusher.cancel()
    await asyncio.wait([first, queued], timeout=1)
    assert first.cancelled()
    assert queued.cancelled()
    store.gate.set()
    await coalescer.submit("c")
    assert store.batches == [["a"], ["c"]]


@bounded
async def test_the_flush_does_not_run_in_the_first_submitters_context() -> None:
    store = Store()
    coalescer = Coalescer(store.flush)
    request_id.set("order-7001")
    await coalescer.submit("a")
    assert store.contexts == ["-"]


def test_a_batch_holds_at_least_one_item() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Coalescer(Store().flush, max_batch=0)
