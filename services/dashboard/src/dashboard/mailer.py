"""The ``SendEmail`` consumer: sends each command once over SMTP.

Idempotent on ``message_id`` as far as SMTP allows: a command already recorded in
``processed_messages`` is acked without sending; otherwise it is sent and then
recorded. A crash between the two sends it again on redelivery, with the same
Message-ID header (common.mail). SMTP failures are retried by the consumer base with
backoff and end in the dead-letter queue; an address the server refuses for good
(5xx) is dead-lettered at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiosmtplib

from common.amqp.consumer import PermanentError
from common.db.pool import Pool
from common.logging import get_logger
from common.mail import SmtpMailer
from common.messages import SendEmail

log = get_logger(__name__)

CONSUMER = "dashboard.mailer"


@dataclass(frozen=True)
class Mailer:
    pool: Pool
    smtp: SmtpMailer

    async def send(self, command: SendEmail) -> None:
        done = await self.pool.fetchval(
            "SELECT 1 FROM processed_messages WHERE consumer = $1 AND message_id = $2",
            CONSUMER,
            command.message_id,
        )
        if done:
            return
        try:
            await self.smtp.send(command)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise PermanentError(f"recipients refused: {exc.recipients}") from exc
        except aiosmtplib.SMTPResponseException as exc:
            if 500 <= exc.code < 600:
                raise PermanentError(f"SMTP {exc.code}") from exc
            raise
        await self.pool.execute(
            "INSERT INTO processed_messages (consumer, message_id) VALUES ($1, $2) "
            "ON CONFLICT DO NOTHING",
            CONSUMER,
            command.message_id,
        )
        log.info("mail sent", subject=command.subject, recipients=len(command.to))

    def registry(self) -> dict[str, Any]:
        return {"SendEmail": self.send}
