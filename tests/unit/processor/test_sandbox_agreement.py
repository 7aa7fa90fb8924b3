"""Drafts the strict Informer sandbox accepts, checked with its own validation rules
(pure functions, no server): what passes here should not fail at Informer."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings

from common.informer.codec import dumps as render_json
from common.informer.codec import loads as parse_json
from common.messages.orders import ShopOrder
from processor.domain import (
    InformerOptions,
    classify,
    invoice_draft,
    relation_draft,
)
from sandbox.informer import views
from sandbox.informer.invoice_rules import validate_invoice
from sandbox.informer.relation_rules import validate_relation
from sandbox.informer.state import InformerState
from sandbox.informer.totals import compute_totals
from tests.unit.processor.builders import OPTIONS, SHOP_COUNTRY, SHOP_TZ, make_config, make_order
from tests.unit.processor.strategies import valid_orders

STATE = InformerState()
DEMO = STATE.admin("demo")
SANDBOX_OPTIONS = InformerOptions.from_json(views.vat_options(DEMO))


def test_options_of_the_sandbox_agree_with_the_test_options() -> None:
    def essentials(options: InformerOptions, vat_id: int) -> object:
        code = options.vat_code(vat_id)
        assert code is not None
        ledgers = sorted((led.id, led.costs) for led in code.usable_ledgers)
        return code.name, code.percentage, code.vat_options, ledgers

    for code in OPTIONS.vat_codes:
        assert essentials(SANDBOX_OPTIONS, code.id) == essentials(OPTIONS, code.id)


@settings(max_examples=150, deadline=None)
@given(valid_orders())
def test_sandbox_accepts_every_invoice_draft(order: ShopOrder) -> None:
    config = make_config(costs_id=31)
    kind = classify(order, SHOP_COUNTRY)
    draft = invoice_draft(order, config, kind, 5001, SHOP_TZ, DEMO.country, SANDBOX_OPTIONS)
    body = parse_json(render_json(draft.to_json()))
    assert validate_invoice(DEMO, body) == {}
    if order.prices_include_vat or kind.value != "regular":
        totals = compute_totals(DEMO, body["vat_option"], body["lines"], Decimal(1))
        assert totals["incl_vat"] == (
            order.total if order.prices_include_vat else order.total - order.vat_total
        )


@pytest.mark.parametrize(
    "customer",
    [
        {"company": "", "firstname": "Sophie", "lastname": "Fischer", "isocountry": "DE",
         "address1": "Hauptstrasse", "housenr": "12a", "zipcode": "10115", "city": "Berlin"},
        {"company": "Bakkerij Janssens BV", "isocountry": "BE", "address1": "Kerkstraat 12 bus 3",
         "vatnr": "BE 0403.019.261", "coc": "0403019261", "telnr": "03 123 45 67"},
        {"company": "Acme AE", "isocountry": "GR", "address1": "Odos Ermou 5",
         "vatnr": "094259216", "zipcode": "10563", "city": "Athina"},
        {"company": "Acme SARL", "isocountry": "FR", "address1": "12 rue de la Gare",
         "vatnr": "40 303 265 045", "zipcode": "75001", "city": "Paris"},
        {"company": "Acme AG", "isocountry": "CH", "address1": "Bahnhofstrasse 1",
         "vatnr": "CHE-116.281.710 MWST", "zipcode": "8001", "city": "Zürich"},
        {"company": "Acme", "isocountry": "BE", "vatnr": "BE0403019262", "telnr": ""},
    ],
)  # fmt: skip
def test_sandbox_accepts_relation_drafts(customer: dict[str, str]) -> None:
    draft = relation_draft(make_order(customer=customer), make_config(), 900001)
    assert validate_relation(DEMO, draft.to_json()) == {}


@pytest.mark.parametrize(
    ("customer", "field"),
    [
        ({"company": "", "lastname": ""}, "surname"),
        ({"address1": "Main Street", "housenr": ""}, "house_number"),
    ],
)
def test_sandbox_refuses_what_mapping_leaves_to_informer(
    customer: dict[str, str], field: str
) -> None:
    draft = relation_draft(make_order(customer=customer), make_config(), 900001)
    assert field in validate_relation(DEMO, draft.to_json())
