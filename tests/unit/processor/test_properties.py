"""Properties of the invoice draft for any valid order (hypothesis)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from common.informer.codec import dumps as render_json
from common.informer.codec import loads as parse_json
from common.messages.orders import ShopOrder
from processor.domain import (
    check_order,
    classify,
    invoice_draft,
    split_line,
)
from tests.unit.processor.builders import OPTIONS, SHOP_COUNTRY, SHOP_TZ, make_config
from tests.unit.processor.strategies import valid_orders

CENT = Decimal("0.01")
CONFIG = make_config(costs_id=31)
EXAMPLES = settings(max_examples=300, deadline=None)


def order_sums(order: ShopOrder) -> tuple[Decimal, dict[Decimal, Decimal]]:
    per_rate: dict[Decimal, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for line in order.lines:
        per_rate[line.vat_rate] += line.total
    for charge in order.charges():
        per_rate[charge.vat_rate] += charge.amount
    return sum(per_rate.values(), Decimal("0.00")), dict(per_rate)


@EXAMPLES
@given(valid_orders(), st.sampled_from(["BE", "NL", "AT", "DE"]))
def test_invoice_adds_up_to_the_order(order: ShopOrder, admin_country: str) -> None:
    assert check_order(order, CONFIG, SHOP_COUNTRY, OPTIONS) is None
    kind = classify(order, SHOP_COUNTRY)
    draft = invoice_draft(order, CONFIG, kind, 5001, SHOP_TZ, admin_country, OPTIONS)

    total, per_rate = order_sums(order)
    assert draft.total == total
    assert draft.totals_by_rate() == per_rate

    for line in draft.lines:
        assert type(line.qty) is int
        assert line.qty >= 1
        assert line.amount == line.amount.quantize(CENT)
        assert line.amount >= 0

    # One or two invoice lines per order line, shipping and fee; quantities preserved.
    sources = [(line.quantity, line.total) for line in order.lines] + [
        (1, charge.amount) for charge in order.charges()
    ]
    assert len(sources) <= len(draft.lines) <= 2 * len(sources)

    assert draft.reference == order.number
    local_date = order.created_at.astimezone(ZoneInfo(SHOP_TZ)).date()
    assert draft.invoice_date == local_date
    assert draft.delivery_date == (local_date if admin_country in {"AT", "DE"} else None)


@EXAMPLES
@given(valid_orders())
def test_rendered_json_round_trips_with_two_decimals(order: ShopOrder) -> None:
    kind = classify(order, SHOP_COUNTRY)
    body = invoice_draft(order, CONFIG, kind, 5001, SHOP_TZ, "BE", OPTIONS).to_json()
    raw = render_json(body)
    assert parse_json(raw) == body
    for line in parse_json(raw)["lines"]:
        assert isinstance(line["qty"], int)
        assert isinstance(line["discount"], int)
        assert isinstance(line["amount"], Decimal)
        assert line["amount"] == line["amount"].quantize(CENT)
        assert len(str(line["amount"]).partition(".")[2]) <= 2
    assert b"null" not in raw


@EXAMPLES
@given(st.integers(0, 10**9), st.integers(1, 500))
def test_split_line_is_exact(total_cents: int, quantity: int) -> None:
    total = Decimal(total_cents) * CENT
    parts = split_line(total, quantity)
    assert 1 <= len(parts) <= 2
    assert sum(q for q, _ in parts) == quantity
    assert sum(q * a for q, a in parts) == total
    assert all(q >= 1 and a == a.quantize(CENT) for q, a in parts)
    if len(parts) == 2:
        assert parts[1][1] - parts[0][1] == CENT


@EXAMPLES
@given(valid_orders(), st.integers(-500, 500).filter(lambda c: c != 0))
def test_any_total_off_by_a_cent_or_more_is_a_mismatch(order: ShopOrder, off: int) -> None:
    wrong = order.total + off * CENT
    if wrong < 0:
        return
    changed = order.model_copy(update={"total": wrong})
    failure = check_order(changed, CONFIG, SHOP_COUNTRY, OPTIONS)
    assert failure is not None
    assert failure.code == "TOTAL_MISMATCH"
    assert failure.detail["total"] == f"{wrong:.2f}"
    assert failure.detail["expected"] == f"{order.total:.2f}"
