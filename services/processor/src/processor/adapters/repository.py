"""The processor's state in PostgreSQL: order states, claims, leases, the e-mail index.

The life of an order here: ``waiting`` (status not processable) or ``queued``; a
worker ``claims`` it (committed before any Informer call); just before the invoice
POST it becomes ``posting``; the answer makes it ``invoiced`` or ``failed``. A lease
bounds every claim: a worker that dies leaves a ``claimed`` order that goes back to
the queue, and a ``posting`` order that goes back *in doubt*, so the next worker looks
the invoice up by reference before it could ever post again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

import asyncpg

from common.amqp.publisher import OutgoingMessage
from common.db.notify import ORDER_QUEUED
from common.messages import ShopOrder
from processor.domain.debtor import email_key

Intake = Literal["queued", "waiting", "ignored"]

QUEUE_CHANNEL = ORDER_QUEUED


@dataclass(frozen=True)
class Claim:
    installation_id: uuid.UUID
    order_id: int
    claim_id: uuid.UUID
    order: ShopOrder
    in_doubt: bool
    relation_id: int | None
    attempts: int
    known_relation_id: int | None = None
    """The e-mail index's relation for the customer, read with the claim: saves the
    pipeline a lookup round trip."""


@dataclass(frozen=True)
class DirectClaim:
    """Ask the intake statement to claim one order for the receiving process, on these
    terms: the order the queue would hand out next (earliest priority, of an active
    installation with budget now, ``FOR UPDATE SKIP LOCKED`` as for workers), or, when
    nothing is runnable before it, the new order itself. Under load every intake then
    also feeds a worker slot, and the claim statement, the ``order_queued`` NOTIFY and
    a worker's wakeup are saved; a quiet merchant's order skips the queue altogether.
    Order and fairness are those of the queue."""

    claim_id: uuid.UUID
    lease: timedelta
    budget_enabled: bool
    budget_tolerance: timedelta


@dataclass(frozen=True)
class IntakeOutcome:
    state: str | None
    """The new order version's state (see :func:`record_intake`)."""
    claim: Claim | None = None
    """The order the intake claimed (the new one or the queue's next), if any."""


_MAY_CALL_NOW = """i.status = 'active'
       AND coalesce(greatest(i.trial_ends_at, i.subscription_ends_at) > clock_timestamp(), true)
       AND (NOT {enabled} OR b.budget_key IS NULL
            OR ((b.paused_until IS NULL OR b.paused_until <= clock_timestamp())
                AND b.tat - {tolerance}::interval <= clock_timestamp()))"""
"""Installation ``i`` (with its budget ``b``) may call Informer now: it is active and
not expired, and its budget has a call to spare (when the budget is enforced)."""

_RUNNABLE = """
      JOIN installations i ON i.id = s.installation_id
      LEFT JOIN informer_budgets b ON b.budget_key = i.budget_key
     WHERE s.state = 'queued' AND s.not_before <= clock_timestamp()
       AND {may_call_now}
"""
"""A queued order ``s`` that may be claimed now."""

_KNOWN_RELATION = """
CASE WHEN EXISTS (SELECT 1 FROM relation_index_state st
                   WHERE st.installation_id = {installation} AND st.built_at IS NOT NULL)
     THEN (SELECT ri.relation_id FROM relation_index ri
            WHERE ri.installation_id = {installation} AND ri.email = {email})
END"""
"""The e-mail index's relation for a claimed order's customer, read in the claim's
snapshot, so never from a half-built index."""

_KNOWN_RELATION_OF_ROW = _KNOWN_RELATION.format(
    installation="s.installation_id", email="s.payload -> 'customer' ->> 'email'"
)
_INTAKE_MAY_CALL_NOW = _MAY_CALL_NOW.format(enabled="$19", tolerance="$20")
_INTAKE_RUNNABLE = _RUNNABLE.format(may_call_now=_INTAKE_MAY_CALL_NOW)
_CLAIM_RUNNABLE = _RUNNABLE.format(may_call_now=_MAY_CALL_NOW.format(enabled="$3", tolerance="$4"))
_NEW_ORDER_KNOWN_RELATION = _KNOWN_RELATION.format(installation="$1", email="$21")

_INTAKE = f"""
WITH first AS (
    INSERT INTO processed_messages (consumer, message_id) VALUES ($9, $10)
    ON CONFLICT DO NOTHING RETURNING 1
), queue_tail AS (
    SELECT max(priority_at) AS tail FROM order_states
     WHERE installation_id = $1 AND state = 'queued'
), next AS (
    SELECT s.installation_id, s.order_id
      FROM order_states s
      {_INTAKE_RUNNABLE}
       AND $17::uuid IS NOT NULL AND EXISTS (SELECT 1 FROM first)
       AND NOT (s.installation_id = $1 AND s.order_id = $2)
     ORDER BY s.priority_at
     LIMIT 1
       FOR UPDATE OF s SKIP LOCKED
), taken AS (
    UPDATE order_states s
       SET state = 'claimed', claim_id = $17, claimed_version = s.order_updated_at,
           lease_until = clock_timestamp() + $18::interval, attempts = s.attempts + 1,
           updated_at = clock_timestamp()
      FROM next
     WHERE s.installation_id = next.installation_id AND s.order_id = next.order_id
    RETURNING s.installation_id, s.order_id, s.payload, s.in_doubt, s.relation_id,
              s.attempts, {_KNOWN_RELATION_OF_ROW} AS known_relation_id
), direct AS (
    SELECT EXISTS (
        SELECT 1 FROM installations i
          LEFT JOIN informer_budgets b ON b.budget_key = i.budget_key
         WHERE $17::uuid IS NOT NULL AND $4 = 'queued' AND NOT EXISTS (SELECT 1 FROM next)
           AND i.id = $1 AND {_INTAKE_MAY_CALL_NOW}
    ) AS granted
), recorded AS (
    INSERT INTO order_states (installation_id, order_id, number, state, order_status,
                              order_updated_at, payload, priority_at, in_doubt,
                              claim_id, claimed_version, lease_until, attempts)
    SELECT $1, $2, $3, CASE WHEN d.granted THEN 'claimed' ELSE $4 END, $5, $6, $7,
           greatest(clock_timestamp(), coalesce((SELECT tail FROM queue_tail) + $8::interval,
                                                clock_timestamp())), $16,
           CASE WHEN d.granted THEN $17::uuid END,
           CASE WHEN d.granted THEN $6::timestamptz END,
           CASE WHEN d.granted THEN clock_timestamp() + $18::interval END,
           CASE WHEN d.granted THEN 1 ELSE 0 END
      FROM direct d
     WHERE EXISTS (SELECT 1 FROM first)
    ON CONFLICT (installation_id, order_id) DO UPDATE
       SET number = EXCLUDED.number,
           order_status = EXCLUDED.order_status,
           order_updated_at = EXCLUDED.order_updated_at,
           payload = EXCLUDED.payload,
           state = CASE WHEN order_states.state IN ('waiting', 'failed', 'queued')
                        THEN $4 ELSE order_states.state END,
           priority_at = CASE WHEN order_states.state IN ('waiting', 'failed')
                              THEN EXCLUDED.priority_at ELSE order_states.priority_at END,
           not_before = CASE WHEN order_states.state IN ('waiting', 'failed')
                             THEN clock_timestamp() ELSE order_states.not_before END,
           error_code = CASE WHEN order_states.state = 'failed' THEN NULL
                             ELSE order_states.error_code END,
           in_doubt = order_states.in_doubt OR EXCLUDED.in_doubt,
           updated_at = clock_timestamp()
     WHERE order_states.order_updated_at < EXCLUDED.order_updated_at
       AND order_states.state IN ('waiting', 'failed', 'queued', 'claimed', 'posting')
    RETURNING state, in_doubt, attempts, claim_id
), announced AS (
    INSERT INTO outbox (message_id, exchange, routing_key, body, wake)
    SELECT $11, $12, $13, $14, false FROM recorded WHERE $11::uuid IS NOT NULL AND state = $4
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM first) AS first, r.state, r.in_doubt, r.attempts, r.claim_id,
       CASE WHEN r.state = 'queued' AND t.order_id IS NULL
            THEN pg_notify($15, '') END AS notified,
       CASE WHEN r.state = 'claimed'
            THEN {_NEW_ORDER_KNOWN_RELATION} END AS known_relation_id,
       t.installation_id AS taken_installation_id, t.order_id AS taken_order_id,
       t.payload AS taken_payload, t.in_doubt AS taken_in_doubt,
       t.relation_id AS taken_relation_id, t.attempts AS taken_attempts,
       t.known_relation_id AS taken_known_relation_id
  FROM (SELECT 1) one LEFT JOIN recorded r ON true LEFT JOIN taken t ON true
"""


async def record_intake(
    conn: asyncpg.Connection,
    message_id: uuid.UUID,
    consumer: str,
    installation_id: uuid.UUID,
    order: ShopOrder,
    intake: Intake,
    spacing: timedelta,
    event: OutgoingMessage | None = None,
    *,
    look_up_first: bool = False,
    direct: DirectClaim | None = None,
) -> IntakeOutcome:
    """Store a new or newer order version in one statement, idempotent on the message.

    Returns, as ``state``, the state the order is in now; ``"duplicate"`` for a
    message handled before; None when nothing changed (an older or equal version, or
    an order already invoiced, ignored or parked: a shop-side change after invoicing
    is never carried to Informer). ``event`` is written to the outbox when the order
    lands in ``intake``; a queued order wakes the workers (NOTIFY, delivered on commit)
    unless this statement claimed an order.

    ``look_up_first`` (a back-filled order) enters it in doubt: before any POST its
    invoice is looked up by reference, since an order from before kmo2informer may have
    been invoiced by the integration it replaces.

    ``spacing`` spreads one installation's queue in time (``priority_at``), so a
    merchant with a long backlog never holds up another merchant's next order.

    With ``direct``, the same statement also claims one order for the caller's
    process: the queue's next runnable order, or the new one when none is before it
    (see :class:`DirectClaim`). It comes back as ``claim``, with its customer's e-mail
    index entry as :func:`claim_batch` reads it; an order left queued behind it is not
    announced (no NOTIFY: the next intake takes it).
    """
    row = await conn.fetchrow(
        _INTAKE,
        installation_id,
        order.id,
        order.number,
        intake,
        order.status.value,
        order.updated_at,
        order.model_dump(mode="json"),
        spacing,
        consumer,
        message_id,
        uuid.UUID(event.message_id) if event else None,
        event.exchange if event else None,
        event.routing_key if event else None,
        event.body if event else None,
        QUEUE_CHANNEL,
        look_up_first,
        direct.claim_id if direct else None,
        direct.lease if direct else timedelta(0),
        direct.budget_enabled if direct else False,
        direct.budget_tolerance if direct else timedelta(0),
        email_key(order.customer.email),
    )
    if not row["first"]:
        return IntakeOutcome("duplicate")
    state = row["state"]
    if direct is None:
        return IntakeOutcome(state)
    if row["taken_order_id"] is not None:
        return IntakeOutcome(state, _claim_of(row["taken_payload"], direct.claim_id, row, "taken_"))
    if state == "claimed" and row["claim_id"] == direct.claim_id:
        claim = Claim(
            installation_id,
            order.id,
            direct.claim_id,
            order,
            row["in_doubt"],
            None,
            row["attempts"],
            row["known_relation_id"],
        )
        return IntakeOutcome(state, claim)
    return IntakeOutcome(state)  # a worker may hold an older version: not ours


def _claim_of(payload: Any, claim_id: uuid.UUID, row: Any, prefix: str = "") -> Claim:
    """A claim from a claimed row's columns; its e-mail index entry counts only when
    the stored e-mail is exactly the e-mail's index key."""
    order = ShopOrder.model_validate(payload)
    known = row[f"{prefix}known_relation_id"]
    return Claim(
        row[f"{prefix}installation_id"],
        row[f"{prefix}order_id"],
        claim_id,
        order,
        row[f"{prefix}in_doubt"],
        row[f"{prefix}relation_id"],
        row[f"{prefix}attempts"],
        known if payload["customer"].get("email") == email_key(order.customer.email) else None,
    )


_CLAIM = f"""
WITH next AS (
    SELECT s.installation_id, s.order_id
      FROM order_states s
      {_CLAIM_RUNNABLE}
     ORDER BY s.priority_at
     LIMIT $5
       FOR UPDATE OF s SKIP LOCKED
)
UPDATE order_states s
   SET state = 'claimed', claim_id = $1, claimed_version = s.order_updated_at,
       lease_until = clock_timestamp() + $2::interval, attempts = s.attempts + 1,
       updated_at = clock_timestamp()
  FROM next
 WHERE s.installation_id = next.installation_id AND s.order_id = next.order_id
RETURNING s.installation_id, s.order_id, s.payload, s.in_doubt, s.relation_id, s.attempts,
          {_KNOWN_RELATION_OF_ROW} AS known_relation_id
"""


async def claim_batch(
    conn: asyncpg.Connection,
    lease: timedelta,
    *,
    limit: int,
    budget_enabled: bool,
    budget_tolerance: timedelta,
) -> list[Claim]:
    """Claim up to ``limit`` queued orders, earliest priority first, of administrations
    that have budget now; rows other workers hold are skipped. One statement for
    several orders: under load, claiming is most of the database's work otherwise.
    The orders share one claim id; each is still released or recorded on its own.
    Each comes with its customer's e-mail index entry when the index is built (read
    in the claim's snapshot, so never from a half-built index), found by the e-mail
    as stored; it counts only when that is exactly the e-mail's index key."""
    claim_id = uuid.uuid4()
    rows = await conn.fetch(_CLAIM, claim_id, lease, budget_enabled, budget_tolerance, limit)
    return [_claim_of(row["payload"], claim_id, row) for row in rows]


@dataclass(frozen=True)
class Posting:
    """An order about to be POSTed, with the debtor the POST uses."""

    claim: Claim
    relation_id: int


@dataclass(frozen=True)
class Invoiced:
    """An order's invoice as Informer answered, and the event announcing it."""

    claim: Claim
    relation_id: int
    invoice_id: int
    invoice_url: str
    invoice_number: str | None
    event: OutgoingMessage


OrderKey = tuple[uuid.UUID, int]


def order_key(claim: Claim) -> OrderKey:
    return claim.installation_id, claim.order_id


async def mark_posting(
    conn: asyncpg.Connection, postings: list[Posting], lease: timedelta
) -> set[OrderKey]:
    """Commit, before their POSTs, that they may happen: from here a lost worker leaves
    an order in doubt. One statement for every order given; returns the orders whose
    claim still held (the others were taken over: they must not be POSTed)."""
    rows = await conn.fetch(
        """UPDATE order_states s
              SET state = 'posting', relation_id = v.relation_id,
                  lease_until = clock_timestamp() + $5::interval,
                  updated_at = clock_timestamp()
             FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::uuid[])
                  AS v(installation_id, order_id, relation_id, claim_id)
            WHERE s.installation_id = v.installation_id AND s.order_id = v.order_id
              AND s.claim_id = v.claim_id AND s.state = 'claimed'
        RETURNING s.installation_id, s.order_id""",
        [p.claim.installation_id for p in postings],
        [p.claim.order_id for p in postings],
        [p.relation_id for p in postings],
        [p.claim.claim_id for p in postings],
        lease,
    )
    return {(r["installation_id"], r["order_id"]) for r in rows}


async def mark_invoiced(conn: asyncpg.Connection, invoices: list[Invoiced]) -> set[OrderKey]:
    """Record the invoices and announce them, in one statement; returns the orders
    recorded (an order whose claim was lost is not: nothing of it is written). The
    announcements are quiet: hand them over (``common.db.outbox.hand_over``) once the
    statement has committed."""
    rows = await conn.fetch(
        """WITH v AS (
               SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::bigint[],
                                    $5::text[], $6::text[], $7::uuid[], $8::uuid[],
                                    $9::text[], $10::text[], $11::bytea[])
                 AS v(installation_id, order_id, relation_id, invoice_id, invoice_url,
                      invoice_number, claim_id, message_id, exchange, routing_key, body)
           ), done AS (
               UPDATE order_states s
                  SET state = 'invoiced', relation_id = v.relation_id,
                      invoice_id = v.invoice_id, invoice_url = v.invoice_url,
                      invoice_number = v.invoice_number, in_doubt = false,
                      claim_id = NULL, lease_until = NULL, error_code = NULL,
                      error_message = NULL, error_detail = NULL,
                      updated_at = clock_timestamp()
                 FROM v
                WHERE s.installation_id = v.installation_id AND s.order_id = v.order_id
                  AND s.claim_id = v.claim_id
               RETURNING s.installation_id, s.order_id
           ), announced AS (
               INSERT INTO outbox (message_id, exchange, routing_key, body, wake)
               SELECT v.message_id, v.exchange, v.routing_key, v.body, false
                 FROM v JOIN done USING (installation_id, order_id)
               RETURNING 1
           )
           SELECT installation_id, order_id FROM done""",
        [i.claim.installation_id for i in invoices],
        [i.claim.order_id for i in invoices],
        [i.relation_id for i in invoices],
        [i.invoice_id for i in invoices],
        [i.invoice_url for i in invoices],
        [i.invoice_number for i in invoices],
        [i.claim.claim_id for i in invoices],
        [uuid.UUID(i.event.message_id) for i in invoices],
        [i.event.exchange for i in invoices],
        [i.event.routing_key for i in invoices],
        [i.event.body for i in invoices],
    )
    return {(r["installation_id"], r["order_id"]) for r in rows}


async def mark_failed(
    conn: asyncpg.Connection,
    claim: Claim,
    code: str,
    message: str,
    detail: dict[str, Any],
    *,
    park: bool = False,
) -> str | None:
    """Record a failure; return the state now. A newer order version that arrived
    while this one was being worked on goes back to the queue instead: the shop may
    have fixed what failed."""
    return await conn.fetchval(
        """UPDATE order_states
              SET state = CASE WHEN $7 THEN 'needs_review'
                               WHEN order_updated_at > claimed_version THEN 'queued'
                               ELSE 'failed' END,
                  error_code = $3, error_message = $4, error_detail = $5,
                  claim_id = NULL, lease_until = NULL, not_before = clock_timestamp(),
                  updated_at = clock_timestamp()
            WHERE installation_id = $1 AND order_id = $2 AND claim_id = $6
        RETURNING state""",
        claim.installation_id,
        claim.order_id,
        code,
        message,
        detail,
        claim.claim_id,
        park,
    )


async def release(
    conn: asyncpg.Connection,
    claim: Claim,
    delay: timedelta,
    *,
    in_doubt: bool | None = None,
    relation_id: int | None = None,
    count_attempt: bool = True,
) -> None:
    """Put a claimed order back in the queue, to be tried after ``delay``.

    An order released from ``posting`` is always in doubt, whatever the caller says:
    its POST may have reached Informer (a failure after the POST, even one recording
    its answer, must never lead to a second POST without a lookup).
    """
    await conn.execute(
        """UPDATE order_states
              SET state = 'queued', claim_id = NULL, lease_until = NULL,
                  not_before = clock_timestamp() + $3::interval,
                  in_doubt = coalesce($4, in_doubt) OR state = 'posting',
                  relation_id = coalesce($5, relation_id),
                  attempts = attempts - CASE WHEN $7 THEN 0 ELSE 1 END,
                  updated_at = clock_timestamp()
            WHERE installation_id = $1 AND order_id = $2 AND claim_id = $6""",
        claim.installation_id,
        claim.order_id,
        delay,
        in_doubt,
        relation_id,
        claim.claim_id,
        count_attempt,
    )


async def hand_back(conn: asyncpg.Connection, held: dict[tuple[uuid.UUID, int], uuid.UUID]) -> int:
    """Put orders still ``claimed`` under these claims back in the queue, runnable now;
    the claim's attempt is not counted. Orders already ``posting`` are left alone:
    their POST may have happened, so only the reaper returns them (in doubt)."""
    keys = list(held)
    return await conn.fetchval(  # other processes' idle workers are woken (NOTIFY)
        """WITH back AS (
               UPDATE order_states s
                  SET state = 'queued', claim_id = NULL, lease_until = NULL,
                      not_before = clock_timestamp(), attempts = greatest(s.attempts - 1, 0),
                      updated_at = clock_timestamp()
                 FROM unnest($1::uuid[], $2::bigint[], $3::uuid[]) AS h(installation_id, order_id,
                                                                         claim_id)
                WHERE s.installation_id = h.installation_id AND s.order_id = h.order_id
                  AND s.claim_id = h.claim_id AND s.state = 'claimed'
               RETURNING 1
           )
           SELECT c.n, CASE WHEN c.n > 0 THEN pg_notify($4, '') END
             FROM (SELECT count(*) AS n FROM back) c""",
        [k[0] for k in keys],
        [k[1] for k in keys],
        list(held.values()),
        QUEUE_CHANNEL,
    )


async def reap_expired_leases(conn: asyncpg.Connection, settle: timedelta) -> int:
    """Orders whose worker vanished: claimed ones go back to the queue; posting ones
    go back in doubt, after ``settle`` so a POST still in flight can land first."""
    result = await conn.execute(
        """UPDATE order_states
              SET in_doubt = in_doubt OR state = 'posting',
                  not_before = clock_timestamp()
                               + CASE WHEN state = 'posting' THEN $1::interval
                                      ELSE interval '0' END,
                  state = 'queued', claim_id = NULL, lease_until = NULL,
                  updated_at = clock_timestamp()
            WHERE state IN ('claimed', 'posting') AND lease_until < clock_timestamp()""",
        settle,
    )
    return int(result.split()[-1])
