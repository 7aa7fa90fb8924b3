"""JSON error bodies: {"error": {"code": ..., "message": ...}} on every non-2xx answer."""

import json
from collections.abc import Awaitable, Callable

from aiohttp import web


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    body = json.dumps({"error": {"code": code, "message": message}})
    return web.Response(status=status, text=body, content_type="application/json", headers=headers)


_CODES = {404: "not_found", 405: "method_not_allowed", 400: "bad_request"}


@web.middleware
async def json_errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        return error_response(exc.status, exc.code, exc.message, exc.headers)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = _CODES.get(exc.status, "error")
        kept = {k: v for k, v in exc.headers.items() if k.lower() == "allow"}
        return error_response(exc.status, code, exc.reason, kept)
