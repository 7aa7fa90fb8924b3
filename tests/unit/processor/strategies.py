"""Hypothesis strategies: valid KMO Shops orders of every kind, for the BE test shop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from common.messages.orders import ShopOrder
from tests.unit.processor.builders import charge, order_dict

CENT = Decimal("0.01")
REGULAR_RATES = {
    "BE": ["21.00", "12.00", "6.00", "0.00"],
    "DE": ["19.00", "7.00"],
    "FR": ["20.00", "5.50"],
    "NL": ["21.00", "9.00"],
}
ICP_CUSTOMERS = {
    "NL": "NL 0044.95.445.B01",
    "DE": "DE136695976",
    "FR": "40303265045",
    "GR": "EL094259216",
    "AT": "atu13585627",
    "IT": "IT00743110157",
}
INTERNATIONAL = ["US", "CH", "GB", "NO", "JP"]
OFFSETS = [timezone(timedelta(hours=h)) for h in (-11, -5, 0, 1, 2, 5, 9, 14)] + [UTC]


def money(cents: int) -> str:
    return f"{(Decimal(cents) * CENT):.2f}"


@st.composite
def order_lines(draw: st.DrawFn, rates: list[str]) -> list[dict[str, Any]]:
    lines = []
    for index in range(draw(st.integers(1, 6))):
        quantity = draw(st.integers(1, 50))
        unit = draw(st.integers(1, 999_999))
        gross = quantity * unit
        discount = draw(
            st.one_of(
                st.just(0),
                st.integers(0, gross),  # anything up to a free line
                st.integers(0, min(gross, 500)),  # a few cents or euros: odd unit prices
            )
        )
        lines.append(
            {
                "id": index + 1,
                "product_id": None,
                "sku": f"SKU-{index + 1}",
                "description": draw(st.sampled_from(["Bidon", "Ketting 11v", "Zadel", ""])),
                "quantity": quantity,
                "unit_price": money(unit),
                "discount": money(discount),
                "vat_rate": draw(st.sampled_from(rates)),
                "total": money(gross - discount),
            }
        )
    return lines


@st.composite
def optional_charge(draw: st.DrawFn, name: str, rates: list[str]) -> dict[str, Any] | None:
    if not draw(st.booleans()):
        return None
    return charge(name, money(draw(st.integers(0, 5_000))), draw(st.sampled_from(rates)))


@st.composite
def valid_orders(draw: st.DrawFn) -> ShopOrder:
    """An order that passes every pre-check for the BE shop of ``builders``."""
    kind = draw(st.sampled_from(["regular", "icp", "international"]))
    customer: dict[str, Any]
    if kind == "regular":
        country = draw(st.sampled_from(sorted(REGULAR_RATES)))
        rates = REGULAR_RATES[country]
        customer = {"isocountry": country}
    elif kind == "icp":
        country = draw(st.sampled_from(sorted(ICP_CUSTOMERS)))
        rates = ["0.00"]
        customer = {"isocountry": country, "vatnr": ICP_CUSTOMERS[country], "company": "Acme"}
    else:
        rates = ["0.00"]
        customer = {"isocountry": draw(st.sampled_from(INTERNATIONAL))}
    created = draw(
        st.datetimes(
            min_value=datetime(2025, 1, 2), max_value=datetime(2030, 12, 31, 23, 59, 59),
            timezones=st.sampled_from(OFFSETS),
        )
    )  # fmt: skip
    data = order_dict(
        customer=customer,
        number=str(draw(st.integers(1, 10**9))),
        created_at=created.isoformat(),
        prices_include_vat=draw(st.booleans()),
        currency=draw(st.sampled_from(["EUR", "USD"])),
        lines=draw(order_lines(rates)),
        shipping=draw(optional_charge("bpost", rates)),
        payment_fee=draw(optional_charge("Betaalkosten", rates)),
        comment=draw(st.sampled_from(["", "Please ring twice"])),
    )
    return ShopOrder.model_validate(data)
