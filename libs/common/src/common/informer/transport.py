"""One Informer HTTP call: credentials, the shared budget, retries and error mapping.

When a call is repeated:

* every call: a connection that never got established (``ClientConnectorError``, a
  connect timeout) and a 429 (after its ``Retry-After``, when that is at most
  ``max_retry_after``): nothing reached Informer, or Informer refused it unprocessed;
* safe calls (GET) also: 5xx, a connection dropped after sending, a timeout, with
  exponential backoff;
* creates (POST) never after the request may have been processed: a drop after
  sending, a timeout, a 5xx or an unreadable success raise
  :class:`InformerOutcomeUnknown` at once, because Informer has no idempotency key
  and a repeat could book a second invoice.

``acquire`` is awaited before every attempt, so each HTTP request takes one token of
the administration's shared budget; ``on_rate_limited(seconds)`` is awaited on every
429 before the client sleeps, so the budget pauses every replica. 400, 401, 404 and
422 are never repeated.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import aiohttp
from multidict import CIMultiDictProxy
from pydantic import SecretStr

from common.informer import codec
from common.informer.errors import (
    InformerAuthError,
    InformerBadRequest,
    InformerError,
    InformerErrorBody,
    InformerNotFound,
    InformerOutcomeUnknown,
    InformerRateLimited,
    InformerUnavailable,
    InformerUnexpectedResponse,
    InformerValidationError,
)
from common.logging import get_logger

log = get_logger(__name__)

Acquire = Callable[[], Awaitable[None]]
OnRateLimited = Callable[[float], Awaitable[None]]
Sleep = Callable[[float], Awaitable[None]]

# Raised before a single byte of the request left this process: safe to repeat.
_NOT_SENT = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)
_REDACTED = "***"

E = TypeVar("E", bound=InformerError)


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    what: str = "the request"
    route: str | None = None  # the path template, when the path carries an id

    @property
    def idempotent(self) -> bool:
        return self.method == "GET"

    @property
    def endpoint(self) -> str:
        """``"GET /invoices/sales/{id}"``: low-cardinality, for counts and metrics."""
        return f"{self.method} {self.route or self.path}"


class Transport:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        api_key: SecretStr,
        security_code: SecretStr,
        *,
        acquire: Acquire | None,
        on_rate_limited: OnRateLimited | None,
        timeout: float,
        max_attempts: int,
        backoff: float,
        max_retry_after: float,
        sleep: Sleep,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._session = session
        self._base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._security_code = security_code
        self._acquire = acquire
        self._on_rate_limited = on_rate_limited
        self._timeout = aiohttp.ClientTimeout(total=timeout, connect=min(timeout / 2, 10.0))
        self.max_attempts = max_attempts
        self._backoff = backoff
        self._max_retry_after = max_retry_after
        self._sleep = sleep
        self.calls = 0
        self.calls_by_endpoint: Counter[str] = Counter()

    async def send(self, call: Call) -> Any:
        """The parsed JSON of a 2xx answer (floats as ``Decimal``), else an InformerError."""
        for attempt in range(1, self.max_attempts + 1):
            if self._acquire is not None:
                await self._acquire()
            self.calls += 1
            self.calls_by_endpoint[call.endpoint] += 1
            try:
                status, headers, raw = await self._request(call)
            except _NOT_SENT as exc:
                error: InformerError = self._error(
                    InformerUnavailable, call, None, None, f"could not connect: {_describe(exc)}"
                )
                wait: float | None = self._backoff_wait(attempt)
            except (aiohttp.ClientError, TimeoutError) as exc:
                detail = f"no answer: {_describe(exc)}"
                if not call.idempotent:
                    raise self._error(InformerOutcomeUnknown, call, None, None, detail) from None
                error = self._error(InformerUnavailable, call, None, None, detail)
                wait = self._backoff_wait(attempt)
            else:
                if 200 <= status < 300:
                    return self._parse_success(call, status, raw)
                error, wait = await self._classify(call, status, headers, raw, attempt)
            if not error.transient or wait is None or attempt == self.max_attempts:
                raise error
            log.info(
                "informer call will be repeated",
                endpoint=call.endpoint,
                status=error.status,
                attempt=attempt,
                wait_s=round(wait, 3),
                error_type=type(error).__name__,
            )
            await self._sleep(wait)
        raise AssertionError("unreachable: the last attempt always raises or returns")

    async def _request(self, call: Call) -> tuple[int, CIMultiDictProxy[str], bytes]:
        headers = {
            "Apikey": self._api_key.get_secret_value(),
            "Securitycode": self._security_code.get_secret_value(),
            "Accept": "application/json",
        }
        if call.body is not None:
            headers["Content-Type"] = "application/json"
        async with self._session.request(
            call.method,
            self._base_url + call.path,
            params=call.params or None,
            data=call.body,
            headers=headers,
            timeout=self._timeout,
            allow_redirects=False,
        ) as response:
            return response.status, response.headers, await response.read()

    def _parse_success(self, call: Call, status: int, raw: bytes) -> Any:
        try:
            return codec.loads(raw)
        except ValueError:
            kind = InformerUnexpectedResponse if call.idempotent else InformerOutcomeUnknown
            detail = f"{status} with a body that is not JSON: {_excerpt(raw)}"
            raise self._error(kind, call, status, None, detail) from None

    async def _classify(
        self,
        call: Call,
        status: int,
        headers: CIMultiDictProxy[str],
        raw: bytes,
        attempt: int,
    ) -> tuple[InformerError, float | None]:
        body = self._error_body(raw)
        detail = f"{status} {body!r}" if body is not None else f"{status} {_excerpt(raw)}"
        if status == 429:
            retry_after = _retry_after(headers.get("Retry-After"), self._backoff_wait(attempt))
            if self._on_rate_limited is not None:
                await self._on_rate_limited(retry_after)
            error = self._error(
                InformerRateLimited, call, status, body, detail, retry_after=retry_after
            )
            return error, retry_after if retry_after <= self._max_retry_after else None
        if status >= 500:
            if not call.idempotent:
                return self._error(InformerOutcomeUnknown, call, status, body, detail), None
            return self._error(InformerUnavailable, call, status, body, detail), (
                self._backoff_wait(attempt)
            )
        if status == 422:
            fields = {str(k): str(v) for k, v in body.items()} if isinstance(body, dict) else {}
            return self._error(
                InformerValidationError, call, status, body, detail, fields=fields
            ), None
        kinds: dict[int, type[InformerError]] = {
            400: InformerBadRequest,
            401: InformerAuthError,
            404: InformerNotFound,
        }
        return self._error(kinds.get(status, InformerError), call, status, body, detail), None

    def _error_body(self, raw: bytes) -> InformerErrorBody:
        """Informer's ``error`` member, scrubbed; None for a gateway's HTML page."""
        try:
            parsed = codec.loads(raw)
        except ValueError:
            return None
        if isinstance(parsed, dict) and "error" in parsed:
            return self._scrub_value(parsed["error"])
        return None

    def _error(
        self,
        kind: type[E],
        call: Call,
        status: int | None,
        body: InformerErrorBody,
        detail: str,
        **extra: Any,
    ) -> E:
        message = self._scrub(f"{call.endpoint}: {detail}")
        return kind(
            message,
            method=call.method,
            path=call.path,
            status=status,
            error=body,
            what=call.what,
            **extra,
        )

    def _backoff_wait(self, attempt: int) -> float:
        return self._backoff * 2 ** (attempt - 1)

    def _scrub(self, text: str) -> str:
        for secret in (self._api_key, self._security_code):
            value = secret.get_secret_value()
            if value:
                text = text.replace(value, _REDACTED)
        return text

    def _scrub_value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._scrub(value)
        if isinstance(value, list):
            return [self._scrub_value(v) for v in value]
        if isinstance(value, dict):
            return {self._scrub(str(k)): self._scrub_value(v) for k, v in value.items()}
        return value


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _excerpt(raw: bytes, limit: int = 200) -> str:
    text = raw.decode("utf-8", "replace").strip()
    return repr(text[:limit] + ("…" if len(text) > limit else ""))


def _retry_after(value: str | None, default: float) -> float:
    """Seconds from a ``Retry-After`` header (seconds or an HTTP date)."""
    if value is None:
        return default
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return default
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    if not math.isfinite(seconds):
        return default
    return max(0.0, seconds)
