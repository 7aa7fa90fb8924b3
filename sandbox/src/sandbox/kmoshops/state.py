"""Everything the sandbox knows: shops, tokens, orders, refunds, webhooks, deliveries.

The Python API of the sandbox for in-process tests; the control routes are a thin JSON
layer over it. Methods are synchronous and must run on the event loop thread when a
webhook sender is running (they hand deliveries to it through ``notify``).
"""

import copy
import itertools
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sandbox.kmoshops.deliveries import DROPPED, HELD, PENDING, Delivery, new_delivery
from sandbox.kmoshops.generator import GeneratedOrder, generate_orders
from sandbox.kmoshops.model import (
    Shop,
    Switches,
    Webhook,
    check_transition,
    format_timestamp,
    parse_timestamp,
    utc_now,
)
from sandbox.kmoshops.ratelimit import RateLimiter
from sandbox.kmoshops.validate import check_order


class NotFound(LookupError):
    pass


class Conflict(ValueError):
    pass


@dataclass
class WebhookSettings:
    retry_time_scale: float = 1.0
    timeout_seconds: float = 10.0


@dataclass
class KmoShopsState:
    clock: Callable[[], datetime] = utc_now
    limiter: RateLimiter = field(default_factory=RateLimiter)
    webhook_settings: WebhookSettings = field(default_factory=WebhookSettings)
    shops: dict[int, Shop] = field(default_factory=dict)
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    scenarios: dict[int, GeneratedOrder] = field(default_factory=dict)
    refunds: dict[int, dict[str, Any]] = field(default_factory=dict)
    webhooks: dict[int, Webhook] = field(default_factory=dict)
    deliveries: dict[str, Delivery] = field(default_factory=dict)
    outbox: deque[Delivery] = field(default_factory=deque)
    notify: Callable[[], None] | None = None
    _order_shop: dict[int, int] = field(default_factory=dict)
    _held: dict[int, list[Delivery]] = field(default_factory=dict)
    _ids: Any = field(default_factory=lambda: itertools.count(6001))
    _refund_ids: Any = field(default_factory=lambda: itertools.count(1))
    _webhook_ids: Any = field(default_factory=lambda: itertools.count(1))

    def reset(self) -> None:
        """Forget everything except settings; deliveries in flight are abandoned."""
        fresh = KmoShopsState(clock=self.clock, limiter=self.limiter)
        fresh.webhook_settings, fresh.notify = self.webhook_settings, self.notify
        self.limiter.reset()
        self.__dict__.update(fresh.__dict__)

    # Shops and tokens

    def create_shop(
        self,
        id: int,
        name: str,
        country: str,
        currency: str = "EUR",
        timezone: str = "Europe/Brussels",
        tokens: Sequence[str] = (),
        prices_include_vat: bool | None = None,
    ) -> Shop:
        if id in self.shops:
            raise Conflict(f"shop {id} already exists")
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {timezone!r}") from None
        for token in tokens:
            self._check_free_token(token)
        shop = Shop(id, name, country, currency, timezone, set(tokens), prices_include_vat)
        self.shops[id] = shop
        return shop

    def shop(self, shop_id: int) -> Shop:
        if shop_id not in self.shops:
            raise NotFound(f"no shop {shop_id}")
        return self.shops[shop_id]

    def add_token(self, shop_id: int, token: str) -> None:
        self._check_free_token(token)
        self.shop(shop_id).tokens.add(token)

    def revoke_token(self, shop_id: int, token: str) -> None:
        shop = self.shop(shop_id)
        if token not in shop.tokens:
            raise NotFound(f"shop {shop_id} has no such token")
        shop.tokens.discard(token)

    def shop_for_token(self, token: str) -> Shop | None:
        return next((s for s in self.shops.values() if token in s.tokens), None)

    def _check_free_token(self, token: str) -> None:
        if not token or any(ch.isspace() for ch in token):
            raise ValueError("a token is a non-empty string without spaces")
        if self.shop_for_token(token) is not None:
            raise Conflict("that token already belongs to a shop")

    # Orders

    def now_in(self, shop: Shop) -> str:
        return format_timestamp(self.clock(), shop.timezone)

    def add_order(
        self, shop_id: int, order: Mapping[str, Any], *, options: Mapping[str, bool] | None = None
    ) -> dict[str, Any]:
        """Store an order given in API.md shape; id, number and timestamps may be left out."""
        shop = self.shop(shop_id)
        stored = copy.deepcopy(dict(order))
        stored.setdefault("id", next(self._ids))
        stored.setdefault("number", str(stored["id"]))
        stored.setdefault("created_at", self.now_in(shop))
        stored.setdefault("updated_at", stored["created_at"])
        check_order(stored)
        if stored["id"] in self.orders:
            raise Conflict(f"order {stored['id']} already exists")
        for name in ("created_at", "updated_at"):
            local = format_timestamp(parse_timestamp(stored[name]), shop.timezone)
            if local != stored[name]:
                raise ValueError(f"{name} must carry the shop's offset: {local}")
        if parse_timestamp(stored["updated_at"]) < parse_timestamp(stored["created_at"]):
            raise ValueError("updated_at lies before created_at")
        self.orders[stored["id"]] = stored
        self._order_shop[stored["id"]] = shop_id
        self._emit(shop, "order.created", stored, stored["id"], options)
        return copy.deepcopy(stored)

    def generate(
        self,
        shop_id: int,
        seed: int | str,
        count: int,
        *,
        scenarios: Sequence[str] | None = None,
        include_invalid: bool = False,
        window: tuple[datetime, datetime] | None = None,
        options: Mapping[str, bool] | None = None,
    ) -> list[GeneratedOrder]:
        """Generated orders get fresh ids; the default window is the hour before now."""
        shop = self.shop(shop_id)
        if window is None:
            now = self.clock()
            window = (now - timedelta(hours=1), now)
        first = next(self._ids)
        made = generate_orders(
            seed,
            count,
            shop,
            scenarios=scenarios,
            include_invalid=include_invalid,
            first_id=first,
            window=window,
        )
        self._ids = itertools.count(first + count)
        for generated in made:
            self.add_order(shop_id, generated.order, options=options)
            self.scenarios[generated.order["id"]] = generated
        return made

    def order(self, order_id: int) -> dict[str, Any]:
        if order_id not in self.orders:
            raise NotFound(f"no order {order_id}")
        return self.orders[order_id]

    def shop_of_order(self, order_id: int) -> Shop:
        self.order(order_id)
        return self.shops[self._order_shop[order_id]]

    def set_status(
        self, order_id: int, status: str, *, options: Mapping[str, bool] | None = None
    ) -> dict[str, Any]:
        """Forward only, or to cancelled; updated_at strictly increases."""
        order, shop = self.order(order_id), self.shop_of_order(order_id)
        check_transition(order["status"], status)
        previous = parse_timestamp(order["updated_at"])
        moment = max(self.clock(), previous + timedelta(seconds=1))
        order["status"] = status
        order["updated_at"] = format_timestamp(moment, shop.timezone)
        self._emit(shop, "order.updated", order, order_id, options)
        return copy.deepcopy(order)

    def list_orders(
        self, shop_id: int, since: datetime, page: int, limit: int
    ) -> tuple[list[dict[str, Any]], int, int]:
        """(orders of that page, pages, total); oldest updated_at first, ties by id."""
        matching = sorted(
            (
                (parse_timestamp(o["updated_at"]), o["id"], o)
                for oid, o in self.orders.items()
                if self._order_shop[oid] == shop_id and parse_timestamp(o["updated_at"]) >= since
            ),
            key=lambda item: (item[0], item[1]),
        )
        total = len(matching)
        pages = max(1, -(-total // limit))
        chunk = matching[(page - 1) * limit : page * limit]
        return [copy.deepcopy(item[2]) for item in chunk], pages, total

    # Refunds

    def create_refund(
        self, order_id: int, amount: str, *, options: Mapping[str, bool] | None = None
    ) -> dict[str, Any]:
        """Amount: two decimals, > 0, and refunds of an order never exceed its total."""
        order, shop = self.order(order_id), self.shop_of_order(order_id)
        try:
            value = Decimal(amount)
        except (InvalidOperation, TypeError):
            raise ValueError(f"amount {amount!r} is not a decimal string") from None
        if not isinstance(amount, str) or value.as_tuple().exponent != -2 or value <= 0:
            raise ValueError('amount must be a positive decimal string with two decimals, "20.00"')
        refunded = sum(
            (Decimal(r["amount"]) for r in self.refunds.values() if r["order_id"] == order_id),
            Decimal(0),
        )
        if refunded + value > Decimal(order["total"]):
            raise Conflict(f"refunds would exceed the order total {order['total']}")
        refund = {
            "id": next(self._refund_ids),
            "order_id": order_id,
            "amount": amount,
            "created_at": self.now_in(shop),
        }
        self.refunds[refund["id"]] = refund
        self._emit(shop, "refund.created", refund, order_id, options)
        return dict(refund)

    # Webhooks and deliveries

    def register_webhook(self, shop_id: int, url: str, secret: str) -> Webhook:
        self.shop(shop_id)
        if not url.startswith(("http://", "https://")):
            raise ValueError("url must be http:// or https://")
        if not secret:
            raise ValueError("a webhook needs a non-empty secret")
        webhook = Webhook(next(self._webhook_ids), shop_id, url, secret)
        self.webhooks[webhook.id] = webhook
        return webhook

    def unregister_webhook(self, webhook_id: int) -> None:
        if self.webhooks.pop(webhook_id, None) is None:
            raise NotFound(f"no webhook {webhook_id}")

    def set_switches(self, shop_id: int, **switches: bool) -> Switches:
        shop = self.shop(shop_id)
        shop.switches = replace(shop.switches, **_checked_switches(switches))
        return shop.switches

    def add_faults(self, shop_id: int, statuses: Sequence[int]) -> None:
        if any(status not in (500, 502, 503, 504) for status in statuses):
            raise ValueError("fault statuses are 500, 502, 503 or 504")
        self.shop(shop_id).faults.extend(statuses)

    def take_fault(self, shop: Shop) -> int | None:
        return shop.faults.pop(0) if shop.faults else None

    def release_held(self, order_id: int | None = None) -> int:
        """Send order.created deliveries held back by out_of_order; returns how many."""
        keys = [order_id] if order_id is not None else list(self._held)
        released = 0
        for key in keys:
            for delivery in self._held.pop(key, []):
                delivery.status = PENDING
                self._queue(delivery)
                released += 1
        return released

    def delivery_list(self, shop_id: int | None = None) -> list[Delivery]:
        return [d for d in self.deliveries.values() if shop_id in (None, d.shop_id)]

    def _emit(
        self,
        shop: Shop,
        topic: str,
        data: dict[str, Any],
        order_id: int,
        options: Mapping[str, bool] | None,
    ) -> None:
        """Out of order: an order.created is held back until the next event of the same
        order has been queued, so that event reaches the receiver first."""
        switches = replace(shop.switches, **_checked_switches(options or {}))
        created_at = self.now_in(shop)
        for webhook in [w for w in self.webhooks.values() if w.shop_id == shop.id]:
            delivery = new_delivery(webhook.id, shop.id, topic, created_at, data, order_id)
            delivery.copies = 2 if switches.duplicate else 1
            self.deliveries[delivery.id] = delivery
            if switches.drop:
                delivery.status = DROPPED
            elif switches.out_of_order and topic == "order.created":
                delivery.status = HELD
                self._held.setdefault(order_id, []).append(delivery)
            else:
                self._queue(delivery)
        if topic != "order.created":
            self.release_held(order_id)

    def _queue(self, delivery: Delivery) -> None:
        self.outbox.append(delivery)
        if self.notify is not None:
            self.notify()


def _checked_switches(switches: Mapping[str, Any]) -> dict[str, bool]:
    known = set(Switches.__dataclass_fields__)
    unknown = sorted(set(switches) - known)
    if unknown:
        raise ValueError(f"unknown delivery switches {unknown}; known: {sorted(known)}")
    if any(not isinstance(value, bool) for value in switches.values()):
        raise ValueError("delivery switches are true or false")
    return dict(switches)
