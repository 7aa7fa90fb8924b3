"""Informer API v2: the one place that knows its HTTP details.

Independent of the rest of the processor (it imports only ``common``), so the
dashboard can use it as well.
"""

from processor.adapters.informer.client import MAX_RECORDS, InformerClient
from processor.adapters.informer.codec import dumps as dumps_json
from processor.adapters.informer.errors import (
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
