"""Commands: orders addressed to exactly one kind of consumer."""

from __future__ import annotations

from typing import Literal

from common.messages.base import Command
from common.messages.orders import ShopOrder


class ProcessOrder(Command):
    """Book this order (at this version) in Informer, or record why not."""

    type: Literal["ProcessOrder"] = "ProcessOrder"
    source: Literal["webhook", "poll"]
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
