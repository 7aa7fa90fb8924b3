"""The project's own reading of what Informer's API v2 answers.

Every model ignores fields it does not name and accepts ``null`` wherever Informer's
spec says a field may be missing or nullable, so a new or absent field in an answer
never breaks a booking. Money, rates and percentages are ``Decimal`` (the client
parses JSON floats as ``Decimal``). Informer's flags come as booleans, ``"0"``/``"1"``
or ``0``/``1`` depending on the endpoint; :data:`Flag` reads all of them.
Timestamps are naive: Informer writes them in Europe/Amsterdam without an offset.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


def _flag(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def _blank_to_none(value: Any) -> Any:
    return None if value == "" else value


Flag = Annotated[bool, BeforeValidator(_flag)]
"""A boolean as Informer writes it: ``true``, ``"1"``, ``1``; ``null`` is false."""

OptionalDate = Annotated[date | None, BeforeValidator(_blank_to_none)]
OptionalTimestamp = Annotated[datetime | None, BeforeValidator(_blank_to_none)]


class InformerModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


# --- administration ---------------------------------------------------------------------
class Modules(InformerModel):
    trade: Flag = False


class BlockedPeriod(InformerModel):
    """Invoices dated in this month or before are refused."""

    year: int
    month: int

    def blocks(self, day: date) -> bool:
        return (day.year, day.month) <= (self.year, self.month)


class Administration(InformerModel):
    company_name: str | None = None
    country: str | None = None
    vat: str | None = None
    email: str | None = None
    modules: Modules = Field(default_factory=Modules)
    blocked_period: BlockedPeriod | None = None

    @property
    def needs_delivery_date(self) -> bool:
        """Informer requires ``delivery_date`` on invoices of AT and DE administrations."""
        return (self.country or "").upper() in ("AT", "DE")


# --- relations ----------------------------------------------------------------------------
class Relation(InformerModel):
    id: int
    relation_number: int | None = None
    relation_type: int | None = None  # 0 company, 1 private person
    company_name: str | None = None
    firstname: str | None = None
    surname_prefix: str | None = None
    surname: str | None = None
    street: str | None = None
    house_number: str | None = None
    zip: str | None = None
    city: str | None = None
    country: str | None = None
    email: str | None = None
    email_invoice: str | None = None
    vat: str | None = None
    last_edit: OptionalTimestamp = None
    url: str | None = None

    @property
    def display_name(self) -> str:
        if self.company_name:
            return self.company_name
        parts = (self.firstname, self.surname_prefix, self.surname)
        return " ".join(p for p in parts if p)


class Pagination(InformerModel):
    page: int = 1
    records: int = 0
    total: int = 0
    pages: int = 0


class RelationsPage(InformerModel):
    pagination: Pagination = Field(default_factory=Pagination)
    relations: list[Relation] = Field(default_factory=list)


# --- sales invoices -----------------------------------------------------------------------
class InvoiceTotals(InformerModel):
    excl_vat: Decimal = Decimal(0)
    incl_vat: Decimal = Decimal(0)
    vat: Decimal = Decimal(0)
    paid: Decimal = Decimal(0)
    open: Decimal = Decimal(0)


class LineVat(InformerModel):
    id: int | None = None
    percentage: Decimal | None = None


class InvoiceLine(InformerModel):
    info: Flag = False
    qty: Decimal | None = None
    description: str | None = None
    amount: Decimal | None = None
    discount: Decimal | None = None
    vat: LineVat | None = None
    ledger_id: int | None = None
    costs_id: int | None = None
    product_id: int | None = None


class SalesInvoice(InformerModel):
    id: int
    number: str | None = None
    reference: str | None = None
    invoice_date: OptionalDate = None
    relation_id: int | None = None
    vat_option: str | None = None
    currency_id: int | None = None
    totals: InvoiceTotals = Field(default_factory=InvoiceTotals)
    url: str | None = None
    created_at: OptionalTimestamp = None
    last_edit: OptionalTimestamp = None
    lines: list[InvoiceLine] = Field(default_factory=list)


class InvoicesPage(InformerModel):
    pagination: Pagination = Field(default_factory=Pagination)
    invoices: list[SalesInvoice] = Field(default_factory=list)


class CreateResponse(InformerModel):
    id: int
    url: str | None = None


# --- reference data -----------------------------------------------------------------------
# ``/invoices/sales/options`` is read into common.invoice_options.InformerOptions, the
# one model the processor's checks and the dashboard's configuration share.
class Template(InformerModel):
    id: int
    description: str | None = None
    type: str | None = None  # "sales_invoice", "sales_order", "quotation"
    default: Flag = False


class PaymentCondition(InformerModel):
    id: int
    description: str | None = None
    payment_option: str | None = None
    days: int | None = None
    default: Flag = False


class Currency(InformerModel):
    id: int
    currency: str | None = None  # ISO code
    description: str | None = None
    rate: Decimal | None = None


class Vat(InformerModel):
    id: int
    name: str | None = None
    percentage: Decimal | None = None
    invoice_type: str | None = None
    vat_code: str | None = None
    vat_shifted: Flag = False
    available: Flag = True


class Ledger(InformerModel):
    id: int
    number: str | None = None
    description: str | None = None
    type: str | None = None
    category: str | None = None
    vat_code: str | None = None
    costs: str | None = None
    blocked: Flag = False


class CostCentre(InformerModel):
    id: int
    number: str | None = None
    description: str | None = None
