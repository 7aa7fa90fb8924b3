"""``POST /webhooks/kmoshops/{installation}``.

The order of checks matters: the signature is verified before anything is parsed or
stored (401, nothing stored); a signed but stale timestamp is a replay (401); a signed
body that breaks the contract is kept in ``rejected_payloads`` and answered 400 with
the field at fault. Only a committed transaction (inbox row, order, outbox row) is
answered 200 (for an order, a single statement: its own transaction); when PostgreSQL
cannot be reached the answer is 503, so KMO Shops retries. RabbitMQ plays no part in
the answer: the outbox relay publishes later.
"""

from __future__ import annotations

import uuid

import asyncpg
from aiohttp import web

from common.logging import get_logger
from common.messages import order_correlation_id
from common.metrics import WEBHOOKS_RECEIVED, WEBHOOKS_REJECTED
from ingest.normalize import InvalidPayload, parse_delivery
from ingest.signature import signature_matches, timestamp_skew
from ingest.store import WebhookRecord, record_rejection
from ingest.web.keys import CLOCK, INSTALLATIONS, POOL, SETTINGS, WEBHOOK_WRITES

log = get_logger(__name__)

_REASONS = {
    400: "invalid",
    401: "unauthenticated",
    404: "unknown_installation",
    413: "too_large",
    503: "unavailable",
}

DATABASE_ERRORS = (
    OSError,
    TimeoutError,
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    # The server is up but will not serve now: too many connections, out of disk or
    # memory (class 53); starting up, shutting down, or a statement cancelled (class 57);
    # a serialization failure or deadlock (class 40). Each passes; KMO Shops retries.
    asyncpg.InsufficientResourcesError,
    asyncpg.OperatorInterventionError,
    asyncpg.TransactionRollbackError,
)
"""What makes a webhook's answer 503 (retry later) instead of 500."""


def problem(status: int, message: str, **headers: str) -> web.Response:
    WEBHOOKS_REJECTED.labels(_REASONS.get(status, str(status))).inc()
    return web.json_response({"error": message}, status=status, headers=headers)


def unavailable(exc: BaseException) -> web.Response:
    log.error("database unavailable, webhook refused with 503", error=repr(exc))
    return problem(503, "temporarily unavailable; retry later", **{"Retry-After": "30"})


async def receive_webhook(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    try:
        installation_id = uuid.UUID(request.match_info["installation"])
    except ValueError:
        return problem(404, "no such installation")
    if (request.content_length or 0) > settings.webhook_max_bytes:
        return problem(413, f"body larger than {settings.webhook_max_bytes} bytes")
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return problem(413, f"body larger than {settings.webhook_max_bytes} bytes")

    try:
        target = await request.app[INSTALLATIONS].get(installation_id)
    except DATABASE_ERRORS as exc:
        return unavailable(exc)
    if target is None:
        return problem(404, "no such installation")

    timestamp = request.headers.get("X-KMO-Timestamp", "")
    signature = request.headers.get("X-KMO-Signature", "")
    if not timestamp or not signature:
        return problem(401, "X-KMO-Timestamp and X-KMO-Signature headers are required")
    if not signature_matches(target.secret, timestamp, body, signature):
        log.warning("webhook signature mismatch", installation_id=str(installation_id))
        return problem(401, "signature does not match")
    skew = timestamp_skew(timestamp, request.app[CLOCK]())
    if skew is None or skew > settings.webhook_tolerance_seconds:
        return problem(
            401,
            f"X-KMO-Timestamp is more than {settings.webhook_tolerance_seconds}s "
            "from now; refused as a possible replay",
        )

    pool = request.app[POOL]
    delivery_header = request.headers.get("X-KMO-Delivery")
    try:
        delivery = parse_delivery(body, request.headers)
    except InvalidPayload as exc:
        reason = str(exc)
        try:
            async with pool.acquire() as conn:
                await record_rejection(
                    conn,
                    installation_id,
                    "webhook",
                    reason,
                    body,
                    delivery_id=delivery_header,
                    topic=request.headers.get("X-KMO-Topic"),
                )
        except DATABASE_ERRORS as db_exc:
            return unavailable(db_exc)
        log.warning("webhook rejected", installation_id=str(installation_id), reason=reason)
        return problem(400, reason)

    record = WebhookRecord(
        installation_id, delivery.delivery_id, delivery.topic, delivery.order, delivery.refund
    )
    try:
        outcome = await request.app[WEBHOOK_WRITES].record(record)
    except DATABASE_ERRORS as exc:
        return unavailable(exc)
    WEBHOOKS_RECEIVED.labels(outcome).inc()
    order_id = record.order.id if record.order else record.refund.order_id if record.refund else 0
    log.info(
        "webhook received",
        installation_id=str(installation_id),
        delivery_id=delivery.delivery_id,
        topic=delivery.topic,
        order_id=order_id,
        correlation_id=str(order_correlation_id(installation_id, order_id)),
        outcome=outcome,
    )
    return web.json_response({"outcome": outcome})
