"""Report › Back-fill: the form that starts one and the progress of the latest ones."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from dashboard import backfill
from dashboard.keys import POOL, session_of
from dashboard.tenancy import OwnedInstallation, requested_installation
from dashboard.web.context import back_to, installation_page
from dashboard.web.render import render

routes = web.RouteTableDef()


def _readable(progress: dict[str, Any]) -> dict[str, Any]:
    """The progress with its times as datetimes again, for the shop-zone filters."""
    times = {
        "range_from": progress["range"][0],
        "range_to": progress["range"][1],
        "started": progress["started_at"],
        "finished": progress["finished_at"],
    }
    return progress | {k: datetime.fromisoformat(v) if v else None for k, v in times.items()}


async def _page(
    request: web.Request,
    installation: OwnedInstallation,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        backfills = [_readable(p) for p in await backfill.recent(conn, installation)]
    context = await installation_page(
        request,
        installation,
        "report",
        backfills=backfills,
        running=any(b["status"] == "running" for b in backfills),
        form=form or {},
        errors=errors or {},
    )
    return await render("backfill/backfill.html", request, context, status=status)


@routes.get("/i/{installation_id}/report/backfill")
async def backfill_page(request: web.Request) -> web.Response:
    return await _page(request, await requested_installation(request))


@routes.post("/i/{installation_id}/report/backfill")
async def start_backfill(request: web.Request) -> web.StreamResponse:
    installation = await requested_installation(request)
    data = await request.post()
    form = {name: str(data.get(name, "")) for name in ("from", "to")}
    today = datetime.now(ZoneInfo(installation.shop_timezone)).date()
    days = backfill.parse_range(form, today)
    if not isinstance(days, backfill.Range):
        return await _page(request, installation, form=form, errors=days, status=400)
    async with request.app[POOL].acquire() as conn:
        try:
            await backfill.start(conn, installation, days, session_of(request).account_email)
        except backfill.NotNow as exc:
            return await _page(
                request,
                installation,
                form=form,
                errors={"start": f"Not started: {exc}."},
                status=409,
            )
    raise back_to(request, f"/i/{installation.id}/report/backfill", "backfill-started")
