"""Report, Errors and Open, an order's detail, and the actions on orders."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from dashboard.keys import POOL, SETTINGS, session_of
from dashboard.orders import actions, held, queries, tickets
from dashboard.orders.error_texts import error_text
from dashboard.tenancy import OwnedInstallation, parse_order_id, parse_uuid, requested_installation
from dashboard.web.context import back_to, installation_page
from dashboard.web.render import render

routes = web.RouteTableDef()

VIEWS = {"report": "processed", "errors": "failed", "open": "waiting"}


async def _list(request: web.Request, section: str) -> web.Response:
    installation = await requested_installation(request)
    error = None
    try:
        filters = queries.parse_filters(dict(request.query))
    except queries.BadFilter as exc:
        filters, error = queries.Filters(), str(exc)
    expiry = held.expiry_of(installation, datetime.now(UTC)) if section == "open" else None
    async with request.app[POOL].acquire() as conn:
        page = await queries.list_orders(
            conn, installation.id, VIEWS[section], filters, installation.shop_timezone
        )
        held_page = (
            await held.list_held(conn, installation.id, after=_held_after(request))
            if expiry
            else None
        )
        processing = (
            await queries.list_orders(
                conn,
                installation.id,
                "queued",
                queries.Filters(limit=20),
                installation.shop_timezone,
            )
            if section == "errors"
            else None
        )
    context = await installation_page(
        request,
        installation,
        section,
        page=page,
        filter_error=error,
        processing=processing,
        expiry=expiry,
        held=held_page,
        error_text=error_text,
    )
    return await render(f"orders/{section}.html", request, context, status=400 if error else 200)


def _held_after(request: web.Request) -> tuple[datetime, int] | None:
    cursor = request.query.get("held_after")
    if not cursor:
        return None
    try:
        return queries.decode_cursor(cursor)
    except queries.BadFilter as exc:
        raise web.HTTPBadRequest(text=f"held_{exc}") from None


@routes.get("/i/{installation_id}/report")
async def report(request: web.Request) -> web.Response:
    return await _list(request, "report")


@routes.get("/i/{installation_id}/errors")
async def errors(request: web.Request) -> web.Response:
    return await _list(request, "errors")


@routes.get("/i/{installation_id}/open")
async def open_orders(request: web.Request) -> web.Response:
    return await _list(request, "open")


async def _order(request: web.Request) -> tuple[OwnedInstallation, dict[str, Any]]:
    installation = await requested_installation(request)
    order_id = parse_order_id(request.match_info["order_id"])
    async with request.app[POOL].acquire() as conn:
        order = await queries.get_order(conn, installation.id, order_id)
    if order is None:
        raise web.HTTPNotFound(text="No such order.")
    return installation, order


@routes.get("/i/{installation_id}/orders/{order_id}")
async def order_detail(request: web.Request) -> web.Response:
    installation, order = await _order(request)
    context = await installation_page(
        request, installation, "order", order=order, error_text=error_text
    )
    return await render("orders/detail.html", request, context)


@routes.post("/i/{installation_id}/orders/{order_id}/process")
async def process(request: web.Request) -> web.StreamResponse:
    installation, order = await _order(request)
    async with request.app[POOL].acquire() as conn:
        try:
            await actions.resubmit(conn, installation.id, order["order_id"])
        except actions.NotInState as exc:
            raise web.HTTPConflict(text=f"Order {order['number']}: {exc}.") from None
    raise back_to(request, f"/i/{installation.id}/errors", "processing")


@routes.post("/i/{installation_id}/orders/{order_id}/ignore")
async def ignore(request: web.Request) -> web.StreamResponse:
    installation, order = await _order(request)
    async with request.app[POOL].acquire() as conn:
        try:
            await actions.ignore(conn, installation.id, order["order_id"])
        except actions.NotInState as exc:
            raise web.HTTPConflict(text=f"Order {order['number']}: {exc}.") from None
    raise back_to(request, f"/i/{installation.id}/open", "ignored")


@routes.post("/i/{installation_id}/orders/{order_id}/report-problem")
async def report_problem(request: web.Request) -> web.StreamResponse:
    installation, order = await _order(request)
    data = await request.post()
    note = str(data.get("note", "")).strip()
    if not note or len(note) > tickets.MAX_NOTE:
        raise web.HTTPBadRequest(
            text=f"Describe the problem in a few words (at most {tickets.MAX_NOTE} characters)."
        )
    async with request.app[POOL].acquire() as conn:
        ticket_id = await tickets.create_ticket(
            conn,
            session=session_of(request),
            installation=installation,
            order=order,
            note=note,
            support_email=request.app[SETTINGS].support_email,
        )
    raise web.HTTPSeeOther(f"/i/{installation.id}/tickets/{ticket_id}")


@routes.get("/i/{installation_id}/tickets/{ticket_id}")
async def ticket(request: web.Request) -> web.Response:
    installation = await requested_installation(request)
    ticket_id = parse_uuid(request.match_info["ticket_id"])
    async with request.app[POOL].acquire() as conn:
        found = await tickets.get_ticket(
            conn, session_of(request).account_id, installation.id, ticket_id
        )
    if found is None:
        raise web.HTTPNotFound(text="No such ticket.")
    context = await installation_page(request, installation, "errors", ticket=found)
    return await render("orders/ticket.html", request, context)
