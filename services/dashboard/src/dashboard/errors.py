"""Errors as the merchant sees them: an HTML page, or JSON ``{"error": {...}}`` under
/api. Nothing about the internals (no stack trace, no SQL) reaches the response."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from common.logging import get_logger
from dashboard.web.render import render

log = get_logger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

TITLES = {
    400: "That did not work",
    401: "Please log in",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed",
    409: "Already changed",
    413: "Too large",
    500: "Something went wrong on our side",
}


async def error_response(request: web.Request, status: int, message: str) -> web.StreamResponse:
    if request.path.startswith("/api/"):
        return web.json_response({"error": {"status": status, "message": message}}, status=status)
    return await render(
        "error.html",
        request,
        {
            "status": status,
            "title": TITLES.get(status, "Error"),
            "message": message,
        },
        status=status,
    )


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        message = exc.text if exc.text and not exc.text.startswith(str(exc.status)) else ""
        return await error_response(request, exc.status, message or exc.reason)
    except Exception:
        log.exception("unhandled error", path=request.path, method=request.method)
        return await error_response(request, 500, "Please try again in a moment.")
