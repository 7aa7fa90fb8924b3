"""Finding or creating the debtor of an order, exactly once per customer.

A fixed debtor costs nothing; a known e-mail costs nothing (the index); a new customer
costs a POST and a search. ``POST /relations`` answers without the new id, so the
relation number is chosen first (``relation_creations``) and searched for after: a
retry after any failure finds the relation the first attempt may have created instead
of creating a second one. Two orders of one new customer at once: the second waits
for the first's relation.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

from common.db.pool import Pool
from common.informer.budget import BudgetExhausted
from common.informer.client import InformerClient, last_page
from common.informer.errors import InformerError, InformerOutcomeUnknown, InformerValidationError
from common.logging import get_logger
from common.messages import ShopOrder
from processor.adapters import relation_store
from processor.domain.debtor import email_key, fixed_debtor, relation_draft
from processor.domain.kinds import OrderKind
from processor.informer_context import InformerContext

log = get_logger(__name__)

INFORMER_ZONE = ZoneInfo("Europe/Amsterdam")


INDEX_WAIT_SECONDS = 5.0
"""How long an order waits for its process's build of the e-mail index."""


class TryLater(Exception):
    """Not now, and not the order's fault: put it back in the queue for ``seconds``."""

    def __init__(self, reason: str, seconds: float) -> None:
        super().__init__(reason)
        self.seconds = seconds


def _lock_key(context: InformerContext) -> int:
    digest = hashlib.sha256(f"relation-index:{context.installation.id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


async def build_index(
    pool: Pool, client: InformerClient, installation_id: uuid.UUID, *, full: bool
) -> int:
    """Read relations (all, or those edited since the last refresh) into the index.

    Informer's ``last_edit`` filter keeps relations edited on a later calendar day, so
    a refresh asks from the day before the last one: overlap, never a gap. Progress
    (relations read, pages of how many) is recorded after every page, so the dashboard
    can show a first build of thousands of relations moving; a failure is recorded in
    words and raised.
    """
    async with pool.acquire() as conn:
        last = None if full else await relation_store.refreshed_at(conn, installation_id)
        await relation_store.build_started(conn, installation_id)
    since = (last.astimezone(INFORMER_ZONE).date() - timedelta(days=1)) if last else None
    seen = 0
    max_number = 0
    page = 1
    try:
        async with pool.acquire() as conn:
            while True:
                result = await client.relations_page(page, last_edit=since)
                batch = [
                    (email_key(r.email), r.id, r.relation_number)
                    for r in result.relations
                    if r.email
                ]
                seen += len(result.relations)
                max_number = max([max_number, *(r.relation_number or 0 for r in result.relations)])
                await relation_store.add_entries(conn, installation_id, batch, replace=True)
                await relation_store.build_progress(
                    conn, installation_id, seen, page, result.pagination.pages or None
                )
                if last_page(result.pagination, page, len(result.relations)):
                    break
                page += 1
            await relation_store.mark_built(
                conn, installation_id, full=last is None, max_relation_number=max_number
            )
    except (InformerError, BudgetExhausted) as failed:
        async with pool.acquire() as conn:
            await relation_store.build_failed(conn, installation_id, failed_text(failed))
        raise
    log.info("relation index updated", relations_read=seen, pages=page, full=last is None)
    return seen


def failed_text(error: InformerError | BudgetExhausted) -> str:
    if isinstance(error, BudgetExhausted):
        return (
            "Informer's call limit for this API key is reached; the index is read again "
            f"in about {error.wait_seconds:.0f} seconds."
        )
    return error.plain_message()


async def ensure_index(pool: Pool, context: InformerContext) -> None:
    """Build the index once per installation before its first new-customer decision;
    other orders wait meanwhile rather than create relations that already exist. In
    this process they wait for the build (up to ``INDEX_WAIT_SECONDS``: a first burst of
    a new installation is invoiced as soon as the index is there); orders of another
    process, which cannot see the build, go back to the queue for a moment."""
    if context.index_ready:
        return
    try:
        await asyncio.wait_for(context.index_building.acquire(), INDEX_WAIT_SECONDS)
    except TimeoutError:
        raise TryLater("the relation index is being built", 2.0) from None
    try:
        if context.index_ready:
            return
        async with pool.acquire() as conn:
            if await relation_store.index_built_at(conn, context.installation.id):
                context.index_ready = True
                return
            if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", _lock_key(context)):
                raise TryLater("the relation index is being built", 2.0)
            try:
                if not await relation_store.index_built_at(conn, context.installation.id):
                    await build_index(pool, context.client, context.installation.id, full=True)
                context.index_ready = True
            finally:
                await conn.fetchval("SELECT pg_advisory_unlock($1)", _lock_key(context))
    finally:
        context.index_building.release()


async def resolve_debtor(
    pool: Pool,
    context: InformerContext,
    order: ShopOrder,
    kind: OrderKind,
    lease: timedelta,
    known: int | None = None,
) -> int:
    """``known`` is the index's entry for the customer when the caller read it with
    the claim (from a built index), sparing a lookup."""
    config = context.installation.config
    fixed = fixed_debtor(order, config, kind)
    if fixed is not None:
        return fixed
    email = email_key(order.customer.email)
    await ensure_index(pool, context)
    if known is not None:
        return known
    async with pool.acquire() as conn:
        known = await relation_store.lookup(conn, context.installation.id, email)
    if known is not None:
        return known
    return await _create_relation(pool, context, order, email, lease)


async def _create_relation(
    pool: Pool, context: InformerContext, order: ShopOrder, email: str, lease: timedelta
) -> int:
    installation_id = context.installation.id
    async with pool.acquire() as conn:
        claim = await relation_store.claim_relation(conn, installation_id, email, lease)
    if claim.relation_id is not None:
        return claim.relation_id
    if not claim.mine:
        raise TryLater("another order of this new customer is creating the relation", 1.0)
    if claim.taken_over:
        existing = await context.client.find_relation_by_number(claim.relation_number)
        if existing is not None:
            async with pool.acquire() as conn:
                await relation_store.relation_created(conn, installation_id, claim, existing.id)
            return existing.id
    for _ in range(5):
        draft = relation_draft(order, context.installation.config, claim.relation_number)
        try:
            await context.client.create_relation(draft.to_json())
        except InformerOutcomeUnknown:
            pass  # the search below tells whether it was created
        except InformerValidationError as refused:
            if "relation_number" not in refused.fields:
                async with pool.acquire() as conn:
                    await relation_store.give_up_relation(conn, installation_id, claim)
                raise
            existing = await context.client.find_relation_by_number(claim.relation_number)
            if existing is not None and email_key(existing.email or "") == email:
                async with pool.acquire() as conn:
                    await relation_store.relation_created(conn, installation_id, claim, existing.id)
                return existing.id
            async with pool.acquire() as conn:
                claim = await relation_store.renumber(conn, installation_id, claim)
            continue
        created = await context.client.find_relation_by_number(claim.relation_number)
        if created is None:
            raise TryLater("the new relation is not visible in Informer yet", 5.0)
        async with pool.acquire() as conn:
            await relation_store.relation_created(conn, installation_id, claim, created.id)
        log.info("relation created", relation_id=created.id, relation_number=claim.relation_number)
        return created.id
    raise TryLater("no free relation number found", 10.0)
