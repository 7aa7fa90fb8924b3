"""InformerOptions from GET /invoices/sales/options."""

from __future__ import annotations

from decimal import Decimal

from processor.domain import InformerOptions, VatOption
from tests.unit.processor.builders import OPTIONS

SPEC_EXAMPLE = [
    {
        "id": 1,
        "name": "Hoog tarief",
        "percentage": 21.0,
        "vat_options": {"incl": True, "excl": True, "shifted": False,
                        "icv_within_eu": False, "icv_outside_eu": False},
        "usable_ledgers": [{"id": 8000, "description": "Omzet hoog", "type": "sales"}],
    }
]  # fmt: skip


def test_spec_example() -> None:
    options = InformerOptions.from_json(SPEC_EXAMPLE)
    code = options.vat_code(1)
    assert code is not None
    assert code.percentage == Decimal("21.0")
    assert code.vat_options == frozenset({VatOption.INCL, VatOption.EXCL})
    assert code.allows("incl")
    assert code.allows(VatOption.EXCL)
    assert not code.allows(VatOption.ICV_WITHIN_EU)
    # No 'costs' in the spec's example: a ledger without one takes cost centres optionally.
    assert options.ledger_costs(1, 8000) == "optional"


def test_lookups() -> None:
    assert OPTIONS.vat_code(999) is None
    assert OPTIONS.ledger_costs(999, 8001) is None
    assert OPTIONS.ledger_costs(101, 8003) is None
    assert OPTIONS.ledger_costs(105, 8003) == "disabled"
    assert OPTIONS.ledger_costs(101, 8005) == "required"


def test_float_percentages_keep_their_text() -> None:
    options = InformerOptions.from_json([{"id": 9, "percentage": 5.5, "vat_options": {}}])
    assert options.vat_codes[0].percentage == Decimal("5.5")


def test_unknown_vat_options_and_fields_are_ignored() -> None:
    options = InformerOptions.from_json(
        [{"id": 9, "vat_options": {"incl": True, "reverse_charge": True}, "extra": 1}]
    )
    assert options.vat_codes[0].vat_options == frozenset({VatOption.INCL})


def test_empty_answer() -> None:
    assert InformerOptions.from_json([]).vat_code(1) is None
