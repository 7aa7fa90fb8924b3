"""From a KMO Shops webhook body to typed values, with precise errors.

Pure: bytes and headers in, a :class:`Delivery` out, or :class:`InvalidPayload`
naming the field that breaks ``kmoshops/API.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import orjson
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from common.messages import Refund, ShopOrder

Topic = Literal["order.created", "order.updated", "refund.created"]
ORDER_TOPICS = ("order.created", "order.updated")


class InvalidPayload(ValueError):
    """The body breaks the contract; the message says where and how."""


class _Envelope(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1, max_length=200)
    topic: Topic
    shop_id: int = Field(strict=True)
    created_at: AwareDatetime
    data: dict[str, Any]


@dataclass(frozen=True)
class Delivery:
    delivery_id: str
    topic: str
    shop_id: int
    order: ShopOrder | None
    refund: Refund | None


def describe_errors(exc: ValidationError, prefix: str = "") -> str:
    parts = []
    for error in exc.errors(include_url=False):
        location = ".".join(str(p) for p in (prefix, *error["loc"]) if p != "")
        parts.append(f"{location or '(body)'}: {error['msg']}")
    return "; ".join(parts)


def parse_order(data: Mapping[str, Any], prefix: str = "data") -> ShopOrder:
    try:
        return ShopOrder.model_validate(data)
    except ValidationError as exc:
        raise InvalidPayload(describe_errors(exc, prefix)) from None


def parse_delivery(body: bytes, headers: Mapping[str, str]) -> Delivery:
    try:
        raw = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidPayload(f"body is not valid JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise InvalidPayload("body must be a JSON object")
    try:
        envelope = _Envelope.model_validate(raw)
    except ValidationError as exc:
        raise InvalidPayload(describe_errors(exc)) from None
    header_delivery = headers.get("X-KMO-Delivery", "")
    if header_delivery != envelope.id:
        raise InvalidPayload(
            f"X-KMO-Delivery header {header_delivery!r} differs from the body's id {envelope.id!r}"
        )
    header_topic = headers.get("X-KMO-Topic", "")
    if header_topic != envelope.topic:
        raise InvalidPayload(
            f"X-KMO-Topic header {header_topic!r} differs from the body's topic {envelope.topic!r}"
        )
    if envelope.topic in ORDER_TOPICS:
        order = parse_order(envelope.data)
        return Delivery(envelope.id, envelope.topic, envelope.shop_id, order, None)
    try:
        refund = Refund.model_validate(envelope.data)
    except ValidationError as exc:
        raise InvalidPayload(describe_errors(exc, "data")) from None
    return Delivery(envelope.id, envelope.topic, envelope.shop_id, None, refund)
