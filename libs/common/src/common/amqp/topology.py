"""Every exchange, queue and binding of kmo2informer, in one place.

Commands go to the direct exchange ``k2i.commands`` with their type as routing key;
events to the topic exchange ``k2i.events``. Every work queue is a durable quorum
queue with an explicit delivery limit and at-least-once dead-lettering into
``k2i.dead-letter``, so a poison message ends in the dead-letter queue, never in an
endless redelivery loop and never silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import aio_pika
from aio_pika.abc import AbstractChannel, ExchangeType

from common.messages.base import Message

COMMANDS_EXCHANGE = "k2i.commands"
EVENTS_EXCHANGE = "k2i.events"
DEAD_LETTER_EXCHANGE = "k2i.dead-letter"
DEAD_LETTER_QUEUE = "k2i.dead-letter"

DELIVERY_LIMIT = 10
"""Broker-side backstop: after this many redeliveries a message is dead-lettered even
when its consumer crashes before it can decide (the consumer's own cap is lower)."""


@dataclass(frozen=True)
class QueueSpec:
    name: str
    exchange: str
    routing_keys: tuple[str, ...]
    delivery_limit: int = DELIVERY_LIMIT
    arguments: dict[str, str | int] = field(default_factory=dict)

    def declare_arguments(self) -> dict[str, str | int]:
        return {
            "x-queue-type": "quorum",
            "x-delivery-limit": self.delivery_limit,
            "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
            **self.arguments,
        }


POLL_SHOP = QueueSpec("ingest.poll-shop", COMMANDS_EXCHANGE, ("PollShop",))
PROCESS_ORDER = QueueSpec("processor.process-order", COMMANDS_EXCHANGE, ("ProcessOrder",))
RELATION_INDEX = QueueSpec("processor.relation-index", COMMANDS_EXCHANGE, ("RefreshRelationIndex",))
RECHECK_OPEN = QueueSpec("ingest.recheck-open", COMMANDS_EXCHANGE, ("RecheckOpenOrders",))
PROJECTIONS = QueueSpec("dashboard.projections", EVENTS_EXCHANGE, ("#",))
SEND_EMAIL = QueueSpec("dashboard.send-email", COMMANDS_EXCHANGE, ("SendEmail",))

BACKFILL = QueueSpec("ingest.backfill", COMMANDS_EXCHANGE, ("BackfillOrders",))
RECONCILE = QueueSpec("ingest.reconcile", COMMANDS_EXCHANGE, ("ReconcileShop",))

QUEUES: tuple[QueueSpec, ...] = (
    POLL_SHOP,
    BACKFILL,
    RECONCILE,
    PROCESS_ORDER,
    RELATION_INDEX,
    RECHECK_OPEN,
    PROJECTIONS,
    SEND_EMAIL,
)


def exchange_for(message: Message) -> str:
    return COMMANDS_EXCHANGE if message.kind == "command" else EVENTS_EXCHANGE


async def declare_topology(channel: AbstractChannel) -> None:
    """Declare everything; idempotent, so every service does it on connect."""
    commands = await channel.declare_exchange(COMMANDS_EXCHANGE, ExchangeType.DIRECT, durable=True)
    events = await channel.declare_exchange(EVENTS_EXCHANGE, ExchangeType.TOPIC, durable=True)
    dead = await channel.declare_exchange(DEAD_LETTER_EXCHANGE, ExchangeType.FANOUT, durable=True)
    dead_queue = await channel.declare_queue(
        DEAD_LETTER_QUEUE, durable=True, arguments={"x-queue-type": "quorum"}
    )
    await dead_queue.bind(dead, routing_key="")
    exchanges: dict[str, aio_pika.abc.AbstractExchange] = {
        COMMANDS_EXCHANGE: commands,
        EVENTS_EXCHANGE: events,
    }
    for spec in QUEUES:
        queue = await channel.declare_queue(
            spec.name, durable=True, arguments=spec.declare_arguments()
        )
        for key in spec.routing_keys:
            await queue.bind(exchanges[spec.exchange], routing_key=key)
