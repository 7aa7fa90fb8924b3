"""The sandbox's whole memory, and the Python API in-process tests drive it with."""

import copy
import hmac
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.informer.faults import Faults
from sandbox.informer.model import Administration, Invoice, Relation
from sandbox.informer.ratelimit import RateLimitConfig, RateLimiter
from sandbox.informer.seed import SeedError, build_administration
from sandbox.informer.seed_data import default_seed
from sandbox.informer.totals import compute_totals, echo_lines

TIMESTAMP = "%Y-%m-%d %H:%M:%S"


@dataclass
class CallRecord:
    """One Informer API call as the sandbox saw it; never holds the key or code."""

    seq: int
    at: float
    method: str
    path: str
    endpoint: str
    query: dict[str, str]
    key_id: str | None
    administration: str | None
    status: int | None
    request_json: Any
    lost: bool = False

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


class InformerState:
    def __init__(
        self,
        seed: dict[str, Any] | None = None,
        *,
        rate_limit: RateLimitConfig | None = None,
        clock: Callable[[], float] = time.time,
        web_url: str = "https://app.informer.eu",
        timezone: str = "Europe/Amsterdam",
    ) -> None:
        self.clock = clock
        self.web_url = web_url.rstrip("/")
        self.tz = ZoneInfo(timezone)
        self.faults = Faults()
        self.limiter = RateLimiter(rate_limit)
        self.calls: list[CallRecord] = []
        self.administrations: dict[str, Administration] = {}
        self._initial_seed = copy.deepcopy(seed if seed is not None else default_seed())
        self._next_relation_id = 5001
        self._next_invoice_id = 40001
        self.load(self._initial_seed)

    # --- seeding and reset -------------------------------------------------------------
    def reset(self, seed: dict[str, Any] | None = None) -> None:
        """Back to the seed (the initial one unless given): data, calls, faults, budgets."""
        if seed is not None:
            self._initial_seed = copy.deepcopy(seed)
        self.administrations.clear()
        self.calls.clear()
        self.faults.clear()
        self.limiter.reset()
        self.load(self._initial_seed)

    def load(self, seed: dict[str, Any]) -> None:
        for data in seed.get("administrations", []):
            self.add_administration(data)

    def add_administration(self, data: dict[str, Any]) -> Administration:
        """Add (or replace, by slug) an administration with its seeded relations."""
        admin = build_administration(data)
        for other in self.administrations.values():
            if other.slug != admin.slug and other.api_key == admin.api_key:
                raise SeedError(f"API key of {admin.slug!r} already belongs to {other.slug!r}")
        self.administrations[admin.slug] = admin
        for relation in data.get("relations", []):
            self.add_relation(admin.slug, relation)
        return admin

    def admin(self, slug: str) -> Administration:
        try:
            return self.administrations[slug]
        except KeyError:
            raise KeyError(f"no administration {slug!r}") from None

    def authenticate(self, api_key: str | None, security_code: str | None) -> Administration | None:
        if not api_key or not security_code:
            return None
        for admin in self.administrations.values():
            if hmac.compare_digest(admin.api_key, api_key):
                if hmac.compare_digest(admin.security_code, security_code):
                    return admin
                return None
        return None

    # --- time ----------------------------------------------------------------------------
    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), self.tz).replace(microsecond=0)

    def parse_timestamp(self, text: str) -> datetime:
        return datetime.strptime(text, TIMESTAMP).replace(tzinfo=self.tz)

    # --- relations -----------------------------------------------------------------------
    def add_relation(
        self, slug: str, fields: dict[str, Any], last_edit: datetime | str | None = None
    ) -> Relation:
        """Store a relation directly: no validation, no call logged, no budget used.

        `last_edit` (also accepted as a field) backdates it, for last_edit filter tests.
        """
        admin = self.admin(slug)
        data = dict(fields)
        stamp = last_edit if last_edit is not None else data.pop("last_edit", None)
        data.pop("last_edit", None)
        if isinstance(stamp, str):
            stamp = self.parse_timestamp(stamp)
        number = data.pop("relation_number", 0) or admin.next_relation_number()
        relation = Relation(
            id=self._next_relation_id,
            relation_number=int(number),
            relation_type=int(data.pop("relation_type", 0)),
            fields=data,
            last_edit=stamp or self.now(),
        )
        self._next_relation_id += 1
        admin.relations[relation.id] = relation
        return relation

    def update_relation(
        self, admin: Administration, relation: Relation, body: dict[str, Any]
    ) -> None:
        merged = {**relation.fields, **body}
        relation.relation_type = int(merged.pop("relation_type", relation.relation_type))
        number = merged.pop("relation_number", None)
        if number:
            relation.relation_number = int(number)
        if relation.relation_type == 0:
            for name in ("firstname", "surname_prefix", "surname"):
                merged.pop(name, None)
        else:
            merged.pop("company_name", None)
        relation.fields = merged
        relation.last_edit = self.now()

    # --- invoices ------------------------------------------------------------------------
    def store_invoice(self, admin: Administration, body: dict[str, Any]) -> Invoice:
        """Store a validated SalesInvoiceInput as a finalized (concept "0") invoice."""
        now = self.now()
        invoice_year = int(body["invoice_date"][:4])
        lines = [dict(line) for line in body["lines"]]
        currency = admin.currencies[body["currency_id"]]
        invoice = Invoice(
            id=self._next_invoice_id,
            number=admin.next_invoice_number(invoice_year),
            body={k: v for k, v in body.items() if k != "lines"},
            lines=echo_lines(admin, lines),
            totals=compute_totals(admin, body["vat_option"], lines, currency.rate),
            expiry_days=admin.payment_conditions[body["payment_condition_id"]].days,
            created_at=now,
            last_edit=now,
        )
        self._next_invoice_id += 1
        admin.invoices[invoice.id] = invoice
        return invoice

    def relations(self, slug: str) -> list[Relation]:
        return list(self.admin(slug).relations.values())

    def invoices(self, slug: str) -> list[Invoice]:
        return list(self.admin(slug).invoices.values())

    def find_invoice(self, invoice_id: int) -> tuple[Administration, Invoice] | None:
        for admin in self.administrations.values():
            if invoice_id in admin.invoices:
                return admin, admin.invoices[invoice_id]
        return None

    # --- the call log --------------------------------------------------------------------
    def record_call(self, **fields: Any) -> CallRecord:
        record = CallRecord(seq=len(self.calls) + 1, at=self.clock(), **fields)
        self.calls.append(record)
        return record

    def calls_for(
        self,
        endpoint: str | None = None,
        *,
        method: str | None = None,
        path_prefix: str | None = None,
        administration: str | None = None,
    ) -> list[CallRecord]:
        """Calls filtered by endpoint ("POST /invoices/sales"), method, path or administration."""
        return [
            c
            for c in self.calls
            if (endpoint is None or c.endpoint == endpoint)
            and (method is None or c.method == method.upper())
            and (path_prefix is None or c.path.startswith(path_prefix))
            and (administration is None or c.administration == administration)
        ]

    def counts(self, administration: str | None = None) -> dict[str, int]:
        """Calls per endpoint, e.g. {"POST /invoices/sales": 2, "GET /relations": 1}."""
        return dict(Counter(c.endpoint for c in self.calls_for(administration=administration)))

    def count(self, endpoint: str, administration: str | None = None) -> int:
        return len(self.calls_for(endpoint, administration=administration))

    def clear_calls(self) -> None:
        self.calls.clear()
