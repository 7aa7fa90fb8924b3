"""``GET /api/openapi.json``: the OpenAPI 3.1 document, assembled from the
``openapi_paths`` each route module keeps next to its endpoints (a test checks that
every /api route is documented and every documented one exists)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

routes = web.RouteTableDef()

UNSAFE = ("post", "put", "patch", "delete")


def build_document() -> dict[str, Any]:
    from dashboard.app import route_modules  # the modules list lives with the app

    paths: dict[str, Any] = {}
    for module in route_modules():
        for path, operations in getattr(module, "openapi_paths", {}).items():
            for method, operation in operations.items():
                if method in UNSAFE and operation.get("security"):
                    operation = {**operation, "security": [{"session": [], "csrf": []}]}
                paths.setdefault(path, {})[method] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "kmo2informer dashboard API",
            "version": "1",
            "description": (
                "The merchant's dashboard as JSON. Log in with POST /api/v1/session; the "
                "session cookie authenticates, and every request that changes something "
                "carries the session's CSRF token in X-CSRF-Token and a JSON body "
                "(Content-Type: application/json). Anything not of the logged-in account "
                "answers 404. Amounts are decimal strings; times ISO 8601."
            ),
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "k2i_session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"},
            }
        },
    }


@routes.get("/api/openapi.json")
async def openapi(_: web.Request) -> web.Response:
    return web.json_response(build_document())
