"""Shop, status and timestamp rules of the KMO Shops contract (kmoshops/API.md)."""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

STATUSES = (
    "new",
    "pending_payment",
    "on_hold",
    "paid",
    "processing",
    "shipped",
    "completed",
    "cancelled",
)
TOPICS = ("order.created", "order.updated", "refund.created")
CENTS = Decimal("0.01")

# RFC 3339 date-time (section 5.6) with a mandatory offset; upper-case T and Z only.
_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$"
)


class TransitionRefused(ValueError):
    pass


def check_transition(current: str, new: str) -> None:
    """An order only moves forward through STATUSES; any status may become cancelled."""
    if new not in STATUSES:
        raise TransitionRefused(f"unknown status {new!r}; one of {', '.join(STATUSES)}")
    if current == "cancelled":
        raise TransitionRefused("a cancelled order cannot change status")
    if new == current:
        raise TransitionRefused(f"the order is already {current!r}")
    if new != "cancelled" and STATUSES.index(new) < STATUSES.index(current):
        raise TransitionRefused(f"status cannot move back from {current!r} to {new!r}")


def format_timestamp(moment: datetime, timezone: str) -> str:
    """Seconds precision, in the shop's offset at that instant (DST aware)."""
    local = moment.astimezone(ZoneInfo(timezone)).replace(microsecond=0)
    return local.isoformat()


def parse_rfc3339(value: str) -> datetime:
    """Parse a strict RFC 3339 date-time; ValueError says precisely what is wrong."""
    if " " in value:
        raise ValueError(
            f"{value!r} contains a space: send 'T' between date and time, and encode "
            "'+' in the offset as %2B in the query string"
        )
    match = _RFC3339.match(value)
    if not match:
        raise ValueError(
            f"{value!r} is not an RFC 3339 date-time with offset, "
            "e.g. 2022-12-06T09:14:03+01:00 or 2022-12-06T08:14:03Z"
        )
    offset = match.group(8)
    if offset != "Z":
        hours, minutes = int(offset[1:3]), int(offset[4:6])
        if hours > 23 or minutes > 59:
            raise ValueError(f"{value!r} has an impossible offset {offset}")
    text = value[:-1] + "+00:00" if offset == "Z" else value
    fraction = match.group(7)
    if fraction and len(fraction) > 7:
        text = text.replace(fraction, fraction[:7])
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a valid date-time: {exc}") from None


def parse_timestamp(value: str) -> datetime:
    return datetime.fromisoformat(value)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Switches:
    """Per-shop webhook mischief; see docs/kmoshops.md."""

    duplicate: bool = False
    out_of_order: bool = False
    drop: bool = False

    def as_dict(self) -> dict[str, bool]:
        return {"duplicate": self.duplicate, "out_of_order": self.out_of_order, "drop": self.drop}


@dataclass
class Webhook:
    id: int
    shop_id: int
    url: str
    secret: str

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "shop_id": self.shop_id, "url": self.url}


@dataclass
class Shop:
    id: int
    name: str
    country: str
    currency: str
    timezone: str
    tokens: set[str] = field(default_factory=set)
    prices_include_vat: bool | None = None
    switches: Switches = field(default_factory=Switches)
    faults: list[int] = field(default_factory=list)

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "country": self.country,
            "currency": self.currency,
            "timezone": self.timezone,
        }

    def control_view(self) -> dict[str, Any]:
        return {
            **self.public(),
            "tokens": sorted(self.tokens),
            "prices_include_vat": self.prices_include_vat,
            "switches": self.switches.as_dict(),
            "pending_faults": list(self.faults),
        }
