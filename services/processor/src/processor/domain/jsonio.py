"""JSON with exact money: Decimals are written as plain JSON numbers, never via float.

Informer wants ``amount`` as a JSON number with at most two decimals. Going through
float would print 8.32 fine but is not guaranteed for every value (and 0.1 + 0.2 is
not money), so the writer formats each Decimal from its own digits: ``Decimal("8.30")``
becomes ``8.30``. Floats in a payload are refused, to keep them out of money paths.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any


def _write(value: Any, out: list[str]) -> None:
    if value is None or isinstance(value, bool | str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, int):
        out.append(str(int(value)))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a JSON number")
        out.append(f"{value:f}")
    elif isinstance(value, dict):
        out.append("{")
        for index, (key, item) in enumerate(value.items()):
            if not isinstance(key, str):
                raise TypeError(f"JSON object keys must be strings, not {key!r}")
            if index:
                out.append(",")
            out.append(json.dumps(key, ensure_ascii=False))
            out.append(":")
            _write(item, out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _write(item, out)
        out.append("]")
    elif isinstance(value, float):
        raise TypeError("floats are not written to JSON here; use Decimal for money")
    else:
        raise TypeError(f"cannot write {type(value).__name__} as JSON")


def render_json(payload: Any) -> bytes:
    """UTF-8 JSON of dicts, lists, str, int, bool, None and Decimal (as plain numbers)."""
    out: list[str] = []
    _write(payload, out)
    return "".join(out).encode()


def parse_json(raw: bytes | str) -> Any:
    """The inverse of :func:`render_json`: numbers with a fraction become Decimal."""
    return json.loads(raw, parse_float=Decimal)
