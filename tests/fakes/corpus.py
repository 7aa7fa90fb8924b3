"""A merchant configuration that matches the KMO Shops generator's assumptions, built
from what the Informer sandbox offers, so a generated corpus has known outcomes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandbox.informer.model import Currency
from sandbox.informer.state import InformerState
from sandbox.kmoshops.generator.rates import EU_VAT_RATES, USUAL_CURRENCIES
from tests.fakes.processor import DEMO_CONFIG

LEDGER_BE, LEDGER_OSS = 8001, 8002


def corpus_config(informer: InformerState, shop_country: str = "BE") -> dict[str, Any]:
    """Every EU rate the generator uses, mapped to the sandbox's VAT code of that
    country and rate; every usual currency configured (added to the sandbox)."""
    admin = informer.admin("demo")
    by_name = {vat.name: vat for vat in admin.vats.values()}
    table: dict[str, dict[str, dict[str, int]]] = {}
    for country, rates in EU_VAT_RATES.items():
        for rate in rates:
            percent = f"{Decimal(rate).normalize():f}"
            name = f"BTW {percent}%" if country == shop_country else f"OSS {country} {percent}%"
            vat = by_name.get(name)
            if vat is None:
                continue  # the sandbox has no such code: orders at that rate fail, as they should
            ledger = LEDGER_BE if country == shop_country else LEDGER_OSS
            table.setdefault(country, {})[rate] = {"vat_id": vat.id, "ledger_id": ledger}
    currencies = {c.currency: c.id for c in admin.currencies.values()}
    for code in USUAL_CURRENCIES:
        if code not in currencies:
            new_id = max(admin.currencies) + 1
            admin.currencies[new_id] = Currency(new_id, code, code)
            currencies[code] = new_id
    return DEMO_CONFIG | {"vat_table": table, "currencies": currencies}


def expected_outcome(generated: Any, config: dict[str, Any]) -> str:
    """The generator's expectation, corrected where this sandbox lacks a VAT code the
    generator assumed (then VAT_MAPPING_MISSING is the right answer)."""
    if generated.expected != "invoice" or generated.kind != "regular":
        return generated.expected
    order = generated.order
    country = order["customer"]["isocountry"]
    rates = {line["vat_rate"] for line in order["lines"]}
    rates |= {c["vat_rate"] for c in (order["shipping"], order["payment_fee"]) if c}
    if any(rate not in config["vat_table"].get(country, {}) for rate in rates):
        return "VAT_MAPPING_MISSING"
    return "invoice"
