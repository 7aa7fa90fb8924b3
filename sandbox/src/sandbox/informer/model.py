"""What one Informer administration holds: reference data, relations, invoices."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

VAT_OPTIONS = ("incl", "excl", "shifted", "icv_within_eu", "icv_outside_eu")
CostsSetting = Literal["optional", "required", "disabled"]
TemplateType = Literal["sales_invoice", "sales_order", "quotation"]


@dataclass(frozen=True)
class Ledger:
    id: int
    number: str
    description: str
    costs: CostsSetting = "optional"
    type: str = "revenue"
    category: str = "Winst en verlies"
    vat_code: str | None = None


@dataclass(frozen=True)
class Vat:
    id: int
    name: str
    percentage: Decimal
    vat_options: frozenset[str]
    ledger_ids: tuple[int, ...]
    vat_code: str | None = None
    available: bool = True


@dataclass(frozen=True)
class Template:
    id: int
    description: str
    type: TemplateType
    default: bool = False


@dataclass(frozen=True)
class PaymentCondition:
    id: int
    description: str
    days: int
    payment_option: str = "invoice"
    default: bool = False
    footer_text_invoice: str | None = None


@dataclass(frozen=True)
class Currency:
    id: int
    currency: str
    description: str
    rate: Decimal = Decimal(1)


@dataclass(frozen=True)
class CostCentre:
    id: int
    number: str
    description: str


@dataclass(frozen=True)
class Product:
    id: int
    code: str
    description: str
    price: Decimal


@dataclass
class Relation:
    id: int
    relation_number: int
    relation_type: int
    fields: dict[str, Any]
    last_edit: datetime


@dataclass
class Invoice:
    id: int
    number: str
    body: dict[str, Any]
    lines: list[dict[str, Any]]
    totals: dict[str, Decimal]
    expiry_days: int
    created_at: datetime
    last_edit: datetime
    sent_via: str | None = None


@dataclass
class Administration:
    """One administration; its API key and security code authenticate every call."""

    slug: str
    api_key: str
    security_code: str
    key_id: str
    info: dict[str, Any]
    country: str
    trade: bool
    blocked_period: tuple[int, int] | None
    ledgers: dict[int, Ledger]
    vats: dict[int, Vat]
    templates: dict[int, Template]
    payment_conditions: dict[int, PaymentCondition]
    currencies: dict[int, Currency]
    costs: dict[int, CostCentre]
    products: dict[int, Product]
    relations: dict[int, Relation] = field(default_factory=dict)
    invoices: dict[int, Invoice] = field(default_factory=dict)
    invoice_sequence: dict[int, int] = field(default_factory=dict)

    def next_relation_number(self) -> int:
        return max((r.relation_number for r in self.relations.values()), default=1000) + 1

    def relation_number_taken(self, number: int, except_id: int | None = None) -> bool:
        return any(
            r.relation_number == number and r.id != except_id for r in self.relations.values()
        )

    def next_invoice_number(self, year: int) -> str:
        seq = self.invoice_sequence.get(year, 0) + 1
        self.invoice_sequence[year] = seq
        return f"F{year}-{seq:05d}"
