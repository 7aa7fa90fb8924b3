from __future__ import annotations

from pydantic import Field

from common.settings import INFORMER_PRODUCTION_URL, HttpSettings


class DashboardSettings(HttpSettings):
    http_port: int = Field(8000, ge=1, le=65535)
    informer_base_url: str = Field(INFORMER_PRODUCTION_URL)
    ingest_public_url: str = Field(
        "http://127.0.0.1:8080", description="Where KMO Shops reaches ingest's webhooks."
    )
