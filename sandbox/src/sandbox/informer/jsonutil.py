"""JSON in and out with money kept as Decimal."""

import json
from decimal import Decimal
from typing import Any

from aiohttp import web


class BadJson(ValueError):
    """The body is not a JSON document the API accepts."""


def _refuse_constant(name: str) -> Any:
    raise BadJson(f"{name} is geen geldige JSON-waarde")


def loads(raw: bytes | str) -> Any:
    """Parse JSON; floats become Decimal so '0.1' stays 0.1, NaN/Infinity are refused."""
    try:
        return json.loads(raw, parse_float=Decimal, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadJson(str(exc)) from exc


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        # Amounts never carry more than 2 (totals) or 4 (rates) decimals, which a
        # float's shortest repr reproduces exactly.
        return float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(value: Any) -> str:
    return json.dumps(value, default=_default, ensure_ascii=False)


def json_response(value: Any, status: int = 200) -> web.Response:
    return web.Response(text=dumps(value), status=status, content_type="application/json")


def error_response(status: int, error: str | list[str] | dict[str, str]) -> web.Response:
    """Informer's Error / ValidationError shape."""
    return json_response({"error": error, "response_code": status}, status=status)
