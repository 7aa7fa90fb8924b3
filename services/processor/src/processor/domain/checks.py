"""The pre-checks of MAPPING.md, in its order, before any Informer call.

Pre-check 1 (already processed) needs the database and is the caller's. Pre-check 2 is
:func:`status_decision`; pre-checks 3 to 5 are :func:`check_order`, which returns the
first failure or None. An order that passes :func:`check_order` can always be drafted
by :func:`processor.domain.invoicing.invoice_draft`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from common.installations.models import InstallationConfig, VatLedger
from common.invoice_options import InformerOptions
from common.messages.orders import OrderStatus, ShopOrder
from processor.domain.debtor import fixed_debtor
from processor.domain.errors import ErrorCode, Failure, join_words, money_text, rate_text
from processor.domain.kinds import OrderKind, classify, vat_ledger, vat_option
from processor.domain.vatnumbers import InvalidVatNumber, normalise_vat_number

TOTAL_TOLERANCE = Decimal("0.005")
"""MAPPING.md's €0.005. Amounts have two decimals, so in practice: equal to the cent."""


@dataclass(frozen=True)
class Process:
    """The status is processable: go on with the pre-checks."""


@dataclass(frozen=True)
class Wait:
    """Not processable yet: the order waits under Open."""

    status: OrderStatus
    message: str


@dataclass(frozen=True)
class Leave:
    """Cancelled: the order leaves Open, no invoice."""

    status: OrderStatus
    message: str


StatusDecision = Process | Wait | Leave


def status_decision(order: ShopOrder, config: InstallationConfig) -> StatusDecision:
    if order.status is OrderStatus.CANCELLED:
        return Leave(order.status, "The order was cancelled in KMO Shops; it is not invoiced.")
    if order.status in config.processable_statuses:
        return Process()
    statuses = join_words(sorted(str(s) for s in config.processable_statuses))
    return Wait(
        order.status,
        f"The order is {order.status}; it is invoiced once its status is {statuses}.",
    )


def lines_sum(order: ShopOrder) -> Decimal:
    """Sum of line totals + shipping + payment fee, as the order states them."""
    return sum((line.total for line in order.lines), Decimal("0.00")) + sum(
        (charge.amount for charge in order.charges()), Decimal("0.00")
    )


def expected_total(order: ShopOrder) -> Decimal:
    """What ``total`` must be: the lines' sum, plus ``vat_total`` when prices exclude VAT."""
    base = lines_sum(order)
    return base if order.prices_include_vat else base + order.vat_total


def check_total(order: ShopOrder) -> Failure | None:
    expected = expected_total(order)
    if abs(order.total - expected) <= TOTAL_TOLERANCE:
        return None
    parts = "its lines, shipping and fees"
    if not order.prices_include_vat:
        parts += " plus VAT"
    return Failure(
        ErrorCode.TOTAL_MISMATCH,
        f"The order total {money_text(order.total)} does not match {parts} "
        f"({money_text(expected)}). Correct the order in KMO Shops, then press Process.",
        {
            "total": money_text(order.total),
            "expected": money_text(expected),
            "difference": money_text(order.total - expected),
            "lines": money_text(sum((line.total for line in order.lines), Decimal("0.00"))),
            "shipping": money_text(order.shipping.amount) if order.shipping else None,
            "payment_fee": money_text(order.payment_fee.amount) if order.payment_fee else None,
            "vat_total": money_text(order.vat_total),
            "prices_include_vat": order.prices_include_vat,
        },
    )


def _check_kind(order: ShopOrder, config: InstallationConfig, kind: OrderKind) -> Failure | None:
    country = order.customer.isocountry
    if kind is OrderKind.INTERNATIONAL:
        taxed = sorted(rate for rate in order.rates() if rate != 0)
        if taxed:
            return Failure(
                ErrorCode.INTERNATIONAL_WITH_VAT,
                f"The customer is in {country}, outside the EU, but the order charges VAT "
                f"({join_words([rate_text(r) for r in taxed])}). Exports are invoiced "
                "without VAT: correct the order's VAT in KMO Shops, then press Process.",
                {"country": country, "rates": [f"{r:.2f}" for r in taxed]},
            )
    if kind is OrderKind.ICP:
        if not order.customer.vatnr.strip():
            return Failure(
                ErrorCode.ICP_VAT_NUMBER_MISSING,
                f"The order is an intra-community delivery to {country} without VAT, but "
                "the customer has no VAT number. Add the customer's VAT number to the "
                "order in KMO Shops (or charge VAT), then press Process.",
                {"country": country},
            )
        try:
            normalise_vat_number(order.customer.vatnr, country)
        except InvalidVatNumber as error:
            return error.failure
    if kind is OrderKind.REGULAR:
        missing = sorted(r for r in order.rates() if config.vat_for(country, r) is None)
        if missing:
            rates = join_words([rate_text(r) for r in missing])
            return Failure(
                ErrorCode.VAT_MAPPING_MISSING,
                f"The VAT table has no row for {country} at {rates}. Add it in the "
                "configuration (VAT table), then press Process.",
                {"country": country, "rates": [f"{r:.2f}" for r in missing]},
            )
    return None


def _check_currency(order: ShopOrder, config: InstallationConfig) -> Failure | None:
    if order.currency in config.currencies:
        return None
    return Failure(
        ErrorCode.CURRENCY_NOT_CONFIGURED,
        f"The order is in {order.currency}, which has no Informer currency in the "
        "configuration. Add it under Currencies, then press Process.",
        {"currency": order.currency, "configured": sorted(config.currencies)},
    )


def _check_email(order: ShopOrder, config: InstallationConfig, kind: OrderKind) -> Failure | None:
    if order.customer.email.strip() or fixed_debtor(order, config, kind) is not None:
        return None
    return Failure(
        ErrorCode.CUSTOMER_EMAIL_MISSING,
        "The customer has no e-mail address, so the debtor in Informer cannot be found "
        "or created. Add the e-mail address to the order in KMO Shops, then press Process.",
        {"payment_method": order.payment_method.code, "kind": str(kind)},
    )


def used_vat_ledgers(
    order: ShopOrder, config: InstallationConfig, kind: OrderKind
) -> dict[Decimal, VatLedger]:
    """Rate → the (vat_id, ledger_id) pair its lines are booked with (mapped rates only)."""
    pairs = {}
    for rate in sorted(order.rates()):
        pair = vat_ledger(config, kind, order.customer.isocountry, rate)
        if pair is not None:
            pairs[rate] = pair
    return pairs


def _check_options(
    order: ShopOrder, config: InstallationConfig, kind: OrderKind, options: InformerOptions
) -> Failure | None:
    """Every mapped VAT code exists, allows the order's vat_option, and still lists the
    mapped ledger among its usable ledgers (Informer would refuse the line otherwise;
    the configuration screen checks the same on save, but Informer can change since)."""
    option = vat_option(kind, order.prices_include_vat)
    problems: list[str] = []
    codes: list[dict[str, object]] = []
    seen: set[tuple[int, int]] = set()
    for rate, pair in used_vat_ledgers(order, config, kind).items():
        if (pair.vat_id, pair.ledger_id) in seen:
            continue
        seen.add((pair.vat_id, pair.ledger_id))
        code = options.vat_code(pair.vat_id)
        if code is None:
            reason = "missing"
            problems.append(f"VAT code {pair.vat_id} no longer exists in Informer")
        elif not code.allows(option):
            reason = "option_not_allowed"
            problems.append(f"VAT code {pair.vat_id} ({code.name}) cannot be used with {option}")
        elif code.ledger(pair.ledger_id) is None:
            reason = "ledger_not_usable"
            problems.append(
                f"ledger {pair.ledger_id} cannot be used with VAT code {pair.vat_id} ({code.name})"
            )
        else:
            continue
        codes.append(
            {"vat_id": pair.vat_id, "ledger_id": pair.ledger_id, "rate": f"{rate:.2f}",
             "reason": reason}
        )  # fmt: skip
    if not problems:
        return None
    sentence = join_words(problems)
    return Failure(
        ErrorCode.VAT_CODE_UNAVAILABLE,
        f"{sentence[:1].upper()}{sentence[1:]}. Choose another VAT code or ledger in the "
        "configuration, then press Process.",
        {"vat_option": str(option), "kind": str(kind), "codes": codes},
    )


def check_order(
    order: ShopOrder,
    config: InstallationConfig,
    shop_country: str,
    options: InformerOptions,
) -> Failure | None:
    """Pre-checks 3 to 5, in MAPPING.md's order; the first failure, or None."""
    failure = check_total(order)
    if failure is not None:
        return failure
    kind = classify(order, shop_country)
    for check in (
        lambda: _check_kind(order, config, kind),
        lambda: _check_currency(order, config),
        lambda: _check_email(order, config, kind),
        lambda: _check_options(order, config, kind, options),
    ):
        failure = check()
        if failure is not None:
            return failure
    return None
