"""python -m sandbox.kmoshops --host 127.0.0.1 --port 8101 [--seed-demo] ..."""

import argparse
import logging

from aiohttp import web

from sandbox.kmoshops.app import create_app
from sandbox.kmoshops.demo import seed_demo
from sandbox.kmoshops.ratelimit import RateLimitConfig, RateLimiter
from sandbox.kmoshops.state import KmoShopsState, WebhookSettings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.kmoshops")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8101)
    parser.add_argument("--seed-demo", action="store_true", help="create shop 1234 with orders")
    parser.add_argument("--demo-orders", type=int, default=25)
    parser.add_argument(
        "--retry-time-scale", type=float, default=1.0, help="multiplies the retry pauses"
    )
    parser.add_argument("--webhook-timeout", type=float, default=10.0)
    parser.add_argument("--rate-window-seconds", type=float, default=60.0)
    parser.add_argument("--rate-limit", type=int, default=120)
    parser.add_argument("--no-rate-limit", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    limits = RateLimitConfig(
        enabled=not args.no_rate_limit,
        limit=args.rate_limit,
        window_seconds=args.rate_window_seconds,
    )
    state = KmoShopsState(
        limiter=RateLimiter(limits),
        webhook_settings=WebhookSettings(args.retry_time_scale, args.webhook_timeout),
    )
    if args.seed_demo:
        seed_demo(state, orders=args.demo_orders)
    web.run_app(create_app(state), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
