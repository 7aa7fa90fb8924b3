"""VAT rates of the 27 member states (standard first, then reduced), as of 2025.

This table is the sandbox's own: "valid" generated orders only use these rates, and
VAT_MAPPING_MISSING orders use a rate that is in no row of it for that country.
"""

from decimal import Decimal

EU_VAT_RATES: dict[str, tuple[str, ...]] = {
    "AT": ("20.00", "13.00", "10.00"),
    "BE": ("21.00", "12.00", "6.00"),
    "BG": ("20.00", "9.00"),
    "CY": ("19.00", "9.00", "5.00"),
    "CZ": ("21.00", "12.00"),
    "DE": ("19.00", "7.00"),
    "DK": ("25.00",),
    "EE": ("24.00", "13.00", "9.00"),
    "ES": ("21.00", "10.00", "4.00"),
    "FI": ("25.50", "14.00", "10.00"),
    "FR": ("20.00", "10.00", "5.50", "2.10"),
    "GR": ("24.00", "13.00", "6.00"),
    "HR": ("25.00", "13.00", "5.00"),
    "HU": ("27.00", "18.00", "5.00"),
    "IE": ("23.00", "13.50", "9.00"),
    "IT": ("22.00", "10.00", "5.00", "4.00"),
    "LT": ("21.00", "9.00", "5.00"),
    "LU": ("17.00", "14.00", "8.00", "3.00"),
    "LV": ("21.00", "12.00", "5.00"),
    "MT": ("18.00", "7.00", "5.00"),
    "NL": ("21.00", "9.00"),
    "PL": ("23.00", "8.00", "5.00"),
    "PT": ("23.00", "13.00", "6.00"),
    "RO": ("21.00", "11.00"),
    "SE": ("25.00", "12.00", "6.00"),
    "SI": ("22.00", "9.50", "5.00"),
    "SK": ("23.00", "19.00", "5.00"),
}
EU_COUNTRIES = frozenset(EU_VAT_RATES)

# Rates no member state uses in EU_VAT_RATES; one is picked for VAT_MAPPING_MISSING.
UNUSUAL_RATES = ("15.00", "16.00", "7.70", "8.10", "11.50")

# Currencies a merchant is assumed to have configured, and ones nobody has.
USUAL_CURRENCIES = ("EUR", "USD", "GBP", "CHF", "SEK", "DKK", "NOK", "PLN")
UNUSUAL_CURRENCIES = ("ZAR", "MXN", "TRY", "INR")


def standard_rate(country: str) -> Decimal:
    return Decimal(EU_VAT_RATES[country][0])


def country_rates(country: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(rate) for rate in EU_VAT_RATES[country])


def unusual_rate(country: str, pick: int) -> Decimal:
    candidates = [r for r in UNUSUAL_RATES if r not in EU_VAT_RATES.get(country, ())]
    return Decimal(candidates[pick % len(candidates)])
