"""Sending e-mail over SMTP, for any service that consumes ``SendEmail``.

aiosmtplib does the protocol (STARTTLS, AUTH, timeouts); this module only builds the
message and maps settings onto it. The ``Message-ID`` is derived from the command's
``message_id``: a command redelivered after a crash between the send and the ack is
sent again (SMTP offers no transaction to join), but carries the same Message-ID, so
mail clients and support see one mail.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib
from pydantic import Field, SecretStr

from common.messages.commands import SendEmail
from common.settings import CommonSettings


class SmtpSettings(CommonSettings):
    """Settings of a service that sends e-mail."""

    smtp_host: str = Field("127.0.0.1", description="SMTP server (mailpit in compose).")
    smtp_port: int = Field(1025, ge=1, le=65535)
    smtp_from: str = Field("kmo2informer <no-reply@kmo2informer.local>")
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = Field(False, description="Upgrade the connection with STARTTLS.")
    smtp_timeout_seconds: float = Field(30.0, gt=0)


def build_message(command: SendEmail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(command.to)
    message["Subject"] = command.subject
    message["Date"] = formatdate(command.occurred_at.timestamp(), localtime=False)
    message["Message-ID"] = f"<{command.message_id}@kmo2informer>"
    if command.reply_to:
        message["Reply-To"] = command.reply_to
    message.set_content(command.text)
    return message


class SmtpMailer:
    def __init__(self, settings: SmtpSettings) -> None:
        self._settings = settings

    async def send(self, command: SendEmail) -> None:
        s = self._settings
        await aiosmtplib.send(
            build_message(command, s.smtp_from),
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_username,
            password=s.smtp_password.get_secret_value() if s.smtp_password else None,
            start_tls=s.smtp_starttls,
            timeout=s.smtp_timeout_seconds,
        )
