"""Events: facts, in the past tense, for whoever keeps a projection of them."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime

from common.messages.base import Event
from common.money import Money


class RefundIgnored(Event):
    """A refund arrived; by the rules it is recorded and never booked in Informer."""

    type: Literal["RefundIgnored"] = "RefundIgnored"
    refund_id: int
    order_id: int
    amount: Money
    refunded_at: AwareDatetime
