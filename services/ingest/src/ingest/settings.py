from __future__ import annotations

from pydantic import Field

from common.settings import HttpSettings


class IngestSettings(HttpSettings):
    http_port: int = Field(8080, ge=1, le=65535)
    webhook_max_bytes: int = Field(1_048_576, ge=1024, description="Larger bodies get 413.")
    webhook_tolerance_seconds: int = Field(
        300, ge=1, description="Webhooks whose X-KMO-Timestamp is further off are replays: 401."
    )
    installation_cache_seconds: float = Field(
        30.0, ge=0, description="How long a webhook secret and status are cached in memory."
    )
    kmo_timeout_seconds: float = Field(30.0, gt=0)
    kmo_max_attempts: int = Field(5, ge=1, description="Tries per KMO Shops call (429, 5xx).")
    kmo_max_retry_after_seconds: float = Field(
        120.0, gt=0, description="Longest Retry-After a poll waits in-line before giving up."
    )
    poll_page_size: int = Field(250, ge=1, le=250)
    poll_overlap_seconds: int = Field(
        300,
        ge=0,
        description="Each poll starts this far before the cursor, for orders the shop "
        "stamped late; what it sees again is recognised and not published twice.",
    )
    consumer_prefetch: int = Field(4, ge=1)
    backfill_page_size: int = Field(
        100, ge=1, le=250, description="Orders per KMO Shops page of a back-fill (one step)."
    )
    long_open_days: int = Field(
        30, ge=1, description="An order Open longer than this is flagged to the merchant, once."
    )
