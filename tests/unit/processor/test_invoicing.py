"""The invoice draft: MAPPING.md's table, the line split, dates and cost centres."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from common.informer.codec import dumps as render_json
from common.installations.models import InstallationConfig
from common.messages.orders import ShopOrder
from processor.domain import (
    InvoiceDraft,
    OrderKind,
    VatOption,
    classify,
    invoice_date,
    invoice_draft,
    split_line,
)
from tests.fakes.orders import EXAMPLE_ORDER
from tests.unit.processor.builders import (
    COSTS,
    CURRENCY_USD,
    LEDGER_BE,
    LEDGER_EXPORT,
    LEDGER_ICP,
    LEDGER_OSS,
    LEDGER_PROJECTS,
    OPTIONS,
    SHOP_TZ,
    VAT_BE_6,
    VAT_BE_21,
    VAT_DE_7,
    VAT_DE_19,
    VAT_EXPORT,
    VAT_ICP,
    charge,
    line,
    make_config,
    make_order,
    pair,
)

D = Decimal
ZERO = {"lines": [line(vat_rate="0.00")], "shipping": charge("DHL", "6.95", "0.00")}


def draft(
    order: ShopOrder,
    *,
    config: InstallationConfig | None = None,
    relation_id: int = 5001,
    tz: str = SHOP_TZ,
    admin_country: str = "BE",
) -> InvoiceDraft:
    config = config or make_config()
    kind = classify(order, "BE")
    return invoice_draft(order, config, kind, relation_id, tz, admin_country, OPTIONS)


# ---- the split -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "quantity", "expected"),
    [
        ("24.97", 3, [(2, "8.32"), (1, "8.33")]),  # MAPPING.md's example
        ("30.00", 3, [(3, "10.00")]),
        ("10.00", 1, [(1, "10.00")]),
        ("0.00", 4, [(4, "0.00")]),
        ("0.01", 3, [(2, "0.00"), (1, "0.01")]),
        ("0.02", 3, [(1, "0.00"), (2, "0.01")]),
        ("100.00", 3, [(2, "33.33"), (1, "33.34")]),
        ("200.00", 3, [(1, "66.66"), (2, "66.67")]),
        ("99.99", 50, [(1, "1.99"), (49, "2.00")]),
        ("499999.49", 50, [(1, "9999.98"), (49, "9999.99")]),
    ],
)
def test_split_line(total: str, quantity: int, expected: list[tuple[int, str]]) -> None:
    parts = split_line(D(total), quantity)
    assert parts == [(q, D(a)) for q, a in expected]
    assert sum(q * a for q, a in parts) == D(total)
    assert sum(q for q, _ in parts) == quantity
    assert all(q >= 1 for q, _ in parts)


def test_split_line_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="quantity"):
        split_line(D("1.00"), 0)
    with pytest.raises(ValueError, match="whole cents"):
        split_line(D("1.005"), 1)


def test_discounted_line_is_split_on_the_invoice() -> None:
    # 3 × 9.99 − 5.00 = 24.97: 8.3233… a piece.
    order = make_order(
        lines=[line(quantity=3, unit_price="9.99", discount="5.00", description="Bidon")],
        shipping=None,
    )
    lines = draft(order).to_json()["lines"]
    assert lines == [
        {"info": False, "qty": 2, "description": "Bidon", "amount": D("8.32"), "discount": 0,
         "vat_id": VAT_BE_21, "ledger_id": LEDGER_BE},
        {"info": False, "qty": 1, "description": "Bidon", "amount": D("8.33"), "discount": 0,
         "vat_id": VAT_BE_21, "ledger_id": LEDGER_BE},
    ]  # fmt: skip
    assert b'"amount":8.32' in render_json(draft(order).to_json())


def test_discount_in_whole_cents_is_one_line() -> None:
    order = make_order(lines=[line(quantity=4, unit_price="10.00", discount="2.00")])
    first = draft(order).lines[0]
    assert (first.qty, first.amount) == (4, D("9.50"))


# ---- MAPPING.md's table --------------------------------------------------------------


def test_api_example_as_invoice() -> None:
    order = ShopOrder.model_validate(EXAMPLE_ORDER)  # a German consumer, shop in BE
    body = draft(order).to_json()
    assert body == {
        "relation_id": 5001,
        "contact_name": "Sophie Fischer",
        "reference": "6224",
        "invoice_date": "2022-12-06",
        "payment_condition_id": 1,
        "currency_id": 1,
        "vat_option": "incl",
        "template_id": 1,
        "comment": "Please ring twice",
        "lines": [
            {"info": False, "qty": 1, "description": "18-month extension",
             "amount": D("200.00"), "discount": 0, "vat_id": VAT_DE_19, "ledger_id": LEDGER_OSS},
            {"info": False, "qty": 1, "description": "DHL", "amount": D("6.95"),
             "discount": 0, "vat_id": VAT_DE_19, "ledger_id": LEDGER_OSS},
        ],
    }  # fmt: skip
    assert "footer" not in body
    assert all("product_id" not in ln for ln in body["lines"])


def test_lines_then_shipping_then_fee() -> None:
    order = make_order(
        lines=[line(id=1, description="A", vat_rate="21.00"),
               line(id=2, description="B", vat_rate="6.00")],
        shipping=charge("bpost", "6.95", "21.00"),
        payment_fee=charge("PayPal fee", "0.35", "21.00"),
    )  # fmt: skip
    lines = draft(order).lines
    assert [ln.description for ln in lines] == ["A", "B", "bpost", "PayPal fee"]
    assert [ln.vat_id for ln in lines] == [VAT_BE_21, VAT_BE_6, VAT_BE_21, VAT_BE_21]
    assert [ln.qty for ln in lines] == [1, 1, 1, 1]


def test_zero_amount_shipping_is_still_a_line() -> None:
    order = make_order(shipping=charge("Free shipping", "0.00"))
    assert draft(order).lines[-1].amount == D("0.00")


def test_no_shipping_no_fee() -> None:
    order = make_order(shipping=None, payment_fee=None)
    assert len(draft(order).lines) == 1


def test_empty_descriptions_get_a_fallback() -> None:
    order = make_order(
        lines=[line(description="")],
        shipping=charge("", "6.95"),
        payment_fee=charge("", "0.35"),
    )
    assert [ln.description for ln in draft(order).lines] == ["SKU-1", "Shipping", "Payment fee"]


def test_excl_vat_amounts_are_excl() -> None:
    order = make_order(prices_include_vat=False, lines=[line(unit_price="100.00")])
    body = draft(order).to_json()
    assert body["vat_option"] == "excl"
    assert body["lines"][0]["amount"] == D("100.00")


def test_icp_uses_the_icp_pair() -> None:
    order = make_order(customer={"isocountry": "NL", "vatnr": "NL004495445B01"}, **ZERO)
    result = draft(order)
    assert result.vat_option is VatOption.ICV_WITHIN_EU
    assert {(ln.vat_id, ln.ledger_id) for ln in result.lines} == {(VAT_ICP, LEDGER_ICP)}


def test_international_uses_the_international_pair() -> None:
    order = make_order(customer={"isocountry": "US"}, currency="USD", **ZERO)
    result = draft(order)
    assert result.vat_option is VatOption.ICV_OUTSIDE_EU
    assert result.currency_id == CURRENCY_USD
    assert {(ln.vat_id, ln.ledger_id) for ln in result.lines} == {(VAT_EXPORT, LEDGER_EXPORT)}


def test_regular_uses_the_customer_country_row() -> None:
    order = make_order(
        customer={"isocountry": "DE"},
        lines=[line(vat_rate="19.00"), line(id=2, vat_rate="7.00")],
        shipping=None,
    )
    assert [ln.vat_id for ln in draft(order).lines] == [VAT_DE_19, VAT_DE_7]


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [("Sophie", "Fischer", "Sophie Fischer"), ("", "Fischer", "Fischer"),
     ("Sophie", "", "Sophie"), ("", "", None)],
)  # fmt: skip
def test_contact_name(first: str, last: str, expected: str | None) -> None:
    result = draft(make_order(customer={"firstname": first, "lastname": last}))
    assert result.contact_name == expected
    assert ("contact_name" in result.to_json()) is (expected is not None)


def test_empty_comment_is_left_out() -> None:
    result = draft(make_order(comment=""))
    assert result.comment is None
    assert "comment" not in result.to_json()


def test_reference_is_the_order_number() -> None:
    assert draft(make_order(number="WEB-10023")).to_json()["reference"] == "WEB-10023"


def test_config_ids() -> None:
    config = make_config(template_id=2, payment_condition_id=3)
    body = draft(make_order(), config=config, relation_id=777).to_json()
    assert (body["relation_id"], body["template_id"], body["payment_condition_id"]) == (777, 2, 3)


def test_unconfigured_currency_or_rate_cannot_be_drafted() -> None:
    with pytest.raises(ValueError, match="currency"):
        draft(make_order(currency="GBP"))
    with pytest.raises(ValueError, match="no VAT table row"):
        draft(make_order(customer={"isocountry": "IT"}))


# ---- dates ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("created_at", "tz", "expected"),
    [
        ("2024-12-31T23:30:00+00:00", "Europe/Brussels", "2025-01-01"),
        ("2024-12-31T22:59:59+00:00", "Europe/Brussels", "2024-12-31"),
        ("2024-12-31T23:00:00+00:00", "Europe/Brussels", "2025-01-01"),
        ("2025-01-01T00:30:00+01:00", "Europe/London", "2024-12-31"),
        ("2025-03-30T00:30:00+00:00", "Europe/Brussels", "2025-03-30"),  # DST starts
        ("2025-10-25T22:30:00+00:00", "Europe/Brussels", "2025-10-26"),  # CEST: +2
        ("2025-10-26T22:30:00+00:00", "Europe/Brussels", "2025-10-26"),  # CET: +1
        ("2025-06-30T23:59:59-04:00", "Europe/Brussels", "2025-07-01"),
        ("2025-06-30T23:59:59+02:00", "Europe/Brussels", "2025-06-30"),
        ("2025-06-30T10:00:00+02:00", "Pacific/Kiritimati", "2025-06-30"),
        ("2025-06-30T12:00:00+02:00", "Pacific/Kiritimati", "2025-07-01"),
    ],
)
def test_invoice_date_in_the_shop_time_zone(created_at: str, tz: str, expected: str) -> None:
    when = datetime.fromisoformat(created_at)
    assert invoice_date(when, tz) == date.fromisoformat(expected)
    assert invoice_date(when, ZoneInfo(tz)) == date.fromisoformat(expected)
    order = make_order(created_at=created_at)
    assert draft(order, tz=tz).to_json()["invoice_date"] == expected


def test_new_year_in_brussels() -> None:
    order = make_order(created_at=datetime(2024, 12, 31, 23, 30, tzinfo=UTC).isoformat())
    assert draft(order).invoice_date == date(2025, 1, 1)


def test_fixed_offset_zone() -> None:
    when = datetime(2025, 5, 1, 1, 0, tzinfo=UTC)
    assert invoice_date(when, timezone(timedelta(hours=-3))) == date(2025, 4, 30)


@pytest.mark.parametrize(("country", "has_delivery"), [
    ("AT", True), ("DE", True), ("de", True), ("BE", False), ("NL", False), ("FR", False),
])  # fmt: skip
def test_delivery_date_only_for_at_and_de(country: str, has_delivery: bool) -> None:
    order = make_order(created_at="2025-01-01T00:30:00+01:00")
    body = draft(order, admin_country=country).to_json()
    assert ("delivery_date" in body) is has_delivery
    if has_delivery:
        assert body["delivery_date"] == body["invoice_date"] == "2025-01-01"


# ---- cost centres --------------------------------------------------------------------


def test_no_costs_id_when_not_configured() -> None:
    assert all("costs_id" not in ln for ln in draft(make_order()).to_json()["lines"])


def test_costs_id_on_optional_ledgers() -> None:
    lines = draft(make_order(), config=make_config(costs_id=COSTS)).to_json()["lines"]
    assert [ln["costs_id"] for ln in lines] == [COSTS, COSTS]


def test_costs_id_on_required_ledgers() -> None:
    config = make_config(
        costs_id=COSTS, vat_table={"BE": {"21.00": pair(VAT_BE_21, LEDGER_PROJECTS)}}
    )
    assert draft(make_order(), config=config).lines[0].costs_id == COSTS


@pytest.mark.parametrize("country", ["NL", "US"])
def test_no_costs_id_on_disabled_ledgers(country: str) -> None:
    # ICP and export ledgers say costs 'disabled': Informer refuses a cost centre there.
    order = make_order(customer={"isocountry": country, "vatnr": "NL004495445B01"}, **ZERO)
    result = draft(order, config=make_config(costs_id=COSTS))
    assert all(ln.costs_id is None for ln in result.lines)
    assert all("costs_id" not in ln for ln in result.to_json()["lines"])


def test_costs_id_per_line_when_ledgers_differ() -> None:
    config = make_config(
        costs_id=COSTS,
        vat_table={"BE": {"21.00": pair(VAT_BE_21, LEDGER_BE), "6.00": pair(VAT_BE_6, LEDGER_BE)}},
    )
    order = make_order(lines=[line(vat_rate="6.00")], shipping=charge("bpost", "6.95"))
    assert [ln.costs_id for ln in draft(order, config=config).lines] == [COSTS, COSTS]


def test_kind_is_taken_from_the_caller() -> None:
    order = make_order(customer={"isocountry": "NL", "vatnr": "NL004495445B01"}, **ZERO)
    result = invoice_draft(order, make_config(), OrderKind.ICP, 1, SHOP_TZ, "BE", OPTIONS)
    assert result.vat_option is VatOption.ICV_WITHIN_EU
