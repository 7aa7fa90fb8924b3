"""python -m sandbox.informer [--host H] [--port P] [--rate-window-seconds S]
[--no-rate-limit] [--no-access-log] [--seed FILE]

Every option can also come from the environment: INFORMER_SANDBOX_HOST, _PORT,
_RATE_WINDOW_SECONDS, _NO_RATE_LIMIT (1/true), _NO_ACCESS_LOG (1/true), _SEED, _WEB_URL.
"""

import argparse
import asyncio
import logging
import os
from collections.abc import Sequence

from aiohttp import web

from sandbox.informer.app import create_app
from sandbox.informer.ratelimit import RateLimitConfig
from sandbox.informer.seed import load_seed_file
from sandbox.informer.state import InformerState

ENV = "INFORMER_SANDBOX_"


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(ENV + name, default)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sandbox.informer")
    parser.add_argument("--host", default=_env("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(_env("PORT", "8102") or 8102))
    parser.add_argument(
        "--rate-window-seconds", type=float, default=float(_env("RATE_WINDOW_SECONDS", "60") or 60)
    )
    parser.add_argument(
        "--rate-window-limit", type=int, default=int(_env("RATE_WINDOW_LIMIT", "60") or 60)
    )
    parser.add_argument("--daily-limit", type=int, default=int(_env("DAILY_LIMIT", "5000") or 5000))
    parser.add_argument(
        "--no-rate-limit",
        action="store_true",
        default=(_env("NO_RATE_LIMIT", "") or "").lower() in ("1", "true", "yes"),
    )
    parser.add_argument(
        "--no-access-log",
        action="store_true",
        default=(_env("NO_ACCESS_LOG", "") or "").lower() in ("1", "true", "yes"),
        help="no line per request (the benchmark: it cost the sandbox a sixth of its CPU)",
    )
    parser.add_argument("--seed", default=_env("SEED"))
    parser.add_argument("--web-url", default=_env("WEB_URL", "https://app.informer.eu"))
    return parser.parse_args(argv)


def build_state(args: argparse.Namespace) -> InformerState:
    limits = RateLimitConfig(
        enabled=not args.no_rate_limit,
        window_seconds=args.rate_window_seconds,
        window_limit=args.rate_window_limit,
        daily_limit=args.daily_limit,
    )
    seed = load_seed_file(args.seed) if args.seed else None
    return InformerState(seed, rate_limit=limits, web_url=args.web_url)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # The access log format names method, path and status only: never the Apikey or
    # Securitycode headers.
    web.run_app(
        create_app(build_state(args)),
        host=args.host,
        port=args.port,
        access_log=None if args.no_access_log else logging.getLogger("aiohttp.access"),
        access_log_format='%a "%r" %s %b %Tf',
        loop=_event_loop(),
    )


def _event_loop() -> asyncio.AbstractEventLoop:
    """uvloop where it is installed (it is beside kmo2informer's services), as there."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


if __name__ == "__main__":
    main()
