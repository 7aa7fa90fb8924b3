"""SendEmail commands reach a real SMTP server (aiosmtpd, capturing), once."""

from __future__ import annotations

import uuid
from email import message_from_bytes

import pytest

from common.amqp.consumer import PermanentError
from common.db.pool import Pool
from common.mail import SmtpMailer, SmtpSettings
from common.messages import SendEmail
from dashboard.mailer import Mailer
from tests.fakes.smtp import CapturingSmtp

pytestmark = pytest.mark.integration


async def test_a_command_is_sent_once_with_its_message_id(pool: Pool) -> None:
    with CapturingSmtp() as smtp:
        mailer = Mailer(pool, SmtpMailer(SmtpSettings(smtp_host="127.0.0.1", smtp_port=smtp.port)))
        command = SendEmail(
            installation_id=uuid.uuid4(), to=["an@example.be"], subject="Welcome",
            text="Hello An,\nyour trial started.", reply_to="support@example.be",
        )  # fmt: skip
        await mailer.send(command)
        await mailer.send(command)  # redelivered: already done
        assert len(smtp.messages) == 1
        envelope = smtp.messages[0]
        assert envelope.rcpt_tos == ["an@example.be"]
        mail = message_from_bytes(envelope.content)
        assert mail["Subject"] == "Welcome"
        assert mail["Message-ID"] == f"<{command.message_id}@kmo2informer>"
        assert mail["Reply-To"] == "support@example.be"
        assert "your trial started" in mail.get_payload()


async def test_a_refused_recipient_is_permanent(pool: Pool) -> None:
    with CapturingSmtp(refuse={"nobody@example.be"}) as smtp:
        mailer = Mailer(pool, SmtpMailer(SmtpSettings(smtp_host="127.0.0.1", smtp_port=smtp.port)))
        command = SendEmail(
            installation_id=uuid.uuid4(), to=["nobody@example.be"], subject="x", text="x"
        )
        with pytest.raises(PermanentError):
            await mailer.send(command)
