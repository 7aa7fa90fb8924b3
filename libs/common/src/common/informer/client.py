"""The Informer API v2 client: every endpoint the integration uses, typed.

Cost of each method in HTTP calls (each one a token of the administration's budget;
retries cost one more each):

* ``administration()``, ``relation()``, ``invoice()``, ``create_invoice()``,
  ``create_relation()`` and
  each reference list (``templates()`` ... ``cost_centres()``): 1.
* ``relations_page()``, ``invoices_page()``: 1 per page of at most 100.
* ``iter_relations()``: ceil(relations / 100), at least 1.
* ``find_relation_by_number()``: 1 as a rule. ``search`` is a substring match on
  name, street, city and number, so it pages on (1 per further 100 hits) only while
  the exact number was not yet seen.
* ``find_invoices_by_reference()``: ceil(invoices of that relation / 100), at least 1.
  Informer cannot filter by reference, so every invoice of the relation is read; a
  fixed debtor with thousands of invoices costs dozens of calls. Pass ``last_edit``
  (the day before the order was first sent) to read only recent ones.
"""

from __future__ import annotations

import asyncio
import functools
from collections import Counter
from collections.abc import AsyncIterator
from datetime import date
from typing import Any, TypeVar

import aiohttp
from pydantic import BaseModel, SecretStr, TypeAdapter, ValidationError

from common.informer import codec
from common.informer.errors import (
    InformerOutcomeUnknown,
    InformerUnexpectedResponse,
)
from common.informer.models import (
    Administration,
    CostCentre,
    CreateResponse,
    Currency,
    InvoicesPage,
    Ledger,
    Pagination,
    PaymentCondition,
    Relation,
    RelationsPage,
    SalesInvoice,
    Template,
    Vat,
)
from common.informer.transport import (
    Acquire,
    Call,
    OnRateLimited,
    Sleep,
    Transport,
)
from common.invoice_options import InformerOptions, VatCodeOption

MAX_RECORDS = 100
"""Informer's (and the sandbox's) largest page."""

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


class InformerClient:
    """One administration's Informer API, reached with its API key and security code.

    The client owns no connection: the caller's ``aiohttp.ClientSession`` carries the
    pool. ``calls`` counts HTTP requests made (retries included), ``calls_by_endpoint``
    the same per ``"GET /relations"``-style endpoint.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        api_key: SecretStr,
        security_code: SecretStr,
        *,
        acquire: Acquire | None = None,
        on_rate_limited: OnRateLimited | None = None,
        timeout: float = 30,
        max_attempts: int = 4,
        backoff: float = 0.5,
        max_retry_after: float = 120.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._transport = Transport(
            session,
            base_url,
            api_key,
            security_code,
            acquire=acquire,
            on_rate_limited=on_rate_limited,
            timeout=timeout,
            max_attempts=max_attempts,
            backoff=backoff,
            max_retry_after=max_retry_after,
            sleep=sleep,
        )

    def __repr__(self) -> str:
        return f"InformerClient(calls={self.calls})"

    @property
    def calls(self) -> int:
        return self._transport.calls

    @property
    def calls_by_endpoint(self) -> Counter[str]:
        return self._transport.calls_by_endpoint

    # --- administration -----------------------------------------------------------------
    async def administration(self) -> Administration:
        """The administration of these credentials; the cheapest check that they work."""
        return await self._get_model(Administration, "/administration")

    # --- relations ----------------------------------------------------------------------
    async def relations_page(
        self,
        page: int,
        records: int = MAX_RECORDS,
        search: str | None = None,
        last_edit: date | None = None,
    ) -> RelationsPage:
        """One page (from 1). ``last_edit``: only relations edited on a later day."""
        params = _page_params(page, records)
        if search is not None:
            params["search"] = search
        if last_edit is not None:
            params["last_edit"] = last_edit.isoformat()
        return await self._get_model(RelationsPage, "/relations", params)

    async def iter_relations(self, last_edit: date | None = None) -> AsyncIterator[Relation]:
        """Every relation (edited after ``last_edit``), page by page, in Informer's order."""
        page = 1
        while True:
            result = await self.relations_page(page, MAX_RECORDS, last_edit=last_edit)
            for relation in result.relations:
                yield relation
            if last_page(result.pagination, page, len(result.relations)):
                return
            page += 1

    async def relation(self, relation_id: int) -> Relation:
        """One relation by id; :class:`InformerNotFound` when it does not exist."""
        path = f"/relations/{int(relation_id)}"
        data = await self._transport.send(Call("GET", path, route="/relations/{id}"))
        return _validate(_adapter(Relation), data, path)

    async def find_relation_by_number(self, number: int) -> Relation | None:
        """The relation whose ``relation_number`` is exactly ``number``, else None.

        ``search`` also matches other numbers containing it (4242 finds 14242) and
        names, streets and cities; only an exact number is an answer.
        """
        page = 1
        while True:
            result = await self.relations_page(page, MAX_RECORDS, search=str(number))
            for relation in result.relations:
                if relation.relation_number == number:
                    return relation
            if last_page(result.pagination, page, len(result.relations)):
                return None
            page += 1

    async def create_relation(self, payload: dict[str, Any] | bytes) -> None:
        """``POST /relations``. Informer answers without the new id: find it afterwards
        with :meth:`find_relation_by_number` on a number chosen by the caller.

        Raises :class:`InformerOutcomeUnknown` when the relation may or may not exist.
        """
        await self._post("/relations", payload, what="the new customer (relation)")

    # --- sales invoices -----------------------------------------------------------------
    async def create_invoice(self, payload: dict[str, Any] | bytes) -> CreateResponse:
        """``POST /invoices/sales``; send pre-rendered bytes (``codec.dumps``) to keep
        ``Decimal`` amounts exact. Never repeated once it may have reached Informer:
        on :class:`InformerOutcomeUnknown` look the invoice up by reference first."""
        data = await self._post("/invoices/sales", payload, what="the invoice")
        try:
            return CreateResponse.model_validate(data)
        except ValidationError as exc:
            # 2xx: the invoice exists, but its id could not be read.
            raise InformerOutcomeUnknown(
                f"POST /invoices/sales: success answer without a readable id: {_summary(exc)}",
                method="POST",
                path="/invoices/sales",
                status=200,
                what="the invoice",
            ) from None

    async def invoices_page(
        self,
        relation_id: int | None = None,
        page: int = 1,
        records: int = MAX_RECORDS,
        sort: str | None = None,
        last_edit: date | None = None,
    ) -> InvoicesPage:
        """One page of sales invoices. ``sort`` is ``<field>.<asc|desc>``
        (created, name, number, date, amount, ...); Informer's default is ``date.desc``."""
        params = _page_params(page, records)
        if relation_id is not None:
            params["relation_id"] = str(relation_id)
        if sort is not None:
            params["sort"] = sort
        if last_edit is not None:
            params["last_edit"] = last_edit.isoformat()
        return await self._get_model(InvoicesPage, "/invoices/sales", params)

    async def find_invoices_by_reference(
        self, reference: str, relation_id: int, *, last_edit: date | None = None
    ) -> list[SalesInvoice]:
        """Every invoice of ``relation_id`` whose ``reference`` equals ``reference``,
        newest first.

        The API has no reference filter (unknown parameters are ignored), so this reads
        all of the relation's invoices, newest created first, 100 a call. See the module
        docstring for the cost; ``last_edit`` narrows to invoices edited on a later day.
        """
        found: list[SalesInvoice] = []
        page = 1
        while True:
            result = await self.invoices_page(
                relation_id, page, MAX_RECORDS, sort="created.desc", last_edit=last_edit
            )
            found.extend(i for i in result.invoices if i.reference == reference)
            if last_page(result.pagination, page, len(result.invoices)):
                return found
            page += 1

    async def invoice(self, invoice_id: int) -> SalesInvoice:
        path = f"/invoices/sales/{int(invoice_id)}"
        data = await self._transport.send(Call("GET", path, route="/invoices/sales/{id}"))
        return _validate(_adapter(SalesInvoice), data, path)

    async def sales_invoice_options(self) -> InformerOptions:
        """Every usable VAT rate with the ``vat_option`` values and ledgers it allows."""
        codes = await self._get_list(VatCodeOption, "/invoices/sales/options")
        return InformerOptions(vat_codes=tuple(codes))

    # --- reference data -----------------------------------------------------------------
    async def templates(self) -> list[Template]:
        return await self._get_list(Template, "/templates")

    async def payment_conditions(self) -> list[PaymentCondition]:
        return await self._get_list(PaymentCondition, "/payment-conditions")

    async def currencies(self) -> list[Currency]:
        return await self._get_list(Currency, "/currencies")

    async def vat_codes(self) -> list[Vat]:
        return await self._get_list(Vat, "/vat")

    async def ledgers(self) -> list[Ledger]:
        return await self._get_list(Ledger, "/ledgers")

    async def cost_centres(self) -> list[CostCentre]:
        return await self._get_list(CostCentre, "/costs")

    # --- plumbing -----------------------------------------------------------------------
    async def _get_model(
        self, model: type[M], path: str, params: dict[str, str] | None = None
    ) -> M:
        data = await self._transport.send(Call("GET", path, params or {}))
        return _validate(_adapter(model), data, path)

    async def _get_list(self, model: type[M], path: str) -> list[M]:
        data = await self._transport.send(Call("GET", path))
        return _validate(_adapter(list[model]), data, path)  # type: ignore[valid-type]

    async def _post(self, path: str, payload: dict[str, Any] | bytes, *, what: str) -> Any:
        body = payload if isinstance(payload, bytes) else codec.dumps(payload)
        return await self._transport.send(Call("POST", path, body=body, what=what))


@functools.cache
def _adapter(tp: Any) -> TypeAdapter[Any]:
    return TypeAdapter(tp)


def _validate(adapter: TypeAdapter[T], data: Any, path: str) -> T:
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        raise InformerUnexpectedResponse(
            f"GET {path}: answer does not match the API: {_summary(exc)}",
            method="GET",
            path=path,
            status=200,
        ) from None


def _summary(exc: ValidationError) -> str:
    """Where the answer was wrong, without echoing its values."""
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or '(body)'}: {err['msg']}"
        for err in exc.errors()[:5]
    )


def _page_params(page: int, records: int) -> dict[str, str]:
    if page < 1:
        raise ValueError("page starts at 1")
    if not 1 <= records <= MAX_RECORDS:
        raise ValueError(f"records must be between 1 and {MAX_RECORDS}")
    return {"page": str(page), "records": str(records)}


def last_page(pagination: Pagination, page: int, received: int) -> bool:
    """Stop at the last page Informer announces, or at an empty page whatever it says;
    without an announced count, a short page is the last one."""
    if received == 0:
        return True
    if pagination.pages > 0:
        return page >= pagination.pages
    return received < MAX_RECORDS
