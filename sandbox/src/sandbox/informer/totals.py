"""Invoice lines and totals, in Decimal.

Each line's total is qty × amount × (100 − discount)/100, rounded half-up to the cent.
VAT is computed once per VAT rate over the sum of its line totals (not per line),
rounded half-up: on excl. invoices as base × p/100, on incl. invoices as the VAT share
gross × p/(100+p) of the gross sum. shifted and icv_* invoices carry no VAT.
"""

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sandbox.informer.model import Administration

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def line_total(line: dict[str, Any]) -> Decimal:
    discount = Decimal(line.get("discount", 0))
    return cents(Decimal(line["qty"]) * line["amount"] * (HUNDRED - discount) / HUNDRED)


def echo_lines(admin: Administration, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The stored lines in the InvoiceLine shape."""
    echoed = []
    for line in lines:
        if line.get("info"):
            echoed.append(
                {"info": True, "qty": None, "product_id": None, "description": line["description"],
                 "amount": None, "discount": None, "vat": None, "ledger_id": None,
                 "costs_id": None}
            )  # fmt: skip
            continue
        vat = admin.vats[line["vat_id"]]
        echoed.append(
            {"info": False, "qty": line["qty"], "product_id": line.get("product_id"),
             "description": line["description"], "amount": line["amount"],
             "discount": Decimal(line.get("discount", 0)),
             "vat": {"id": vat.id, "percentage": vat.percentage},
             "ledger_id": line["ledger_id"], "costs_id": line.get("costs_id")}
        )  # fmt: skip
    return echoed


def compute_totals(
    admin: Administration, vat_option: str, lines: list[dict[str, Any]], currency_rate: Decimal
) -> dict[str, Decimal]:
    per_rate: dict[int, Decimal] = {}
    for line in lines:
        if not line.get("info"):
            per_rate[line["vat_id"]] = per_rate.get(line["vat_id"], Decimal(0)) + line_total(line)
    excl = incl = vat_total = Decimal("0.00")
    for vat_id, amount in per_rate.items():
        pct = admin.vats[vat_id].percentage
        if vat_option == "incl":
            vat = cents(amount * pct / (HUNDRED + pct))
            excl, incl = excl + amount - vat, incl + amount
        elif vat_option == "excl":
            vat = cents(amount * pct / HUNDRED)
            excl, incl = excl + amount, incl + amount + vat
        else:
            vat = Decimal("0.00")
            excl, incl = excl + amount, incl + amount
        vat_total += vat
    rate = currency_rate or Decimal(1)
    return {
        "excl_vat": excl,
        "incl_vat": incl,
        "excl_vat_default": cents(excl / rate),
        "incl_vat_default": cents(incl / rate),
        "vat": vat_total,
        "paid": Decimal("0.00"),
        "open": incl,
    }
