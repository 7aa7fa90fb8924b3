"""The order as an Informer sales invoice (MAPPING.md "The invoice").

Invariant: for every order that passes the pre-checks, the draft's lines add up
(qty × amount) to the order's line totals + shipping + payment fee to the cent, per
VAT rate and in total; every amount has at most two decimals and every qty is a whole
number ≥ 1. Informer takes a unit price and a whole quantity, so a line whose
discounted unit price is not whole cents is split in two (see :func:`split_line`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import ROUND_FLOOR, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from common.installations.models import InstallationConfig
from common.invoice_options import InformerOptions
from common.messages.orders import ShopOrder
from common.money import CENT
from processor.domain.kinds import OrderKind, VatOption, vat_ledger, vat_option

DELIVERY_DATE_COUNTRIES = frozenset({"AT", "DE"})
"""Administrations in these countries must give a delivery date (Informer's rule)."""

SHIPPING_DESCRIPTION = "Shipping"
PAYMENT_FEE_DESCRIPTION = "Payment fee"


@dataclass(frozen=True)
class InvoiceLine:
    qty: int
    description: str
    amount: Decimal
    vat_id: int
    ledger_id: int
    costs_id: int | None
    rate: Decimal
    """The order's VAT rate for this line; not sent, kept to check the sums per rate."""

    def to_json(self) -> dict[str, Any]:
        line: dict[str, Any] = {
            "info": False,
            "qty": self.qty,
            "description": self.description,
            "amount": self.amount,
            "discount": 0,
            "vat_id": self.vat_id,
            "ledger_id": self.ledger_id,
        }
        if self.costs_id is not None:
            line["costs_id"] = self.costs_id
        return line

    @property
    def total(self) -> Decimal:
        return self.qty * self.amount


@dataclass(frozen=True)
class InvoiceDraft:
    """A ``SalesInvoiceInput``. Optional fields that are None are left out of the JSON
    (Informer refuses ``null``); ``footer`` and ``product_id`` are never sent."""

    relation_id: int
    reference: str
    invoice_date: date
    payment_condition_id: int
    template_id: int
    currency_id: int
    vat_option: VatOption
    lines: tuple[InvoiceLine, ...]
    contact_name: str | None = None
    delivery_date: date | None = None
    comment: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The request body; amounts stay Decimal, written exactly by the Informer client."""
        body: dict[str, Any] = {"relation_id": self.relation_id}
        if self.contact_name is not None:
            body["contact_name"] = self.contact_name
        body["reference"] = self.reference
        body["invoice_date"] = self.invoice_date.isoformat()
        if self.delivery_date is not None:
            body["delivery_date"] = self.delivery_date.isoformat()
        body["payment_condition_id"] = self.payment_condition_id
        body["currency_id"] = self.currency_id
        body["vat_option"] = str(self.vat_option)
        body["template_id"] = self.template_id
        if self.comment is not None:
            body["comment"] = self.comment
        body["lines"] = [line.to_json() for line in self.lines]
        return body

    @property
    def total(self) -> Decimal:
        return sum((line.total for line in self.lines), Decimal("0.00"))

    def totals_by_rate(self) -> dict[Decimal, Decimal]:
        totals: dict[Decimal, Decimal] = defaultdict(lambda: Decimal("0.00"))
        for line in self.lines:
            totals[line.rate] += line.total
        return dict(totals)


def split_line(total: Decimal, quantity: int) -> list[tuple[int, Decimal]]:
    """(qty, unit amount) pairs for a line of ``quantity`` items costing ``total``.

    One pair when total / quantity is whole cents. Otherwise two: q1 × a and
    q2 × (a + 0.01), with a = total / quantity floored to cents and q2 the number of
    cents left over (0 < q2 < quantity), so q1 + q2 = quantity, both are ≥ 1 and
    q1·a + q2·(a + 0.01) = total exactly. 24.97 over 3 → [(2, 8.32), (1, 8.33)].
    """
    if quantity < 1:
        raise ValueError(f"quantity must be at least 1, not {quantity}")
    if total != total.quantize(CENT):
        raise ValueError(f"total must be whole cents, not {total}")
    base = (total / quantity).quantize(CENT, rounding=ROUND_FLOOR)
    left_over = int((total - base * quantity) / CENT)
    if left_over == 0:
        return [(quantity, base)]
    return [(quantity - left_over, base), (left_over, base + CENT)]


def invoice_date(created_at: datetime, shop_timezone: str | tzinfo) -> date:
    """The calendar date of ``created_at`` in the shop's time zone."""
    zone = ZoneInfo(shop_timezone) if isinstance(shop_timezone, str) else shop_timezone
    return created_at.astimezone(zone).date()


def _costs_id(
    config: InstallationConfig, options: InformerOptions, vat_id: int, ledger_id: int
) -> int | None:
    """The default cost centre, except on a ledger whose ``costs`` is 'disabled':
    Informer refuses a cost centre there (a refinement of MAPPING.md, which says
    "when set"). A combination the options do not list gets it too; the pre-checks
    refuse such a combination before a draft is made."""
    if config.costs_id is None:
        return None
    if options.ledger_costs(vat_id, ledger_id) == "disabled":
        return None
    return config.costs_id


def invoice_draft(
    order: ShopOrder,
    config: InstallationConfig,
    kind: OrderKind,
    relation_id: int,
    shop_timezone: str | tzinfo,
    administration_country: str,
    options: InformerOptions,
) -> InvoiceDraft:
    """The invoice for an order that passed :func:`processor.domain.checks.check_order`.

    Raises ValueError when the order's currency or a regular rate is not configured
    (which the pre-checks report as a Failure first).
    """
    currency_id = config.currencies.get(order.currency)
    if currency_id is None:
        raise ValueError(f"currency {order.currency} is not configured")
    country = order.customer.isocountry

    def lines_for(
        description: str, total: Decimal, quantity: int, rate: Decimal
    ) -> list[InvoiceLine]:
        pair = vat_ledger(config, kind, country, rate)
        if pair is None:
            raise ValueError(f"no VAT table row for {country} at {rate}")
        costs_id = _costs_id(config, options, pair.vat_id, pair.ledger_id)
        return [
            InvoiceLine(qty, description, amount, pair.vat_id, pair.ledger_id, costs_id, rate)
            for qty, amount in split_line(total, quantity)
        ]

    lines: list[InvoiceLine] = []
    for line in order.lines:
        description = line.description or line.sku or f"Item {line.id}"
        lines += lines_for(description, line.total, line.quantity, line.vat_rate)
    for charge, fallback in (
        (order.shipping, SHIPPING_DESCRIPTION),
        (order.payment_fee, PAYMENT_FEE_DESCRIPTION),
    ):
        if charge is not None:
            lines += lines_for(charge.description or fallback, charge.amount, 1, charge.vat_rate)

    day = invoice_date(order.created_at, shop_timezone)
    contact = f"{order.customer.firstname} {order.customer.lastname}".strip()
    return InvoiceDraft(
        relation_id=relation_id,
        contact_name=" ".join(contact.split()) or None,
        reference=order.number,
        invoice_date=day,
        delivery_date=day if administration_country.upper() in DELIVERY_DATE_COUNTRIES else None,
        payment_condition_id=config.payment_condition_id,
        template_id=config.template_id,
        currency_id=currency_id,
        vat_option=vat_option(kind, order.prices_include_vat),
        comment=order.comment.strip() or None,
        lines=tuple(lines),
    )
