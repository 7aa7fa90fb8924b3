"""The merchant's web application: ``create_app`` builds it from settings and the
resources it needs, so tests and ``bootstrap`` build it the same way.

To add pages or API endpoints, write a module with ``routes = web.RouteTableDef()``
(and, for /api routes, ``openapi_paths``: its part of the OpenAPI document) and add
its name to :data:`ROUTE_MODULES`. Templates go under ``dashboard/templates`` (a
sub-folder per feature) and extend ``base.html``.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

import aiohttp_jinja2
import jinja2
from aiohttp import web

from common.crypto import SecretBox
from common.db.pool import Pool
from dashboard import formatting
from dashboard.auth.middleware import auth_middleware
from dashboard.errors import error_middleware
from dashboard.keys import BOX, POOL, SETTINGS
from dashboard.settings import DashboardSettings
from dashboard.setup import service as setup_service

ROUTE_MODULES: list[str] = [
    "dashboard.web.auth_pages",
    "dashboard.web.order_pages",
    "dashboard.web.completeness_pages",
    "dashboard.web.backfill_pages",
    "dashboard.web.installation_pages",
    "dashboard.api.account",
    "dashboard.api.orders",
    "dashboard.api.installations",
    "dashboard.api.backfills",
    "dashboard.setup.pages",
    "dashboard.setup.api",
    "dashboard.api.openapi",
]

STATIC = Path(__file__).parent / "static"


def route_modules() -> list[ModuleType]:
    return [importlib.import_module(name) for name in ROUTE_MODULES]


def create_app(settings: DashboardSettings, pool: Pool, box: SecretBox) -> web.Application:
    app = web.Application(middlewares=[error_middleware, auth_middleware], client_max_size=1024**2)
    app[SETTINGS] = settings
    app[POOL] = pool
    app[BOX] = box
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.PackageLoader("dashboard", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )
    formatting.register(env)
    for module in route_modules():
        app.router.add_routes(module.routes)
    app.router.add_static("/static/", STATIC, name="static")
    setup_service.install(app)
    return app
