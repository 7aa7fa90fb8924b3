"""Informer API v2: the one place that knows its HTTP details.

Shared by the processor (invoices, relations) and the dashboard (verifying
credentials, the configuration's drop-downs and checks).
"""

from common.informer.client import MAX_RECORDS, InformerClient
from common.informer.codec import dumps as dumps_json
from common.informer.errors import (
    InformerAuthError,
    InformerBadRequest,
    InformerError,
    InformerNotFound,
    InformerOutcomeUnknown,
    InformerRateLimited,
    InformerUnavailable,
    InformerUnexpectedResponse,
    InformerValidationError,
)

__all__ = [
    "MAX_RECORDS",
    "InformerAuthError",
    "InformerBadRequest",
    "InformerClient",
    "InformerError",
    "InformerNotFound",
    "InformerOutcomeUnknown",
    "InformerRateLimited",
    "InformerUnavailable",
    "InformerUnexpectedResponse",
    "InformerValidationError",
    "dumps_json",
]
