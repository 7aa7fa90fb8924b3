"""Seeded orders, each labelled with the scenario it stands for and its expected outcome.

``expected`` is what a correct processor does under MAPPING.md, assuming a merchant
configuration with every rate of ``EU_VAT_RATES`` mapped for the countries used,
``USUAL_CURRENCIES`` configured, the default processable statuses and no fixed debtor
for the order's payment method.
"""

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sandbox.kmoshops.generator.customers import make_customer, vary_returning
from sandbox.kmoshops.generator.orders import (
    Pricing,
    make_lines,
    make_payment_fee,
    make_shipping,
    money,
    settle_totals,
)
from sandbox.kmoshops.generator.people import EU_CONSUMER_COUNTRIES, INTERNATIONAL_COUNTRIES
from sandbox.kmoshops.generator.rates import (
    UNUSUAL_CURRENCIES,
    country_rates,
    standard_rate,
    unusual_rate,
)
from sandbox.kmoshops.generator.vatnumbers import (
    VAT_COUNTRIES,
    break_vat_number,
    make_vat_number,
    typed,
)
from sandbox.kmoshops.model import format_timestamp

VALID_SCENARIOS = ("domestic_b2c", "domestic_b2b", "oss_b2c", "icp_b2b", "international")
STATUS_SCENARIOS = ("status_open", "status_cancelled")
INVALID_SCENARIOS = (
    "total_mismatch",
    "international_with_vat",
    "icp_vat_number_missing",
    "vat_number_invalid",
    "currency_not_configured",
    "customer_email_missing",
    "vat_mapping_missing",
)
SCENARIOS = VALID_SCENARIOS + STATUS_SCENARIOS + INVALID_SCENARIOS
PROCESSABLE = ("paid", "paid", "paid", "processing", "shipped", "completed")
OPEN = ("new", "pending_payment", "on_hold")
DEFAULT_WINDOW = (
    datetime(2024, 3, 25, tzinfo=UTC),
    datetime(2024, 4, 8, tzinfo=UTC),
)
_WEIGHTS = {
    "domestic_b2c": 30,
    "oss_b2c": 25,
    "domestic_b2b": 8,
    "icp_b2b": 10,
    "international": 10,
    "status_open": 10,
    "status_cancelled": 5,
}
_METHODS = {
    "bancontact": "Bancontact",
    "ideal": "iDEAL",
    "creditcard": "Creditcard",
    "paypal": "PayPal",
    "klarna": "Klarna Pay Later",
    "banktransfer": "Overschrijving",
    "applepay": "Apple Pay",
}
_COMMENTS = (
    "Please ring twice",
    "Graag leveren bij de buren (nr. 14) als we niet thuis zijn.",
    "Cadeau – graag zonder prijskaartje 🎁",
    "Levering na 17u\nPoort aan de zijkant",
    "Bitte beim Nachbarn abgeben",
)
_HOME_CURRENCY = {"US": "USD", "GB": "GBP", "CH": "CHF", "NO": "NOK", "SE": "SEK", "DK": "DKK"}


@dataclass(frozen=True)
class GeneratedOrder:
    order: dict[str, Any]
    scenario: str
    kind: str  # "regular", "icp" or "international" (MAPPING.md "Kind of order")
    expected: str  # "invoice", "open", "cancelled" or a MAPPING.md error code


@dataclass
class _Draft:
    country: str
    kind: str
    company: bool = False
    vat_number: bool = False
    currency: str = "EUR"
    status: str = "paid"


def generate_orders(
    seed: int | str,
    count: int,
    shop: Any,
    *,
    scenarios: Sequence[str] | None = None,
    include_invalid: bool = False,
    first_id: int = 1001,
    window: tuple[datetime, datetime] = DEFAULT_WINDOW,
) -> list[GeneratedOrder]:
    """Deterministic from ``seed``: the same arguments always give the same orders.

    ``scenarios`` given: order i has scenario ``scenarios[i % len(scenarios)]``;
    otherwise a realistic mix (plus every invalid scenario when ``include_invalid``).
    ``shop`` is a Shop or a mapping with country, currency, timezone and optionally
    prices_include_vat (None mixes incl. and excl. orders). Ids ascend with created_at.
    """
    unknown = [s for s in scenarios or () if s not in SCENARIOS]
    if unknown:
        raise ValueError(f"unknown scenarios {unknown}; known: {', '.join(SCENARIOS)}")
    info = _shop_info(shop)
    rng = random.Random(f"kmoshops:{seed}")
    weights = dict(_WEIGHTS)
    if include_invalid:
        weights.update(dict.fromkeys(INVALID_SCENARIOS, 3))
    moments = _moments(rng, count, window)
    customers: list[dict[str, Any]] = []
    result = []
    for index in range(count):
        if scenarios:
            scenario = scenarios[index % len(scenarios)]
        else:
            scenario = rng.choices(list(weights), list(weights.values()))[0]
        order_id = first_id + index
        generated = _BUILDERS[scenario](rng, info, order_id, customers)
        _stamp(rng, generated.order, moments[index], window[1], info["timezone"])
        result.append(generated)
    return result


def _shop_info(shop: Any) -> dict[str, Any]:
    get: Callable[[str], Any]
    if isinstance(shop, Mapping):
        get = shop.get
    else:

        def get(name: str) -> Any:
            return getattr(shop, name, None)

    country = get("country")
    if country not in EU_CONSUMER_COUNTRIES:
        raise ValueError(f"the generator needs an EU shop country of {EU_CONSUMER_COUNTRIES}")
    return {
        "country": country,
        "currency": get("currency") or "EUR",
        "timezone": get("timezone") or "Europe/Brussels",
        "prices_include_vat": get("prices_include_vat"),
    }


def _moments(rng: random.Random, count: int, window: tuple[datetime, datetime]) -> list[datetime]:
    start, end = window
    span = int((end - start).total_seconds())
    if span < 0:
        raise ValueError("the window ends before it starts")
    return sorted(start + timedelta(seconds=rng.randint(0, span)) for _ in range(count))


def _stamp(
    rng: random.Random, order: dict[str, Any], created: datetime, end: datetime, tz: str
) -> None:
    """updated_at follows created_at by a while, but never past the window's end."""
    status = order["status"]
    minutes = 0 if status == "new" else rng.randint(1, 90) * (1 + _rank(status))
    updated = min(created + timedelta(minutes=minutes), max(created, end))
    order["created_at"] = format_timestamp(created, tz)
    order["updated_at"] = format_timestamp(updated, tz)


def _rank(status: str) -> int:
    return (
        ("new", "pending_payment", "on_hold", "paid", "processing", "shipped").index(status)
        if status not in {"completed", "cancelled"}
        else 6
    )


def _draft(rng: random.Random, shop: dict[str, Any], scenario: str) -> _Draft:
    home = shop["country"]
    status = rng.choice(PROCESSABLE)
    if scenario == "domestic_b2c":
        return _Draft(home, "regular", company=rng.random() < 0.1, status=status)
    if scenario == "domestic_b2b":
        return _Draft(home, "regular", vat_number=home in VAT_COUNTRIES, status=status)
    if scenario == "oss_b2c":
        country = rng.choice([c for c in EU_CONSUMER_COUNTRIES if c != home])
        return _Draft(country, "regular", company=rng.random() < 0.05, status=status)
    if scenario == "icp_b2b":
        country = rng.choice([c for c in VAT_COUNTRIES if c != home])
        return _Draft(country, "icp", vat_number=True, status=status)
    country = rng.choice(INTERNATIONAL_COUNTRIES)
    currency = _HOME_CURRENCY.get(country, "EUR") if rng.random() < 0.4 else "EUR"
    return _Draft(
        country, "international", company=rng.random() < 0.3, currency=currency, status=status
    )


def _build(
    rng: random.Random,
    shop: dict[str, Any],
    order_id: int,
    draft: _Draft,
    customers: list[dict[str, Any]],
) -> dict[str, Any]:
    incl = shop["prices_include_vat"]
    if incl is None:
        incl = not (draft.vat_number and rng.random() < 0.7)
    if draft.kind == "regular":
        pricing = Pricing(draft.currency, incl, country_rates(draft.country))
    else:
        net_of = standard_rate(shop["country"])
        pricing = Pricing(draft.currency, incl, (Decimal("0.00"),), net_of=net_of)
    returning = [
        c
        for c in customers
        if c["isocountry"] == draft.country and bool(c["vatnr"]) == draft.vat_number
    ]
    if returning and rng.random() < 0.2:
        customer = vary_returning(rng, rng.choice(returning))
    else:
        customer = make_customer(
            rng, draft.country, company=draft.company, vat_number=draft.vat_number
        )
        customers.append(customer)
    method = _payment_method(rng, draft)
    order = {
        "id": order_id,
        "number": str(order_id),
        "created_at": "",
        "updated_at": "",
        "status": draft.status,
        "payment_method": {"code": method, "name": _METHODS[method]},
        "currency": draft.currency,
        "prices_include_vat": incl,
        "customer": customer,
        "lines": make_lines(rng, order_id, pricing),
        "shipping": make_shipping(rng, draft.country, pricing),
        "payment_fee": make_payment_fee(rng, method, pricing),
        "total": "",
        "vat_total": "",
        "comment": rng.choice(_COMMENTS) if rng.random() < 0.25 else "",
    }
    settle_totals(order)
    return order


def _payment_method(rng: random.Random, draft: _Draft) -> str:
    if draft.vat_number:
        return rng.choice(("banktransfer", "banktransfer", "creditcard"))
    local = {"BE": "bancontact", "NL": "ideal", "DE": "klarna"}.get(draft.country, "creditcard")
    return rng.choice((local, local, "creditcard", "paypal", "applepay"))


def _valid(scenario: str) -> Callable[..., GeneratedOrder]:
    def build(rng: random.Random, shop: dict[str, Any], oid: int, cs: list) -> GeneratedOrder:
        draft = _draft(rng, shop, scenario)
        return GeneratedOrder(_build(rng, shop, oid, draft, cs), scenario, draft.kind, "invoice")

    return build


def _with_status(scenario: str) -> Callable[..., GeneratedOrder]:
    def build(rng: random.Random, shop: dict[str, Any], oid: int, cs: list) -> GeneratedOrder:
        draft = _draft(rng, shop, rng.choice(VALID_SCENARIOS))
        if scenario == "status_open":
            draft.status, expected = rng.choice(OPEN), "open"
        else:
            draft.status, expected = "cancelled", "cancelled"
        return GeneratedOrder(_build(rng, shop, oid, draft, cs), scenario, draft.kind, expected)

    return build


def _invalid(scenario: str) -> Callable[..., GeneratedOrder]:
    def build(rng: random.Random, shop: dict[str, Any], oid: int, cs: list) -> GeneratedOrder:
        base, mutate = _MUTATIONS[scenario]
        draft = _draft(rng, shop, rng.choice(base))
        kind = draft.kind
        if scenario == "international_with_vat":
            kind = "international"
        if scenario == "currency_not_configured":
            draft = replace(draft, currency=rng.choice(UNUSUAL_CURRENCIES))
        order = _build(rng, shop, oid, draft, [])
        mutate(rng, shop, order)
        settle = scenario != "total_mismatch"
        if settle:
            settle_totals(order)
        return GeneratedOrder(order, scenario, kind, scenario.upper())

    return build


def _off_total(rng: random.Random, shop: dict[str, Any], order: dict[str, Any]) -> None:
    delta = Decimal(rng.choice(("0.01", "0.02", "0.10", "1.00", "5.00")))
    total = Decimal(order["total"])
    order["total"] = money(total + delta if rng.random() < 0.5 or total < 6 else total - delta)


def _charge_vat(rng: random.Random, shop: dict[str, Any], order: dict[str, Any]) -> None:
    rate = money(standard_rate(shop["country"]))
    for line in rng.sample(order["lines"], rng.randint(1, len(order["lines"]))):
        line["vat_rate"] = rate


def _no_vat_number(rng: random.Random, shop: dict[str, Any], order: dict[str, Any]) -> None:
    order["customer"]["vatnr"] = rng.choice(("", "", " "))


def _bad_vat_number(rng: random.Random, shop: dict[str, Any], order: dict[str, Any]) -> None:
    country = order["customer"]["isocountry"]
    compact = make_vat_number(country, rng)
    roll = rng.random()
    if roll < 0.6:
        order["customer"]["vatnr"] = typed(country, break_vat_number(country, compact, rng), rng)
    elif roll < 0.8:
        order["customer"]["vatnr"] = f"{country}{compact[:-1]}"
    else:
        other = rng.choice([c for c in VAT_COUNTRIES if c not in {country, shop["country"]}])
        order["customer"]["vatnr"] = f"{other}{make_vat_number(other, rng)}"


def _no_email(rng: random.Random, shop: dict[str, Any], order: dict[str, Any]) -> None:
    order["customer"]["email"] = rng.choice(("", "", "  "))


def _unmapped_rate(rng: random.Random, shop: dict[str, Any], order: dict[str, Any]) -> None:
    line = rng.choice(order["lines"])
    line["vat_rate"] = money(unusual_rate(order["customer"]["isocountry"], rng.randrange(5)))


def _nothing(rng: random.Random, shop: dict[str, Any], order: dict[str, Any]) -> None:
    return None


_REGULAR_B2C = ("domestic_b2c", "oss_b2c")
_MUTATIONS: dict[str, tuple[tuple[str, ...], Callable[..., None]]] = {
    "total_mismatch": (VALID_SCENARIOS, _off_total),
    "international_with_vat": (("international",), _charge_vat),
    "icp_vat_number_missing": (("icp_b2b",), _no_vat_number),
    "vat_number_invalid": (("icp_b2b",), _bad_vat_number),
    "currency_not_configured": (_REGULAR_B2C, _nothing),
    "customer_email_missing": (_REGULAR_B2C, _no_email),
    "vat_mapping_missing": (_REGULAR_B2C, _unmapped_rate),
}
_BUILDERS: dict[str, Callable[..., GeneratedOrder]] = {
    **{s: _valid(s) for s in VALID_SCENARIOS},
    **{s: _with_status(s) for s in STATUS_SCENARIOS},
    **{s: _invalid(s) for s in INVALID_SCENARIOS},
}
