"""Events: facts, in the past tense, for whoever keeps a projection of them.

The processor's outcome events carry what the dashboard shows about an order, so its
projections never need to ask the processor's tables.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

from common.messages.base import Event
from common.money import Money


class RefundIgnored(Event):
    """A refund arrived; by the rules it is recorded and never booked in Informer."""

    type: Literal["RefundIgnored"] = "RefundIgnored"
    refund_id: int
    order_id: int
    amount: Money
    refunded_at: AwareDatetime


class OrderSummary(BaseModel):
    """What every outcome says about the order it concerns."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    order_id: int
    number: str
    status: str
    created_at: AwareDatetime
    updated_at: AwareDatetime
    total: Money
    currency: str
    customer_name: str
    customer_email: str


class InvoiceCreated(Event):
    type: Literal["InvoiceCreated"] = "InvoiceCreated"
    order: OrderSummary
    invoice_id: int
    invoice_url: str
    invoice_number: str | None
    invoice_date: date
    relation_id: int
    recovered: bool = False
    """True when the invoice was found by reference after an uncertain outcome."""


class OrderFailed(Event):
    type: Literal["OrderFailed"] = "OrderFailed"
    order: OrderSummary
    code: str
    message: str
    detail: dict[str, Any]


class OrderWaiting(Event):
    """The order's status is not processable yet: it waits under Open."""

    type: Literal["OrderWaiting"] = "OrderWaiting"
    order: OrderSummary


class OrderCancelled(Event):
    """Cancelled in the shop before it was invoiced: it leaves Open."""

    type: Literal["OrderCancelled"] = "OrderCancelled"
    order: OrderSummary


class OrderLongOpen(Event):
    """The order has waited under Open (status not processable) for longer than the
    limit: the merchant is told, once, rather than it waiting unseen forever."""

    type: Literal["OrderLongOpen"] = "OrderLongOpen"
    order_id: int
    number: str
    status: str
    created_at: AwareDatetime
    open_days: int
