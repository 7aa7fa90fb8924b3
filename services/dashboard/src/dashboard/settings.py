from __future__ import annotations

from pydantic import Field

from common.settings import HttpSettings, InformerSettings


class DashboardSettings(HttpSettings, InformerSettings):
    http_port: int = Field(8000, ge=1, le=65535)
    informer_lists_cache_seconds: float = Field(
        300.0,
        ge=0,
        description="How long Informer's layouts, currencies, VAT codes, ledgers... are "
        "reused for the configuration page (saving always reads them afresh).",
    )
    ingest_public_url: str = Field(
        "http://127.0.0.1:8080", description="Where KMO Shops reaches ingest's webhooks."
    )
