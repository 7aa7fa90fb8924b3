"""JSON for Informer with money kept exact both ways.

Answers are parsed with floats as ``Decimal`` (``8.32`` stays ``Decimal("8.32")``).
Requests are rendered by :func:`dumps`, which writes a ``Decimal`` as the JSON number
it is (``8.32``, never ``8.3200000000000002`` and never a string), so what Informer
stores is exactly what the mapping computed (the domain's drafts hold no floats; its
tests check that). This is the one JSON writer for Informer requests.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any


class JsonEncodeError(ValueError):
    pass


def loads(text: str | bytes) -> Any:
    return json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)


def dumps(value: Any) -> bytes:
    """Compact JSON; ``Decimal`` as an exact number; NaN and infinities refused."""
    parts: list[str] = []
    _encode(value, parts)
    return "".join(parts).encode()


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _encode(value: Any, out: list[str]) -> None:
    if value is None or isinstance(value, bool | int | str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise JsonEncodeError(f"{value} cannot be sent as a JSON number")
        # "f" never writes an exponent; normalize() would turn 10.00 into 1E+1.
        out.append(format(value, "f"))
    elif isinstance(value, float):
        out.append(json.dumps(value, allow_nan=False))
    elif isinstance(value, Mapping):
        out.append("{")
        for i, (key, item) in enumerate(value.items()):
            if not isinstance(key, str):
                raise JsonEncodeError(f"object keys must be strings, not {type(key).__name__}")
            out.append(("," if i else "") + json.dumps(key, ensure_ascii=False) + ":")
            _encode(item, out)
        out.append("}")
    elif isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _encode(item, out)
        out.append("]")
    else:
        raise JsonEncodeError(f"{type(value).__name__} cannot be sent as JSON")
