"""Events: facts, in the past tense, for whoever keeps a projection of them.

The processor's outcome events carry what the dashboard shows about an order, so its
projections never need to ask the processor's tables.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

from common.messages.base import Event
from common.messages.orders import ShopOrder
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

    @classmethod
    def of(cls, order: ShopOrder) -> OrderSummary:
        customer = order.customer
        return cls(
            order_id=order.id,
            number=order.number,
            status=order.status.value,
            created_at=order.created_at,
            updated_at=order.updated_at,
            total=order.total,
            currency=order.currency,
            customer_name=customer.company or f"{customer.firstname} {customer.lastname}".strip(),
            customer_email=customer.email,
        )


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


class OrderResubmitted(Event):
    """The merchant fixed the cause of a failed order and sent it back to the queue."""

    type: Literal["OrderResubmitted"] = "OrderResubmitted"
    order: OrderSummary


class OrderIgnored(Event):
    """The merchant chose never to book this waiting order."""

    type: Literal["OrderIgnored"] = "OrderIgnored"
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
