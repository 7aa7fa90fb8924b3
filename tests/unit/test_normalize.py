"""Parsing webhook bodies: what API.md allows, and precise errors for the rest."""

import json
from decimal import Decimal
from typing import Any

import pytest

from common.messages import OrderStatus
from ingest.normalize import InvalidPayload, parse_delivery
from tests.fakes.orders import order
from tests.fakes.webhooks import delivery_body


def parse(topic: str, data: dict[str, Any], **header_overrides: str) -> Any:
    envelope = delivery_body(topic, data, "d-1")
    headers = {"X-KMO-Delivery": "d-1", "X-KMO-Topic": topic} | header_overrides
    return parse_delivery(json.dumps(envelope).encode(), headers)


def test_order_is_typed_with_decimals_and_aware_times() -> None:
    delivery = parse("order.created", order())
    parsed = delivery.order
    assert parsed.total == Decimal("206.95")
    assert parsed.lines[0].vat_rate == Decimal("19.00")
    assert parsed.status is OrderStatus.PAID
    assert parsed.created_at.utcoffset().total_seconds() == 3600
    assert parsed.shipping.amount == Decimal("6.95")
    assert parsed.payment_fee is None


def test_customer_fields_are_trimmed_email_lowered_country_uppered() -> None:
    customer = order()["customer"] | {"email": "  Sophie@Example.DE ", "isocountry": "de"}
    parsed = parse("order.created", order(customer=customer)).order
    assert parsed.customer.email == "sophie@example.de"
    assert parsed.customer.isocountry == "DE"


def test_empty_and_null_customer_strings_are_allowed() -> None:
    customer = order()["customer"] | {"email": "", "company": None, "housenr": ""}
    parsed = parse("order.created", order(customer=customer)).order
    assert parsed.customer.email == ""
    assert parsed.customer.company == ""


def test_unknown_extra_fields_from_the_platform_are_ignored() -> None:
    parsed = parse("order.created", order(loyalty_points=12)).order
    assert parsed.id == 6224


def test_refund() -> None:
    refund = {
        "id": 88,
        "order_id": 6224,
        "amount": "20.00",
        "created_at": "2022-12-07T10:00:00+01:00",
    }
    delivery = parse("refund.created", refund)
    assert delivery.order is None
    assert delivery.refund.amount == Decimal("20.00")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (order(total="206.9"), "data.total"),
        (order(id="6224"), "data.id"),
        (order(payment_method=None), "data.payment_method"),
        (order(shipping={"description": "DHL", "amount": "6.95"}), "data.shipping.vat_rate"),
        (order(customer={"email": "x@y.z"}), "data.customer.isocountry"),
    ],
)
def test_contract_breaches_name_the_field(data: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidPayload, match=message.replace(".", r"\.")):
        parse("order.created", data)


def test_unknown_topic() -> None:
    with pytest.raises(InvalidPayload, match="topic"):
        parse("order.deleted", order())


def test_body_must_be_an_object() -> None:
    with pytest.raises(InvalidPayload, match="JSON object"):
        parse_delivery(b"[1, 2]", {})


def test_topic_header_must_match() -> None:
    with pytest.raises(InvalidPayload, match="X-KMO-Topic"):
        parse("order.created", order(), **{"X-KMO-Topic": "order.updated"})
