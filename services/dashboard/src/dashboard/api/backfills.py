"""JSON: Report › Back-fill: start one, and the progress of the latest ones."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiohttp import web

from dashboard import backfill
from dashboard.api.common import json_body, json_response, validation_error
from dashboard.api.schemas import ERROR, INSTALLATION_ID, op
from dashboard.keys import POOL, session_of
from dashboard.tenancy import requested_installation

routes = web.RouteTableDef()

PATH = "/api/v1/installations/{installation_id}/backfills"


@routes.get(PATH)
async def backfills(request: web.Request) -> web.Response:
    installation = await requested_installation(request)
    async with request.app[POOL].acquire() as conn:
        return json_response({"backfills": await backfill.recent(conn, installation)})


@routes.post(PATH)
async def start(request: web.Request) -> web.Response:
    installation = await requested_installation(request)
    today = datetime.now(ZoneInfo(installation.shop_timezone)).date()
    days = backfill.parse_range(await json_body(request), today)
    if not isinstance(days, backfill.Range):
        return validation_error(days)
    async with request.app[POOL].acquire() as conn:
        try:
            started = await backfill.start(
                conn, installation, days, session_of(request).account_email
            )
        except backfill.NotNow as exc:
            raise web.HTTPConflict(text=f"Not started: {exc}.") from None
    return json_response(started, status=201)


_PROGRESS = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "installation_id": {"type": "string", "format": "uuid"},
        "range": {
            "type": "array",
            "items": {"type": "string", "format": "date-time"},
            "description": "orders created from, until (exclusive)",
        },
        "status": {"enum": ["running", "done", "failed"]},
        "pages": {"type": "integer", "description": "KMO Shops pages read"},
        "read_up_to": {"type": "string", "format": "date-time"},
        "orders_read": {"type": "integer"},
        "orders_in_range": {"type": "integer", "description": "orders of the range known"},
        "orders_queued": {"type": "integer", "description": "new orders sent to be booked"},
        "outcomes": {
            "type": "object",
            "additionalProperties": {"type": "integer"},
            "description": "the queued orders by outcome (pending: not processed yet)",
        },
        "error": {"type": ["string", "null"]},
        "started_at": {"type": "string", "format": "date-time"},
        "finished_at": {"type": ["string", "null"], "format": "date-time"},
    },
}

openapi_paths = {
    PATH: {
        "get": op(
            "The latest back-fills, newest first, with their progress",
            parameters=[INSTALLATION_ID],
            responses={
                "200": {
                    "type": "object",
                    "properties": {"backfills": {"type": "array", "items": _PROGRESS}},
                },
                "404": ERROR,
            },
        ),
        "post": op(
            "Start a back-fill of the orders created on these days (both included, in the "
            "shop's time zone); 409 while another one runs",
            parameters=[INSTALLATION_ID],
            body={
                "type": "object",
                "required": ["from", "to"],
                "properties": {
                    "from": {"type": "string", "format": "date"},
                    "to": {"type": "string", "format": "date"},
                },
            },
            responses={"201": _PROGRESS, "400": ERROR, "404": ERROR, "409": ERROR},
        ),
    },
}
