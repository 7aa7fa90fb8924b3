"""What every JSON endpoint shares: reading a JSON body with clear errors, writing
JSON (Decimal as a string, never a float; times in ISO 8601)."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from aiohttp import web

from dashboard.orders.error_texts import error_text


def _default(value: object) -> object:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=lambda d: json.dumps(d, default=_default))


async def json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        raise web.HTTPBadRequest(text="The body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="The body must be a JSON object.")
    return body


def order_json(row: dict[str, Any]) -> dict[str, Any]:
    out = {k: row[k] for k in row if k != "error_detail"}
    out["error_detail"] = row.get("error_detail")
    if row.get("outcome") == "failed":
        text = error_text(row.get("error_code"))
        out["error_title"] = text.title
        out["error_what_to_do"] = text.what_to_do
    return json.loads(json.dumps(out, default=_default))


def validation_error(errors: dict[str, str]) -> web.Response:
    return json_response(
        {"error": {"status": 400, "message": "Some fields are not valid.", "fields": errors}},
        status=400,
    )
