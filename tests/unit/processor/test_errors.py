"""Error codes and failures."""

from __future__ import annotations

from decimal import Decimal

import pytest

from processor.domain import ErrorCode, Failure
from processor.domain.errors import join_words, money_text, rate_text


def test_codes_are_their_names() -> None:
    expected = {
        "TOTAL_MISMATCH", "INTERNATIONAL_WITH_VAT", "ICP_VAT_NUMBER_MISSING",
        "VAT_NUMBER_INVALID", "VAT_MAPPING_MISSING", "CURRENCY_NOT_CONFIGURED",
        "CUSTOMER_EMAIL_MISSING", "VAT_CODE_UNAVAILABLE", "INFORMER_VALIDATION",
        "INFORMER_AUTH", "INFORMER_NOT_FOUND", "INFORMER_ERROR", "NEEDS_REVIEW",
        "PROCESSING_ERROR",
    }  # fmt: skip
    assert {code.value for code in ErrorCode} == expected
    assert all(code.value == code.name for code in ErrorCode)


def test_failure_is_frozen_and_serialisable() -> None:
    failure = Failure(ErrorCode.NEEDS_REVIEW, "Check it.", {"a": "1.00"})
    with pytest.raises(AttributeError):
        failure.code = ErrorCode.INFORMER_ERROR  # type: ignore[misc]
    assert failure.to_dict() == {
        "code": "NEEDS_REVIEW", "message": "Check it.", "detail": {"a": "1.00"}
    }  # fmt: skip
    assert Failure(ErrorCode.INFORMER_ERROR, "x").detail == {}


@pytest.mark.parametrize(
    ("rate", "text"),
    [("21.00", "21 %"), ("5.50", "5.5 %"), ("0.00", "0 %"), ("13.5", "13.5 %"), ("10", "10 %")],
)
def test_rate_text(rate: str, text: str) -> None:
    assert rate_text(Decimal(rate)) == text


def test_money_and_words() -> None:
    assert money_text(Decimal("207")) == "207.00"
    assert join_words([]) == ""
    assert join_words(["a"]) == "a"
    assert join_words(["a", "b"]) == "a and b"
    assert join_words(["a", "b", "c"]) == "a, b and c"
