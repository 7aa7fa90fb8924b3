"""Prometheus metrics: one definition per concept, shared by every service.

Counters and histograms are updated where things happen (one dict lookup and an
add: cheap enough for the hot path). Gauges that describe shared state (queue
depths, outbox lag, the processor's work queue) are read only when ``/metrics`` is
scraped, by probes each service registers (:mod:`common.web.health`), so nothing
polls in the background.

Label cardinality: with thousands of merchants a label per installation on every
series would make thousands of series per metric. Only the Informer call counters
carry an ``installation`` label, and it is bounded by :class:`BoundedLabel`: the first
``limit`` installations a process sees get their own label value, any further one
counts under ``other``. The exact per-merchant call counts are in PostgreSQL anyway
(``informer_budget_usage``), where the budget keeps them.
"""

from __future__ import annotations

import threading

from prometheus_client import Counter, Gauge, Histogram

OTHER = "other"

WEBHOOKS_RECEIVED = Counter(
    "k2i_webhooks_received_total",
    "Signed, valid KMO Shops webhooks stored, by what they changed.",
    ["outcome"],
)
WEBHOOKS_REJECTED = Counter(
    "k2i_webhooks_rejected_total",
    "KMO Shops webhooks refused, by reason.",
    ["reason"],
)
MESSAGES_CONSUMED = Counter(
    "k2i_messages_consumed_total",
    "RabbitMQ deliveries to this service's consumers, redeliveries and second copies "
    "included, by queue.",
    ["queue"],
)
ORDERS = Counter(
    "k2i_orders_total",
    "Orders the processor decided on, by outcome.",
    ["outcome"],
)
PROCESSING_SECONDS = Histogram(
    "k2i_order_processing_seconds",
    "From a worker's claim of an order to its outcome being committed.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
INFORMER_CALLS = Counter(
    "k2i_informer_calls_total",
    "HTTP calls to Informer, by installation (bounded; see common.metrics).",
    ["installation"],
)
INFORMER_RATE_LIMITED = Counter(
    "k2i_informer_rate_limited_total",
    "Informer answers 429, by installation (bounded; see common.metrics).",
    ["installation"],
)
PROJECTION_BATCH_EVENTS = Histogram(
    "k2i_projection_batch_events",
    "Outcome events the dashboard's projector wrote per round trip (committed batches).",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128),
)
QUEUE_MESSAGES = Gauge(
    "k2i_queue_messages",
    "Messages ready in each RabbitMQ queue, read at scrape time.",
    ["queue"],
)
OUTBOX_MESSAGES = Gauge("k2i_outbox_messages", "Messages in the outbox not yet published.")
OUTBOX_LAG_SECONDS = Gauge(
    "k2i_outbox_lag_seconds", "Age of the oldest unpublished outbox message (0 when empty)."
)
WORK_QUEUE_ORDERS = Gauge(
    "k2i_work_queue_orders",
    "The processor's orders in the active states (queued, claimed, posting).",
    ["state"],
)


class BoundedLabel:
    """Maps label values to at most ``limit`` distinct ones; the rest become ``other``.

    Which values keep their own label is first come, first served per process, and
    stable for its lifetime: a series never changes meaning once it exists.
    """

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, value: str) -> str:
        if value in self._seen:
            return value
        with self._lock:
            if len(self._seen) < self._limit:
                self._seen.add(value)
                return value
        return OTHER
