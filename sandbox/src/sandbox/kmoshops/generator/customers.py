"""Customers as KMO Shops sends them: private persons and companies, typed by hand."""

import random
import unicodedata
from typing import Any

from sandbox.kmoshops.generator.people import LOCALES
from sandbox.kmoshops.generator.vatnumbers import make_vat_number, typed

_EMAIL_DOMAINS = ("example.com", "example.org", "example.net")
_ADDRESS2 = ("", "", "", "2de verdieping", "Apt 4B", "c/o receptie", "Gebouw B")


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum() or ch == ".")


def _number(rng: random.Random) -> str:
    number = str(rng.choice((rng.randint(1, 40), rng.randint(1, 250))))
    return number + rng.choice(("", "", "", "", "a", "b"))


def _address(rng: random.Random, country: str) -> tuple[str, str]:
    """(address1, housenr); housenr is often empty with the number in address1."""
    locale = LOCALES[country]
    street = rng.choice(locale.streets)
    number = _number(rng)
    if locale.number_first:
        return f"{number} {street}", ""
    if locale.box and rng.random() < 0.3:
        number = f"{number} {locale.box} {rng.randint(1, 12)}"
    if rng.random() < 0.45:
        return f"{street} {number}", ""
    return street, number


def _phone(rng: random.Random, country: str) -> str:
    if rng.random() < 0.12:
        return ""
    digits = "".join(rng.choice("0123456789") for _ in range(8))
    return f"{LOCALES[country].phone} {digits[:2]} {digits[2:5]} {digits[5:]}"


def _email(rng: random.Random, first: str, last: str) -> str:
    local = f"{_ascii(first)}.{_ascii(last)}{rng.choice(('', '', str(rng.randint(1, 99))))}"
    email = f"{local}@{rng.choice(_EMAIL_DOMAINS)}"
    roll = rng.random()
    if roll < 0.08:
        return email.title()
    if roll < 0.12:
        return f" {email} "
    return email


def make_customer(
    rng: random.Random, country: str, *, company: bool, vat_number: bool
) -> dict[str, Any]:
    """``vat_number`` makes a company with a valid, hand-typed VAT number of ``country``."""
    locale = LOCALES[country]
    first, last = rng.choice(locale.firstnames), rng.choice(locale.lastnames)
    company_name = ""
    if company or vat_number:
        stem = rng.choice((last, f"{last} & Zonen", f"Velo {last}", f"{first} {last} Cycling"))
        company_name = stem + rng.choice(locale.company_suffix)
    zipcode, city = rng.choice(locale.towns)
    address1, housenr = _address(rng, country)
    vatnr, coc = "", ""
    if vat_number:
        compact = make_vat_number(country, rng)
        vatnr = typed(country, compact, rng)
        if country == "BE" and rng.random() < 0.5:
            coc = f"{compact[:4]}.{compact[4:7]}.{compact[7:]}"
        elif country == "NL":
            coc = "".join(rng.choice("0123456789") for _ in range(8))
    if company_name and rng.random() < 0.1:
        first, last = "", ""
    return {
        "email": _email(rng, first or "info", last or company_name.split(" ")[0]),
        "company": company_name,
        "firstname": first,
        "lastname": last,
        "address1": address1,
        "address2": rng.choice(_ADDRESS2) if country in {"BE", "NL"} else "",
        "housenr": housenr,
        "zipcode": zipcode,
        "city": city,
        "isocountry": country,
        "telnr": _phone(rng, country),
        "coc": coc,
        "vatnr": vatnr,
    }


def vary_returning(rng: random.Random, customer: dict[str, Any]) -> dict[str, Any]:
    """A returning customer: same person, e-mail typed in a different case this time."""
    again = dict(customer)
    email = customer["email"].strip()
    again["email"] = rng.choice((email, email.upper(), email.capitalize(), f"{email} "))
    return again
