"""A configuration checked against what the Informer sandbox's ``demo`` administration
lists: every wrong row is named, nothing else is."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from common.installations.models import InstallationConfig
from common.installations.validation import regular_options, validate_config
from common.vat import EU_MEMBERS, EU_VAT_RATES, VatOption, country_rates, standard_rate
from sandbox.kmoshops.generator.rates import EU_VAT_RATES as SANDBOX_SHOP_RATES
from tests.fakes.informer_lists import demo_lists
from tests.unit.processor.builders import config_dict


def config(**overrides: Any) -> InstallationConfig:
    return InstallationConfig.model_validate(config_dict(**overrides))


def messages(cfg: InstallationConfig, **kwargs: Any) -> list[str]:
    return [p.message for p in validate_config(cfg, demo_lists(cash=4242), **kwargs)]


def test_the_demo_configuration_is_valid() -> None:
    assert messages(config(), shop_currency="EUR") == []


def test_a_ledger_outside_the_codes_usable_ledgers_names_the_row() -> None:
    table = config_dict()["vat_table"]
    table["NL"]["21.00"] = {"vat_id": 163, "ledger_id": 8004}
    problems = validate_config(config(vat_table=table), demo_lists(cash=4242))
    assert [p.field for p in problems] == ["vat_table.NL.21.00"]
    assert problems[0].message.startswith(
        "VAT table, NL 21.00 %: ledger 8004 cannot be used with VAT code 163"
    )
    assert "8002 (700100 Omzet OSS)" in problems[0].message


def test_icp_and_international_rows_need_their_own_vat_option() -> None:
    # 101 (BTW 21%) allows incl and excl, never intra-community or export.
    cfg = config(
        icp={"vat_id": 101, "ledger_id": 8001}, international={"vat_id": 105, "ledger_id": 8003}
    )
    found = messages(cfg)
    assert any(
        m.startswith("ICP row: VAT code 101 (BTW 21%) cannot be used with icv_within_eu")
        for m in found
    )
    assert any(
        m.startswith("International row: VAT code 105 (0% ICP) cannot be used with icv_outside_eu")
        for m in found
    )
    # ... and the codes that can are suggested.
    assert any("VAT codes that can: 105 (0% ICP)" in m for m in found)


def test_regular_rows_need_what_the_shop_sends() -> None:
    # 107 (BTW verlegd) allows only 'shifted'.
    table = {"BE": {"0.00": {"vat_id": 107, "ledger_id": 8001}}}
    assert messages(config(vat_table=table, prices_include_vat=True)) == [
        "VAT table, BE 0.00 %: VAT code 107 (BTW verlegd) cannot be used with incl; "
        "VAT codes that can: 104 (BTW 0%)"
    ]
    assert "cannot be used with excl or incl" in messages(config(vat_table=table))[0]
    assert regular_options(False) == {VatOption.EXCL}
    assert regular_options(None) == {VatOption.INCL, VatOption.EXCL}


def test_a_code_at_another_rate_is_refused() -> None:
    table = {"NL": {"9.00": {"vat_id": 163, "ledger_id": 8002}}}
    assert messages(config(vat_table=table)) == [
        "VAT table, NL 9.00 %: VAT code 163 (OSS NL 21%) is 21.00 %, not 9.00 %"
    ]


def test_unknown_ids_everywhere_are_named() -> None:
    cfg = config(
        template_id=3,  # a quotation layout, not an invoice layout
        payment_condition_id=99,
        currencies={"EUR": 1, "USD": 3, "CHF": 77},
        vat_table={"DE": {"19.00": {"vat_id": 999, "ledger_id": 8002}}},
        fixed_debtors={"cash": 4242, "invoice": 5555},
        costs_id=99,
    )
    assert messages(cfg, shop_currency="GBP") == [
        "Invoice layout: 3 is not a sales invoice layout in Informer",
        "Payment condition: 99 is not a payment condition in Informer",
        "Currency CHF: 77 is not a currency in Informer",
        "Currency USD: Informer's currency 3 is GBP, not USD",
        "Currencies: the shop sells in GBP; map it to an Informer currency",
        "VAT table, DE 19.00 %: VAT code 999 is not available in Informer",
        "Fixed debtor for invoice: relation 5555 does not exist in Informer",
        "Cost centre: 99 is not a cost centre in Informer",
    ]


def test_a_ledger_that_requires_a_cost_centre_needs_a_default_one() -> None:
    table = {"BE": {"21.00": {"vat_id": 101, "ledger_id": 8005}}}
    assert messages(config(vat_table=table)) == [
        "VAT table, BE 21.00 %: ledger 8005 (700500 Omzet projecten) requires a cost "
        "centre: choose a default cost centre"
    ]
    assert messages(config(vat_table=table, costs_id=31)) == []


# --- the standard rates the VAT table is prefilled with ---------------------------------
def test_every_member_state_has_its_standard_rate_first() -> None:
    assert set(EU_VAT_RATES) == EU_MEMBERS
    for country, rates in EU_VAT_RATES.items():
        assert rates[0] == max(rates), country
        assert rates[0] >= 15, country  # the VAT Directive's minimum standard rate
        assert all(r == r.quantize(Decimal("0.01")) for r in rates)
        assert len(set(rates)) == len(rates)
    assert standard_rate("be") == Decimal("21.00")
    assert country_rates("HU") == (Decimal("27.00"), Decimal("18.00"), Decimal("5.00"))
    assert country_rates("CH") == ()
    assert standard_rate("CH") is None


@pytest.mark.parametrize("country", sorted(EU_MEMBERS))
def test_standard_rates_agree_with_the_shop_sandbox(country: str) -> None:
    """The KMO Shops sandbox charges the same standard rates; reduced rates may have
    moved since its table was written (FI's 14 % became 13.5 % in 2026)."""
    assert standard_rate(country) == Decimal(SANDBOX_SHOP_RATES[country][0])
