"""create_app(state) and a helper to serve it on a real port from inside a test."""

from collections.abc import AsyncIterator

from aiohttp import web

from sandbox.kmoshops import control, routes
from sandbox.kmoshops.errors import json_errors
from sandbox.kmoshops.keys import SENDER, STATE
from sandbox.kmoshops.state import KmoShopsState
from sandbox.kmoshops.webhooks import WebhookSender


def create_app(state: KmoShopsState | None = None) -> web.Application:
    app = web.Application(middlewares=[json_errors])
    app[STATE] = state if state is not None else KmoShopsState()
    app[SENDER] = WebhookSender(app[STATE])
    routes.add_routes(app)
    control.add_routes(app)
    app.cleanup_ctx.append(_run_sender)
    return app


async def _run_sender(app: web.Application) -> AsyncIterator[None]:
    await app[SENDER].start()
    yield
    await app[SENDER].stop()


async def serve(
    state: KmoShopsState, host: str = "127.0.0.1", port: int = 0
) -> tuple[web.AppRunner, str]:
    """Start the sandbox on a real port (0 picks a free one); returns (runner, base URL
    of the server). Stop it with ``await runner.cleanup()``."""
    runner = web.AppRunner(create_app(state), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0][1]
    return runner, f"http://{host}:{bound}"
