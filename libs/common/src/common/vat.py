"""EU membership, VAT rates and Informer's VAT options, shared by the processor and the
dashboard."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
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


class VatOption(StrEnum):
    """Informer's ``vat_option`` of an invoice: how its VAT is applied."""

    INCL = "incl"
    EXCL = "excl"
    SHIFTED = "shifted"
    ICV_WITHIN_EU = "icv_within_eu"
    ICV_OUTSIDE_EU = "icv_outside_eu"


def _rates(*rates: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(rate).quantize(Decimal("0.01")) for rate in rates)


EU_VAT_RATES: dict[str, tuple[Decimal, ...]] = {
    "AT": _rates("20", "13", "10"),
    "BE": _rates("21", "12", "6"),
    "BG": _rates("20", "9"),
    "CY": _rates("19", "9", "5"),
    "CZ": _rates("21", "12"),
    "DE": _rates("19", "7"),
    "DK": _rates("25"),
    "EE": _rates("24", "13", "9"),
    "ES": _rates("21", "10", "4"),
    "FI": _rates("25.5", "13.5", "10"),
    "FR": _rates("20", "10", "5.5", "2.1"),
    "GR": _rates("24", "13", "6"),
    "HR": _rates("25", "13", "5"),
    "HU": _rates("27", "18", "5"),
    "IE": _rates("23", "13.5", "9", "4.8"),
    "IT": _rates("22", "10", "5", "4"),
    "LT": _rates("21", "9", "5"),
    "LU": _rates("17", "14", "8", "3"),
    "LV": _rates("21", "12", "5"),
    "MT": _rates("18", "7", "5"),
    "NL": _rates("21", "9"),
    "PL": _rates("23", "8", "5"),
    "PT": _rates("23", "13", "6"),
    "RO": _rates("21", "11"),
    "SE": _rates("25", "12", "6"),
    "SI": _rates("22", "9.5", "5"),
    "SK": _rates("23", "19", "5"),
}
"""Each member state's standard rate first, then its usual reduced (and super-reduced)
rates, as they stand in 2026: what the configuration's VAT table is prefilled with.
Zero rates and parking rates are left out; the merchant adds any rate the shop uses.

Source: European Commission, DG TAXUD, "VAT rates applied in the Member States of the
European Union" and the Taxes in Europe Database (TEDB),
https://taxation-customs.ec.europa.eu/taxation/vat/vat-directive/vat-rates_en , with
the changes announced during 2025 applied: EE 24 % (1 July 2025), RO 21 % and 11 %
(1 August 2025), SK 23 %, 19 % and 5 % (1 January 2025), FI 13.5 % instead of 14 %
(1 January 2026). Rates change: every row stays editable, and the table is a starting
point, not tax advice.
"""


def country_rates(country: str) -> tuple[Decimal, ...]:
    """The rates the VAT table is prefilled with for ``country``; () outside the EU."""
    return EU_VAT_RATES.get(country.upper(), ())


def standard_rate(country: str) -> Decimal | None:
    rates = country_rates(country)
    return rates[0] if rates else None
