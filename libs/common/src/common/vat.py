"""EU membership and VAT rate helpers shared by the processor and the dashboard."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer

EU_MEMBERS: frozenset[str] = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()
)
"""The 27 member states by ISO 3166-1 alpha-2 (Greece is GR, as shops send it)."""


def is_eu(country: str) -> bool:
    return country.upper() in EU_MEMBERS


def parse_rate(value: object) -> Decimal:
    """A VAT percentage such as "21.00" or "5.5": 0 ≤ rate < 100, at most two decimals."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise ValueError('must be a percentage as a decimal string, like "21.00"')
    try:
        rate = Decimal(value)
    except ArithmeticError:
        raise ValueError(f"must be a percentage, not {value!r}") from None
    if not rate.is_finite() or rate < 0 or rate >= 100 or rate != rate.quantize(Decimal("0.01")):
        raise ValueError(f"must be a percentage from 0 to 99.99 with two decimals, not {value!r}")
    return rate.quantize(Decimal("0.01"))


VatRate = Annotated[
    Decimal,
    BeforeValidator(parse_rate),
    PlainSerializer(lambda d: f"{d:.2f}", return_type=str),
]
