"""The processor's pure domain: from a KMO Shops order to an Informer invoice.

No I/O here: values in, values out. The handler runs, in order, its own
"already processed" check, :func:`status_decision`, :func:`check_order`, then picks
the debtor (:func:`fixed_debtor`, the e-mail index by :func:`email_key`, or
:func:`relation_draft`) and sends :func:`invoice_draft` (the Informer client writes its
Decimals exactly).
"""

from common.invoice_options import InformerOptions, UsableLedger, VatCodeOption
from processor.domain.addresses import split_house_number
from processor.domain.checks import (
    Leave,
    Process,
    StatusDecision,
    Wait,
    check_order,
    check_total,
    expected_total,
    status_decision,
    used_vat_ledgers,
)
from processor.domain.debtor import (
    RelationDraft,
    email_key,
    fixed_debtor,
    relation_draft,
    street_and_number,
)
from processor.domain.errors import ErrorCode, Failure
from processor.domain.invoicing import (
    InvoiceDraft,
    InvoiceLine,
    invoice_date,
    invoice_draft,
    split_line,
)
from processor.domain.kinds import OrderKind, VatOption, classify, vat_ledger, vat_option
from processor.domain.vatnumbers import (
    InvalidVatNumber,
    normalise_vat_number,
    valid_vat_number,
    vat_prefix,
)

__all__ = [
    "ErrorCode",
    "Failure",
    "InformerOptions",
    "InvalidVatNumber",
    "InvoiceDraft",
    "InvoiceLine",
    "Leave",
    "OrderKind",
    "Process",
    "RelationDraft",
    "StatusDecision",
    "UsableLedger",
    "VatCodeOption",
    "VatOption",
    "Wait",
    "check_order",
    "check_total",
    "classify",
    "email_key",
    "expected_total",
    "fixed_debtor",
    "invoice_date",
    "invoice_draft",
    "normalise_vat_number",
    "relation_draft",
    "split_house_number",
    "split_line",
    "status_decision",
    "street_and_number",
    "used_vat_ledgers",
    "valid_vat_number",
    "vat_ledger",
    "vat_option",
    "vat_prefix",
]
