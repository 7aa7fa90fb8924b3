from __future__ import annotations

from pydantic import Field

from common.settings import HttpSettings, InformerSettings


class ProcessorSettings(HttpSettings, InformerSettings):
    http_port: int = Field(8081, ge=1, le=65535, description="/healthz, /readyz.")
    consumer_prefetch: int = Field(64, ge=1)
    worker_concurrency: int = Field(32, ge=1, description="Orders in flight per process.")
    direct_concurrency: int = Field(
        64,
        ge=0,
        description="Orders in flight per process that intake claimed itself: a new order "
        "of a merchant with nothing queued skips the queue (0: every order is queued).",
    )
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
    metrics_installation_labels: int = Field(
        100,
        ge=0,
        description="Installations with their own label on the Informer call metrics; "
        "further ones count under 'other' (bounds the series with thousands of merchants).",
    )
