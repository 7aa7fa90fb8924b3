"""A real SMTP server on a free local port that keeps what it receives (aiosmtpd)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope

from tests.fakes.processes import free_port


@dataclass
class _Handler:
    refuse: set[str]
    messages: list[Envelope] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


class CapturingSmtp:
    def __init__(self, refuse: set[str] | None = None) -> None:
        self.port = free_port()
        self._handler = _Handler(refuse or set())
        self._controller = Controller(self._handler, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self) -> list[Envelope]:
        return self._handler.messages

    def mails(self) -> list[Message]:
        return [message_from_bytes(e.content) for e in self.messages]  # type: ignore[arg-type]

    def wait_for(self, predicate: Any, timeout: float = 20.0) -> Message:
        """The first mail ``predicate`` accepts, waiting for it (blocking; use from a
        thread or a sync test)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for mail in self.mails():
                if predicate(mail):
                    return mail
            time.sleep(0.1)
        raise AssertionError(
            f"no such mail within {timeout}s; got {[m['Subject'] for m in self.mails()]}"
        )

    def __enter__(self) -> CapturingSmtp:
        self._controller.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._controller.stop()
