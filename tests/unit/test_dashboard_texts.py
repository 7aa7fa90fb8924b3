"""The dashboard explains every error code the processor can record, and formats
values the way the merchant reads them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from dashboard.formatting import age, mask, money, when
from dashboard.orders.error_texts import ERROR_TEXTS, UNKNOWN, error_text
from processor.domain.errors import ErrorCode


def test_every_error_code_has_its_plain_words_and_no_more() -> None:
    assert set(ERROR_TEXTS) == {str(code) for code in ErrorCode}
    for text in ERROR_TEXTS.values():
        assert text.title.endswith(".")
        assert text.what_to_do
    assert error_text("SOMETHING_NEW") is UNKNOWN
    assert error_text(None) is UNKNOWN


def test_values_as_the_merchant_reads_them() -> None:
    assert money(Decimal("1234.5"), "EUR") == "EUR 1,234.50"
    assert when(datetime(2026, 7, 1, 10, tzinfo=UTC), "Europe/Brussels") == "2026-07-01 12:00"
    now = datetime(2026, 7, 3, 10, tzinfo=UTC)
    assert age(now - timedelta(days=2, hours=3), now) == "2 days"
    assert age(now - timedelta(minutes=1), now) == "1 minute"
    assert age(now, now) == "just now"
    assert mask("whsec_abcdefghijklmnop") == "••••••••mnop"
    assert mask("short") == "••••••••"
