from __future__ import annotations

from pydantic import Field

from common.settings import INFORMER_PRODUCTION_URL, HttpSettings


class ProcessorSettings(HttpSettings):
    http_port: int = Field(8081, ge=1, le=65535, description="/healthz, /readyz.")
    informer_base_url: str = Field(
        INFORMER_PRODUCTION_URL, description="Informer API v2; the sandbox in dev and tests."
    )
    informer_timeout_seconds: float = Field(30.0, gt=0)
    consumer_prefetch: int = Field(64, ge=1)
    worker_concurrency: int = Field(32, ge=1, description="Orders in flight per process.")
    claim_batch: int = Field(
        4, ge=1, description="Orders a worker claims per statement when there is a backlog."
    )
    db_pool_max_size: int = Field(
        16,
        ge=1,
        description="Workers hold a connection per statement, never across an Informer "
        "call, so far fewer than WORKER_CONCURRENCY are needed.",
    )
    lease_seconds: float = Field(
        300.0, gt=0, description="A worker that holds an order longer is presumed dead."
    )
    settle_seconds: float = Field(
        10.0, ge=0, description="Wait before looking up an invoice whose POST went unanswered."
    )
    max_attempts: int = Field(8, ge=1, description="Tries on passing errors before Errors.")
    options_cache_seconds: float = Field(
        600.0, ge=0, description="How long Informer's VAT options and administration are reused."
    )
    informer_budget_enabled: bool = Field(True, description="Off only for benchmarks.")
    informer_window_seconds: float = Field(60.0, gt=0)
    informer_window_limit: int = Field(60, ge=1)
    informer_day_seconds: float = Field(86_400.0, gt=0)
    informer_day_limit: int = Field(5_000, ge=1)
    informer_burst: int = Field(5, ge=1)
    informer_margin: int = Field(2, ge=0)
    metrics_installation_labels: int = Field(
        100,
        ge=0,
        description="Installations with their own label on the Informer call metrics; "
        "further ones count under 'other' (bounds the series with thousands of merchants).",
    )
