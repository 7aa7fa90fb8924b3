"""Every cross-service message, and one function to parse any of them."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, TypeAdapter

from common.messages.base import Command, Event, Message, order_correlation_id
from common.messages.commands import (
    BackfillOrders,
    PollShop,
    ProcessOrder,
    RecheckOpenOrders,
    ReconcileShop,
    RefreshRelationIndex,
    SendEmail,
)
from common.messages.events import (
    InvoiceCreated,
    OrderCancelled,
    OrderFailed,
    OrderIgnored,
    OrderLongOpen,
    OrderResubmitted,
    OrderSummary,
    OrderWaiting,
    RefundIgnored,
)
from common.messages.orders import OrderStatus, Refund, ShopOrder

AnyMessage = Annotated[
    ProcessOrder
    | BackfillOrders
    | PollShop
    | RecheckOpenOrders
    | ReconcileShop
    | RefreshRelationIndex
    | SendEmail
    | RefundIgnored
    | InvoiceCreated
    | OrderFailed
    | OrderWaiting
    | OrderCancelled
    | OrderResubmitted
    | OrderIgnored
    | OrderLongOpen,
    Field(discriminator="type"),
]
_any_message: TypeAdapter[AnyMessage] = TypeAdapter(AnyMessage)


def parse_message(body: bytes) -> Message:
    """Parse a message body; raises pydantic.ValidationError when it is not one of ours."""
    return _any_message.validate_json(body)


__all__ = [
    "AnyMessage",
    "BackfillOrders",
    "Command",
    "Event",
    "InvoiceCreated",
    "Message",
    "OrderCancelled",
    "OrderFailed",
    "OrderIgnored",
    "OrderLongOpen",
    "OrderResubmitted",
    "OrderStatus",
    "OrderSummary",
    "OrderWaiting",
    "PollShop",
    "ProcessOrder",
    "RecheckOpenOrders",
    "ReconcileShop",
    "RefreshRelationIndex",
    "Refund",
    "RefundIgnored",
    "SendEmail",
    "ShopOrder",
    "order_correlation_id",
    "parse_message",
]
