"""Error codes and the failure a shop owner reads.

A :class:`Failure` is a value, not an exception: the pre-checks return one, the handler
records it and the dashboard shows ``message`` as is. ``message`` says in plain words
what is wrong and what to do; ``detail`` carries the figures for support (Decimals as
strings, so the detail is JSON as it stands).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    # The pre-checks of MAPPING.md.
    TOTAL_MISMATCH = "TOTAL_MISMATCH"
    INTERNATIONAL_WITH_VAT = "INTERNATIONAL_WITH_VAT"
    ICP_VAT_NUMBER_MISSING = "ICP_VAT_NUMBER_MISSING"
    VAT_NUMBER_INVALID = "VAT_NUMBER_INVALID"
    VAT_MAPPING_MISSING = "VAT_MAPPING_MISSING"
    CURRENCY_NOT_CONFIGURED = "CURRENCY_NOT_CONFIGURED"
    CUSTOMER_EMAIL_MISSING = "CUSTOMER_EMAIL_MISSING"
    VAT_CODE_UNAVAILABLE = "VAT_CODE_UNAVAILABLE"
    # What Informer answers.
    INFORMER_VALIDATION = "INFORMER_VALIDATION"
    INFORMER_AUTH = "INFORMER_AUTH"
    """Informer refused the API key or security code."""
    INFORMER_NOT_FOUND = "INFORMER_NOT_FOUND"
    INFORMER_ERROR = "INFORMER_ERROR"
    NEEDS_REVIEW = "NEEDS_REVIEW"
    """An uncertain outcome (did Informer create the invoice?) parked for a human."""
    PROCESSING_ERROR = "PROCESSING_ERROR"
    """Our own failure: the message could not be handled and went to the dead letters."""


@dataclass(frozen=True)
class Failure:
    code: ErrorCode
    message: str
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"code": str(self.code), "message": self.message, "detail": dict(self.detail)}


def money_text(amount: Decimal) -> str:
    """An amount as the shop owner sees it in KMO Shops: two decimals, a dot."""
    return f"{amount:.2f}"


def rate_text(rate: Decimal) -> str:
    """A VAT rate for a sentence: "21 %", "5.5 %", "0 %"."""
    text = f"{rate:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text} %"


def join_words(items: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"
