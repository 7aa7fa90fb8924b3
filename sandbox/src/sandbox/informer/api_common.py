"""Request parsing shared by the Informer handlers; malformed input answers 400."""

from datetime import date
from typing import Any

from aiohttp import web

from sandbox.informer import jsonutil
from sandbox.informer.checks import Checker
from sandbox.informer.keys import ADMINISTRATION, STATE
from sandbox.informer.model import Administration
from sandbox.informer.state import InformerState

MAX_RECORDS = 100
DEFAULT_RECORDS = 20


class BadRequest(web.HTTPBadRequest):
    def __init__(self, message: str) -> None:
        super().__init__(
            text=jsonutil.dumps({"error": message, "response_code": 400}),
            content_type="application/json",
        )


def context(request: web.Request) -> tuple[InformerState, Administration]:
    return request.app[STATE], request[ADMINISTRATION]


async def json_object(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object; sent as application/json, no NaN, floats as Decimal."""
    if request.content_type != "application/json":
        raise BadRequest("Content-Type moet application/json zijn.")
    try:
        body = jsonutil.loads(await request.read())
    except jsonutil.BadJson:
        raise BadRequest("Ongeldige JSON in de request body.") from None
    if not isinstance(body, dict):
        raise BadRequest("De request body moet een JSON-object zijn.")
    return body


def path_id(request: web.Request) -> int:
    text = request.match_info["id"]
    if not text.isdigit():
        raise BadRequest("Ongeldig id.")
    return int(text)


def query_int(
    request: web.Request, name: str, default: int | None, high: int | None = None
) -> int | None:
    text = request.query.get(name)
    if text is None:
        return default
    if not text.isdigit() or int(text) < 1 or (high is not None and int(text) > high):
        limit = f" (1-{high})" if high else ""
        raise BadRequest(f"{name} moet een positief geheel getal zijn{limit}.")
    return int(text)


def query_date(request: web.Request, name: str) -> date | None:
    text = request.query.get(name)
    if text is None:
        return None
    check = Checker()
    parsed = check.date(name, text, required=True)
    if parsed is None:
        raise BadRequest(f"{name} moet een geldige datum zijn (Y-m-d).")
    return parsed


def page_params(request: web.Request) -> tuple[int, int]:
    page = query_int(request, "page", 1) or 1
    records = query_int(request, "records", DEFAULT_RECORDS, MAX_RECORDS) or DEFAULT_RECORDS
    return page, records


def page_slice(items: list[Any], page: int, records: int) -> list[Any]:
    start = (page - 1) * records
    return items[start : start + records]
