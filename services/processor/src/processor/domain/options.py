"""What ``GET /invoices/sales/options`` says: which VAT codes exist, which
``vat_option`` each allows, and which ledgers (with their cost-centre setting) go with it.

Informer's answer is the source of truth for valid (vat_id, ledger_id, vat_option)
combinations; the pre-checks and the invoice draft read it through this model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict

from processor.domain.kinds import VatOption

CostsSetting = Literal["optional", "required", "disabled"]


def _decimal_via_text(value: object) -> object:
    # JSON numbers may arrive as float; their shortest text is what Informer wrote.
    return None if value is None else Decimal(str(value))


def _true_options(value: object) -> object:
    if isinstance(value, Mapping):
        known = {o.value for o in VatOption}
        return frozenset(k for k, v in value.items() if v is True and k in known)
    return value


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class UsableLedger(_Frozen):
    id: int
    number: str = ""
    description: str = ""
    costs: CostsSetting = "optional"


class VatCodeOption(_Frozen):
    id: int
    name: str = ""
    percentage: Annotated[Decimal | None, BeforeValidator(_decimal_via_text)] = None
    vat_options: Annotated[frozenset[VatOption], BeforeValidator(_true_options)] = frozenset()
    usable_ledgers: tuple[UsableLedger, ...] = ()

    def allows(self, option: VatOption | str) -> bool:
        return VatOption(option) in self.vat_options

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
