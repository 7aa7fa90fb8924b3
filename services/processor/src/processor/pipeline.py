"""One claimed order, from the pre-checks to its invoice (or the reason why not).

The invariant: an order's invoice is POSTed only from the ``posting`` state, entered
by a committed claim, and never while the order is *in doubt*. An order is in doubt
after any POST whose answer we did not get (timeout, dropped connection, 5xx) and
after a worker vanished while posting; it then costs one lookup by reference before
anything else: found once, it is recorded; found more than once, it is parked for a
human; not found, it is posted. Every other failure is either the order's (a
pre-check or Informer's 422: the merchant fixes and presses Process) or passing (the
order goes back to the queue).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import asyncpg

from common.db.pool import Pool
from common.informer.budget import BudgetExhausted
from common.informer.errors import (
    InformerAuthError,
    InformerError,
    InformerNotFound,
    InformerOutcomeUnknown,
    InformerValidationError,
)
from common.logging import get_logger
from processor import outcomes
from processor.adapters import repository
from processor.adapters.repository import Claim
from processor.adapters.writes import OrderWrites
from processor.domain.checks import Process, check_order, status_decision
from processor.domain.errors import ErrorCode
from processor.domain.invoicing import invoice_date, invoice_draft
from processor.domain.kinds import classify
from processor.informer_context import InformerContext, InformerContexts
from processor.relations import TryLater, resolve_debtor

log = get_logger(__name__)


@dataclass(frozen=True)
class PipelineSettings:
    lease: timedelta = timedelta(minutes=5)
    settle: timedelta = timedelta(seconds=10)
    """How long an uncertain POST is left to land before it is looked up."""
    max_attempts: int = 8
    retry_base: float = 2.0


class Pipeline:
    def __init__(self, pool: Pool, contexts: InformerContexts, settings: PipelineSettings) -> None:
        self._pool = pool
        self._contexts = contexts
        self._settings = settings
        self._writes = OrderWrites(pool, settings.lease)

    async def run(self, claim: Claim) -> None:
        try:
            context = await self._contexts.get(claim.installation_id)
            await self._process(claim, context)
        except BudgetExhausted as spent:
            await self._release(claim, spent.wait_seconds, count_attempt=False)
        except TryLater as later:
            log.info("order deferred", reason=str(later))
            await self._release(claim, later.seconds, count_attempt=False)
        except InformerValidationError as refused:
            await outcomes.failed(
                self._pool,
                claim,
                ErrorCode.INFORMER_VALIDATION,
                refused.plain_message(),
                {"fields": refused.fields, "informer": refused.informer_says()},
            )
        except InformerAuthError as refused:
            await outcomes.failed(
                self._pool, claim, ErrorCode.INFORMER_AUTH, refused.plain_message(), {}
            )
        except InformerNotFound as missing:
            await outcomes.failed(
                self._pool,
                claim,
                ErrorCode.INFORMER_NOT_FOUND,
                missing.plain_message(),
                {"informer": missing.informer_says()},
            )
        except (InformerError, OSError, TimeoutError, asyncpg.PostgresError) as passing:
            await self._retry_or_fail(claim, passing)

    async def _process(self, claim: Claim, context: InformerContext) -> None:
        installation = context.installation
        order = claim.order
        if not isinstance(status_decision(order, installation.config), Process):
            # A newer, unprocessable version arrived after the claim; intake recorded it.
            await self._release(claim, 0, count_attempt=False)
            return
        options = await context.options()
        failure = check_order(order, installation.config, installation.shop_country, options)
        if failure is not None:
            await outcomes.failed(self._pool, claim, failure.code, failure.message, failure.detail)
            return
        kind = classify(order, installation.shop_country)
        if claim.in_doubt and claim.relation_id is not None:
            # Look up (and, if absent, post) with the debtor the first POST used, even
            # if the index would pick another one now.
            relation_id = claim.relation_id
        else:
            relation_id = await resolve_debtor(
                self._pool, context, order, kind, self._settings.lease, claim.known_relation_id
            )
        day = invoice_date(order.created_at, installation.shop_timezone)

        if claim.in_doubt and await self._found_in_informer(claim, context, relation_id, day):
            return

        administration = await context.administration()
        draft = invoice_draft(
            order,
            installation.config,
            kind,
            relation_id,
            installation.shop_timezone,
            administration.country or "",
            options,
        )
        body = draft.to_json()
        if not await self._writes.posting(claim, relation_id):
            log.warning("claim lost before posting; another worker has the order")
            return
        try:
            created = await context.client.create_invoice(body)
        except InformerOutcomeUnknown as unknown:
            log.warning("invoice outcome unknown; will look it up", error=str(unknown))
            await self._release(
                claim,
                self._settings.settle.total_seconds(),
                in_doubt=True,
                relation_id=relation_id,
            )
            return
        await outcomes.invoiced(
            self._writes,
            claim,
            relation_id=relation_id,
            invoice_id=created.id,
            invoice_url=created.url or "",
            invoice_number=None,
            invoice_date=day,
        )

    async def _found_in_informer(
        self, claim: Claim, context: InformerContext, relation_id: int, day: date
    ) -> bool:
        """True when the lookup settled the order (recorded or parked)."""
        found = await context.client.find_invoices_by_reference(
            claim.order.number, relation_id, last_edit=_lookup_since(claim)
        )
        if len(found) == 1:
            invoice = found[0]
            await outcomes.invoiced(
                self._writes,
                claim,
                relation_id=relation_id,
                invoice_id=invoice.id,
                invoice_url=invoice.url or "",
                invoice_number=invoice.number,
                invoice_date=invoice.invoice_date or day,
                recovered=True,
            )
            return True
        if len(found) > 1:
            ids = [i.id for i in found]
            await outcomes.failed(
                self._pool,
                claim,
                ErrorCode.NEEDS_REVIEW,
                f"Informer holds {len(found)} invoices with reference {claim.order.number} "
                "for this customer. Keep one, credit the others in Informer, and tell "
                "support which one to keep; this order will not be sent again by itself.",
                {"invoice_ids": ids},
                park=True,
            )
            return True
        log.info("in-doubt invoice not found in Informer; posting it")
        return False

    async def _retry_or_fail(self, claim: Claim, error: BaseException) -> None:
        if claim.attempts >= self._settings.max_attempts:
            message = (
                error.plain_message()
                if isinstance(error, InformerError)
                else "The order could not be processed because of a technical problem. "
                "It was tried several times; press Process to try again."
            )
            await outcomes.failed(
                self._pool,
                claim,
                ErrorCode.INFORMER_ERROR,
                message,
                {"error": str(error)[:2000], "attempts": claim.attempts},
            )
            return
        delay = min(self._settings.retry_base * 2 ** (claim.attempts - 1), 600.0)
        log.warning("order will be retried", error=repr(error)[:500], retry_in_s=delay)
        await self._release(claim, delay)

    async def _release(
        self,
        claim: Claim,
        seconds: float,
        *,
        count_attempt: bool = True,
        in_doubt: bool | None = None,
        relation_id: int | None = None,
    ) -> None:
        async with self._pool.acquire() as conn:
            await repository.release(
                conn,
                claim,
                timedelta(seconds=seconds),
                in_doubt=in_doubt,
                relation_id=relation_id,
                count_attempt=count_attempt,
            )


def _lookup_since(claim: Claim) -> date:
    """Invoices edited after the day before the order was created: ours is among them."""
    return (claim.order.created_at - timedelta(days=1)).date()
