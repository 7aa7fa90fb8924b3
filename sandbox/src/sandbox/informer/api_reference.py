"""GET /administration and the reference lists behind the dashboard's drop-downs."""

from collections.abc import Callable
from typing import Any

from aiohttp import web

from sandbox.informer import jsonutil, views
from sandbox.informer.api_common import context
from sandbox.informer.model import Administration


async def administration(request: web.Request) -> web.Response:
    _, admin = context(request)
    return jsonutil.json_response(views.administration(admin))


def reference_list(view: Callable[[Administration], list[dict[str, Any]]]) -> Any:
    async def handler(request: web.Request) -> web.Response:
        _, admin = context(request)
        return jsonutil.json_response(view(admin))

    return handler


REFERENCE_LISTS = {
    "/payment-conditions": views.payment_conditions,
    "/templates": views.templates,
    "/vat": views.vat_rates,
    "/ledgers": views.ledgers,
    "/costs": views.costs,
    "/currencies": views.currencies,
    "/products": views.products,
}
