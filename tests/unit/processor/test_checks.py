"""Pre-checks 2 to 5 of MAPPING.md: each rule, each error code, and their order."""

from __future__ import annotations

from typing import Any

import pytest

from common.messages.orders import OrderStatus, ShopOrder
from processor.domain import (
    ErrorCode,
    InformerOptions,
    Leave,
    Process,
    Wait,
    check_order,
    check_total,
    status_decision,
)
from tests.fakes.orders import EXAMPLE_ORDER
from tests.unit.processor.builders import (
    OPTIONS,
    OPTIONS_JSON,
    VAT_BE_21,
    VAT_DE_19,
    VAT_EXPORT,
    VAT_ICP,
    charge,
    line,
    make_config,
    make_order,
    pair,
)

ZERO = {"lines": [line(vat_rate="0.00")], "shipping": charge("DHL", "6.95", "0.00")}


def check(order: ShopOrder, config: Any = None, options: InformerOptions = OPTIONS) -> Any:
    return check_order(order, config or make_config(), "BE", options)


# ---- pre-check 2: status -------------------------------------------------------------


@pytest.mark.parametrize("status", ["paid", "processing", "shipped", "completed"])
def test_default_processable_statuses(status: str) -> None:
    assert status_decision(make_order(status=status), make_config()) == Process()


@pytest.mark.parametrize("status", ["new", "pending_payment", "on_hold"])
def test_other_statuses_wait(status: str) -> None:
    decision = status_decision(make_order(status=status), make_config())
    assert isinstance(decision, Wait)
    assert decision.status == OrderStatus(status)
    assert status in decision.message
    assert "paid" in decision.message


def test_cancelled_leaves_open() -> None:
    decision = status_decision(make_order(status="cancelled"), make_config())
    assert isinstance(decision, Leave)
    assert decision.status is OrderStatus.CANCELLED


def test_configured_statuses() -> None:
    config = make_config(processable_statuses=["shipped", "completed"])
    assert isinstance(status_decision(make_order(status="paid"), config), Wait)
    assert status_decision(make_order(status="shipped"), config) == Process()
    assert isinstance(status_decision(make_order(status="cancelled"), config), Leave)


# ---- pre-check 3: total --------------------------------------------------------------


def test_api_example_passes() -> None:
    # API.md's example: 200.00 + 6.95 = 206.95, prices incl. VAT, a German consumer.
    order = ShopOrder.model_validate(EXAMPLE_ORDER)
    assert check_total(order) is None
    assert check(order) is None


def test_total_mismatch_incl_names_both_figures() -> None:
    order = make_order(lines=[line(unit_price="200.00", vat_rate="21.00")], total="207.00")
    failure = check_total(order)
    assert failure is not None
    assert failure.code is ErrorCode.TOTAL_MISMATCH
    assert failure.message == (
        "The order total 207.00 does not match its lines, shipping and fees (206.95). "
        "Correct the order in KMO Shops, then press Process."
    )
    assert failure.detail["total"] == "207.00"
    assert failure.detail["expected"] == "206.95"
    assert failure.detail["difference"] == "0.05"
    assert failure.detail["shipping"] == "6.95"
    assert failure.detail["payment_fee"] is None
    assert check(order) == failure


def test_total_incl_ignores_vat_total() -> None:
    order = make_order(vat_total="999.99")
    assert check_total(order) is None


def test_total_excl_adds_vat_total() -> None:
    order = make_order(
        prices_include_vat=False,
        lines=[line(unit_price="100.00")],
        shipping=charge("bpost", "5.00"),
        total="127.05",
        vat_total="22.05",
    )
    assert check_total(order) is None


def test_total_mismatch_excl() -> None:
    order = make_order(
        prices_include_vat=False,
        lines=[line(unit_price="100.00")],
        shipping=charge("bpost", "5.00"),
        total="105.00",
        vat_total="22.05",
    )
    failure = check_total(order)
    assert failure is not None
    assert failure.code is ErrorCode.TOTAL_MISMATCH
    assert "105.00" in failure.message
    assert "127.05" in failure.message
    assert "plus VAT" in failure.message
    assert failure.detail["vat_total"] == "22.05"


def test_total_includes_payment_fee_and_discounts() -> None:
    order = make_order(
        lines=[line(quantity=3, unit_price="9.99", discount="1.00")],
        shipping=None,
        payment_fee=charge("Fee", "0.35"),
        total="29.32",
    )
    assert check_total(order) is None
    off_by_a_cent = make_order(
        lines=[line(quantity=3, unit_price="9.99", discount="1.00")],
        shipping=None,
        payment_fee=charge("Fee", "0.35"),
        total="29.33",
    )
    assert check_total(off_by_a_cent) is not None


def test_total_is_checked_first() -> None:
    order = make_order(customer={"isocountry": "US"}, currency="GBP", total="1.00")
    assert check(order).code is ErrorCode.TOTAL_MISMATCH


# ---- pre-check 4: kinds, currency, e-mail --------------------------------------------


def test_international_with_vat() -> None:
    order = make_order(
        customer={"isocountry": "US"},
        lines=[line(vat_rate="21.00"), line(id=2, vat_rate="6.00")],
        shipping=charge("DHL", "6.95", "0.00"),
    )
    failure = check(order)
    assert failure.code is ErrorCode.INTERNATIONAL_WITH_VAT
    assert "US" in failure.message
    assert "6 % and 21 %" in failure.message
    assert failure.detail == {"country": "US", "rates": ["6.00", "21.00"]}


def test_international_vat_on_shipping_only() -> None:
    order = make_order(customer={"isocountry": "CH"}, lines=[line(vat_rate="0.00")])
    assert check(order).code is ErrorCode.INTERNATIONAL_WITH_VAT


def test_international_without_vat_passes() -> None:
    assert check(make_order(customer={"isocountry": "CH"}, **ZERO)) is None


def test_icp_without_vat_number() -> None:
    order = make_order(customer={"isocountry": "NL", "vatnr": "  "}, **ZERO)
    failure = check(order)
    assert failure.code is ErrorCode.ICP_VAT_NUMBER_MISSING
    assert "NL" in failure.message


def test_icp_with_invalid_vat_number() -> None:
    order = make_order(customer={"isocountry": "NL", "vatnr": "NL004495446B01"}, **ZERO)
    failure = check(order)
    assert failure.code is ErrorCode.VAT_NUMBER_INVALID
    assert "NL004495446B01" in failure.message


def test_icp_with_vat_number_of_another_country() -> None:
    order = make_order(customer={"isocountry": "NL", "vatnr": "DE136695976"}, **ZERO)
    failure = check(order)
    assert failure.code is ErrorCode.VAT_NUMBER_INVALID
    assert "VAT number of DE" in failure.message


def test_icp_with_valid_vat_number_passes() -> None:
    order = make_order(customer={"isocountry": "NL", "vatnr": "nl 0044.95.445.b01"}, **ZERO)
    assert check(order) is None


def test_regular_order_with_invalid_vat_number_passes() -> None:
    # Only ICP needs the VAT number; elsewhere an invalid one is left off the relation.
    order = make_order(customer={"isocountry": "BE", "vatnr": "BE0403019262"})
    assert check(order) is None


def test_vat_mapping_missing_names_country_and_rates() -> None:
    order = make_order(
        customer={"isocountry": "DE"},
        lines=[line(vat_rate="19.00"), line(id=2, vat_rate="16.00"), line(id=3, vat_rate="5.00")],
        shipping=charge("DHL", "4.95", "16.00"),
    )
    failure = check(order)
    assert failure.code is ErrorCode.VAT_MAPPING_MISSING
    assert failure.message.startswith("The VAT table has no row for DE at 5 % and 16 %.")
    assert failure.detail == {"country": "DE", "rates": ["5.00", "16.00"]}


def test_vat_mapping_missing_for_a_country_not_in_the_table() -> None:
    order = make_order(customer={"isocountry": "IT"}, lines=[line(vat_rate="22.00")],
                       shipping=charge("DHL", "4.95", "22.00"))  # fmt: skip
    failure = check(order)
    assert failure.code is ErrorCode.VAT_MAPPING_MISSING
    assert failure.detail == {"country": "IT", "rates": ["22.00"]}


def test_domestic_zero_rate_needs_a_mapping() -> None:
    config = make_config(vat_table={"BE": {"21.00": pair(VAT_BE_21, 8001)}})
    order = make_order(**ZERO)
    failure = check(order, config)
    assert failure.code is ErrorCode.VAT_MAPPING_MISSING
    assert failure.detail == {"country": "BE", "rates": ["0.00"]}


def test_fractional_rate_mapping() -> None:
    order = make_order(customer={"isocountry": "FR"}, lines=[line(vat_rate="5.50")],
                       shipping=charge("Colissimo", "4.90", "20.00"))  # fmt: skip
    assert check(order) is None


def test_currency_not_configured() -> None:
    order = make_order(currency="GBP")
    failure = check(order)
    assert failure.code is ErrorCode.CURRENCY_NOT_CONFIGURED
    assert "GBP" in failure.message
    assert failure.detail == {"currency": "GBP", "configured": ["EUR", "USD"]}


def test_customer_email_missing() -> None:
    order = make_order(customer={"email": ""})
    failure = check(order)
    assert failure.code is ErrorCode.CUSTOMER_EMAIL_MISSING
    assert "e-mail" in failure.message


def test_email_not_needed_with_a_fixed_debtor() -> None:
    order = make_order(customer={"email": ""}, payment_method={"code": "cash", "name": "Cash"})
    assert check(order) is None


def test_icp_needs_email_even_with_a_fixed_debtor() -> None:
    order = make_order(
        customer={"email": "", "isocountry": "NL", "vatnr": "NL004495445B01"},
        payment_method={"code": "cash", "name": "Cash"},
        **ZERO,
    )
    assert check(order).code is ErrorCode.CUSTOMER_EMAIL_MISSING


def test_order_within_pre_check_4_kind_then_currency_then_email() -> None:
    both = make_order(customer={"isocountry": "US", "email": ""}, currency="GBP")
    assert check(both).code is ErrorCode.INTERNATIONAL_WITH_VAT
    currency_and_email = make_order(customer={"email": ""}, currency="GBP")
    assert check(currency_and_email).code is ErrorCode.CURRENCY_NOT_CONFIGURED


# ---- pre-check 5: VAT codes in Informer's options ------------------------------------


def _options_without(vat_id: int) -> InformerOptions:
    return InformerOptions.from_json([o for o in OPTIONS_JSON if o["id"] != vat_id])


def test_vat_code_missing_from_options() -> None:
    failure = check(make_order(), options=_options_without(VAT_BE_21))
    assert failure.code is ErrorCode.VAT_CODE_UNAVAILABLE
    assert f"VAT code {VAT_BE_21} no longer exists" in failure.message
    assert failure.detail["codes"] == [
        {"vat_id": VAT_BE_21, "ledger_id": 8001, "rate": "21.00", "reason": "missing"}
    ]
    assert failure.detail["vat_option"] == "incl"


def test_vat_code_not_allowed_for_the_vat_option() -> None:
    # The merchant mapped the ICP code for Belgian 21 %: it only allows icv_within_eu.
    config = make_config(vat_table={"BE": {"21.00": pair(VAT_ICP, 8003)}})
    failure = check(make_order(), config)
    assert failure.code is ErrorCode.VAT_CODE_UNAVAILABLE
    assert f"VAT code {VAT_ICP} (0% ICP) cannot be used with incl" in failure.message
    assert failure.detail["codes"][0]["reason"] == "option_not_allowed"


def test_icp_code_must_allow_icv_within_eu() -> None:
    config = make_config(icp=pair(VAT_EXPORT, 8004))
    order = make_order(customer={"isocountry": "NL", "vatnr": "NL004495445B01"}, **ZERO)
    failure = check(order, config)
    assert failure.code is ErrorCode.VAT_CODE_UNAVAILABLE
    assert "cannot be used with icv_within_eu" in failure.message


def test_international_code_must_exist() -> None:
    order = make_order(customer={"isocountry": "US"}, **ZERO)
    failure = check(order, options=_options_without(VAT_EXPORT))
    assert failure.code is ErrorCode.VAT_CODE_UNAVAILABLE
    assert failure.detail["vat_option"] == "icv_outside_eu"


def test_ledger_no_longer_usable_with_the_code() -> None:
    config = make_config(vat_table={"BE": {"21.00": pair(VAT_BE_21, 8002)}})
    failure = check(make_order(), config)
    assert failure.code is ErrorCode.VAT_CODE_UNAVAILABLE
    assert f"Ledger 8002 cannot be used with VAT code {VAT_BE_21}" in failure.message
    assert failure.detail["codes"][0]["reason"] == "ledger_not_usable"


def test_every_unavailable_code_is_named_once() -> None:
    order = make_order(
        customer={"isocountry": "DE"},
        lines=[line(vat_rate="19.00"), line(id=2, vat_rate="7.00")],
        shipping=charge("DHL", "4.95", "19.00"),
    )
    options = InformerOptions.from_json(
        [o for o in OPTIONS_JSON if o["id"] not in {VAT_DE_19, VAT_DE_19 + 1}]
    )
    failure = check(order, options=options)
    assert failure.code is ErrorCode.VAT_CODE_UNAVAILABLE
    assert [c["vat_id"] for c in failure.detail["codes"]] == [VAT_DE_19 + 1, VAT_DE_19]
    assert failure.message.startswith(
        f"VAT code {VAT_DE_19 + 1} no longer exists in Informer and VAT code {VAT_DE_19} "
    )


def test_options_checked_after_email() -> None:
    order = make_order(customer={"email": ""})
    assert check(order, options=_options_without(VAT_BE_21)).code is (
        ErrorCode.CUSTOMER_EMAIL_MISSING
    )


def test_excl_order_needs_codes_allowing_excl() -> None:
    options = InformerOptions.from_json(
        [
            o | {"vat_options": o["vat_options"] | {"excl": False}} if o["id"] == VAT_BE_21 else o
            for o in OPTIONS_JSON
        ]
    )
    incl = make_order()
    excl = make_order(prices_include_vat=False)
    assert check(incl, options=options) is None
    failure = check(excl, options=options)
    assert failure.code is ErrorCode.VAT_CODE_UNAVAILABLE
    assert "cannot be used with excl" in failure.message


def test_failure_detail_is_plain_json() -> None:
    import json

    failure = check(make_order(total="1.00"))
    json.dumps(failure.to_dict())
    assert failure.to_dict()["code"] == "TOTAL_MISMATCH"
