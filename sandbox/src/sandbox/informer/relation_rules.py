"""Validation of POST/PUT /relations bodies (RelationInput: company or private person)."""

import re
from functools import cache
from importlib import resources
from typing import Any

from stdnum import bic, get_cc_module, iban
from stdnum.eu import vat as eu_vat

from sandbox.informer.checks import MISSING, Checker, is_int
from sandbox.informer.model import Administration

BASE_FIELDS = {
    "relation_number", "relation_type", "street", "house_number", "house_number_suffix",
    "zip", "city", "country", "phone", "fax", "web", "email", "coc", "vat", "iban", "bic",
    "oin", "collection_number", "collection_date", "email_invoice",
    "sales_invoice_template_id", "payment_condition_id", "subtype", "customfields",
}  # fmt: skip
COMPANY_FIELDS = ("company_name",)
PRIVATE_FIELDS = ("firstname", "surname_prefix", "surname")
RELATION_FIELDS = BASE_FIELDS | set(COMPANY_FIELDS) | set(PRIVATE_FIELDS)
ADDRESS_FIELDS = ("street", "house_number", "zip", "city", "country")
PLAIN_TEXT_FIELDS = (
    "house_number_suffix", "phone", "fax", "coc", "oin", "collection_number", "surname_prefix",
)  # fmt: skip
SUBTYPES = ("lead", "supplier", "prospect", "active", "customer")


@cache
def iso_countries() -> frozenset[str]:
    table = resources.files("tzdata").joinpath("zoneinfo/iso3166.tab").read_text("utf-8")
    return frozenset(
        line.split("\t", 1)[0] for line in table.splitlines() if line and not line.startswith("#")
    )


def vat_number_valid(value: str) -> bool:
    """Format and check digits, with the country prefix required (EL for Greece)."""
    compact = re.sub(r"[\s.\-/]", "", value).upper()
    prefix = compact[:2]
    if len(compact) < 4 or not prefix.isalpha():
        return False
    if prefix == "EL" or prefix.lower() in eu_vat.MEMBER_STATES:
        return bool(eu_vat.is_valid(compact))
    module = get_cc_module(prefix.lower(), "vat")
    return module is not None and bool(module.is_valid(compact))


def validate_relation(
    admin: Administration, body: dict[str, Any], existing_id: int | None = None
) -> dict[str, str]:
    """422 errors for a complete relation (for PUT: the stored fields merged with the body)."""
    check = Checker()
    get = body.get
    check.unknown_fields(body, RELATION_FIELDS)
    number = check.integer("relation_number", get("relation_number", MISSING), required=False)
    if number is not None and number < 0:
        check.fail("relation_number", "invalid")
    elif number and admin.relation_number_taken(number, existing_id):
        check.fail("relation_number", "unique")

    kind = check.integer("relation_type", get("relation_type", MISSING), required=True)
    if kind == 0:
        check.string("company_name", get("company_name", MISSING), required=True)
        check.forbid(body, PRIVATE_FIELDS)
    elif kind == 1:
        check.string("firstname", get("firstname", MISSING), required=True)
        check.string("surname", get("surname", MISSING), required=True)
        check.forbid(body, COMPANY_FIELDS)
    elif kind is not None:
        check.fail("relation_type", "invalid")

    for name in ADDRESS_FIELDS:
        check.string(name, get(name, MISSING), required=True)
    country = get("country")
    if check.ok("country") and country not in iso_countries():
        check.fail("country", "invalid")
    for name in PLAIN_TEXT_FIELDS:
        check.string(name, get(name, MISSING))
    check.url("web", get("web", MISSING))
    check.email("email", get("email", MISSING))
    check.email("email_invoice", get("email_invoice", MISSING))
    _identifier(check, "vat", get("vat", MISSING), vat_number_valid)
    _identifier(check, "iban", get("iban", MISSING), lambda v: bool(iban.is_valid(v)))
    _identifier(check, "bic", get("bic", MISSING), lambda v: bool(bic.is_valid(v)))
    check.date("collection_date", get("collection_date", MISSING), required=False)

    template = check.integer(
        "sales_invoice_template_id", get("sales_invoice_template_id", MISSING), required=False
    )
    if template is not None and (
        template not in admin.templates or admin.templates[template].type != "sales_invoice"
    ):
        check.fail("sales_invoice_template_id", "invalid")
    condition = check.integer(
        "payment_condition_id", get("payment_condition_id", MISSING), required=False
    )
    check.exists("payment_condition_id", condition, admin.payment_conditions)
    _subtype(check, get("subtype", MISSING))
    customfields = get("customfields", MISSING)
    if customfields is not MISSING:
        if not isinstance(customfields, dict):
            check.fail("customfields", "object")
        for name in customfields if isinstance(customfields, dict) else ():
            # No custom fields are configured in a sandbox administration.
            check.fail(f"customfields.{name}", "unknown")
    return check.errors


def _identifier(check: Checker, key: str, value: Any, valid: Any) -> None:
    text = check.string(key, value, filled=True)
    if text is not None and not valid(text):
        check.fail(key, "invalid")


def _subtype(check: Checker, value: Any) -> None:
    if value is MISSING:
        return
    if not isinstance(value, dict):
        check.fail("subtype", "object")
        return
    check.unknown_fields(value, set(SUBTYPES), "subtype.")
    for name, flag in value.items():
        if name in SUBTYPES and not (is_int(flag) and flag in (0, 1)):
            check.fail(f"subtype.{name}", "invalid")
