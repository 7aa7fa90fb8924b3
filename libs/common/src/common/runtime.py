"""How every service's ``__main__`` starts: settings, logging, uvloop, signals.

``run_service`` builds the settings from the environment, configures logging, installs
uvloop, and runs the service's ``main(settings, stop)`` coroutine until SIGTERM or
SIGINT sets ``stop``. A configuration error ends the process with a one-line message
and exit code 2 rather than a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
import sys
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, TypeVar

import uvloop
from pydantic import ValidationError

from common.crypto import SecretKeyError
from common.logging import configure_logging, get_logger
from common.settings import CommonSettings

S = TypeVar("S", bound=CommonSettings)


def load_settings(settings_type: type[S]) -> S:
    try:
        return settings_type()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']).upper()}: {err['msg']}" for err in exc.errors()
        )
        sys.stderr.write(f"configuration error: {problems}\n")
        raise SystemExit(2) from None


def run_service(
    service: str,
    settings_type: type[S],
    main: Callable[[S, asyncio.Event], Awaitable[None]],
) -> None:
    settings = load_settings(settings_type)
    configure_logging(service, settings.log_format, settings.log_level)
    log = get_logger(service)

    async def _run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        log.info("service starting")
        await main(settings, stop)
        log.info("service stopped")

    try:
        uvloop.run(_run())
    except SecretKeyError as exc:
        sys.stderr.write(f"configuration error: {exc}\n")
        raise SystemExit(2) from None


def stop_on_failure(task: asyncio.Task[None], stop: asyncio.Event) -> None:
    """A service's long-running task died: stop the service, so its supervisor
    (compose, systemd, honcho) restarts it, rather than run on half-dead."""
    if not task.cancelled() and task.exception() is not None:
        get_logger("runtime").error("a service task failed; stopping", error=repr(task.exception()))
        stop.set()


GC_YOUNG_THRESHOLD = 20_000
"""Allocations between young collections (CPython's default is 700)."""


def settle_heap() -> None:
    """Tune the cyclic garbage collector for a long-running service, once started.

    Everything built at startup (modules, pydantic schemas, pools, the app) lives as
    long as the process: ``gc.freeze`` keeps it out of every later collection, which
    otherwise walked all of it on each full one. Per order, the services allocate
    thousands of short-lived objects that reference counting frees; a young
    collection every 700 allocations mostly walked those. Garbage in cycles is still
    collected, less often.
    """
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)


async def run_until_stopped(
    stop: asyncio.Event,
    loops: Sequence[Coroutine[Any, Any, None]],
    *,
    cleanup: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Run a service's long-running loops until ``stop``; any loop dying stops all.

    On the way out ``cleanup`` runs first (closing the HTTP server, so nothing new
    comes in), then the loops are cancelled and awaited.
    """
    tasks = [asyncio.create_task(loop) for loop in loops]
    for task in tasks:
        task.add_done_callback(lambda done: stop_on_failure(done, stop))
    settle_heap()
    try:
        await stop.wait()
    finally:
        if cleanup is not None:
            await cleanup()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
