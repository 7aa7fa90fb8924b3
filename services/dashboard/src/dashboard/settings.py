from __future__ import annotations

from pydantic import Field

from common.settings import HttpSettings, InformerSettings


class DashboardSettings(HttpSettings, InformerSettings):
    http_port: int = Field(8000, ge=1, le=65535)
    ingest_public_url: str = Field(
        "http://127.0.0.1:8080", description="Where KMO Shops reaches ingest's webhooks."
    )
