"""A KMO Shops order as the project carries it between services.

The wire format of ``kmoshops/API.md``, validated strictly and typed: money as
``Decimal`` with two decimals, times timezone-aware, codes upper-cased. Unknown extra
fields from the platform are ignored, so a new platform field never rejects an order;
a field that breaks the contract is refused with its path.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from common.money import Money
from common.vat import VatRate


class OrderStatus(StrEnum):
    NEW = "new"
    PENDING_PAYMENT = "pending_payment"
    ON_HOLD = "on_hold"
    PAID = "paid"
    PROCESSING = "processing"
    SHIPPED = "shipped"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


def _blank_if_none(value: object) -> object:
    return "" if value is None else value


Text = Annotated[str, BeforeValidator(_blank_if_none), StringConstraints(strip_whitespace=True)]


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


CountryCode = Annotated[str, BeforeValidator(_upper), StringConstraints(pattern=r"^[A-Z]{2}$")]
CurrencyCode = Annotated[str, BeforeValidator(_upper), StringConstraints(pattern=r"^[A-Z]{3}$")]
StrictInt = Annotated[int, Field(strict=True)]


class _Wire(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class PaymentMethod(_Wire):
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    name: Text = ""


class Customer(_Wire):
    email: Annotated[Text, StringConstraints(to_lower=True)] = ""
    company: Text = ""
    firstname: Text = ""
    lastname: Text = ""
    address1: Text = ""
    address2: Text = ""
    housenr: Text = ""
    zipcode: Text = ""
    city: Text = ""
    isocountry: CountryCode
    telnr: Text = ""
    coc: Text = ""
    vatnr: Text = ""


class OrderLine(_Wire):
    id: StrictInt
    product_id: StrictInt | None = None
    sku: Text = ""
    description: Text
    quantity: Annotated[int, Field(strict=True, ge=1)]
    unit_price: Money
    discount: Money
    vat_rate: VatRate
    total: Money

    @model_validator(mode="after")
    def _total_is_quantity_times_price_less_discount(self) -> OrderLine:
        expected = self.quantity * self.unit_price - self.discount
        if self.total != expected:
            raise ValueError(
                f"total {self.total} is not quantity × unit_price − discount = {expected}"
            )
        return self


class Charge(_Wire):
    """Shipping or payment fee."""

    description: Text
    amount: Money
    vat_rate: VatRate


class ShopOrder(_Wire):
    id: Annotated[int, Field(strict=True, ge=1)]
    number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    created_at: AwareDatetime
    updated_at: AwareDatetime
    status: OrderStatus
    payment_method: PaymentMethod
    currency: CurrencyCode
    prices_include_vat: Annotated[bool, Field(strict=True)]
    customer: Customer
    lines: Annotated[list[OrderLine], Field(min_length=1)]
    shipping: Charge | None = None
    payment_fee: Charge | None = None
    total: Money
    vat_total: Money
    comment: Text = ""

    def charges(self) -> list[Charge]:
        return [c for c in (self.shipping, self.payment_fee) if c is not None]

    def rates(self) -> set[Decimal]:
        return {line.vat_rate for line in self.lines} | {c.vat_rate for c in self.charges()}


class Refund(_Wire):
    id: Annotated[int, Field(strict=True, ge=1)]
    order_id: Annotated[int, Field(strict=True, ge=1)]
    amount: Money
    created_at: AwareDatetime
