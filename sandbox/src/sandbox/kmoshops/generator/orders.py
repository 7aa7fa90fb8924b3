"""Order lines, charges and totals, exactly as kmoshops/API.md defines them.

All money is Decimal and leaves as a two-decimal string. ``vat_total`` is computed per
VAT rate over the summed amounts of that rate (lines, shipping, payment fee), rounded
half-up to cents per rate, then added up.
"""

import random
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENTS = Decimal("0.01")
HUNDRED = Decimal(100)


def q2(value: Decimal) -> Decimal:
    return value.quantize(CENTS, rounding=ROUND_HALF_UP)


def money(value: Decimal) -> str:
    return str(q2(value))


@dataclass(frozen=True)
class Product:
    id: int
    sku: str
    description: str
    price: Decimal
    rate_class: str = "standard"  # or "reduced" (first reduced rate), "lowest"


def _p(pid: int, sku: str, description: str, price: str, rate_class: str = "standard") -> Product:
    return Product(pid, sku, description, Decimal(price), rate_class)


CATALOG = (
    _p(10023, "EXT-18", "18-month extension", "200.00"),
    _p(10101, "RF-AERO-105", "Racefiets Aero 105", "1899.00"),
    _p(10102, "CB-URBAN-7", "Stadsfiets Urban 7 versnellingen", "649.00"),
    _p(10110, "EB-TREK-500", "Elektrische fiets Trekking 500 Wh", "2799.99"),
    _p(10201, "HLM-M", "Fietshelm MIPS maat M", "89.95"),
    _p(10202, "BID-750", "Bidon 750 ml", "8.33"),
    _p(10203, "BB-28", 'Binnenband 28" Presta', "7.49"),
    _p(10204, "KO-100", "Kettingolie 100 ml", "12.99"),
    _p(10205, "SL-USB", "Fietslampjes USB set", "34.50"),
    _p(10206, "SLOT-U", "U-slot ART 2", "59.00"),
    _p(10301, "BOEK-VL", "Boek: Vlaanderen per fiets", "24.95", "lowest"),
    _p(10302, "REEP-12", "Energierepen (12 stuks)", "17.88", "lowest"),
    _p(10303, "GEL-6", "Energiegels citroen (6 stuks)", "11.97", "reduced"),
    _p(10401, "REP-ONDH", "Onderhoudsbeurt fiets", "79.00", "lowest"),
    _p(10501, "KAART-25", "Cadeaubon € 25", "25.00"),
)

FX = {
    "EUR": Decimal(1),
    "USD": Decimal("1.08"),
    "GBP": Decimal("0.85"),
    "CHF": Decimal("0.95"),
    "SEK": Decimal("11.20"),
    "DKK": Decimal("7.46"),
    "NOK": Decimal("11.50"),
    "PLN": Decimal("4.30"),
    "ZAR": Decimal("20.10"),
    "MXN": Decimal("18.40"),
    "TRY": Decimal("35.20"),
    "INR": Decimal("90.10"),
}


@dataclass(frozen=True)
class Pricing:
    """How prices are written on one order: currency, incl./excl. VAT, and rates."""

    currency: str
    prices_include_vat: bool
    rates: tuple[Decimal, ...]  # standard first; all zero for ICP and export
    # Prices of goods without VAT on the order (ICP, export) are net of the shop's VAT.
    net_of: Decimal = Decimal(0)

    def price(self, gross_eur: Decimal) -> Decimal:
        base = gross_eur * FX[self.currency]
        if not self.prices_include_vat or self.net_of:
            base = base / (1 + (self.net_of or self.standard) / HUNDRED)
        return q2(base)

    @property
    def standard(self) -> Decimal:
        return self.rates[0]

    def rate(self, rate_class: str) -> Decimal:
        if rate_class == "lowest":
            return self.rates[-1]
        if rate_class == "reduced" and len(self.rates) > 1:
            return self.rates[1]
        return self.rates[0]


def _discount(rng: random.Random, quantity: int, unit: Decimal) -> Decimal:
    gross = quantity * unit
    roll = rng.random()
    if roll < 0.7:
        return Decimal("0.00")
    if roll < 0.8:
        return CENTS
    if roll < 0.93:
        return q2(gross * Decimal(rng.choice((10, 15, 20, 25))) / HUNDRED)
    fixed = Decimal(rng.choice(("1.00", "2.50", "5.00")))
    return fixed if fixed < gross else CENTS


def make_lines(rng: random.Random, order_id: int, pricing: Pricing) -> list[dict[str, Any]]:
    lines = []
    for index, product in enumerate(rng.sample(CATALOG, rng.choice((1, 1, 1, 2, 2, 3, 4)))):
        quantity = rng.choice((1, 1, 1, 1, 2, 3, 3, 5, 12)) if product.price < 100 else 1
        unit = pricing.price(product.price)
        discount = _discount(rng, quantity, unit)
        if product.sku == "BID-750" and rng.random() < 0.5:
            quantity, discount = 3, CENTS
        rate = pricing.rate(product.rate_class)
        lines.append(
            {
                "id": order_id * 100 + index + 1,
                "product_id": product.id,
                "sku": product.sku,
                "description": product.description,
                "quantity": quantity,
                "unit_price": money(unit),
                "discount": money(discount),
                "vat_rate": money(rate),
                "total": money(quantity * unit - discount),
            }
        )
    return lines


_CARRIERS = {"BE": ("bpost", "5.95"), "NL": ("PostNL", "7.95"), "DE": ("DHL", "6.95")}


def make_shipping(rng: random.Random, country: str, pricing: Pricing) -> dict[str, Any] | None:
    roll = rng.random()
    if roll < 0.2:
        return None
    if roll < 0.28:
        description, amount = "Gratis verzending", "0.00"
    elif country in _CARRIERS:
        description, amount = _CARRIERS[country]
    else:
        description, amount = rng.choice((("DHL Express", "24.95"), ("DPD Europe", "12.50")))
    return {
        "description": description,
        "amount": money(pricing.price(Decimal(amount))),
        "vat_rate": money(pricing.standard),
    }


_FEES = {"paypal": ("PayPal-toeslag", "0.95"), "klarna": ("Klarna-kosten", "1.95")}


def make_payment_fee(rng: random.Random, method: str, pricing: Pricing) -> dict[str, Any] | None:
    if method not in _FEES or rng.random() < 0.5:
        return None
    description, amount = _FEES[method]
    return {
        "description": description,
        "amount": money(pricing.price(Decimal(amount))),
        "vat_rate": money(pricing.standard),
    }


def charged_amounts(order: dict[str, Any]) -> list[tuple[Decimal, Decimal]]:
    """(amount, rate) of every line total, the shipping and the payment fee."""
    items = [(Decimal(line["total"]), Decimal(line["vat_rate"])) for line in order["lines"]]
    for name in ("shipping", "payment_fee"):
        if order[name] is not None:
            items.append((Decimal(order[name]["amount"]), Decimal(order[name]["vat_rate"])))
    return items


def vat_total(items: list[tuple[Decimal, Decimal]], prices_include_vat: bool) -> Decimal:
    per_rate: dict[Decimal, Decimal] = defaultdict(Decimal)
    for amount, rate in items:
        per_rate[rate] += amount
    total = Decimal("0.00")
    for rate, amount in per_rate.items():
        divisor = HUNDRED + rate if prices_include_vat else HUNDRED
        total += q2(amount * rate / divisor)
    return total


def settle_totals(order: dict[str, Any]) -> None:
    """Fill ``total`` and ``vat_total`` consistently with the lines and charges."""
    items = charged_amounts(order)
    vat = vat_total(items, order["prices_include_vat"])
    subtotal = sum((amount for amount, _ in items), Decimal("0.00"))
    order["vat_total"] = money(vat)
    order["total"] = money(subtotal if order["prices_include_vat"] else subtotal + vat)
