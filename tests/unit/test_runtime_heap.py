"""A started service keeps its startup heap out of the garbage collector's walks."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Iterator

import pytest

from common.runtime import GC_YOUNG_THRESHOLD, run_until_stopped


@pytest.fixture
def restored_gc() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


async def test_a_started_service_freezes_its_startup_heap_and_collects_young_less_often(
    restored_gc: None,
) -> None:
    stop = asyncio.Event()
    frozen: list[int] = []

    async def loop() -> None:
        frozen.append(gc.get_freeze_count())
        stop.set()

    await run_until_stopped(stop, [loop()])
    assert frozen[0] > 0
    assert gc.get_threshold()[0] == GC_YOUNG_THRESHOLD
    assert gc.isenabled()


async def test_garbage_in_cycles_is_still_collected(restored_gc: None) -> None:
    stop = asyncio.Event()
    stop.set()
    await run_until_stopped(stop, [])

    class Node:
        other: object = None

    collected: list[bool] = []
    a, b = Node(), Node()
    a.other, b.other = b, a
    weakref.finalize(a, collected.append, True)
    del a, b
    gc.collect(0)
    assert collected == [True]
