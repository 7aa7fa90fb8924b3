from decimal import Decimal

import pytest

from common.money import parse_money, to_cents
from common.vat import EU_MEMBERS, is_eu, parse_rate


@pytest.mark.parametrize(("raw", "expected"), [("0.00", "0.00"), ("206.95", "206.95")])
def test_money_strings_with_two_decimals_parse_exactly(raw: str, expected: str) -> None:
    assert parse_money(raw) == Decimal(expected)


@pytest.mark.parametrize("raw", [206.95, "206.9", "206.950", "-1.00", "1,00", " 1.00", "1e2", None])
def test_anything_else_is_refused(raw: object) -> None:
    with pytest.raises(ValueError, match="two decimals"):
        parse_money(raw)


@pytest.mark.parametrize(
    ("value", "cents"),
    [("8.325", "8.33"), ("8.324", "8.32"), ("-8.325", "-8.33"), ("0.005", "0.01")],
)
def test_cents_round_half_up(value: str, cents: str) -> None:
    assert to_cents(Decimal(value)) == Decimal(cents)


def test_the_eu_has_27_members_and_greece_is_gr() -> None:
    assert len(EU_MEMBERS) == 27
    assert is_eu("gr")
    assert not is_eu("GB")
    assert not is_eu("CH")


@pytest.mark.parametrize(("raw", "rate"), [("21.00", "21.00"), ("5.5", "5.50"), (0, "0.00")])
def test_rates(raw: object, rate: str) -> None:
    assert parse_rate(raw) == Decimal(rate)


@pytest.mark.parametrize("raw", ["100.00", "-1", "21.005", "abc", 21.0, True])
def test_bad_rates(raw: object) -> None:
    with pytest.raises(ValueError, match="percentage"):
        parse_rate(raw)
