"""Kinds of order and their vat_option."""

from __future__ import annotations

from decimal import Decimal

import pytest

from common.installations.models import VatLedger
from processor.domain import OrderKind, VatOption, classify, vat_ledger, vat_option
from tests.unit.processor.builders import (
    LEDGER_BE,
    LEDGER_EXPORT,
    LEDGER_ICP,
    VAT_BE_21,
    VAT_EXPORT,
    VAT_ICP,
    charge,
    line,
    make_config,
    make_order,
)

ZERO = {"lines": [line(vat_rate="0.00")], "shipping": charge("DHL", "6.95", "0.00")}


@pytest.mark.parametrize(
    ("country", "rates", "kind"),
    [
        ("BE", "taxed", OrderKind.REGULAR),
        ("BE", "zero", OrderKind.REGULAR),  # the shop's own country is never ICP
        ("DE", "taxed", OrderKind.REGULAR),  # distance sale with VAT (OSS)
        ("DE", "zero", OrderKind.ICP),
        ("GR", "zero", OrderKind.ICP),
        ("US", "zero", OrderKind.INTERNATIONAL),
        ("US", "taxed", OrderKind.INTERNATIONAL),  # refused later: INTERNATIONAL_WITH_VAT
        ("CH", "zero", OrderKind.INTERNATIONAL),
        ("GB", "zero", OrderKind.INTERNATIONAL),  # no longer in the EU
        ("NO", "taxed", OrderKind.INTERNATIONAL),
    ],
)
def test_classify(country: str, rates: str, kind: OrderKind) -> None:
    extra = ZERO if rates == "zero" else {}
    order = make_order(customer={"isocountry": country}, **extra)
    assert classify(order, "BE") is kind


def test_shop_country_is_compared_case_insensitively() -> None:
    order = make_order(customer={"isocountry": "BE"}, **ZERO)
    assert classify(order, "be") is OrderKind.REGULAR


@pytest.mark.parametrize(
    "where",
    ["line", "shipping", "payment_fee"],
)
def test_one_taxed_item_makes_an_eu_order_regular(where: str) -> None:
    lines = [line(vat_rate="0.00"), line(id=2, vat_rate="21.00" if where == "line" else "0.00")]
    order = make_order(
        customer={"isocountry": "NL"},
        lines=lines,
        shipping=charge("DHL", "6.95", "21.00" if where == "shipping" else "0.00"),
        payment_fee=charge("Fee", "0.50", "21.00" if where == "payment_fee" else "0.00"),
    )
    assert classify(order, "BE") is OrderKind.REGULAR


@pytest.mark.parametrize(
    ("kind", "incl", "option"),
    [
        (OrderKind.REGULAR, True, VatOption.INCL),
        (OrderKind.REGULAR, False, VatOption.EXCL),
        (OrderKind.ICP, True, VatOption.ICV_WITHIN_EU),
        (OrderKind.ICP, False, VatOption.ICV_WITHIN_EU),
        (OrderKind.INTERNATIONAL, True, VatOption.ICV_OUTSIDE_EU),
        (OrderKind.INTERNATIONAL, False, VatOption.ICV_OUTSIDE_EU),
    ],
)
def test_vat_option(kind: OrderKind, incl: bool, option: VatOption) -> None:
    assert vat_option(kind, incl) is option


def test_vat_ledger_by_kind() -> None:
    config = make_config()
    rate = Decimal("21.00")
    assert vat_ledger(config, OrderKind.REGULAR, "BE", rate) == VatLedger(
        vat_id=VAT_BE_21, ledger_id=LEDGER_BE
    )
    assert vat_ledger(config, OrderKind.REGULAR, "be", rate) == VatLedger(
        vat_id=VAT_BE_21, ledger_id=LEDGER_BE
    )
    assert vat_ledger(config, OrderKind.REGULAR, "BE", Decimal("9.00")) is None
    assert vat_ledger(config, OrderKind.REGULAR, "IT", rate) is None
    assert vat_ledger(config, OrderKind.ICP, "DE", Decimal("0")) == VatLedger(
        vat_id=VAT_ICP, ledger_id=LEDGER_ICP
    )
    assert vat_ledger(config, OrderKind.INTERNATIONAL, "US", Decimal("0")) == VatLedger(
        vat_id=VAT_EXPORT, ledger_id=LEDGER_EXPORT
    )
