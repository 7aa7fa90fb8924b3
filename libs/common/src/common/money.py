"""Money: ``Decimal`` end to end, cents rounded half-up only where the rules say so."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer

CENT = Decimal("0.01")
_TWO_DECIMALS = re.compile(r"^\d+\.\d{2}$")


def to_cents(value: Decimal) -> Decimal:
    """Round half-up to whole cents."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_money(value: object) -> Decimal:
    """Parse a KMO Shops money string: digits, a dot, exactly two decimals.

    Floats are refused on purpose: 0.1 + 0.2 is not money.
    """
    if isinstance(value, Decimal):
        if value != to_cents(value) or value < 0:
            raise ValueError("must be a non-negative amount with two decimals")
        return value
    if not isinstance(value, str):
        raise ValueError('must be a decimal string with two decimals, like "12.50"')
    if not _TWO_DECIMALS.match(value):
        raise ValueError(f'must be a decimal string with two decimals, like "12.50", not {value!r}')
    return Decimal(value)


Money = Annotated[
    Decimal,
    BeforeValidator(parse_money),
    PlainSerializer(lambda d: f"{d:.2f}", return_type=str),
]
"""A non-negative amount with exactly two decimals, serialized as "12.50"."""
