"""Every way an Informer call can fail, as one exception hierarchy.

Each error keeps Informer's own words (``error``, the body's ``error`` member: a
string, a list, or for 422 a field → Dutch message mapping), the HTTP ``status``
(``None`` when no answer came) and the call (``method``, ``path``). ``str(error)`` is
for logs and support; :meth:`InformerError.plain_message` is for the merchant.
Neither ever holds the API key or the security code: the client scrubs both from
every text it puts in an error.

``transient`` says whether the same call may succeed later without anyone changing
anything. :class:`InformerOutcomeUnknown` is neither a success nor a failure: a create
was sent and may or may not have been stored, so the caller must look it up before
sending it again.
"""

from __future__ import annotations

from typing import Any

InformerErrorBody = str | list[Any] | dict[str, Any] | None


class InformerError(Exception):
    """An Informer call failed. Base of every error the client raises."""

    transient = False

    def __init__(
        self,
        message: str,
        *,
        method: str,
        path: str,
        status: int | None = None,
        error: InformerErrorBody = None,
        what: str = "the request",
    ) -> None:
        super().__init__(message)
        self.method = method
        self.path = path
        self.status = status
        self.error = error
        self.what = what

    def informer_says(self) -> str:
        """Informer's own message(s) as one line; empty when it sent none."""
        error = self.error
        if error is None:
            return ""
        if isinstance(error, dict):
            return "; ".join(f"{key}: {value}" for key, value in error.items())
        if isinstance(error, list):
            return "; ".join(str(item) for item in error)
        return str(error)

    def plain_message(self) -> str:
        said = self.informer_says()
        suffix = f" Informer said: {said}" if said else ""
        status = f" (HTTP {self.status})" if self.status else ""
        return f"Informer refused {self.what}{status}.{suffix}"


class InformerValidationError(InformerError):
    """422: Informer refused the data. Sending it again unchanged fails again."""

    def __init__(self, message: str, *, fields: dict[str, str], **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.fields = fields

    def plain_message(self) -> str:
        intro = (
            f"Informer refused {self.what} because some of the data is not valid. "
            "Check the fields below (the order's customer and lines, and the VAT codes, "
            "ledgers, template and payment condition chosen in the settings), correct "
            "the cause and process the order again."
        )
        if self.fields:
            lines = [f"- {field}: {message}" for field, message in self.fields.items()]
        else:
            lines = [f"- {self.informer_says() or 'no details given'}"]
        return "\n".join([intro, *lines])


class InformerAuthError(InformerError):
    """401: the API key or the security code is wrong, or the key was revoked."""

    def plain_message(self) -> str:
        return (
            "Informer refused the API key or the security code. Check both in Informer "
            "(Settings > API, and the company's security code) and save them again in "
            "the integration's settings."
        )


class InformerNotFound(InformerError):
    """404: something the call names does not exist (in this administration)."""

    def plain_message(self) -> str:
        said = self.informer_says()
        suffix = f" Informer said: {said}" if said else ""
        return (
            f"Informer could not find something {self.what} refers to, for example a "
            "customer (relation) that was deleted in Informer or belongs to another "
            f"administration.{suffix}"
        )


class InformerBadRequest(InformerError):
    """400: the request itself was malformed. A bug on our side, never retried."""


class InformerRateLimited(InformerError):
    """429 after every attempt was spent, or a ``Retry-After`` longer than the client
    will sleep: nothing was done; try again after ``retry_after`` seconds."""

    transient = True

    def __init__(self, message: str, *, retry_after: float, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after

    def plain_message(self) -> str:
        return (
            "Informer's limit of API calls for this API key was reached. Nothing was "
            f"booked; the integration tries again in about {self.retry_after:.0f} seconds."
        )


class InformerUnavailable(InformerError):
    """5xx, a connection error or a timeout on a call that is safe to repeat, after
    every attempt was spent; or a create that never reached Informer."""

    transient = True

    def plain_message(self) -> str:
        return (
            "Informer could not be reached or had a temporary problem. Nothing was "
            "booked; the integration tries again later."
        )


class InformerOutcomeUnknown(InformerError):
    """A create (POST) was sent and no clear answer came back: the connection broke
    after sending, it timed out, Informer answered 5xx, or a success answer could not
    be read. It may have been stored. The client never repeats such a call; the caller
    looks the invoice up by its reference before creating it again."""

    transient = True

    def plain_message(self) -> str:
        return (
            f"The connection to Informer broke while {self.what} was being created, so it "
            "is not yet known whether Informer stored it. The integration checks Informer "
            "before trying again, so nothing is booked twice."
        )


class InformerUnexpectedResponse(InformerError):
    """A successful answer whose body is not what the API describes."""

    def plain_message(self) -> str:
        return (
            "Informer sent an answer the integration could not read. Please report this "
            "problem so support can look into it."
        )
