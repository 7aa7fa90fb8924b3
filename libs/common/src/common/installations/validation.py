"""Checking a configuration against what the merchant's Informer administration lists.

MAPPING.md: on save, every chosen id is checked against Informer; a VAT code that
``/invoices/sales/options`` does not allow for the ``vat_option`` it will be used with,
or a ledger not in its ``usable_ledgers``, is refused with a message naming the row.
The ``vat_option`` of each row is the one the processor will book it with
(``processor.domain.kinds.vat_option``): the VAT table's rows ``incl`` or ``excl`` by
the order's ``prices_include_vat`` (both when the configuration does not say which the
shop uses), the ICP row ``icv_within_eu``, the International row ``icv_outside_eu``.

Pure: the caller reads Informer's lists (see :class:`InformerLists`) and passes them in.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from common.installations.models import InstallationConfig, VatLedger
from common.invoice_options import InformerOptions, VatCodeOption
from common.vat import VatOption


@dataclass(frozen=True)
class Choice:
    """One entry of an Informer list as a drop-down shows it."""

    id: int
    label: str
    code: str = ""
    """A currency's ISO code; empty for the other lists."""
    default: bool = False
    """Informer marks it as the administration's default."""


@dataclass(frozen=True)
class InformerLists:
    """What one Informer administration offers the configuration."""

    templates: tuple[Choice, ...]
    """Sales-invoice layouts only (``/templates`` of type ``sales_invoice``)."""
    payment_conditions: tuple[Choice, ...]
    currencies: tuple[Choice, ...]
    cost_centres: tuple[Choice, ...]
    ledgers: tuple[Choice, ...]
    options: InformerOptions
    relations: Mapping[int, str] = field(default_factory=dict)
    """The fixed debtors' relations found in Informer, by id (looked up one by one)."""

    def ledger_label(self, ledger_id: int) -> str:
        """``8002 (700100 Omzet OSS)``: Informer's id, which the configuration holds,
        and the number and name the merchant knows the ledger by."""
        label = _label(self.ledgers, ledger_id)
        return f"{ledger_id} ({label})" if label else str(ledger_id)


@dataclass(frozen=True)
class ConfigProblem:
    """One wrong row: ``field`` is its place in the configuration's JSON (a dotted path,
    e.g. ``vat_table.NL.21.00``), ``row`` how the page names it."""

    field: str
    row: str
    problem: str

    @property
    def message(self) -> str:
        return f"{self.row}: {self.problem}"


def regular_options(prices_include_vat: bool | None) -> frozenset[VatOption]:
    """The ``vat_option`` values the VAT table's rows are booked with."""
    if prices_include_vat is None:
        return frozenset({VatOption.INCL, VatOption.EXCL})
    return frozenset({VatOption.INCL if prices_include_vat else VatOption.EXCL})


def validate_config(
    config: InstallationConfig, lists: InformerLists, *, shop_currency: str | None = None
) -> list[ConfigProblem]:
    """Every problem of ``config`` against ``lists``, in the order of the page; [] when
    it can be saved."""
    return list(_problems(config, lists, shop_currency))


def _problems(
    config: InstallationConfig, lists: InformerLists, shop_currency: str | None
) -> Iterator[ConfigProblem]:
    if _label(lists.templates, config.template_id) is None:
        yield ConfigProblem(
            "template_id",
            "Invoice layout",
            f"{config.template_id} is not a sales invoice layout in Informer",
        )
    if _label(lists.payment_conditions, config.payment_condition_id) is None:
        yield ConfigProblem(
            "payment_condition_id",
            "Payment condition",
            f"{config.payment_condition_id} is not a payment condition in Informer",
        )
    yield from _currency_problems(config, lists, shop_currency)
    options = regular_options(config.prices_include_vat)
    for country, rates in sorted(config.vat_table.items()):
        for rate, pair in sorted(rates.items(), reverse=True):
            row = f"VAT table, {country} {rate:.2f} %"
            yield from _pair_problems(
                f"vat_table.{country}.{rate:.2f}", row, pair, options, rate, config, lists
            )
    icp = frozenset({VatOption.ICV_WITHIN_EU})
    yield from _pair_problems("icp", "ICP row", config.icp, icp, Decimal(0), config, lists)
    outside = frozenset({VatOption.ICV_OUTSIDE_EU})
    yield from _pair_problems(
        "international", "International row", config.international, outside, Decimal(0),
        config, lists,
    )  # fmt: skip
    for method, relation_id in sorted(config.fixed_debtors.items()):
        if relation_id not in lists.relations:
            yield ConfigProblem(
                f"fixed_debtors.{method}",
                f"Fixed debtor for {method}",
                f"relation {relation_id} does not exist in Informer",
            )
    if config.costs_id is not None and _label(lists.cost_centres, config.costs_id) is None:
        yield ConfigProblem(
            "costs_id", "Cost centre", f"{config.costs_id} is not a cost centre in Informer"
        )


def _currency_problems(
    config: InstallationConfig, lists: InformerLists, shop_currency: str | None
) -> Iterator[ConfigProblem]:
    by_id = {c.id: c for c in lists.currencies}
    for code, currency_id in sorted(config.currencies.items()):
        known = by_id.get(currency_id)
        if known is None:
            yield ConfigProblem(
                f"currencies.{code}",
                f"Currency {code}",
                f"{currency_id} is not a currency in Informer",
            )
        elif known.code and known.code.upper() != code:
            yield ConfigProblem(
                f"currencies.{code}",
                f"Currency {code}",
                f"Informer's currency {currency_id} is {known.code}, not {code}",
            )
    if shop_currency and shop_currency.upper() not in config.currencies:
        yield ConfigProblem(
            "currencies",
            "Currencies",
            f"the shop sells in {shop_currency.upper()}; map it to an Informer currency",
        )


def _pair_problems(
    path: str,
    row: str,
    pair: VatLedger,
    options: frozenset[VatOption],
    rate: Decimal,
    config: InstallationConfig,
    lists: InformerLists,
) -> Iterator[ConfigProblem]:
    code = lists.options.vat_code(pair.vat_id)
    if code is None:
        yield ConfigProblem(path, row, f"VAT code {pair.vat_id} is not available in Informer")
        return
    refused = sorted(o.value for o in options if not code.allows(o))
    if refused:
        yield ConfigProblem(
            path,
            row,
            f"VAT code {pair.vat_id} ({code.name}) cannot be used with "
            f"{' or '.join(refused)}{_allowed_codes(lists.options, options, rate)}",
        )
    if code.percentage is not None and code.percentage != rate:
        yield ConfigProblem(
            path,
            row,
            f"VAT code {pair.vat_id} ({code.name}) is {code.percentage:.2f} %, not {rate:.2f} %",
        )
    ledger = code.ledger(pair.ledger_id)
    if ledger is None:
        yield ConfigProblem(
            path,
            row,
            f"ledger {pair.ledger_id} cannot be used with VAT code {pair.vat_id}"
            f"{_usable_ledgers(code, lists)}",
        )
    elif ledger.costs == "required" and config.costs_id is None:
        yield ConfigProblem(
            path,
            row,
            f"ledger {lists.ledger_label(pair.ledger_id)} requires a cost centre: "
            "choose a default cost centre",
        )


def _allowed_codes(options: InformerOptions, wanted: frozenset[VatOption], rate: Decimal) -> str:
    fitting = [
        f"{c.id} ({c.name})"
        for c in options.vat_codes
        if all(c.allows(o) for o in wanted) and (c.percentage is None or c.percentage == rate)
    ]
    return f"; VAT codes that can: {', '.join(fitting[:5])}" if fitting else ""


def _usable_ledgers(code: VatCodeOption, lists: InformerLists) -> str:
    usable = [lists.ledger_label(led.id) for led in code.usable_ledgers]
    return f"; its ledgers are {', '.join(usable)}" if usable else ""


def _label(choices: tuple[Choice, ...], choice_id: int) -> str | None:
    return next((c.label for c in choices if c.id == choice_id), None)
