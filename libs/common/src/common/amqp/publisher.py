"""Publishing with publisher confirms: a publish returns only once the broker has the
message (persisted, for quorum queues) or raises."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractExchange, DeliveryMode

from common.amqp.topology import exchange_for
from common.messages.base import Message


@dataclass(frozen=True)
class OutgoingMessage:
    message_id: str
    exchange: str
    routing_key: str
    body: bytes

    @classmethod
    def of(cls, message: Message) -> OutgoingMessage:
        return cls(str(message.message_id), exchange_for(message), message.type, message.to_bytes())


class Publisher:
    def __init__(self, channel: AbstractChannel, *, confirm_timeout: float = 15.0) -> None:
        self._channel = channel
        self._exchanges: dict[str, AbstractExchange] = {}
        self._timeout = confirm_timeout

    async def _exchange(self, name: str) -> AbstractExchange:
        if name not in self._exchanges:
            self._exchanges[name] = await self._channel.get_exchange(name, ensure=False)
        return self._exchanges[name]

    async def publish(self, message: OutgoingMessage) -> None:
        exchange = await self._exchange(message.exchange)
        await exchange.publish(
            aio_pika.Message(
                message.body,
                message_id=message.message_id,
                type=message.routing_key,
                content_type="application/json",
                delivery_mode=DeliveryMode.PERSISTENT,
            ),
            routing_key=message.routing_key,
            mandatory=True,
            timeout=self._timeout,
        )

    async def publish_many(self, messages: Sequence[OutgoingMessage]) -> list[BaseException | None]:
        """Publish all concurrently and wait for every confirm.

        Returns, per message, None when the broker confirmed it, else the error; the
        caller decides what to do with a partly confirmed batch.
        """
        results = await asyncio.gather(*(self.publish(m) for m in messages), return_exceptions=True)
        return [r if isinstance(r, BaseException) else None for r in results]

    async def publish_message(self, message: Message) -> None:
        await self.publish(OutgoingMessage.of(message))
