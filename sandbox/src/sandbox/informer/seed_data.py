"""The default seed: three administrations in the seed-file format (see docs)."""

from typing import Any

# Standard and reduced VAT rates per EU member state, for OSS distance sales.
OSS_RATES: dict[str, tuple[str, ...]] = {
    "AT": ("20", "13", "10"),
    "BG": ("20", "9"),
    "CY": ("19", "9", "5"),
    "CZ": ("21", "12"),
    "DE": ("19", "7"),
    "DK": ("25",),
    "EE": ("24", "9"),
    "ES": ("21", "10", "4"),
    "FI": ("25.5", "14", "10"),
    "FR": ("20", "10", "5.5", "2.1"),
    "GR": ("24", "13", "6"),
    "HR": ("25", "13", "5"),
    "HU": ("27", "18", "5"),
    "IE": ("23", "13.5", "9"),
    "IT": ("22", "10", "5", "4"),
    "LT": ("21", "9", "5"),
    "LU": ("17", "14", "8"),
    "LV": ("21", "12", "5"),
    "MT": ("18", "7", "5"),
    "NL": ("21", "9"),
    "PL": ("23", "8", "5"),
    "PT": ("23", "13", "6"),
    "RO": ("21", "11"),
    "SE": ("25", "12", "6"),
    "SI": ("22", "9.5", "5"),
    "SK": ("23", "19", "5"),
}

NORMAL = ["incl", "excl"]

TEMPLATES = [
    {"id": 1, "description": "Standaard factuur", "type": "sales_invoice", "default": True},
    {"id": 2, "description": "Factuur webshop", "type": "sales_invoice", "default": False},
    {"id": 3, "description": "Standaard offerte", "type": "quotation", "default": True},
    {"id": 4, "description": "Orderbevestiging", "type": "sales_order", "default": True},
]

PAYMENT_CONDITIONS = [
    {"id": 1, "description": "14 dagen netto", "days": 14, "default": True},
    {"id": 2, "description": "30 dagen netto", "days": 30},
    {"id": 3, "description": "Reeds betaald", "days": 0, "payment_option": "paid"},
]

CURRENCIES = [
    {"id": 1, "currency": "EUR", "description": "Euro", "rate": "1"},
    {"id": 2, "currency": "USD", "description": "Amerikaanse dollar", "rate": "1.0850"},
    {"id": 3, "currency": "GBP", "description": "Brits pond", "rate": "0.8550"},
]

COSTS = [
    {"id": 31, "number": "100", "description": "Webshop"},
    {"id": 32, "number": "200", "description": "Winkel"},
    {"id": 33, "number": "300", "description": "Projecten"},
]


def _demo_be() -> dict[str, Any]:
    """Belgian, trade module off. Ledger ids differ from their numbers on purpose."""
    ledgers = [
        {"id": 8001, "number": "700000", "description": "Omzet BE", "costs": "optional"},
        {"id": 8002, "number": "700100", "description": "Omzet OSS", "costs": "optional"},
        {"id": 8003, "number": "700200", "description": "Omzet ICP", "costs": "disabled"},
        {"id": 8004, "number": "700300", "description": "Omzet export", "costs": "disabled"},
        {"id": 8005, "number": "700500", "description": "Omzet projecten", "costs": "required"},
    ]
    vat: list[dict[str, Any]] = [
        {
            "id": 101,
            "name": "BTW 21%",
            "percentage": "21",
            "vat_code": "V21",
            "vat_options": NORMAL,
            "ledgers": [8001, 8005],
        },
        {
            "id": 102,
            "name": "BTW 12%",
            "percentage": "12",
            "vat_code": "V12",
            "vat_options": NORMAL,
            "ledgers": [8001],
        },
        {
            "id": 103,
            "name": "BTW 6%",
            "percentage": "6",
            "vat_code": "V6",
            "vat_options": NORMAL,
            "ledgers": [8001],
        },
        {
            "id": 104,
            "name": "BTW 0%",
            "percentage": "0",
            "vat_code": "V0",
            "vat_options": NORMAL,
            "ledgers": [8001],
        },
        {
            "id": 105,
            "name": "0% ICP",
            "percentage": "0",
            "vat_code": "ICP",
            "vat_options": ["icv_within_eu"],
            "ledgers": [8003],
        },
        {
            "id": 106,
            "name": "0% export",
            "percentage": "0",
            "vat_code": "EXP",
            "vat_options": ["icv_outside_eu"],
            "ledgers": [8004],
        },
        {
            "id": 107,
            "name": "BTW verlegd",
            "percentage": "0",
            "vat_code": "VL",
            "vat_options": ["shifted"],
            "ledgers": [8001],
        },
    ]
    next_id = 110
    for country, rates in OSS_RATES.items():
        for rate in rates:
            vat.append(
                {
                    "id": next_id,
                    "name": f"OSS {country} {rate}%",
                    "percentage": rate,
                    "vat_code": f"OSS-{country}",
                    "vat_options": NORMAL,
                    "ledgers": [8002],
                }
            )
            next_id += 1
    return {
        "slug": "demo",
        "api_key": "demo-informer-key",
        "security_code": "demo-security-code",
        "company_name": "Demo Webwinkel BV",
        "contact": "An Peeters",
        "address": "Meir",
        "house_number": "1",
        "zip": "2000",
        "city": "Antwerpen",
        "country": "BE",
        "email": "boekhouding@demo-webwinkel.be",
        "vat": "BE0403170701",
        "iban": "BE71096123456769",
        "bic": "GKCCBEBB",
        "modules": {"trade": False},
        "blocked_period": {"year": 2024, "month": 12},
        "ledgers": ledgers,
        "vat_rates": vat,
        "templates": TEMPLATES,
        "payment_conditions": PAYMENT_CONDITIONS,
        "currencies": CURRENCIES,
        "costs": COSTS,
        "products": [],
        "relations": [
            {
                "relation_type": 0,
                "company_name": "Bakkerij Janssens",
                "street": "Kerkstraat",
                "house_number": "12",
                "zip": "9000",
                "city": "Gent",
                "country": "BE",
                "email": "info@bakkerij-janssens.be",
                "last_edit": "2025-03-01 10:00:00",
            },
        ],
    }


def _demo_de() -> dict[str, Any]:
    """German: invoices need a delivery_date."""
    return {
        "slug": "demo-de",
        "api_key": "demo-de-key",
        "security_code": "demo-de-security-code",
        "company_name": "Demo Versand GmbH",
        "address": "Hauptstraße",
        "house_number": "5",
        "zip": "10115",
        "city": "Berlin",
        "country": "DE",
        "modules": {"trade": False},
        "blocked_period": None,
        "ledgers": [
            {"id": 9001, "number": "8400", "description": "Erlöse 19%", "costs": "optional"},
            {"id": 9002, "number": "8300", "description": "Erlöse 7%", "costs": "optional"},
            {
                "id": 9003,
                "number": "8125",
                "description": "Steuerfreie EU-Lieferungen",
                "costs": "disabled",
            },
            {
                "id": 9004,
                "number": "8120",
                "description": "Steuerfreie Ausfuhr",
                "costs": "disabled",
            },
        ],
        "vat_rates": [
            {
                "id": 201,
                "name": "USt 19%",
                "percentage": "19",
                "vat_options": NORMAL,
                "ledgers": [9001],
            },
            {
                "id": 202,
                "name": "USt 7%",
                "percentage": "7",
                "vat_options": NORMAL,
                "ledgers": [9002],
            },
            {
                "id": 203,
                "name": "0% innergemeinschaftlich",
                "percentage": "0",
                "vat_options": ["icv_within_eu"],
                "ledgers": [9003],
            },
            {
                "id": 204,
                "name": "0% Ausfuhr",
                "percentage": "0",
                "vat_options": ["icv_outside_eu"],
                "ledgers": [9004],
            },
        ],
        "templates": TEMPLATES[:1],
        "payment_conditions": PAYMENT_CONDITIONS,
        "currencies": CURRENCIES,
        "costs": COSTS[:1],
        "products": [],
        "relations": [],
    }


def _demo_trade() -> dict[str, Any]:
    """Dutch, trade module on: every regular line needs a product_id."""
    return {
        "slug": "demo-trade",
        "api_key": "demo-trade-key",
        "security_code": "demo-trade-security-code",
        "company_name": "Demo Groothandel BV",
        "address": "Damrak",
        "house_number": "70",
        "zip": "1012 LM",
        "city": "Amsterdam",
        "country": "NL",
        "modules": {"trade": True},
        "blocked_period": None,
        "ledgers": [
            {"id": 9501, "number": "8000", "description": "Omzet hoog", "costs": "optional"},
            {"id": 9502, "number": "8010", "description": "Omzet laag", "costs": "optional"},
        ],
        "vat_rates": [
            {
                "id": 301,
                "name": "Hoog tarief",
                "percentage": "21",
                "vat_options": NORMAL,
                "ledgers": [9501],
            },
            {
                "id": 302,
                "name": "Laag tarief",
                "percentage": "9",
                "vat_options": NORMAL,
                "ledgers": [9502],
            },
        ],
        "templates": TEMPLATES[:1],
        "payment_conditions": PAYMENT_CONDITIONS[:1],
        "currencies": CURRENCIES[:1],
        "costs": COSTS[:1],
        "products": [
            {"id": 7001, "code": "MEEL-25", "description": "Meel 25 kg", "price": "18.50"},
            {"id": 7002, "code": "GIST-1", "description": "Gist 1 kg", "price": "6.25"},
        ],
        "relations": [],
    }


def default_seed() -> dict[str, Any]:
    return {"administrations": [_demo_be(), _demo_de(), _demo_trade()]}
