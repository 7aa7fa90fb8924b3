"""JSON: Report, Errors, Open, an order, Process, Ignore, Report problem, tickets."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from dashboard.api.common import json_body, json_response, order_json, validation_error
from dashboard.api.schemas import ERROR, INSTALLATION_ID, ORDER_ID, TICKET_ID, op
from dashboard.keys import POOL, SETTINGS, session_of
from dashboard.orders import actions, held, queries, tickets
from dashboard.tenancy import (
    OwnedInstallation,
    parse_order_id,
    parse_uuid,
    requested_installation,
)

routes = web.RouteTableDef()

VIEWS = {"report": "processed", "errors": "failed", "open": "waiting"}


async def _list(request: web.Request, view: str) -> web.Response:
    installation = await requested_installation(request)
    try:
        filters = queries.parse_filters(dict(request.query))
    except queries.BadFilter as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None
    async with request.app[POOL].acquire() as conn:
        page = await queries.list_orders(
            conn, installation.id, VIEWS[view], filters, installation.shop_timezone
        )
    body = {"orders": [order_json(r) for r in page.rows], "next_cursor": page.next_cursor}
    if view == "open":
        expiry = held.expiry_of(installation, datetime.now(UTC))
        body["expired"] = held.held_json(expiry, installation.shop_timezone)
    return json_response(body)


@routes.get("/api/v1/installations/{installation_id}/report")
async def report(request: web.Request) -> web.Response:
    return await _list(request, "report")


@routes.get("/api/v1/installations/{installation_id}/errors")
async def errors(request: web.Request) -> web.Response:
    return await _list(request, "errors")


@routes.get("/api/v1/installations/{installation_id}/open")
async def open_orders(request: web.Request) -> web.Response:
    return await _list(request, "open")


@routes.get("/api/v1/installations/{installation_id}/held")
async def held_orders(request: web.Request) -> web.Response:
    installation = await requested_installation(request)
    try:
        filters = queries.parse_filters(dict(request.query))
    except queries.BadFilter as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None
    expiry = held.expiry_of(installation, datetime.now(UTC))
    async with request.app[POOL].acquire() as conn:
        page = await held.list_held(conn, installation.id, after=filters.after, limit=filters.limit)
    return json_response(
        {
            "expired": held.held_json(expiry, installation.shop_timezone),
            "orders": [order_json(r) for r in page.rows],
            "next_cursor": page.next_cursor,
        }
    )


async def _order(request: web.Request) -> tuple[OwnedInstallation, dict[str, Any]]:
    installation = await requested_installation(request)
    order_id = parse_order_id(request.match_info["order_id"])
    async with request.app[POOL].acquire() as conn:
        order = await queries.get_order(conn, installation.id, order_id)
    if order is None:
        raise web.HTTPNotFound(text="No such order.")
    return installation, order


@routes.get("/api/v1/installations/{installation_id}/orders/{order_id}")
async def order(request: web.Request) -> web.Response:
    _, found = await _order(request)
    return json_response(order_json(found))


@routes.post("/api/v1/installations/{installation_id}/orders/{order_id}/process")
async def process(request: web.Request) -> web.Response:
    installation, found = await _order(request)
    async with request.app[POOL].acquire() as conn:
        try:
            await actions.resubmit(conn, installation.id, found["order_id"])
        except actions.NotInState as exc:
            raise web.HTTPConflict(text=f"Order {found['number']}: {exc}.") from None
    return json_response({"order_id": found["order_id"], "state": "queued"}, status=202)


@routes.post("/api/v1/installations/{installation_id}/orders/{order_id}/ignore")
async def ignore(request: web.Request) -> web.Response:
    installation, found = await _order(request)
    async with request.app[POOL].acquire() as conn:
        try:
            await actions.ignore(conn, installation.id, found["order_id"])
        except actions.NotInState as exc:
            raise web.HTTPConflict(text=f"Order {found['number']}: {exc}.") from None
    return json_response({"order_id": found["order_id"], "state": "ignored"})


@routes.post("/api/v1/installations/{installation_id}/orders/{order_id}/tickets")
async def report_problem(request: web.Request) -> web.Response:
    installation, found = await _order(request)
    note = (await json_body(request)).get("note")
    if not isinstance(note, str) or not note.strip() or len(note) > tickets.MAX_NOTE:
        return validation_error(
            {"note": f"Describe the problem (1 to {tickets.MAX_NOTE} characters)."}
        )
    async with request.app[POOL].acquire() as conn:
        ticket_id = await tickets.create_ticket(
            conn,
            session=session_of(request),
            installation=installation,
            order=found,
            note=note.strip(),
            support_email=request.app[SETTINGS].support_email,
        )
    return json_response({"id": ticket_id}, status=201)


@routes.get("/api/v1/installations/{installation_id}/tickets/{ticket_id}")
async def ticket(request: web.Request) -> web.Response:
    installation = await requested_installation(request)
    ticket_id = parse_uuid(request.match_info["ticket_id"])
    async with request.app[POOL].acquire() as conn:
        found = await tickets.get_ticket(
            conn, session_of(request).account_id, installation.id, ticket_id
        )
    if found is None:
        raise web.HTTPNotFound(text="No such ticket.")
    return json_response(found)


_ORDER = {
    "type": "object",
    "properties": {
        "order_id": {"type": "integer"},
        "number": {"type": "string"},
        "outcome": {"enum": ["processed", "failed", "waiting", "queued", "ignored", "cancelled"]},
        "shop_status": {"type": "string"},
        "order_created_at": {"type": "string", "format": "date-time"},
        "total": {"type": "string", "description": "decimal, two places"},
        "currency": {"type": "string"},
        "customer_name": {"type": "string"},
        "customer_email": {"type": "string"},
        "invoice_id": {"type": ["integer", "null"]},
        "invoice_number": {"type": ["string", "null"]},
        "invoice_url": {"type": ["string", "null"]},
        "invoice_date": {"type": ["string", "null"]},
        "error_code": {"type": ["string", "null"]},
        "error_message": {"type": ["string", "null"]},
        "error_detail": {"type": ["object", "null"]},
        "error_title": {"type": "string"},
        "error_what_to_do": {"type": "string"},
    },
}
_PAGE = {
    "type": "object",
    "properties": {
        "orders": {"type": "array", "items": _ORDER},
        "next_cursor": {"type": ["string", "null"]},
    },
}
_EXPIRED = {
    "type": ["object", "null"],
    "description": "set when the trial or subscription ended: queued orders are held",
    "properties": {
        "ended_at": {"type": "string", "format": "date-time"},
        "what": {"enum": ["trial", "subscription"]},
        "reason": {"type": "string"},
    },
}
_OPEN_PAGE = {
    "type": "object",
    "properties": {**_PAGE["properties"], "expired": _EXPIRED},
}
_FILTERS = [
    {
        "name": "from",
        "in": "query",
        "schema": {"type": "string", "format": "date"},
        "description": "first order date, inclusive, in the shop's time zone",
    },
    {
        "name": "to",
        "in": "query",
        "schema": {"type": "string", "format": "date"},
        "description": "last order date, inclusive",
    },
    {"name": "q", "in": "query", "schema": {"type": "string"}, "description": "order number"},
    {
        "name": "after",
        "in": "query",
        "schema": {"type": "string"},
        "description": "next_cursor of the previous page",
    },
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
]
_ONE_ORDER = [INSTALLATION_ID, ORDER_ID]


def _list_op(summary: str, page: dict[str, Any] = _PAGE) -> dict[str, Any]:
    return {
        "get": op(
            summary,
            parameters=[INSTALLATION_ID, *_FILTERS],
            responses={"200": page, "400": ERROR, "404": ERROR},
        )
    }


openapi_paths = {
    "/api/v1/installations/{installation_id}/report": _list_op("Processed orders, newest first"),
    "/api/v1/installations/{installation_id}/errors": _list_op("Failed orders, newest first"),
    "/api/v1/installations/{installation_id}/open": _list_op(
        "Orders waiting for a status, and whether the paid period ended", _OPEN_PAGE
    ),
    "/api/v1/installations/{installation_id}/held": {
        "get": op(
            "Queued orders, first to be booked first: held while the paid period is over",
            parameters=[INSTALLATION_ID, *(p for p in _FILTERS if p["name"] in ("after", "limit"))],
            responses={"200": _OPEN_PAGE, "400": ERROR, "404": ERROR},
        )
    },
    "/api/v1/installations/{installation_id}/orders/{order_id}": {
        "get": op(
            "One order, with the full error detail",
            parameters=_ONE_ORDER,
            responses={"200": _ORDER, "404": ERROR},
        ),
    },
    "/api/v1/installations/{installation_id}/orders/{order_id}/process": {
        "post": op(
            "Process a failed order again (only from failed; never twice at once)",
            parameters=_ONE_ORDER,
            responses={"202": {"type": "object"}, "404": ERROR, "409": ERROR},
        ),
    },
    "/api/v1/installations/{installation_id}/orders/{order_id}/ignore": {
        "post": op(
            "Ignore an order waiting under Open",
            parameters=_ONE_ORDER,
            responses={"200": {"type": "object"}, "404": ERROR, "409": ERROR},
        ),
    },
    "/api/v1/installations/{installation_id}/orders/{order_id}/tickets": {
        "post": op(
            "Report a problem with this order to support",
            parameters=_ONE_ORDER,
            body={
                "type": "object",
                "required": ["note"],
                "properties": {"note": {"type": "string", "maxLength": 5000}},
            },
            responses={"201": {"type": "object"}, "400": ERROR, "404": ERROR},
        ),
    },
    "/api/v1/installations/{installation_id}/tickets/{ticket_id}": {
        "get": op(
            "A reported problem",
            parameters=[INSTALLATION_ID, TICKET_ID],
            responses={"200": {"type": "object"}, "404": ERROR},
        ),
    },
}
