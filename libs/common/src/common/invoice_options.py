"""What Informer's ``GET /invoices/sales/options`` says: which VAT codes exist, which
``vat_option`` each allows, and which ledgers (with their cost-centre setting) go with it.

Informer's answer is the source of truth for valid (vat_id, ledger_id, vat_option)
combinations. The Informer client returns it as :class:`InformerOptions`; the
processor's pre-checks and invoice draft and the dashboard's configuration checks read
it through this one model. Pure: pydantic only, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict

from common.vat import VatOption

CostsSetting = Literal["optional", "required", "disabled"]


def _decimal_via_text(value: object) -> object:
    # JSON numbers may arrive as float; their shortest text is what Informer wrote.
    return None if value is None else Decimal(str(value))


def _costs_or_optional(value: object) -> object:
    # A ledger listed without a cost-centre setting takes one optionally.
    return "optional" if value is None else value


def _none_to_empty(value: object) -> object:
    return "" if value is None else value


def _flag(value: object) -> bool:
    # Informer writes its flags as true, "1" or 1 depending on the endpoint.
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return value is True or (isinstance(value, int) and value == 1)


def _true_options(value: object) -> object:
    """``{"incl": true, "excl": "0", ...}`` → the set of allowed, known options."""
    if isinstance(value, Mapping):
        known = {o.value for o in VatOption}
        return frozenset(k for k, v in value.items() if _flag(v) and k in known)
    return value


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class UsableLedger(_Frozen):
    id: int
    number: Annotated[str, BeforeValidator(_none_to_empty)] = ""
    description: Annotated[str, BeforeValidator(_none_to_empty)] = ""
    costs: Annotated[CostsSetting, BeforeValidator(_costs_or_optional)] = "optional"


class VatCodeOption(_Frozen):
    id: int
    name: Annotated[str, BeforeValidator(_none_to_empty)] = ""
    percentage: Annotated[Decimal | None, BeforeValidator(_decimal_via_text)] = None
    vat_options: Annotated[frozenset[VatOption], BeforeValidator(_true_options)] = frozenset()
    usable_ledgers: tuple[UsableLedger, ...] = ()

    def allows(self, option: VatOption | str) -> bool:
        """False for an option Informer does not know, rather than an error."""
        return option in self.vat_options

    def ledger(self, ledger_id: int) -> UsableLedger | None:
        return next((led for led in self.usable_ledgers if led.id == ledger_id), None)


class InformerOptions(_Frozen):
    vat_codes: tuple[VatCodeOption, ...] = ()

    @classmethod
    def from_json(cls, data: Sequence[Mapping[str, Any]]) -> InformerOptions:
        """Build from the JSON list ``GET /invoices/sales/options`` answers."""
        return cls(vat_codes=tuple(VatCodeOption.model_validate(item) for item in data))

    def vat_code(self, vat_id: int) -> VatCodeOption | None:
        return next((code for code in self.vat_codes if code.id == vat_id), None)

    def ledger_costs(self, vat_id: int, ledger_id: int) -> CostsSetting | None:
        """The ledger's cost-centre setting as listed under that VAT code; None when
        the combination is not listed."""
        code = self.vat_code(vat_id)
        ledger = code.ledger(ledger_id) if code is not None else None
        return ledger.costs if ledger is not None else None
