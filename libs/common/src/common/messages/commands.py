"""Commands: orders addressed to exactly one kind of consumer."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import Field

from common.messages.base import Command
from common.messages.orders import ShopOrder


class ProcessOrder(Command):
    """Book this order (at this version) in Informer, or record why not."""

    type: Literal["ProcessOrder"] = "ProcessOrder"
    source: Literal["webhook", "poll", "backfill"]
    """``backfill``: a historical order; the processor looks it up in Informer by
    reference before posting (it may have been invoiced before kmo2informer)."""
    order: ShopOrder


class PollShop(Command):
    """Fetch the orders changed since the installation's cursor from KMO Shops."""

    type: Literal["PollShop"] = "PollShop"


class RecheckOpenOrders(Command):
    """Re-read the status of every order waiting under Open."""

    type: Literal["RecheckOpenOrders"] = "RecheckOpenOrders"


class RefreshRelationIndex(Command):
    """Bring the e-mail → relation index up to date with Informer."""

    type: Literal["RefreshRelationIndex"] = "RefreshRelationIndex"
    full: bool = False


class SendEmail(Command):
    """Send this e-mail (plain text) over SMTP. Written to the outbox in the same
    transaction as the state change it tells about, so a mail is never sent for a
    change that was rolled back, nor lost for one that committed. The SMTP
    ``Message-ID`` is derived from ``message_id``, so a redelivered command that is
    sent twice is recognisable as one mail."""

    type: Literal["SendEmail"] = "SendEmail"
    to: list[str] = Field(min_length=1)
    subject: str = Field(min_length=1)
    text: str
    reply_to: str | None = None


class BackfillOrders(Command):
    """Read the next page of a back-fill (``common.backfills``); ``step`` is the page
    this command is for, so a duplicate finds it done."""

    type: Literal["BackfillOrders"] = "BackfillOrders"
    backfill_id: uuid.UUID
    step: int


class ReconcileShop(Command):
    """Check one shop day: KMO Shops' processable orders against the invoices booked.
    ``day`` empty: the day before the command was issued, in the shop's time zone."""

    type: Literal["ReconcileShop"] = "ReconcileShop"
    day: date | None = None
