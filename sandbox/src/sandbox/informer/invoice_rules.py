"""Validation of POST /invoices/sales bodies (SalesInvoiceInput), as strict as Informer."""

import calendar
from datetime import date
from typing import Any

from sandbox.informer.checks import MISSING, Checker
from sandbox.informer.model import VAT_OPTIONS, Administration

INVOICE_FIELDS = {
    "relation_id", "contact_name", "reference", "invoice_date", "delivery_date",
    "payment_condition_id", "currency_id", "vat_option", "template_id", "comment", "footer",
    "attachments", "lines",
}  # fmt: skip
LINE_FIELDS = {
    "qty", "info", "description", "amount", "discount", "vat_id", "ledger_id", "costs_id",
    "product_id",
}  # fmt: skip
DELIVERY_DATE_COUNTRIES = {"AT", "DE"}


def validate_invoice(admin: Administration, body: dict[str, Any]) -> dict[str, str]:
    """Every 422 error of the body, keyed by field (`lines.0.qty` for lines)."""
    check = Checker()
    get = body.get
    check.unknown_fields(body, INVOICE_FIELDS)
    check.integer("relation_id", get("relation_id", MISSING), required=True)
    for name in ("contact_name", "reference", "comment", "footer"):
        check.string(name, get(name, MISSING))
    invoice_date = check.date("invoice_date", get("invoice_date", MISSING), required=True)
    if invoice_date and _blocked(admin, invoice_date):
        check.errors["invoice_date"] = "invoice_date valt in een afgesloten periode."
    check.date(
        "delivery_date",
        get("delivery_date", MISSING),
        required=admin.country in DELIVERY_DATE_COUNTRIES,
    )
    condition = check.integer(
        "payment_condition_id", get("payment_condition_id", MISSING), required=True
    )
    check.exists("payment_condition_id", condition, admin.payment_conditions)
    currency = check.integer("currency_id", get("currency_id", MISSING), required=True)
    check.exists("currency_id", currency, admin.currencies)
    template = check.integer("template_id", get("template_id", MISSING), required=True)
    if template is not None and (
        template not in admin.templates or admin.templates[template].type != "sales_invoice"
    ):
        check.fail("template_id", "invalid")
    vat_option = check.string("vat_option", get("vat_option", MISSING), required=True)
    if vat_option is not None and vat_option not in VAT_OPTIONS:
        check.fail("vat_option", "invalid")
        vat_option = None
    attachments = get("attachments", MISSING)
    if attachments is not MISSING:
        if not isinstance(attachments, list):
            check.fail("attachments", "array")
        elif attachments:
            # The sandbox holds no shared-library attachments, so any id is unknown.
            check.fail("attachments", "invalid")
    _check_lines(check, admin, get("lines", MISSING), vat_option)
    return check.errors


def _blocked(admin: Administration, day: date) -> bool:
    if admin.blocked_period is None:
        return False
    year, month = admin.blocked_period
    return day <= date(year, month, calendar.monthrange(year, month)[1])


def _check_lines(check: Checker, admin: Administration, lines: Any, vat_option: str | None) -> None:
    if lines is MISSING:
        check.fail("lines", "required")
        return
    if not isinstance(lines, list):
        check.fail("lines", "array")
        return
    regular = 0
    for index, line in enumerate(lines):
        prefix = f"lines.{index}."
        if not isinstance(line, dict):
            check.fail(f"lines.{index}", "object")
            continue
        check.unknown_fields(line, LINE_FIELDS, prefix)
        info = check.boolean(f"{prefix}info", line.get("info", MISSING))
        if info:
            check.string(f"{prefix}description", line.get("description", MISSING), required=True)
            check.forbid(line, tuple(sorted(LINE_FIELDS - {"info", "description"})), prefix)
        else:
            regular += 1
            _check_regular_line(check, admin, line, prefix, vat_option)
    if regular == 0:
        check.fail("lines", "min_items")


def _check_regular_line(
    check: Checker,
    admin: Administration,
    line: dict[str, Any],
    prefix: str,
    vat_option: str | None,
) -> None:
    get = line.get
    qty = check.integer(f"{prefix}qty", get("qty", MISSING), required=True)
    if qty == 0:
        check.fail(f"{prefix}qty", "not_zero")
    check.string(f"{prefix}description", get("description", MISSING), required=True)
    check.amount(f"{prefix}amount", get("amount", MISSING), required=True)
    discount = check.integer(f"{prefix}discount", get("discount", MISSING), required=False)
    if discount is not None and not 0 <= discount <= 100:
        check.fail(f"{prefix}discount", "between", low=0, high=100)

    vat_key, ledger_key, costs_key = f"{prefix}vat_id", f"{prefix}ledger_id", f"{prefix}costs_id"
    vat_id = check.integer(vat_key, get("vat_id", MISSING), required=True)
    vat = admin.vats.get(vat_id) if vat_id is not None else None
    if vat_id is not None and (vat is None or not vat.available):
        check.fail(vat_key, "invalid")
    elif vat is not None and vat_option is not None and vat_option not in vat.vat_options:
        check.errors[vat_key] = f"{vat_key} is niet toegestaan bij vat_option {vat_option}."

    ledger_id = check.integer(ledger_key, get("ledger_id", MISSING), required=True)
    ledger = admin.ledgers.get(ledger_id) if ledger_id is not None else None
    if ledger_id is not None and ledger is None:
        check.fail(ledger_key, "invalid")
    elif ledger is not None and vat is not None and ledger.id not in vat.ledger_ids:
        check.errors[ledger_key] = f"{ledger_key} is niet bruikbaar met vat_id {vat.id}."

    costs_id = check.integer(costs_key, get("costs_id", MISSING), required=False)
    check.exists(costs_key, costs_id, admin.costs)
    if ledger is not None and ledger.costs == "required" and "costs_id" not in line:
        check.errors.setdefault(costs_key, f"{costs_key} is verplicht voor deze grootboekrekening.")
    if ledger is not None and ledger.costs == "disabled" and "costs_id" in line:
        check.errors.setdefault(
            costs_key, f"{costs_key} is niet toegestaan voor deze grootboekrekening."
        )

    product_key = f"{prefix}product_id"
    if admin.trade:
        product_id = check.integer(product_key, get("product_id", MISSING), required=True)
        check.exists(product_key, product_id, admin.products)
    elif "product_id" in line:
        # Without the trade module the administration has no products to point at.
        check.fail(product_key, "forbidden")
