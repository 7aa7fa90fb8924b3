"""Every 422 (and 400/404) rule of POST /invoices/sales and POST /relations, by field key."""

from decimal import Decimal
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from sandbox.informer import InformerState
from sandbox.informer.testing import (
    DE_HEADERS,
    DEMO_HEADERS,
    DEMO_IDS,
    TRADE_HEADERS,
    company_body,
    invoice_body,
    invoice_line,
    person_body,
)

ICP = {"vat_id": DEMO_IDS["vat_icp"], "ledger_id": DEMO_IDS["ledger_icp"]}
DROP = object()


@pytest.fixture
def relation_id(state: InformerState) -> int:
    return state.relations("demo")[0].id


def without(body: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in names}


async def post(
    client: TestClient, path: str, body: Any, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    response = await client.post("/v2" + path, json=body, headers=headers or DEMO_HEADERS)
    return response.status, await response.json()


async def assert_refused(
    client: TestClient, state: InformerState, path: str, body: Any, key: str, **kw: Any
) -> None:
    before = (len(state.invoices("demo")), len(state.relations("demo")))
    status, answer = await post(client, path, body, **kw)
    assert status == 422, answer
    assert answer["response_code"] == 422
    assert key in answer["error"], answer["error"]
    assert isinstance(answer["error"][key], str)
    assert answer["error"][key]
    assert (len(state.invoices("demo")), len(state.relations("demo"))) == before


async def test_the_baseline_invoice_is_accepted(client: TestClient, relation_id: int) -> None:
    status, _ = await post(client, "/invoices/sales", invoice_body(relation_id))
    assert status == 200


@pytest.mark.parametrize(
    "name",
    [
        "relation_id", "invoice_date", "payment_condition_id", "currency_id", "vat_option",
        "template_id", "lines",
    ],
)  # fmt: skip
async def test_invoice_required_fields(
    client: TestClient, state: InformerState, relation_id: int, name: str
) -> None:
    body = without(invoice_body(relation_id), name)
    await assert_refused(client, state, "/invoices/sales", body, name)


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"invoice_date": "2026-02-30"}, "invoice_date"),
        ({"invoice_date": "02-03-2026"}, "invoice_date"),
        ({"invoice_date": "2026-3-2"}, "invoice_date"),
        ({"invoice_date": "2024-12-31"}, "invoice_date"),  # inside the blocked period
        ({"delivery_date": "2026-13-01"}, "delivery_date"),
        ({"vat_option": "inclusive"}, "vat_option"),
        ({"template_id": DEMO_IDS["quotation_template"]}, "template_id"),
        ({"template_id": 999}, "template_id"),
        ({"template_id": "1"}, "template_id"),
        ({"payment_condition_id": 999}, "payment_condition_id"),
        ({"currency_id": 999}, "currency_id"),
        ({"relation_id": "5001"}, "relation_id"),
        ({"relation_id": True}, "relation_id"),
        ({"reference": 1001}, "reference"),
        ({"comment": None}, "comment"),
        ({"attachments": [1]}, "attachments"),
        ({"idempotency_key": "abc"}, "idempotency_key"),
        ({"lines": []}, "lines"),
        ({"lines": [{"info": True, "description": "alleen tekst"}]}, "lines"),
        ({"lines": "regel"}, "lines"),
    ],
)
async def test_invoice_top_level_rules(
    client: TestClient,
    state: InformerState,
    relation_id: int,
    change: dict[str, Any],
    key: str,
) -> None:
    await assert_refused(client, state, "/invoices/sales", invoice_body(relation_id) | change, key)


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"qty": 2.0}, "lines.0.qty"),
        ({"qty": "2"}, "lines.0.qty"),
        ({"qty": 0}, "lines.0.qty"),
        ({"qty": DROP}, "lines.0.qty"),
        ({"discount": 10.0}, "lines.0.discount"),
        ({"discount": "10"}, "lines.0.discount"),
        ({"discount": 101}, "lines.0.discount"),
        ({"amount": "12.10"}, "lines.0.amount"),
        ({"amount": 12.105}, "lines.0.amount"),
        ({"amount": DROP}, "lines.0.amount"),
        ({"description": ""}, "lines.0.description"),
        ({"description": DROP}, "lines.0.description"),
        ({"vat_id": DROP}, "lines.0.vat_id"),
        ({"vat_id": 99999}, "lines.0.vat_id"),
        ({"vat_id": DEMO_IDS["vat_icp"]}, "lines.0.vat_id"),  # ICP rate on an incl invoice
        ({"ledger_id": DROP}, "lines.0.ledger_id"),
        ({"ledger_id": 700000}, "lines.0.ledger_id"),  # a ledger number is not its id
        ({"ledger_id": DEMO_IDS["ledger_oss"]}, "lines.0.ledger_id"),  # not usable with BE 21 %
        ({"ledger_id": DEMO_IDS["ledger_costs_required"]}, "lines.0.costs_id"),
        ({"costs_id": 999}, "lines.0.costs_id"),
        ({"product_id": 7001}, "lines.0.product_id"),  # trade module is off
        ({"unit": "st"}, "lines.0.unit"),
        ({"info": "false"}, "lines.0.info"),
    ],
)
async def test_invoice_line_rules(
    client: TestClient,
    state: InformerState,
    relation_id: int,
    change: dict[str, Any],
    key: str,
) -> None:
    line = {k: v for k, v in (invoice_line() | change).items() if v is not DROP}
    body = invoice_body(relation_id, lines=[invoice_line(), line])
    await assert_refused(client, state, "/invoices/sales", body, key.replace("lines.0", "lines.1"))


async def test_amounts_with_two_decimals_and_integers_pass(
    client: TestClient, state: InformerState, relation_id: int
) -> None:
    lines = [invoice_line(amount=8.33), invoice_line(amount=-5), invoice_line(amount=10.5)]
    status, answer = await post(client, "/invoices/sales", invoice_body(relation_id, lines=lines))
    assert status == 200, answer
    assert [line["amount"] for line in state.invoices("demo")[0].lines] == [
        Decimal("8.33"), -5, Decimal("10.5"),
    ]  # fmt: skip


async def test_costs_id_disabled_and_required_per_ledger(
    client: TestClient, state: InformerState, relation_id: int
) -> None:
    icp_line = invoice_line(**ICP, costs_id=DEMO_IDS["costs"])
    body = invoice_body(relation_id, vat_option="icv_within_eu", lines=[icp_line])
    await assert_refused(client, state, "/invoices/sales", body, "lines.0.costs_id")
    ok_line = invoice_line(ledger_id=DEMO_IDS["ledger_costs_required"], costs_id=DEMO_IDS["costs"])
    status, _ = await post(client, "/invoices/sales", invoice_body(relation_id, lines=[ok_line]))
    assert status == 200


async def test_export_rate_only_with_icv_outside_eu(
    client: TestClient, state: InformerState, relation_id: int
) -> None:
    export = invoice_line(vat_id=DEMO_IDS["vat_export"], ledger_id=DEMO_IDS["ledger_export"])
    body = invoice_body(relation_id, vat_option="icv_within_eu", lines=[export])
    await assert_refused(client, state, "/invoices/sales", body, "lines.0.vat_id")
    status, _ = await post(client, "/invoices/sales", body | {"vat_option": "icv_outside_eu"})
    assert status == 200


async def test_info_line_carries_only_a_description(
    client: TestClient, state: InformerState, relation_id: int
) -> None:
    info = {"info": True, "description": "Tekst", "qty": 1}
    body = invoice_body(relation_id, lines=[invoice_line(), info])
    await assert_refused(client, state, "/invoices/sales", body, "lines.1.qty")
    body = invoice_body(relation_id, lines=[invoice_line(), {"info": True}])
    await assert_refused(client, state, "/invoices/sales", body, "lines.1.description")


async def test_unknown_relation_is_404(client: TestClient, state: InformerState) -> None:
    status, answer = await post(client, "/invoices/sales", invoice_body(987654))
    assert (status, answer["response_code"]) == (404, 404)
    assert state.invoices("demo") == []


async def test_relation_of_another_administration_is_404(
    client: TestClient, state: InformerState
) -> None:
    foreign = state.add_relation("demo-de", company_body(country="DE"))
    status, _ = await post(client, "/invoices/sales", invoice_body(foreign.id))
    assert status == 404


async def test_german_administration_needs_delivery_date(
    client: TestClient, state: InformerState
) -> None:
    relation = state.add_relation("demo-de", company_body(country="DE"))
    line = invoice_line(vat_id=201, ledger_id=9001)
    body = invoice_body(relation.id, lines=[line])
    status, answer = await post(client, "/invoices/sales", body, DE_HEADERS)
    assert status == 422
    assert "delivery_date" in answer["error"]
    status, _ = await post(
        client, "/invoices/sales", body | {"delivery_date": "2026-03-02"}, DE_HEADERS
    )
    assert status == 200
    status, _ = await post(client, "/invoices/sales", invoice_body(state.relations("demo")[0].id))
    assert status == 200  # BE: no delivery_date needed


async def test_trade_module_needs_an_existing_product_id(
    client: TestClient, state: InformerState
) -> None:
    relation = state.add_relation("demo-trade", company_body(country="NL"))
    line = invoice_line(vat_id=301, ledger_id=9501)
    body = invoice_body(relation.id, lines=[line])
    for bad_line, message in ((line, "missing"), (line | {"product_id": 1}, "unknown")):
        status, answer = await post(
            client, "/invoices/sales", body | {"lines": [bad_line]}, TRADE_HEADERS
        )
        assert status == 422, message
        assert "lines.0.product_id" in answer["error"]
    status, _ = await post(
        client, "/invoices/sales", body | {"lines": [line | {"product_id": 7001}]}, TRADE_HEADERS
    )
    assert status == 200


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        (b'{"relation_id": 1,', "application/json"),
        (b"[1, 2]", "application/json"),
        (b'{"amount": NaN}', "application/json"),
        (b"relation_id=1", "application/x-www-form-urlencoded"),
    ],
)
async def test_malformed_bodies_are_400(
    client: TestClient, state: InformerState, raw: bytes, content_type: str
) -> None:
    for path in ("/v2/invoices/sales", "/v2/relations"):
        response = await client.post(
            path, data=raw, headers=DEMO_HEADERS | {"Content-Type": content_type}
        )
        assert response.status == 400
        answer = await response.json()
        assert answer["response_code"] == 400
        assert isinstance(answer["error"], str)
    assert state.invoices("demo") == []


# --- relations -------------------------------------------------------------------------------
async def test_the_baseline_relations_are_accepted(
    client: TestClient, state: InformerState
) -> None:
    for body in (
        company_body(vat="BE0403170701", iban="BE71096123456769", web="https://peeters.be"),
        person_body(email_invoice="facturen@example.com", surname_prefix="van"),
        company_body(country="CH", vat="CHE-116.281.710 MWST", email="a.b@example.ch"),
        company_body(vat="EL094259216", country="GR"),
    ):
        status, answer = await post(client, "/relations", body)
        assert status == 200, answer


@pytest.mark.parametrize(
    ("body", "key"),
    [
        (without(company_body(), "company_name"), "company_name"),
        (company_body(company_name="   "), "company_name"),
        (company_body(firstname="Jan"), "firstname"),
        (company_body(surname="Peeters"), "surname"),
        (without(person_body(), "surname"), "surname"),
        (without(person_body(), "firstname"), "firstname"),
        (person_body(company_name="Maes BV"), "company_name"),
        (without(company_body(), "relation_type"), "relation_type"),
        (company_body(relation_type=2), "relation_type"),
        (company_body(relation_type="0"), "relation_type"),
        (without(company_body(), "street"), "street"),
        (company_body(house_number=""), "house_number"),
        (without(company_body(), "zip"), "zip"),
        (company_body(city=""), "city"),
        (without(company_body(), "country"), "country"),
        (company_body(country="XX"), "country"),
        (company_body(country="be"), "country"),
        (company_body(email="geen-email"), "email"),
        (company_body(email="a@b"), "email"),
        (company_body(email_invoice="a b@example.com"), "email_invoice"),
        (company_body(vat="0403170701"), "vat"),  # no country prefix
        (company_body(vat="BE0403170702"), "vat"),  # check digits
        (company_body(vat="US123456789"), "vat"),
        (company_body(iban="BE71096123456760"), "iban"),
        (company_body(bic="NOTABIC"), "bic"),
        (company_body(web="peeters"), "web"),
        (company_body(relation_number=1001), "relation_number"),  # the seeded relation's
        (company_body(relation_number=-1), "relation_number"),
        (company_body(payment_condition_id=999), "payment_condition_id"),
        (company_body(sales_invoice_template_id=3), "sales_invoice_template_id"),
        (company_body(subtype={"customer": 2}), "subtype.customer"),
        (company_body(customfields={"Klantnummer": "1"}), "customfields.Klantnummer"),
        (company_body(collection_date="2026-02-30"), "collection_date"),
        (company_body(phone=32), "phone"),
        (company_body(notes="x"), "notes"),
    ],
)
async def test_relation_rules(
    client: TestClient, state: InformerState, body: dict[str, Any], key: str
) -> None:
    await assert_refused(client, state, "/relations", body, key)


async def test_relation_number_must_be_unique_also_for_numbers_taken_by_post(
    client: TestClient, state: InformerState
) -> None:
    status, _ = await post(client, "/relations", company_body(relation_number=777))
    assert status == 200
    await assert_refused(
        client, state, "/relations", person_body(relation_number=777), "relation_number"
    )
