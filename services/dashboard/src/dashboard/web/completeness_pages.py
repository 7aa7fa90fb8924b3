"""Report › Completeness: the daily reconciliation (``ingest.reconcile``) as the
merchant sees it: per shop day, orders and totals in KMO Shops against those booked,
and every difference, linked to the order."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from aiohttp import web

from dashboard.keys import POOL
from dashboard.tenancy import requested_installation
from dashboard.web.context import installation_page
from dashboard.web.render import render

routes = web.RouteTableDef()

DAYS = 31


def _totals(raw: dict[str, str]) -> list[tuple[str, Decimal]]:
    return sorted((currency, Decimal(total)) for currency, total in raw.items())


@routes.get("/i/{installation_id}/report/completeness")
async def completeness(request: web.Request) -> web.Response:
    installation = await requested_installation(request)
    async with request.app[POOL].acquire() as conn:
        rows = await conn.fetch(
            """SELECT day, shop_count, shop_totals, invoiced_count, invoiced_totals,
                      differences, checked_at
                 FROM reconciliations WHERE installation_id = $1
                ORDER BY day DESC LIMIT $2""",
            installation.id,
            DAYS,
        )
    days: list[dict[str, Any]] = [
        {
            "day": r["day"],
            "shop_count": r["shop_count"],
            "shop_totals": _totals(r["shop_totals"]),
            "invoiced_count": r["invoiced_count"],
            "invoiced_totals": _totals(r["invoiced_totals"]),
            "differences": r["differences"],
            "checked_at": r["checked_at"],
        }
        for r in rows
    ]
    context = await installation_page(request, installation, "report", days=days)
    return await render("reconcile/completeness.html", request, context)
