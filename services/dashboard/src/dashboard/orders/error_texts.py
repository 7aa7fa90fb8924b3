"""What each error code means for the shop owner, in plain words: what is wrong and
what to do. The one place for these texts (HTML and API both use them); a test keeps
them in step with the processor's ErrorCode. The failure's own message (with the
order's figures) is shown next to them, and "More info" shows the full detail."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorText:
    title: str
    what_to_do: str


ERROR_TEXTS: dict[str, ErrorText] = {
    "TOTAL_MISMATCH": ErrorText(
        "The order's lines do not add up to its total.",
        "Correct the order in KMO Shops (lines, shipping, discounts) so the lines add "
        "up to the total, then press Process.",
    ),
    "INTERNATIONAL_WITH_VAT": ErrorText(
        "An order from outside the EU carries VAT.",
        "Exports are invoiced without VAT. Correct the order's VAT in KMO Shops, then "
        "press Process.",
    ),
    "ICP_VAT_NUMBER_MISSING": ErrorText(
        "A business order to another EU country has no VAT number.",
        "Add the customer's VAT number to the order in KMO Shops, then press Process.",
    ),
    "VAT_NUMBER_INVALID": ErrorText(
        "The customer's VAT number is not valid for their country.",
        "Check the number with the customer, correct it in KMO Shops, then press Process.",
    ),
    "VAT_MAPPING_MISSING": ErrorText(
        "Your VAT table has no row for this country and rate.",
        "Add the country and rate to the VAT table in the configuration, then press Process.",
    ),
    "CURRENCY_NOT_CONFIGURED": ErrorText(
        "The order's currency is not in your configuration.",
        "Add the currency (with its Informer currency) to the configuration, then press Process.",
    ),
    "CUSTOMER_EMAIL_MISSING": ErrorText(
        "The order has no customer e-mail address, so no debtor can be found or created.",
        "Add the e-mail address to the order in KMO Shops, or set a fixed debtor for its "
        "payment method in the configuration, then press Process.",
    ),
    "VAT_CODE_UNAVAILABLE": ErrorText(
        "A VAT code in your configuration does not exist (any more) in Informer.",
        "Choose an existing VAT code in the configuration, then press Process.",
    ),
    "INFORMER_VALIDATION": ErrorText(
        "Informer refused the invoice.",
        "Read Informer's messages under More info, correct what they name (in KMO Shops "
        "or in the configuration), then press Process.",
    ),
    "INFORMER_AUTH": ErrorText(
        "Informer refused the API key or security code.",
        "Enter valid Informer credentials in the installation settings, then press Process.",
    ),
    "INFORMER_NOT_FOUND": ErrorText(
        "Something the invoice refers to does not exist in Informer.",
        "Check the layout, payment condition, ledgers and fixed debtors in the "
        "configuration, then press Process.",
    ),
    "INFORMER_ERROR": ErrorText(
        "Informer kept answering with an error.",
        "Usually temporary: press Process in a while. If it keeps failing, report the problem.",
    ),
    "NEEDS_REVIEW": ErrorText(
        "We cannot tell for sure whether Informer created this invoice.",
        "Look for the order's invoice in Informer. Report the problem so support can "
        "settle it; do not book it by hand twice.",
    ),
    "PROCESSING_ERROR": ErrorText(
        "The order could not be handled because of a fault on our side.",
        "Report the problem; support will look into it. You may press Process to try again.",
    ),
}

UNKNOWN = ErrorText(
    "The order could not be booked.",
    "Read More info; if it is not clear what to change, report the problem.",
)


def error_text(code: str | None) -> ErrorText:
    return ERROR_TEXTS.get(code or "", UNKNOWN)
