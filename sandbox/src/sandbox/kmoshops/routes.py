"""The KMO Shops API under /api/v1, as kmoshops/API.md defines it.

Each call is checked in this order: token (401), rate limit (429), injected fault
(5xx), then the request itself (400, 404). Query strings are read strictly: unknown or
repeated parameters are refused, so a typo never silently falls back to a default.
"""

import re

from aiohttp import web

from sandbox.kmoshops.errors import ApiError
from sandbox.kmoshops.keys import STATE
from sandbox.kmoshops.model import Shop, parse_rfc3339

DEFAULT_LIMIT, MAX_LIMIT = 50, 250
_POSITIVE = re.compile(r"^[1-9][0-9]{0,8}$")
_ORDER_PARAMS = ("updated_since", "page", "limit")


def authorize(request: web.Request) -> Shop:
    state = request.app[STATE]
    header = request.headers.get("Authorization")
    if header is None:
        raise ApiError(401, "unauthorized", "missing Authorization: Bearer <token> header")
    scheme, _, token = header.partition(" ")
    if scheme != "Bearer" or not token or token != token.strip():
        raise ApiError(401, "unauthorized", "Authorization must be 'Bearer <token>'")
    shop = state.shop_for_token(token)
    if shop is None:
        raise ApiError(401, "unauthorized", "the token is wrong or has been revoked")
    wait = state.limiter.retry_after(token)
    if wait is not None:
        limit = state.limiter.config
        raise ApiError(
            429,
            "rate_limited",
            f"over {limit.limit} requests in {limit.window_seconds:g} s for this token",
            {"Retry-After": str(wait)},
        )
    fault = state.take_fault(shop)
    if fault is not None:
        raise ApiError(fault, "platform_error", "injected fault: platform trouble, retry later")
    return shop


async def get_shop(request: web.Request) -> web.Response:
    return web.json_response(authorize(request).public())


async def list_orders(request: web.Request) -> web.Response:
    shop = authorize(request)
    query = request.query
    unknown = sorted(set(query) - set(_ORDER_PARAMS))
    if unknown:
        raise ApiError(400, "bad_request", f"unknown query parameters: {', '.join(unknown)}")
    for name in _ORDER_PARAMS:
        if len(query.getall(name, [])) > 1:
            raise ApiError(400, "bad_request", f"{name} is given more than once")
    if "updated_since" not in query:
        raise ApiError(400, "bad_request", "updated_since is required (RFC 3339 with offset)")
    try:
        since = parse_rfc3339(query["updated_since"])
    except ValueError as exc:
        raise ApiError(400, "bad_request", f"updated_since: {exc}") from None
    page = _positive(query.get("page", "1"), "page")
    limit = _positive(query.get("limit", str(DEFAULT_LIMIT)), "limit")
    if limit > MAX_LIMIT:
        raise ApiError(400, "bad_request", f"limit must be 1..{MAX_LIMIT}, got {limit}")
    orders, pages, total = request.app[STATE].list_orders(shop.id, since, page, limit)
    if page > pages:
        raise ApiError(400, "bad_request", f"page {page} is past the last page {pages}")
    return web.json_response({"orders": orders, "page": page, "pages": pages, "total": total})


async def get_order(request: web.Request) -> web.Response:
    shop = authorize(request)
    state = request.app[STATE]
    raw = request.match_info["order_id"]
    order_id = int(raw) if _POSITIVE.match(raw) else None
    if (
        order_id is None
        or order_id not in state.orders
        or state.shop_of_order(order_id) is not shop
    ):
        raise ApiError(404, "not_found", f"no order {raw}")
    return web.json_response(state.orders[order_id])


def _positive(raw: str, name: str) -> int:
    if not _POSITIVE.match(raw):
        upper = f"1..{MAX_LIMIT}" if name == "limit" else "a whole number >= 1"
        raise ApiError(400, "bad_request", f"{name} must be {upper}, got {raw!r}")
    return int(raw)


def add_routes(app: web.Application, prefix: str = "/api/v1") -> None:
    app.router.add_get(f"{prefix}/shop", get_shop)
    app.router.add_get(f"{prefix}/orders", list_orders)
    app.router.add_get(f"{prefix}/orders/{{order_id}}", get_order)
