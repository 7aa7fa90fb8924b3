"""create_app: the Informer API under /v2 and the control API under /_sandbox."""

from aiohttp import web

from sandbox.informer.control import add_control_routes
from sandbox.informer.keys import STATE
from sandbox.informer.middleware import informer_api
from sandbox.informer.routes import add_api_routes
from sandbox.informer.state import InformerState


def create_app(state: InformerState | None = None) -> web.Application:
    app = web.Application(middlewares=[informer_api])
    app[STATE] = state if state is not None else InformerState()
    add_api_routes(app)
    add_control_routes(app)
    return app
