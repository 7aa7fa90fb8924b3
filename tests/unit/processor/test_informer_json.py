"""Exact JSON for money: the Informer client's one writer and reader."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.informer.codec import JsonEncodeError
from common.informer.codec import dumps as render_json
from common.informer.codec import loads as parse_json
from processor.domain import VatOption


def test_decimals_are_plain_numbers() -> None:
    raw = render_json(
        {"amount": Decimal("8.32"), "zero": Decimal("0.00"), "big": Decimal("9999.99")}
    )
    assert raw == b'{"amount":8.32,"zero":0.00,"big":9999.99}'


def test_trailing_zeros_are_kept_and_read_back_equal() -> None:
    raw = render_json([Decimal("8.30"), Decimal("10"), Decimal("-1.50"), Decimal("1E+2")])
    assert raw == b"[8.30,10,-1.50,100]"
    assert parse_json(raw) == [Decimal("8.30"), 10, Decimal("-1.50"), 100]


def test_every_json_type() -> None:
    payload = {
        "s": "Kerkstraat — “12” \\ / \n",
        "i": 3,
        "t": True,
        "f": False,
        "n": None,
        "l": [1, "a", {"x": []}],
        "e": VatOption.INCL,
        "tuple": (1, 2),
    }
    raw = render_json(payload)
    assert json.loads(raw) == payload | {"e": "incl", "tuple": [1, 2]}
    assert "—".encode() in raw  # UTF-8, not escaped


def _floats(value: object) -> list[float]:
    if isinstance(value, float):
        return [value]
    if isinstance(value, dict):
        return [f for item in value.values() for f in _floats(item)]
    if isinstance(value, list | tuple):
        return [f for item in value for f in _floats(item)]
    return []


def test_invoice_drafts_hold_no_floats() -> None:
    from tests.unit.processor.test_invoicing import draft, line, make_order

    order = make_order(lines=[line(quantity=3, unit_price="9.99", discount="5.00")])
    body = draft(order).to_json()
    assert _floats(body) == []
    assert b'"amount":' in render_json(body)


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")])
def test_non_finite_decimals_are_refused(value: Decimal) -> None:
    with pytest.raises(ValueError, match="cannot be sent as a JSON number"):
        render_json([value])


@pytest.mark.parametrize(
    "value",
    [[float("nan")], {"a": [1, {"b": float("inf")}]}, (None, -float("inf"))],
)
def test_non_finite_floats_are_refused_not_written_as_null(value: object) -> None:
    with pytest.raises(JsonEncodeError, match="cannot be sent as a JSON number"):
        render_json(value)


def test_finite_floats_and_nulls_pass() -> None:
    assert render_json({"a": None, "b": [0.5, None], "c": "null"}) == (
        b'{"a":null,"b":[0.5,null],"c":"null"}'
    )


@pytest.mark.parametrize(
    "value",
    [
        {1: "a"},
        object(),
        {"a": {1, 2}},
        {"when": datetime(2026, 1, 1, tzinfo=UTC)},
        [date(2026, 1, 1)],
    ],
)
def test_other_types_are_refused(value: object) -> None:
    with pytest.raises(JsonEncodeError):
        render_json(value)


@dataclass
class _Line:
    amount: int


def test_dataclasses_are_refused() -> None:
    with pytest.raises(JsonEncodeError, match="_Line cannot be sent as JSON"):
        render_json({"lines": [_Line(1)]})


def test_parse_json_reads_fractions_as_decimal() -> None:
    assert parse_json('{"a": 0.1, "b": 2}') == {"a": Decimal("0.1"), "b": 2}
    assert isinstance(parse_json(b"[0.30]")[0], Decimal)


@settings(max_examples=300, deadline=None)
@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False))
def test_round_trip_of_any_amount(amount: Decimal) -> None:
    raw = render_json({"amount": amount})
    back = parse_json(raw)["amount"]
    assert back == amount
    assert Decimal(raw.decode()[len('{"amount":') : -1]) == amount
