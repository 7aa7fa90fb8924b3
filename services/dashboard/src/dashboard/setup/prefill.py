"""Suggestions for a configuration the merchant has not filled in yet (pure).

The VAT table is prefilled per country the merchant sells to with that country's
standard and reduced rates (:data:`common.vat.EU_VAT_RATES`), each with the Informer VAT
code and ledger that fit it when exactly one kind of code does: for the shop's own
country a code at that percentage that names no other country; for another country a
code at that percentage that names the country (Informer's OSS codes, "OSS NL 21%").
When nothing fits, the row is left for the merchant to choose; a suggestion is only a
starting point and is checked like anything typed on save.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from common.installations.validation import Choice, InformerLists, regular_options
from common.invoice_options import InformerOptions, VatCodeOption
from common.vat import EU_MEMBERS, VatOption, country_rates


@dataclass(frozen=True)
class Suggestion:
    vat_id: int | None
    ledger_id: int | None


NOTHING = Suggestion(None, None)


def _countries_named(name: str) -> set[str]:
    return {word for word in re.findall(r"\b[A-Z]{2}\b", name.upper()) if word in EU_MEMBERS}


def _domestic(name: str, shop_country: str) -> bool:
    return not (_countries_named(name) - {shop_country}) and "OSS" not in name.upper()


def _ledger_for(code: VatCodeOption) -> int | None:
    """A usable ledger that does not demand a cost centre, else the first one."""
    for ledger in code.usable_ledgers:
        if ledger.costs != "required":
            return ledger.id
    return code.usable_ledgers[0].id if code.usable_ledgers else None


def suggest_vat(
    options: InformerOptions,
    country: str,
    rate: Decimal,
    shop_country: str,
    wanted: Iterable[VatOption],
) -> Suggestion:
    wanted = frozenset(wanted)
    fitting = [
        code
        for code in options.vat_codes
        if code.percentage == rate and code.usable_ledgers and all(code.allows(o) for o in wanted)
    ]
    if country == shop_country:
        own = [c for c in fitting if _domestic(c.name, shop_country)]
    else:
        own = [c for c in fitting if country in _countries_named(c.name)]
    if not own:
        return NOTHING
    return Suggestion(own[0].id, _ledger_for(own[0]))


def suggest_special(options: InformerOptions, option: VatOption) -> Suggestion:
    """The ICP (``icv_within_eu``) or International (``icv_outside_eu``) pair: the first
    0 % code allowing only that option."""
    for code in options.vat_codes:
        if code.allows(option) and code.usable_ledgers and (code.percentage or 0) == 0:
            return Suggestion(code.id, _ledger_for(code))
    return NOTHING


@dataclass(frozen=True)
class PrefilledRow:
    country: str
    rate: Decimal
    vat_id: int | None
    ledger_id: int | None


def prefill_vat_rows(
    countries: Iterable[str],
    options: InformerOptions,
    shop_country: str,
    prices_include_vat: bool | None,
) -> list[PrefilledRow]:
    """Every standard and reduced rate of each country, shop country first."""
    wanted = regular_options(prices_include_vat)
    ordered = sorted(set(countries), key=lambda c: (c != shop_country, c))
    rows: list[PrefilledRow] = []
    for country in ordered:
        for rate in country_rates(country):
            found = suggest_vat(options, country, rate, shop_country, wanted)
            rows.append(PrefilledRow(country, rate, found.vat_id, found.ledger_id))
    return rows


def default_choice(choices: tuple[Choice, ...]) -> int | None:
    """Informer's default entry of a list, else its first."""
    for choice in choices:
        if choice.default:
            return choice.id
    return choices[0].id if choices else None


def currency_for(lists: InformerLists, code: str) -> int | None:
    return next((c.id for c in lists.currencies if c.code.upper() == code.upper()), None)
