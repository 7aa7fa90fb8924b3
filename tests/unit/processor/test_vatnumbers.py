"""Customers' VAT numbers: typed forms, check digits, the country they belong to."""

from __future__ import annotations

import pytest

from processor.domain import (
    ErrorCode,
    InvalidVatNumber,
    normalise_vat_number,
    valid_vat_number,
    vat_prefix,
)

# (country, compact form) of real, valid numbers.
VALID = [
    ("BE", "BE0403019261"),
    ("NL", "NL004495445B01"),
    ("DE", "DE136695976"),
    ("FR", "FR40303265045"),
    ("AT", "ATU13585627"),
    ("ES", "ESB58378431"),
    ("IT", "IT00743110157"),
    ("PL", "PL8567346215"),
    ("DK", "DK13585628"),
    ("IE", "IE6433435F"),
    ("GR", "EL094259216"),
    ("LU", "LU15027442"),
    ("SE", "SE556188840401"),
    ("PT", "PT501964843"),
    ("CZ", "CZ25123891"),
    ("FI", "FI20774740"),
]


@pytest.mark.parametrize(("country", "compact"), VALID)
def test_compact_number_is_accepted_as_is(country: str, compact: str) -> None:
    assert normalise_vat_number(compact, country) == compact


@pytest.mark.parametrize(("country", "compact"), VALID)
def test_number_without_prefix_gets_the_country_prefix(country: str, compact: str) -> None:
    assert normalise_vat_number(compact[2:], country) == compact


@pytest.mark.parametrize(("country", "compact"), VALID)
def test_lower_case_with_spaces_dots_and_dashes(country: str, compact: str) -> None:
    body = compact[2:]
    typed = f" {compact[:2].lower()} {body[:3]}.{body[3:6]}-{body[6:].lower()} "
    assert normalise_vat_number(typed, country) == compact


@pytest.mark.parametrize(
    ("typed", "country", "expected"),
    [
        ("BE 0403.019.261", "BE", "BE0403019261"),
        ("0403 019 261", "BE", "BE0403019261"),
        ("403019261", "BE", "BE0403019261"),  # old nine-digit form
        ("be0403/019/261", "BE", "BE0403019261"),
        ("NL 0044.95.445.B01", "NL", "NL004495445B01"),
        ("DE 136 695 976", "DE", "DE136695976"),
        ("FR 40 303 265 045", "FR", "FR40303265045"),
        ("40303265045", "FR", "FR40303265045"),
        ("ATU 135 856 27", "AT", "ATU13585627"),
        ("U13585627", "AT", "ATU13585627"),
        ("ES-B-58378431", "ES", "ESB58378431"),
        ("B58378431", "ES", "ESB58378431"),
        ("IE 6433435 F", "IE", "IE6433435F"),
        ("de\u00a0136695976", "DE", "DE136695976"),  # a non-breaking space
    ],
)
def test_typed_forms(typed: str, country: str, expected: str) -> None:
    assert normalise_vat_number(typed, country) == expected


@pytest.mark.parametrize("typed", ["EL094259216", "GR094259216", "094259216", "el 094-259-216"])
def test_greece_is_sent_with_the_el_prefix(typed: str) -> None:
    assert vat_prefix("GR") == "EL"
    assert normalise_vat_number(typed, "GR") == "EL094259216"
    assert normalise_vat_number(typed, "gr") == "EL094259216"


@pytest.mark.parametrize(
    ("typed", "country"),
    [
        ("BE0403019262", "BE"),  # check digits wrong
        ("0403019262", "BE"),
        ("NL004495446B01", "NL"),
        ("DE136695977", "DE"),
        ("FR41303265045", "FR"),
        ("ATU13585628", "AT"),
        ("ESB58378432", "ES"),
        ("IT00743110158", "IT"),
        ("PL8567346216", "PL"),
        ("DK13585629", "DK"),
        ("EL094259217", "GR"),
        ("LU15027443", "LU"),
        ("BE040301926", "BE"),  # too short
        ("BE04030192611", "BE"),  # too long
        ("hello", "DE"),
        ("x", "BE"),
        ("BE", "BE"),
    ],
)
def test_invalid_numbers_are_refused(typed: str, country: str) -> None:
    with pytest.raises(InvalidVatNumber) as caught:
        normalise_vat_number(typed, country)
    failure = caught.value.failure
    assert failure.code is ErrorCode.VAT_NUMBER_INVALID
    assert typed in failure.message
    assert "then press Process" in failure.message
    assert failure.detail["vat_number"] == typed
    assert failure.detail["country"] == country
    assert valid_vat_number(typed, country) is None


@pytest.mark.parametrize(
    ("typed", "country", "other"),
    [
        ("NL004495445B01", "BE", "NL"),
        ("DE136695976", "AT", "DE"),
        ("BE0403019261", "NL", "BE"),
        ("EL094259216", "CY", "GR"),
        ("FR40303265045", "LU", "FR"),
    ],
)
def test_a_valid_number_of_another_country_is_invalid(typed: str, country: str, other: str) -> None:
    with pytest.raises(InvalidVatNumber) as caught:
        normalise_vat_number(typed, country)
    assert f"it is a VAT number of {other}" in caught.value.failure.message
    assert f"customer's country is {country}" in caught.value.failure.message


def test_body_of_another_country_without_prefix_is_invalid() -> None:
    # 136695976 is a valid German body, not a valid Belgian number.
    with pytest.raises(InvalidVatNumber):
        normalise_vat_number("136695976", "BE")


def test_empty_number_is_invalid() -> None:
    with pytest.raises(InvalidVatNumber, match="empty"):
        normalise_vat_number(" . - ", "BE")
    assert valid_vat_number("", "BE") is None
    assert valid_vat_number("   ", "BE") is None


@pytest.mark.parametrize(
    ("typed", "country", "expected"),
    [
        ("CHE-116.281.710 MWST", "CH", "CHE116281710MWST"),
        ("GB 980 7806 84", "GB", "GB980780684"),
        ("980780684", "GB", "GB980780684"),
        ("NO 995 525 828 MVA", "NO", "NO995525828MVA"),
        ("995525828MVA", "NO", "NO995525828MVA"),
    ],
)
def test_countries_outside_the_eu_with_a_stdnum_module(
    typed: str, country: str, expected: str
) -> None:
    assert normalise_vat_number(typed, country) == expected


def test_country_without_a_vat_module_cannot_be_checked() -> None:
    with pytest.raises(InvalidVatNumber, match="cannot be checked"):
        normalise_vat_number("12-3456789", "US")
    assert valid_vat_number("12-3456789", "US") is None


def test_invalid_number_outside_the_eu() -> None:
    with pytest.raises(InvalidVatNumber):
        normalise_vat_number("GB980780685", "GB")
