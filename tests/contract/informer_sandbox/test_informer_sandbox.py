"""The Informer sandbox behaves like Informer's API v2: auth, relations, invoices, lists."""

from decimal import Decimal
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from sandbox.informer import InformerState
from sandbox.informer.testing import (
    DE_HEADERS,
    DEMO_HEADERS,
    DEMO_IDS,
    company_body,
    invoice_body,
    invoice_line,
    person_body,
)


async def call(
    client: TestClient, method: str, path: str, headers: dict[str, str] | None = None, **kw: Any
) -> tuple[int, Any]:
    response = await client.request(method, "/v2" + path, headers=headers or DEMO_HEADERS, **kw)
    return response.status, await response.json()


def demo_relation_id(state: InformerState) -> int:
    return state.relations("demo")[0].id


# --- auth ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Apikey": "demo-informer-key"},
        {"Securitycode": "demo-security-code"},
        {"Apikey": "demo-informer-key", "Securitycode": "wrong"},
        # Both valid, but of two different administrations.
        {"Apikey": "demo-informer-key", "Securitycode": "demo-de-security-code"},
        {"Apikey": "unknown", "Securitycode": "demo-security-code"},
    ],
)
async def test_every_call_needs_key_and_code_of_one_administration(
    client: TestClient, state: InformerState, headers: dict[str, str]
) -> None:
    response = await client.get("/v2/administration", headers=headers)
    assert response.status == 401
    body = await response.json()
    assert body["response_code"] == 401
    assert isinstance(body["error"], str)
    assert "X-RateLimit-Remaining" not in response.headers
    assert state.calls[-1].status == 401
    assert state.calls[-1].key_id is None


async def test_administration_is_the_one_of_the_key(client: TestClient) -> None:
    status, body = await call(client, "GET", "/administration")
    assert status == 200
    assert body["country"] == "BE"
    assert body["modules"] == {"trade": False}
    status, body = await call(client, "GET", "/administration", DE_HEADERS)
    assert body["country"] == "DE"


async def test_call_log_never_holds_the_secrets(client: TestClient, state: InformerState) -> None:
    await call(client, "GET", "/vat")
    dumped = repr(state.calls)
    assert "demo-informer-key" not in dumped
    assert "demo-security-code" not in dumped
    assert state.calls[-1].key_id == "demo-key"


# --- reference lists and options ---------------------------------------------------------
async def test_options_are_consistent_with_vat_and_ledgers(client: TestClient) -> None:
    _, options = await call(client, "GET", "/invoices/sales/options")
    _, vats = await call(client, "GET", "/vat")
    _, ledgers = await call(client, "GET", "/ledgers")
    ledgers_by_id = {ledger["id"]: ledger for ledger in ledgers}
    vat_ids = {vat["id"] for vat in vats}
    for option in options:
        assert option["id"] in vat_ids
        assert set(option["vat_options"]) == {
            "incl", "excl", "shifted", "icv_within_eu", "icv_outside_eu",
        }  # fmt: skip
        for usable in option["usable_ledgers"]:
            assert ledgers_by_id[usable["id"]]["costs"] == usable["costs"]
            assert ledgers_by_id[usable["id"]]["number"] == usable["number"]
    by_name = {o["name"]: o for o in options}
    icp = by_name["0% ICP"]
    assert [k for k, v in icp["vat_options"].items() if v] == ["icv_within_eu"]
    export = by_name["0% export"]
    assert [k for k, v in export["vat_options"].items() if v] == ["icv_outside_eu"]
    assert by_name["OSS NL 21%"]["id"] == DEMO_IDS["vat_nl_21"]
    assert by_name["OSS DE 7%"]["percentage"] == 7
    assert by_name["OSS FR 5.5%"]["percentage"] == 5.5
    assert {ledger["costs"] for ledger in ledgers} >= {"required", "disabled", "optional"}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/templates", {"sales_invoice", "quotation"}),
        ("/currencies", {"EUR", "USD", "GBP"}),
    ],
)
async def test_reference_lists(client: TestClient, path: str, expected: set[str]) -> None:
    status, items = await call(client, "GET", path)
    assert status == 200
    values = {item.get("type") or item.get("currency") for item in items}
    assert values >= expected


async def test_payment_conditions_and_costs_are_listed(client: TestClient) -> None:
    _, conditions = await call(client, "GET", "/payment-conditions")
    assert {c["id"] for c in conditions} == {1, 2, 3}
    assert [c["default"] for c in conditions].count("1") == 1
    _, costs = await call(client, "GET", "/costs")
    assert DEMO_IDS["costs"] in {c["id"] for c in costs}


# --- relations ---------------------------------------------------------------------------
async def test_created_relation_comes_without_id_and_is_found_by_number(
    client: TestClient, state: InformerState
) -> None:
    status, body = await call(
        client, "POST", "/relations", json=company_body(relation_number=90017)
    )
    assert (status, body) == (200, {"success": "Relation saved"})
    _, found = await call(client, "GET", "/relations", params={"search": "90017"})
    [relation] = found["relations"]
    assert relation["relation_number"] == 90017
    assert relation["id"] != 90017
    assert relation["email"] == "boekhouding@drukkerij-peeters.be"
    status, detail = await call(client, "GET", f"/relations/{relation['id']}")
    assert status == 200
    assert detail["company_name"] == "Drukkerij Peeters"
    assert detail["freefields"] == []


async def test_relation_number_zero_or_absent_takes_the_next_free_one(
    client: TestClient, state: InformerState
) -> None:
    highest = max(r.relation_number for r in state.relations("demo"))
    await call(client, "POST", "/relations", json=person_body(relation_number=0))
    await call(client, "POST", "/relations", json=person_body(email="other@example.com"))
    numbers = sorted(r.relation_number for r in state.relations("demo"))
    assert numbers[-2:] == [highest + 1, highest + 2]


async def test_search_ignores_email_and_person_names(
    client: TestClient, state: InformerState
) -> None:
    await call(client, "POST", "/relations", json=person_body(email="zoekmij@example.com"))
    for term in ("zoekmij@example.com", "zoekmij", "Maes"):
        _, found = await call(client, "GET", "/relations", params={"search": term})
        assert found["relations"] == [], term
    _, by_city = await call(client, "GET", "/relations", params={"search": "antwerpen"})
    assert [r["surname"] for r in by_city["relations"]] == ["Maes"]
    _, by_street = await call(client, "GET", "/relations", params={"search": "Nieuwstraat"})
    assert len(by_street["relations"]) == 1


async def test_search_on_number_is_a_substring_match(
    client: TestClient, state: InformerState
) -> None:
    state.add_relation("demo", company_body(relation_number=4242))
    state.add_relation("demo", company_body(relation_number=14242))
    _, found = await call(client, "GET", "/relations", params={"search": "4242"})
    assert sorted(r["relation_number"] for r in found["relations"]) == [4242, 14242]


async def test_last_edit_returns_relations_edited_on_a_later_day(
    client: TestClient, state: InformerState
) -> None:
    state.add_relation("demo", company_body(company_name="Oud"), last_edit="2025-06-01 23:59:59")
    state.add_relation("demo", company_body(company_name="Nieuw"), last_edit="2025-06-02 00:00:00")
    _, found = await call(client, "GET", "/relations", params={"last_edit": "2025-06-01"})
    assert [r["company_name"] for r in found["relations"]] == ["Nieuw"]
    status, body = await call(client, "GET", "/relations", params={"last_edit": "2025-02-30"})
    assert status == 400
    assert body["response_code"] == 400


async def test_relations_are_paged(client: TestClient, state: InformerState) -> None:
    for n in range(24):
        state.add_relation("demo", company_body(company_name=f"Klant {n}"))
    _, first = await call(client, "GET", "/relations")
    assert first["pagination"] == {"page": 1, "records": 20, "total": 25, "pages": 2}
    assert len(first["relations"]) == 20
    _, second = await call(client, "GET", "/relations", params={"page": "2", "records": "20"})
    assert len(second["relations"]) == 5
    ids = [r["id"] for r in first["relations"] + second["relations"]]
    assert len(set(ids)) == 25
    _, beyond = await call(client, "GET", "/relations", params={"page": "9"})
    assert beyond["relations"] == []
    for bad in ({"records": "101"}, {"records": "0"}, {"page": "0"}, {"page": "x"}):
        status, _ = await call(client, "GET", "/relations", params=bad)
        assert status == 400, bad


async def test_unknown_relation_is_404_and_other_administrations_are_invisible(
    client: TestClient, state: InformerState
) -> None:
    status, body = await call(client, "GET", "/relations/999999")
    assert (status, body["response_code"]) == (404, 404)
    de_relation = state.add_relation("demo-de", company_body(country="DE"))
    status, _ = await call(client, "GET", f"/relations/{de_relation.id}")
    assert status == 404


async def test_put_relation_is_implemented_and_recorded(
    client: TestClient, state: InformerState
) -> None:
    relation_id = demo_relation_id(state)
    status, body = await call(client, "PUT", f"/relations/{relation_id}", json={"city": "Brugge"})
    assert (status, body) == (200, {"success": "Relation saved"})
    assert state.admin("demo").relations[relation_id].fields["city"] == "Brugge"
    assert state.count("PUT /relations/{id}") == 1
    status, body = await call(client, "PUT", f"/relations/{relation_id}", json={"vat": "BE123"})
    assert (status, list(body["error"])) == (422, ["vat"])
    status, _ = await call(client, "PUT", "/relations/999999", json={"city": "Brugge"})
    assert status == 404


# --- invoices ------------------------------------------------------------------------------
async def test_created_invoice_is_stored_numbered_and_totalled(
    client: TestClient, state: InformerState
) -> None:
    relation_id = demo_relation_id(state)
    body = invoice_body(
        relation_id,
        reference="#2001",
        lines=[
            invoice_line(qty=2, amount=12.10),
            invoice_line(qty=1, amount=10.60, vat_id=DEMO_IDS["vat_6"]),
            {"info": True, "description": "Bedankt voor je bestelling"},
        ],
    )
    status, created = await call(client, "POST", "/invoices/sales", json=body)
    assert status == 200
    assert set(created) == {"id", "url"}
    status, invoice = await call(client, "GET", f"/invoices/sales/{created['id']}")
    assert status == 200
    assert invoice["number"] == "F2026-00001"
    assert invoice["reference"] == "#2001"
    assert invoice["concept"] == "0"
    assert invoice["url"] == created["url"]
    assert invoice["totals"]["incl_vat"] == 34.80
    assert invoice["totals"]["vat"] == 4.80  # 4.20 (21 %) + 0.60 (6 %)
    assert invoice["totals"]["excl_vat"] == 30.00
    assert invoice["lines"][0]["vat"] == {"id": DEMO_IDS["vat_21"], "percentage": 21}
    assert invoice["lines"][2]["info"] is True
    assert invoice["lines"][2]["amount"] is None
    _, second = await call(client, "POST", "/invoices/sales", json=body)
    _, again = await call(client, "GET", f"/invoices/sales/{second['id']}")
    assert again["number"] == "F2026-00002"


@pytest.mark.parametrize(
    ("vat_option", "lines", "excl", "vat", "incl"),
    [
        ("excl", [invoice_line(qty=3, amount=9.99)], "29.97", "6.29", "36.26"),
        ("incl", [invoice_line(qty=3, amount=9.99)], "24.77", "5.20", "29.97"),
        ("excl", [invoice_line(qty=1, amount=100, discount=15)], "85.00", "17.85", "102.85"),
        (
            "icv_within_eu",
            [invoice_line(amount=50, vat_id=DEMO_IDS["vat_icp"], ledger_id=DEMO_IDS["ledger_icp"])],
            "50.00", "0.00", "50.00",
        ),
        # VAT is computed once per rate over the sum of the lines, not per line.
        ("excl", [invoice_line(amount=0.05), invoice_line(amount=0.05)], "0.10", "0.02", "0.12"),
    ],
)  # fmt: skip
async def test_totals_follow_vat_option(
    client: TestClient,
    state: InformerState,
    vat_option: str,
    lines: list[dict[str, Any]],
    excl: str,
    vat: str,
    incl: str,
) -> None:
    body = invoice_body(demo_relation_id(state), vat_option=vat_option, lines=lines)
    status, created = await call(client, "POST", "/invoices/sales", json=body)
    assert status == 200, created
    [stored] = state.invoices("demo")
    assert stored.totals["excl_vat"] == Decimal(excl)
    assert stored.totals["vat"] == Decimal(vat)
    assert stored.totals["incl_vat"] == Decimal(incl)


async def test_invoice_list_ignores_unknown_parameters(
    client: TestClient, state: InformerState
) -> None:
    relation_id = demo_relation_id(state)
    for reference in ("A-1", "A-2", "A-3"):
        await call(
            client, "POST", "/invoices/sales", json=invoice_body(relation_id, reference=reference)
        )
    _, listed = await call(client, "GET", "/invoices/sales", params={"reference": "A-2"})
    assert sorted(i["reference"] for i in listed["invoices"]) == ["A-1", "A-2", "A-3"]
    assert state.calls[-1].query == {"reference": "A-2"}


async def test_invoice_list_filters_on_relation_and_sorts(
    client: TestClient, state: InformerState
) -> None:
    first = demo_relation_id(state)
    other = state.add_relation("demo", company_body()).id
    await call(
        client, "POST", "/invoices/sales", json=invoice_body(first, invoice_date="2026-03-05")
    )
    await call(
        client, "POST", "/invoices/sales", json=invoice_body(other, invoice_date="2026-03-01")
    )
    await call(
        client, "POST", "/invoices/sales", json=invoice_body(first, invoice_date="2026-03-03")
    )
    _, mine = await call(client, "GET", "/invoices/sales", params={"relation_id": str(first)})
    assert [i["invoice_date"] for i in mine["invoices"]] == ["2026-03-05", "2026-03-03"]
    _, ascending = await call(client, "GET", "/invoices/sales", params={"sort": "date.asc"})
    assert [i["invoice_date"] for i in ascending["invoices"]] == [
        "2026-03-01", "2026-03-03", "2026-03-05",
    ]  # fmt: skip
    _, paged = await call(client, "GET", "/invoices/sales", params={"records": "2", "page": "2"})
    assert paged["pagination"] == {"page": 2, "records": 2, "total": 3, "pages": 2}
    for bad in ({"sort": "reference.asc"}, {"sort": "date"}, {"filter": "paid"}):
        status, _ = await call(client, "GET", "/invoices/sales", params=bad)
        assert status == 400, bad
    _, concept = await call(client, "GET", "/invoices/sales", params={"filter": "concept"})
    assert concept["invoices"] == []


async def test_invoice_list_last_edit(client: TestClient, state: InformerState) -> None:
    await call(client, "POST", "/invoices/sales", json=invoice_body(demo_relation_id(state)))
    today = state.now().date()
    _, same_day = await call(client, "GET", "/invoices/sales", params={"last_edit": str(today)})
    assert same_day["invoices"] == []
    yesterday = today.fromordinal(today.toordinal() - 1)
    _, before = await call(client, "GET", "/invoices/sales", params={"last_edit": str(yesterday)})
    assert len(before["invoices"]) == 1


async def test_unknown_invoice_is_404(client: TestClient) -> None:
    status, body = await call(client, "GET", "/invoices/sales/123456789")
    assert (status, body["response_code"]) == (404, 404)


async def test_send_is_implemented_and_recorded(client: TestClient, state: InformerState) -> None:
    _, created = await call(
        client, "POST", "/invoices/sales", json=invoice_body(demo_relation_id(state))
    )
    path = f"/invoices/sales/send/{created['id']}"
    status, _ = await call(
        client, "POST", path, json={"method": "email", "email_address": "x@y.be"}
    )
    assert status == 422
    status, body = await call(client, "POST", path, json={"method": "mark"})
    assert (status, body) == (200, {"message": "Invoice has been sent successfully"})
    assert state.count("POST /invoices/sales/send/{id}") == 2
    assert state.invoices("demo")[0].sent_via == "mark"


async def test_unknown_route_and_method_answer_the_error_shape(client: TestClient) -> None:
    status, body = await call(client, "GET", "/nothing-here")
    assert (status, body["response_code"]) == (404, 404)
    status, body = await call(client, "DELETE", "/invoices/sales/1")
    assert (status, body["response_code"]) == (405, 405)
