from __future__ import annotations

from pydantic import Field

from common.settings import INFORMER_PRODUCTION_URL, HttpSettings


class ProcessorSettings(HttpSettings):
    http_port: int = Field(8081, ge=1, le=65535, description="/healthz, /readyz, /metrics.")
    informer_base_url: str = Field(
        INFORMER_PRODUCTION_URL, description="Informer API v2; the sandbox in dev and tests."
    )
    consumer_prefetch: int = Field(32, ge=1)
