"""How every service's ``__main__`` starts: settings, logging, uvloop, signals.

``run_service`` builds the settings from the environment, configures logging, installs
uvloop, and runs the service's ``main(settings, stop)`` coroutine until SIGTERM or
SIGINT sets ``stop``. A configuration error ends the process with a one-line message
and exit code 2 rather than a traceback.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

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
