"""The one consumer base: every broker detail of consuming lives here.

A message is acked only after its handler returned, that is after the handler's
database transaction committed. A handler failure is retried with backoff up to
``max_attempts`` deliveries (counted by the quorum queue's ``x-delivery-count``), then
the message is dead-lettered. A message that cannot be parsed, or whose handler raises
:class:`PermanentError`, is dead-lettered at once: retrying cannot help it. Before a
message is dead-lettered, ``on_dead_letter`` may record the failure (for example as a
failed order the merchant can see). ``CancelledError`` always propagates; the message
then stays unacked and the broker redelivers it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import structlog
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractIncomingMessage
from pydantic import ValidationError

from common.amqp.acks import ChannelAcks
from common.amqp.topology import QueueSpec
from common.logging import get_logger
from common.messages import Message, parse_message
from common.metrics import MESSAGES_CONSUMED

log = get_logger(__name__)

Handler = Callable[[Any], Awaitable[None]]
DeadLetterHook = Callable[[Message, BaseException], Awaitable[None]]


class PermanentError(Exception):
    """The message can never succeed as it is; dead-letter it without retrying."""


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0

    def delay(self, attempt: int) -> float:
        return min(self.base_delay * 2 ** (attempt - 1), self.max_delay)


def delivery_attempt(message: AbstractIncomingMessage) -> int:
    """1 for the first delivery; quorum queues count redeliveries in x-delivery-count."""
    count = (message.headers or {}).get("x-delivery-count", 0)
    return int(count) + 1 if isinstance(count, int | str) and str(count).isdigit() else 1


@dataclass(frozen=True)
class Delivery:
    raw: AbstractIncomingMessage
    acks: ChannelAcks
    """The ack batch of the channel it came on (kept: a reconnect makes a new one)."""
    tag: int


class Consumer:
    def __init__(
        self,
        queue: QueueSpec,
        handlers: dict[str, Handler],
        *,
        prefetch: int = 16,
        retry: RetryPolicy | None = None,
        on_dead_letter: DeadLetterHook | None = None,
    ) -> None:
        self._queue = queue
        self._handlers = handlers
        self._prefetch = prefetch
        self._retry = retry or RetryPolicy()
        self._on_dead_letter = on_dead_letter
        self._acks: ChannelAcks | None = None

    async def start(self, connection: AbstractConnection) -> AbstractChannel:
        """Consume on a new channel of ``connection``; return the channel to watch."""
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=self._prefetch)
        queue = await channel.get_queue(self._queue.name, ensure=False)
        await queue.consume(self._on_message, no_ack=False)
        log.info("consuming", queue=self._queue.name, prefetch=self._prefetch)
        return channel

    @property
    def acks(self) -> ChannelAcks | None:
        """The ack batch of the channel consumed on, once a message arrived."""
        return self._acks

    async def _on_message(self, raw: AbstractIncomingMessage) -> None:
        MESSAGES_CONSUMED.labels(self._queue.name).inc()
        if self._acks is None or self._acks.channel is not raw.channel:
            self._acks = ChannelAcks(raw.channel)  # a new channel after a reconnect
        assert raw.delivery_tag is not None  # consumed with acks
        self._acks.delivered(raw.delivery_tag)  # before any await: see common.amqp.acks
        await self._handle(Delivery(raw, self._acks, raw.delivery_tag))

    async def _nack(self, delivery: Delivery, *, requeue: bool) -> None:
        """Nack (requeue) or reject (dead-letter) the delivery by its own frame. A
        delivery left unsettled (a cancelled handler) keeps holding the ack floor, so
        no batched ack can cover it before the broker takes it back."""
        if requeue:
            await delivery.raw.nack(requeue=True)
        else:
            await delivery.raw.reject(requeue=False)
        delivery.acks.settled(delivery.tag)

    async def _handle(self, delivery: Delivery) -> None:
        raw = delivery.raw
        attempt = delivery_attempt(raw)
        try:
            message = parse_message(raw.body)
        except ValidationError as exc:
            log.error(
                "unparseable message dead-lettered",
                queue=self._queue.name,
                amqp_message_id=raw.message_id,
                error=str(exc)[:2000],
            )
            await self._nack(delivery, requeue=False)
            return
        handler = self._handlers.get(message.type)
        with structlog.contextvars.bound_contextvars(**message.log_context(), attempt=attempt):
            if handler is None:
                await self._dead_letter(
                    delivery, message, PermanentError(f"no handler for {message.type}")
                )
                return
            try:
                await handler(message)
            except asyncio.CancelledError:
                raise
            except PermanentError as exc:
                await self._dead_letter(delivery, message, exc)
                return
            except Exception as exc:
                if attempt >= self._retry.max_attempts:
                    await self._dead_letter(delivery, message, exc)
                    return
                delay = self._retry.delay(attempt)
                log.warning(
                    "handler failed, will retry",
                    error=repr(exc),
                    retry_in_s=delay,
                    max_attempts=self._retry.max_attempts,
                )
                await asyncio.sleep(delay)
                await self._nack(delivery, requeue=True)
                return
            await delivery.acks.ack(delivery.tag)

    async def _dead_letter(
        self, delivery: Delivery, message: Message, error: BaseException
    ) -> None:
        log.error("message dead-lettered", error=repr(error), queue=self._queue.name)
        if self._on_dead_letter is not None:
            try:
                await self._on_dead_letter(message, error)
            except Exception as hook_error:
                # Unrecorded: leave it for a redelivery rather than lose the record.
                log.error("dead-letter hook failed; message requeued", error=repr(hook_error))
                await self._nack(delivery, requeue=True)
                return
        await self._nack(delivery, requeue=False)
