"""The envelope every cross-service message carries.

Each message is a frozen pydantic model whose ``type`` literal names it; the routing
key is that type and the exchange follows from whether it is a command (an order to
one consumer) or an event (a fact, past tense, for anyone listening). Consumers are
idempotent on ``message_id``. ``correlation_id`` follows one order across every
service: it is derived from the installation and order id, so any service can compute
it without having been told.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

_ORDER_NAMESPACE = uuid.UUID("6b6d6f32-696e-666f-726d-65722d6f7264")


def utcnow() -> datetime:
    return datetime.now(UTC)


def order_correlation_id(installation_id: uuid.UUID, order_id: int) -> uuid.UUID:
    return uuid.uuid5(_ORDER_NAMESPACE, f"{installation_id}:{order_id}")


class Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: ClassVar[Literal["command", "event"]]

    type: str
    version: int = 1
    message_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    correlation_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    installation_id: uuid.UUID
    occurred_at: AwareDatetime = Field(default_factory=utcnow)

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    def log_context(self) -> dict[str, str]:
        return {
            "message_id": str(self.message_id),
            "message_type": self.type,
            "correlation_id": str(self.correlation_id),
            "installation_id": str(self.installation_id),
        }


class Command(Message):
    kind: ClassVar[Literal["command", "event"]] = "command"


class Event(Message):
    kind: ClassVar[Literal["command", "event"]] = "event"
