"""The dead-letter queue, for the operator: look at what is there, and replay it.

A message lands in ``k2i.dead-letter`` when its consumer gave up on it (a poison
message, a bug, a dependency down longer than the retries). After the fix, ``replay``
publishes each one again, unchanged (same body, same ``message_id``), to the exchange
and routing key its type belongs to, and removes it from the dead-letter queue only
once the broker confirmed the new copy: a crash in between leaves a duplicate, never a
loss, and every consumer is idempotent on ``message_id``.

Messages are taken with ``basic.get`` and held unacknowledged; the ones not replayed
(filtered out, unparseable, or only listed) go back to the queue when the channel
closes, in their order, so listing changes nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from aio_pika.abc import AbstractConnection, AbstractIncomingMessage
from pydantic import ValidationError

from common.amqp.publisher import OutgoingMessage, Publisher
from common.amqp.topology import DEAD_LETTER_QUEUE, exchange_for
from common.messages import Message, parse_message


@dataclass(frozen=True)
class DeadLetter:
    message_id: str | None
    type: str | None
    installation_id: str | None
    queue: str | None
    reason: str | None
    deaths: int

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


@dataclass(frozen=True)
class Selection:
    message_type: str | None = None
    installation_id: uuid.UUID | None = None
    limit: int = 1000

    def matches(self, message: Message) -> bool:
        return (self.message_type is None or message.type == self.message_type) and (
            self.installation_id is None or message.installation_id == self.installation_id
        )


def _describe(raw: AbstractIncomingMessage, message: Message | None) -> DeadLetter:
    deaths = (raw.headers or {}).get("x-death") or []
    first: dict[str, Any] = deaths[0] if deaths and isinstance(deaths[0], dict) else {}
    return DeadLetter(
        message_id=str(message.message_id) if message else raw.message_id,
        type=message.type if message else raw.type,
        installation_id=str(message.installation_id) if message else None,
        queue=_text(first.get("queue")),
        reason=_text(first.get("reason")),
        deaths=sum(int(d.get("count", 1)) for d in deaths if isinstance(d, dict)),
    )


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.decode() if isinstance(value, bytes) else str(value)


def _parse(raw: AbstractIncomingMessage) -> Message | None:
    try:
        return parse_message(raw.body)
    except ValidationError:
        return None


async def list_dead_letters(connection: AbstractConnection, limit: int = 100) -> list[DeadLetter]:
    channel = await connection.channel()
    try:
        queue = await channel.get_queue(DEAD_LETTER_QUEUE, ensure=False)
        found: list[DeadLetter] = []
        while len(found) < limit:
            raw = await queue.get(no_ack=False, fail=False)
            if raw is None:
                break
            found.append(_describe(raw, _parse(raw)))
        return found
    finally:
        await channel.close()


async def replay_dead_letters(
    connection: AbstractConnection, selection: Selection
) -> list[DeadLetter]:
    """Publish the selected dead letters again; returns what was replayed."""
    channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
    try:
        publisher = Publisher(channel)
        queue = await channel.get_queue(DEAD_LETTER_QUEUE, ensure=False)
        replayed: list[DeadLetter] = []
        while len(replayed) < selection.limit:
            raw = await queue.get(no_ack=False, fail=False)
            if raw is None:
                break
            message = _parse(raw)
            if message is None or not selection.matches(message):
                continue
            await publisher.publish(
                OutgoingMessage(
                    str(message.message_id), exchange_for(message), message.type, raw.body
                )
            )
            await raw.ack()
            replayed.append(_describe(raw, message))
        return replayed
    finally:
        await channel.close()
