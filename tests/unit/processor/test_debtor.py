"""The debtor: fixed debtors, the e-mail key, house-number splits and new relations."""

from __future__ import annotations

import pytest

from processor.domain import (
    OrderKind,
    email_key,
    fixed_debtor,
    relation_draft,
    split_house_number,
    street_and_number,
)
from tests.unit.processor.builders import FIXED_CASH, make_config, make_order

# ---- house numbers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "street", "number"),
    [
        ("Kerkstraat 12 bus 3", "Kerkstraat", "12 bus 3"),  # MAPPING.md's example
        ("Rue de la Loi 16", "Rue de la Loi", "16"),
        ("Hauptstrasse 5a", "Hauptstrasse", "5a"),
        ("Hauptstrasse 5 a", "Hauptstrasse", "5 a"),
        ("Avenue Louise 54 boîte 3", "Avenue Louise", "54 boîte 3"),
        ("Avenue Louise 54 bte 3", "Avenue Louise", "54 bte 3"),
        ("Kerkstraat 12-14", "Kerkstraat", "12-14"),
        ("Kerkstraat 12/3", "Kerkstraat", "12/3"),
        ("Kerkstraat, 12", "Kerkstraat", "12"),
        ("  Kerkstraat   12  ", "Kerkstraat", "12"),
        ("Via Roma 10 int. 5", "Via Roma", "10 int. 5"),
        ("Calle Mayor 5, 3º B", "Calle Mayor", "5, 3º B"),
        ("Straße des 17. Juni 5", "Straße des 17. Juni", "5"),
        ("Lange Nieuwstraat 7 app 2.01", "Lange Nieuwstraat", "7 app 2.01"),
        ("Kerkstraat12", "Kerkstraat", "12"),
        ("Hauptstr.5a", "Hauptstr.", "5a"),
        # Number first (FR/LU/GB style): the leading number is the house number.
        ("12 Main Street", "Main Street", "12"),
        ("12 rue de la Gare", "rue de la Gare", "12"),
        ("12, rue de la Gare", "rue de la Gare", "12"),
        ("12 bis rue de la Gare", "rue de la Gare", "12 bis"),
        # Only a number: it is the house number.
        ("12", "", "12"),
        # No number at all: left for Informer to refuse (INFORMER_VALIDATION).
        ("Main Street", "Main Street", ""),
        ("Ringweg A12", "Ringweg A12", ""),
        ("", "", ""),
    ],
)
def test_split_house_number(address: str, street: str, number: str) -> None:
    assert split_house_number(address) == (street, number)


def test_housenr_wins_over_the_address() -> None:
    assert street_and_number("Hauptstrasse", "", "12a") == ("Hauptstrasse", "12a")
    # A given housenr is taken as is, even when address1 also ends in a number.
    assert street_and_number("Route 66", "", "3") == ("Route 66", "3")


def test_address2_is_appended_to_the_street() -> None:
    assert street_and_number("Kerkstraat", "Gebouw B", "12") == ("Kerkstraat Gebouw B", "12")
    assert street_and_number("Kerkstraat 12", "Gebouw B", "") == ("Kerkstraat Gebouw B", "12")
    assert street_and_number("  Kerkstraat ", "  ", " 12 ") == ("Kerkstraat", "12")


# ---- e-mail key and fixed debtors ----------------------------------------------------


@pytest.mark.parametrize(
    ("email", "key"),
    [
        ("Sophie@Example.BE", "sophie@example.be"),
        ("  sophie@example.be\t", "sophie@example.be"),
        ("SOPHIE@EXAMPLE.BE ", "sophie@example.be"),
        ("", ""),
    ],
)
def test_email_key(email: str, key: str) -> None:
    assert email_key(email) == key


def test_fixed_debtor_when_the_payment_method_is_mapped() -> None:
    order = make_order(payment_method={"code": "cash", "name": "Cash"})
    assert fixed_debtor(order, make_config(), OrderKind.REGULAR) == FIXED_CASH
    assert fixed_debtor(order, make_config(), OrderKind.INTERNATIONAL) == FIXED_CASH


def test_fixed_debtor_codes_compare_case_insensitively() -> None:
    config = make_config(fixed_debtors={" Cash ": FIXED_CASH})
    order = make_order(payment_method={"code": "CASH", "name": "Cash"})
    assert fixed_debtor(order, config, OrderKind.REGULAR) == FIXED_CASH


def test_no_fixed_debtor_for_an_unmapped_payment_method() -> None:
    order = make_order(payment_method={"code": "bancontact", "name": "Bancontact"})
    assert fixed_debtor(order, make_config(), OrderKind.REGULAR) is None


def test_icp_orders_never_go_to_a_fixed_debtor() -> None:
    order = make_order(payment_method={"code": "cash", "name": "Cash"})
    assert fixed_debtor(order, make_config(), OrderKind.ICP) is None


# ---- relation drafts -----------------------------------------------------------------


def test_private_person() -> None:
    order = make_order(
        customer={
            "company": "",
            "firstname": "Sophie",
            "lastname": "Fischer",
            "address1": "Hauptstrasse",
            "address2": "",
            "housenr": "12a",
            "zipcode": "10115",
            "city": "Berlin",
            "isocountry": "DE",
            "telnr": "+49 30 1234567",
            "coc": "",
            "vatnr": "",
            "email": "Sophie.Fischer@example.de",
        }
    )
    draft = relation_draft(order, make_config(template_id=2, payment_condition_id=3), 900001)
    assert draft.to_json() == {
        "relation_number": 900001,
        "relation_type": 1,
        "firstname": "Sophie",
        "surname": "Fischer",
        "street": "Hauptstrasse",
        "house_number": "12a",
        "zip": "10115",
        "city": "Berlin",
        "country": "DE",
        "phone": "+49 30 1234567",
        "email": "sophie.fischer@example.de",
        "email_invoice": "sophie.fischer@example.de",
        "payment_condition_id": 3,
        "sales_invoice_template_id": 2,
    }


def test_company_with_vat_number_and_coc() -> None:
    order = make_order(
        customer={
            "company": "Bakkerij Janssens BV",
            "firstname": "Jan",
            "lastname": "Janssens",
            "address1": "Kerkstraat 12 bus 3",
            "housenr": "",
            "isocountry": "BE",
            "vatnr": "be 0403.019.261",
            "coc": "0403019261",
            "telnr": "",
        }
    )
    body = relation_draft(order, make_config(), 900002).to_json()
    assert body["relation_type"] == 0
    assert body["company_name"] == "Bakkerij Janssens BV"
    assert "firstname" not in body  # Informer refuses person names on a company
    assert "surname" not in body
    assert body["street"] == "Kerkstraat"
    assert body["house_number"] == "12 bus 3"
    assert body["vat"] == "BE0403019261"
    assert body["coc"] == "0403019261"
    assert "phone" not in body


def test_greek_vat_number_is_sent_with_el() -> None:
    order = make_order(customer={"company": "Acme AE", "isocountry": "GR", "vatnr": "094259216"})
    body = relation_draft(order, make_config(), 1).to_json()
    assert body["vat"] == "EL094259216"
    assert body["country"] == "GR"


def test_invalid_vat_number_is_left_out() -> None:
    order = make_order(customer={"company": "Acme", "vatnr": "BE0403019262"})
    assert "vat" not in relation_draft(order, make_config(), 1).to_json()


def test_empty_optional_fields_are_absent_not_blank() -> None:
    order = make_order(customer={"telnr": "  ", "coc": "", "vatnr": "", "company": ""})
    body = relation_draft(order, make_config(), 1).to_json()
    for key in ("phone", "coc", "vat", "company_name"):
        assert key not in body
    assert None not in body.values()


def test_missing_email_is_absent() -> None:
    order = make_order(customer={"email": ""})
    body = relation_draft(order, make_config(), 1).to_json()
    assert "email" not in body
    assert "email_invoice" not in body


def test_required_fields_are_sent_even_when_empty() -> None:
    # Informer then names what is missing (INFORMER_VALIDATION), per MAPPING.md.
    order = make_order(
        customer={"company": "", "lastname": "", "address1": "Main Street", "housenr": ""}
    )
    body = relation_draft(order, make_config(), 1).to_json()
    assert body["surname"] == ""
    assert body["house_number"] == ""
    assert body["street"] == "Main Street"


def test_names_and_address_are_trimmed() -> None:
    order = make_order(
        customer={
            "firstname": " Sophie ",
            "lastname": " Fischer ",
            "address1": " Kerkstraat ",
            "address2": " achterbouw ",
            "housenr": " 7 ",
            "isocountry": "be",
        }
    )
    body = relation_draft(order, make_config(), 1).to_json()
    assert (body["firstname"], body["surname"]) == ("Sophie", "Fischer")
    assert (body["street"], body["house_number"]) == ("Kerkstraat achterbouw", "7")
    assert body["country"] == "BE"
