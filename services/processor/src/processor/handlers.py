"""The processor's message handlers: verbs, typed on their message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from common.amqp.consumer import PermanentError
from common.amqp.publisher import OutgoingMessage
from common.crypto import SecretBox
from common.db.outbox import hand_over
from common.db.pool import Pool
from common.installations.changes import lock_activation
from common.installations.repository import InstallationNotConnected, InstallationNotFound
from common.logging import get_logger
from common.messages import (
    Message,
    OrderCancelled,
    OrderWaiting,
    ProcessOrder,
    RefreshRelationIndex,
)
from common.metrics import ORDERS
from processor.adapters import repository
from processor.domain.checks import Leave, Process, status_decision
from processor.domain.errors import ErrorCode
from processor.informer_context import InformerContexts
from processor.outcomes import summary
from processor.relations import build_index

log = get_logger(__name__)

CONSUMER = "processor"


class DirectIntake(Protocol):
    """Where intake runs the orders it claims itself (``processor.worker.Workers``)."""

    def reserve_direct(self) -> repository.DirectClaim | None: ...
    def release_direct(self) -> None: ...
    def nothing_to_claim(self) -> None: ...
    def run_direct(self, claim: repository.Claim) -> None: ...
    def left_queued(self) -> None: ...


@dataclass(frozen=True)
class Handlers:
    pool: Pool
    box: SecretBox
    contexts: InformerContexts
    spacing: timedelta
    direct: DirectIntake | None = None

    async def receive_order(self, message: ProcessOrder) -> None:
        """Record the order version and decide: queue it, let it wait, or let it go.

        Pre-checks 1 (already invoiced: nothing changes) and 2 (status) happen here;
        the rest happens in a worker, which may be started right here when intake
        could claim the order itself (``direct``). The message is acked only after
        this commits; from then on the claim's lease guards the order.
        """
        order = message.order
        try:
            context = await self.contexts.get(message.installation_id)
        except InstallationNotConnected:
            if await self._still_in_setup(message):
                return
            context = await self.contexts.get(message.installation_id)
        except InstallationNotFound:
            raise PermanentError(f"no installation {message.installation_id}") from None
        decision = status_decision(order, context.installation.config)
        intake = (
            "queued"
            if isinstance(decision, Process)
            else "ignored"
            if isinstance(decision, Leave)
            else "waiting"
        )
        event = (
            None
            if intake == "queued"
            else OutgoingMessage.of(
                _event(OrderWaiting if intake == "waiting" else OrderCancelled, message)
            )
        )
        runner = self.direct if intake == "queued" else None
        direct = runner.reserve_direct() if runner is not None else None
        try:
            async with self.pool.acquire() as conn:
                outcome = await repository.record_intake(
                    conn,
                    message.message_id,
                    CONSUMER,
                    message.installation_id,
                    order,
                    intake,
                    self.spacing,
                    event,
                    look_up_first=message.source == "backfill",
                    direct=direct,
                )
        except BaseException:
            if runner is not None and direct is not None:
                runner.release_direct()
            raise
        if runner is not None and direct is not None:
            if outcome.claim is None:
                runner.nothing_to_claim()
            else:
                runner.run_direct(outcome.claim)
                if outcome.state == "queued":  # the queue's next was taken instead
                    runner.left_queued()
        state = outcome.state
        if event is not None and state == intake:
            hand_over([event])
        if state in ("waiting", "ignored"):
            ORDERS.labels("waiting" if state == "waiting" else "cancelled").inc()
        log.info("order received", order_id=order.id, state=state, status=order.status.value)

    async def _still_in_setup(self, message: ProcessOrder) -> bool:
        """An order of an installation still in set-up is not processed: nothing may
        happen before all three steps are green. It is kept in ``shop_orders`` (ingest
        stored it), and the activation sends it again (common.installations.changes)."""
        async with self.pool.acquire() as conn, conn.transaction():
            await lock_activation(conn, message.installation_id)
            status = await conn.fetchval(
                "SELECT status FROM installations WHERE id = $1", message.installation_id
            )
        if status == "setup":
            log.info("order of an installation in set-up kept for its activation",
                     order_id=message.order.id)  # fmt: skip
            return True
        return False

    async def refresh_relation_index(self, message: RefreshRelationIndex) -> None:
        try:
            client = await self.contexts.index_client(message.installation_id)
        except InstallationNotFound as missing:
            raise PermanentError(f"no installation {missing}") from None
        await build_index(self.pool, client, message.installation_id, full=message.full)

    async def record_dead_letter(self, message: Message, error: BaseException) -> None:
        """A ProcessOrder that could not even be recorded ends as a failed order the
        merchant sees, not only in the dead-letter queue. A back-filled one keeps its
        "look it up first" mark: pressing Process must not book again an order the
        integration kmo2informer replaces may have invoiced."""
        if not isinstance(message, ProcessOrder):
            return
        async with self.pool.acquire() as conn, conn.transaction():
            exists = await conn.fetchval(
                "SELECT 1 FROM installations WHERE id = $1", message.installation_id
            )
            if not exists:
                return
            await repository.record_intake(
                conn,
                message.message_id,
                "processor.dead-letter",
                message.installation_id,
                message.order,
                "queued",
                self.spacing,
                look_up_first=message.source == "backfill",
            )
            await conn.execute(
                """UPDATE order_states
                      SET state = 'failed', error_code = $5, error_message = $3,
                          error_detail = $4
                    WHERE installation_id = $1 AND order_id = $2
                      AND state IN ('queued', 'waiting', 'failed')""",
                message.installation_id,
                message.order.id,
                "The order could not be processed because of an internal error. Support "
                "has been notified through the dead-letter queue; press Process to retry.",
                {"error": repr(error)[:2000], "message_id": str(message.message_id)},
                ErrorCode.PROCESSING_ERROR,
            )


def _event(
    kind: type[OrderWaiting] | type[OrderCancelled], message: ProcessOrder
) -> OrderWaiting | OrderCancelled:
    return kind(
        installation_id=message.installation_id,
        correlation_id=message.correlation_id,
        order=summary(message.order),
    )
