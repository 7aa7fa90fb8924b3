"""Webhook deliveries and their attempts, as recorded for inspection."""

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

# Pauses before retry 1..8: about 24 hours in all (86,160 s), growing.
RETRY_PAUSES = (60.0, 300.0, 900.0, 1800.0, 3600.0, 7200.0, 21600.0, 50400.0)

PENDING, HELD, DELIVERED, FAILED, DROPPED, ABANDONED = (
    "pending",
    "held",
    "delivered",
    "failed",
    "dropped",
    "abandoned",
)


@dataclass
class Attempt:
    copy: int
    attempt: int
    at: str
    status: int | None
    error: str | None
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "copy": self.copy,
            "attempt": self.attempt,
            "at": self.at,
            "status": self.status,
            "error": self.error,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class Delivery:
    """One event for one webhook. ``body`` is fixed at creation: every retry and every
    duplicate copy sends the very same bytes under the same delivery id."""

    id: str
    webhook_id: int
    shop_id: int
    topic: str
    created_at: str
    body: bytes
    order_id: int | None
    copies: int = 1
    status: str = PENDING
    outcomes: dict[int, str] = field(default_factory=dict)
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = json.loads(self.body)
        return payload

    def finish_copy(self, copy: int, outcome: str) -> None:
        self.outcomes[copy] = outcome
        if len(self.outcomes) == self.copies:
            results = set(self.outcomes.values())
            if results == {DELIVERED}:
                self.status = DELIVERED
            else:
                self.status = ABANDONED if ABANDONED in results else FAILED

    def as_dict(self, *, with_body: bool = False) -> dict[str, Any]:
        view: dict[str, Any] = {
            "id": self.id,
            "webhook_id": self.webhook_id,
            "shop_id": self.shop_id,
            "topic": self.topic,
            "created_at": self.created_at,
            "order_id": self.order_id,
            "copies": self.copies,
            "status": self.status,
            "attempts": [attempt.as_dict() for attempt in self.attempts],
        }
        if with_body:
            view["payload"] = self.payload
        return view


def new_delivery(
    webhook_id: int,
    shop_id: int,
    topic: str,
    created_at: str,
    data: dict[str, Any],
    order_id: int | None,
) -> Delivery:
    """Serialised once, with non-ASCII kept as UTF-8 and spaces after separators: a
    receiver that re-serialises the JSON instead of hashing the raw body fails."""
    delivery_id = str(uuid.uuid4())
    payload = {
        "id": delivery_id,
        "topic": topic,
        "shop_id": shop_id,
        "created_at": created_at,
        "data": data,
    }
    body = json.dumps(payload, ensure_ascii=False).encode()
    return Delivery(delivery_id, webhook_id, shop_id, topic, created_at, body, order_id)
