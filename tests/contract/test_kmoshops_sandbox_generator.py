"""The order generator: deterministic, consistent to the cent, and honest about scenarios.

The checks here are written independently of the generator: totals are recomputed,
VAT numbers are validated with python-stdnum, and a small reference of MAPPING.md's
pre-checks decides which error each order must produce.
"""

import random
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from stdnum import get_cc_module

from sandbox.kmoshops.generator import (
    INVALID_SCENARIOS,
    SCENARIOS,
    VALID_SCENARIOS,
    GeneratedOrder,
    generate_orders,
)
from sandbox.kmoshops.generator.rates import EU_VAT_RATES, USUAL_CURRENCIES
from sandbox.kmoshops.generator.vatnumbers import (
    VAT_COUNTRIES,
    break_vat_number,
    make_vat_number,
    typed,
)
from sandbox.kmoshops.model import STATUSES
from sandbox.kmoshops.validate import order_problems

SHOP = {"country": "BE", "currency": "EUR", "timezone": "Europe/Brussels"}
EU = set("AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split())
PROCESSABLE = {"paid", "processing", "shipped", "completed"}
CENT = Decimal("0.01")


@pytest.fixture(scope="module")
def many() -> list[GeneratedOrder]:
    return generate_orders(2024, 3000, SHOP, include_invalid=True)


def vat_valid(country: str, number: str) -> bool:
    module = get_cc_module(country.lower(), "vat")
    return module is not None and module.is_valid(number)


def charges(order: dict[str, Any]) -> list[tuple[Decimal, Decimal]]:
    items = [(Decimal(line["total"]), Decimal(line["vat_rate"])) for line in order["lines"]]
    items += [
        (Decimal(order[name]["amount"]), Decimal(order[name]["vat_rate"]))
        for name in ("shipping", "payment_fee")
        if order[name] is not None
    ]
    return items


def reference_outcome(order: dict[str, Any], shop_country: str = "BE") -> str:
    """MAPPING.md pre-checks 2-4 for a merchant with the usual configuration."""
    if order["status"] == "cancelled":
        return "cancelled"
    if order["status"] not in PROCESSABLE:
        return "open"
    subtotal = sum((amount for amount, _ in charges(order)), Decimal(0))
    expected = subtotal if order["prices_include_vat"] else subtotal + Decimal(order["vat_total"])
    if abs(Decimal(order["total"]) - expected) > Decimal("0.005"):
        return "TOTAL_MISMATCH"
    country = order["customer"]["isocountry"]
    rates = {rate for _, rate in charges(order)}
    if country not in EU:
        if rates != {Decimal(0)}:
            return "INTERNATIONAL_WITH_VAT"
    elif country != shop_country and rates == {Decimal(0)}:
        vatnr = order["customer"]["vatnr"].strip()
        if not vatnr:
            return "ICP_VAT_NUMBER_MISSING"
        if not vat_valid(country, vatnr) or not _compact_has_country(country, vatnr):
            return "VAT_NUMBER_INVALID"
    else:
        table = {Decimal(r) for r in EU_VAT_RATES[country]}
        if not rates <= table:
            return "VAT_MAPPING_MISSING"
    if order["currency"] not in USUAL_CURRENCIES:
        return "CURRENCY_NOT_CONFIGURED"
    if not order["customer"]["email"].strip():
        return "CUSTOMER_EMAIL_MISSING"
    return "invoice"


def _compact_has_country(country: str, vatnr: str) -> bool:
    """A typed prefix, when there is one, must be the customer's own country."""
    letters = vatnr.strip()[:2].upper()
    return not letters.isalpha() or letters == country or (country == "AT" and letters == "U")


# --- determinism --------------------------------------------------------------------
def test_same_seed_same_orders_other_seed_other_orders() -> None:
    first = generate_orders(7, 200, SHOP, include_invalid=True)
    again = generate_orders(7, 200, SHOP, include_invalid=True)
    other = generate_orders(8, 200, SHOP, include_invalid=True)
    assert first == again
    assert [g.order for g in first] != [g.order for g in other]
    assert [g.order["id"] for g in first] == list(range(1001, 1201))


def test_scenarios_cycle_when_asked() -> None:
    made = generate_orders("x", 2 * len(SCENARIOS), SHOP, scenarios=SCENARIOS)
    assert [g.scenario for g in made] == list(SCENARIOS) * 2
    with pytest.raises(ValueError, match="unknown scenarios"):
        generate_orders(1, 1, SHOP, scenarios=["nope"])


# --- shape and money ----------------------------------------------------------------
def test_every_order_has_the_documented_shape(many: list[GeneratedOrder]) -> None:
    for generated in many:
        assert order_problems(generated.order) == [], generated.order["id"]


def test_totals_are_consistent_to_the_cent(many: list[GeneratedOrder]) -> None:
    for generated in many:
        order = generated.order
        for line in order["lines"]:
            gross = line["quantity"] * Decimal(line["unit_price"])
            assert Decimal(line["total"]) == gross - Decimal(line["discount"])
            assert Decimal(line["total"]) > 0
        per_rate: dict[Decimal, Decimal] = {}
        for amount, rate in charges(order):
            per_rate[rate] = per_rate.get(rate, Decimal(0)) + amount
        incl = order["prices_include_vat"]
        vat = sum(
            (
                (amount * rate / (100 + rate if incl else 100)).quantize(
                    CENT, rounding=ROUND_HALF_UP
                )
                for rate, amount in per_rate.items()
            ),
            Decimal(0),
        )
        assert Decimal(order["vat_total"]) == vat, order["id"]
        subtotal = sum(per_rate.values(), Decimal(0))
        total = subtotal if incl else subtotal + vat
        if generated.scenario == "total_mismatch":
            assert abs(Decimal(order["total"]) - total) >= CENT
        else:
            assert Decimal(order["total"]) == total, order["id"]


def test_the_mix_is_realistic(many: list[GeneratedOrder]) -> None:
    orders = [g.order for g in many]
    customers = [o["customer"] for o in orders]
    assert {o["status"] for o in orders} == set(STATUSES)
    assert len({c["isocountry"] for c in customers if c["isocountry"] in EU}) >= 10
    assert {"US", "CH", "GB", "NO"} <= {c["isocountry"] for c in customers}
    currencies = Counter(o["currency"] for o in orders)
    assert currencies.most_common(1)[0][0] == "EUR"
    assert len(currencies) >= 4
    assert {True, False} == {o["prices_include_vat"] for o in orders}
    assert any(c["company"] for c in customers)
    assert any(not c["company"] for c in customers)
    assert any(c["housenr"] == "" and c["address1"][-1].isdigit() for c in customers)
    assert any(" bus " in c["address1"] for c in customers)
    assert any(o["shipping"] is None for o in orders)
    assert any(o["shipping"] for o in orders)
    assert any(o["payment_fee"] for o in orders)
    assert any(o["comment"] for o in orders)
    assert {o["created_at"][-6:] for o in orders} == {"+01:00", "+02:00"}  # across DST
    uneven = [
        line
        for o in orders
        for line in o["lines"]
        if (Decimal(line["total"]) * 100) % line["quantity"]
    ]
    assert uneven, "some discounted lines must not divide into whole cents"
    assert any(
        line["quantity"] == 3 and line["unit_price"] == "8.33" and line["discount"] == "0.01"
        for o in orders
        for line in o["lines"]
    )
    rates = {line["vat_rate"] for o in orders for line in o["lines"]}
    assert {"21.00", "12.00", "6.00", "19.00", "7.00", "0.00"} <= rates
    emails = Counter(c["email"].strip().lower() for c in customers)
    assert any(n > 1 for n in emails.values()), "returning customers"


# --- scenarios ----------------------------------------------------------------------
def test_every_order_has_exactly_the_outcome_its_label_promises(
    many: list[GeneratedOrder],
) -> None:
    seen = Counter(g.scenario for g in many)
    assert set(seen) == set(SCENARIOS)
    for generated in many:
        assert reference_outcome(generated.order) == generated.expected, (
            generated.scenario,
            generated.order,
        )


@pytest.mark.parametrize("scenario", INVALID_SCENARIOS)
def test_each_invalid_scenario_is_invalid_in_the_intended_way(scenario: str) -> None:
    made = generate_orders(f"bad-{scenario}", 60, SHOP, scenarios=[scenario])
    for generated in made:
        assert generated.expected == scenario.upper()
        assert generated.order["status"] in PROCESSABLE
        assert reference_outcome(generated.order) == scenario.upper(), generated.order


def test_valid_icp_orders_carry_valid_typed_vat_numbers(many: list[GeneratedOrder]) -> None:
    icp = [g.order for g in many if g.scenario == "icp_b2b"]
    assert len(icp) > 50
    forms = set()
    for order in icp:
        customer = order["customer"]
        assert customer["company"]
        assert customer["isocountry"] in EU - {"BE"}
        assert vat_valid(customer["isocountry"], customer["vatnr"]), customer["vatnr"]
        assert {line["vat_rate"] for line in order["lines"]} == {"0.00"}
        raw = customer["vatnr"]
        forms.add("prefix" if raw[:2].upper() == customer["isocountry"] else "bare")
        forms.update(ch for ch in raw if ch in " .")
    assert forms >= {"prefix", "bare", " ", "."}


def test_valid_scenarios_kinds(many: list[GeneratedOrder]) -> None:
    for generated in many:
        if generated.scenario in VALID_SCENARIOS:
            country = generated.order["customer"]["isocountry"]
            if generated.scenario.startswith("domestic"):
                assert country == "BE"
            if generated.scenario == "international":
                assert country not in EU
                assert generated.kind == "international"


def test_shop_prices_setting_is_respected() -> None:
    b2b = generate_orders(3, 100, {**SHOP, "prices_include_vat": False})
    assert {g.order["prices_include_vat"] for g in b2b} == {False}
    nl = generate_orders(3, 100, {**SHOP, "country": "NL", "timezone": "Europe/Amsterdam"})
    assert any(
        g.scenario == "domestic_b2c" and g.order["customer"]["isocountry"] == "NL" for g in nl
    )


# --- VAT numbers --------------------------------------------------------------------
@pytest.mark.parametrize("country", VAT_COUNTRIES)
def test_vat_numbers_pass_python_stdnum_and_broken_ones_fail(country: str) -> None:
    rng = random.Random(country)
    module = get_cc_module(country.lower(), "vat")
    assert module is not None
    for _ in range(300):
        number = make_vat_number(country, rng)
        assert module.is_valid(number), number
        assert module.is_valid(typed(country, number, rng))
        assert get_cc_module("eu", "vat").is_valid(country + number)
        broken = break_vat_number(country, number, rng)
        assert not module.is_valid(broken), broken
