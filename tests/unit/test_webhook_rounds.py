"""Order deliveries split into rounds one statement can take."""

from __future__ import annotations

import uuid

from common.messages import ShopOrder
from ingest.store import WebhookRecord, distinct_rounds
from tests.fakes.orders import order

SHOP, OTHER = uuid.uuid4(), uuid.uuid4()


def _delivery(shop: uuid.UUID, order_id: int, delivery_id: str) -> WebhookRecord:
    parsed = ShopOrder.model_validate(order(id=order_id, number=str(order_id)))
    return WebhookRecord(shop, delivery_id, "order.created", parsed)


def _ids(rounds: list[list[WebhookRecord]]) -> list[list[str]]:
    return [[r.delivery_id for r in members] for members in rounds]


def test_distinct_orders_and_deliveries_go_in_one_round() -> None:
    records = [_delivery(SHOP, n, f"d{n}") for n in range(1, 6)]
    assert _ids(distinct_rounds(records)) == [["d1", "d2", "d3", "d4", "d5"]]


def test_an_order_or_a_delivery_id_seen_again_waits_for_the_next_round_in_order() -> None:
    records = [
        _delivery(SHOP, 1, "a"),
        _delivery(SHOP, 1, "b"),  # the same order again
        _delivery(SHOP, 2, "a"),  # the same delivery id again
        _delivery(SHOP, 3, "c"),
        _delivery(SHOP, 1, "d"),  # a third version
        _delivery(OTHER, 1, "a"),  # another shop's order 1 and delivery "a": distinct
    ]
    assert _ids(distinct_rounds(records)) == [["a", "c", "a"], ["b", "a"], ["d"]]
