"""Field checks that collect Informer-style 422 messages (Dutch, one per field key)."""

import re
from datetime import date
from decimal import Decimal
from typing import Any, Final

MISSING: Final = object()

MESSAGES = {
    "required": "{f} is verplicht.",
    "integer": "{f} moet een geheel getal zijn.",
    "string": "{f} moet een tekst zijn.",
    "filled": "{f} mag niet leeg zijn.",
    "boolean": "{f} moet waar of onwaar zijn.",
    "date": "{f} moet een geldige datum zijn (Y-m-d).",
    "number": "{f} moet een getal zijn.",
    "decimals": "{f} mag maximaal 2 decimalen hebben.",
    "array": "{f} moet een lijst zijn.",
    "object": "{f} moet een object zijn.",
    "min_items": "{f} moet minstens één regel bevatten.",
    "unknown": "{f} is geen bekend veld.",
    "forbidden": "{f} is niet toegestaan.",
    "invalid": "De geselecteerde {f} is ongeldig.",
    "email": "{f} moet een geldig e-mailadres zijn.",
    "url": "{f} moet een geldige URL zijn.",
    "unique": "{f} is al in gebruik.",
    "between": "{f} moet tussen {low} en {high} liggen.",
    "not_zero": "{f} mag niet 0 zijn.",
}

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Deliberately narrow: one @, a dotted domain with a 2+ letter TLD, no spaces.
_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
_URL = re.compile(r"https?://[^\s/$.?#][^\s]*\.[^\s]+", re.IGNORECASE)


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class Checker:
    """Collects the first error per field key."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def fail(self, key: str, kind: str, **extra: Any) -> None:
        self.errors.setdefault(key, MESSAGES[kind].format(f=key, **extra))

    def ok(self, key: str) -> bool:
        return key not in self.errors

    def unknown_fields(self, body: dict[str, Any], allowed: set[str], prefix: str = "") -> None:
        for name in body:
            if name not in allowed:
                self.fail(f"{prefix}{name}", "unknown")

    def forbid(self, body: dict[str, Any], names: tuple[str, ...], prefix: str = "") -> None:
        for name in names:
            if name in body:
                self.fail(f"{prefix}{name}", "forbidden")

    def integer(self, key: str, value: Any, *, required: bool) -> int | None:
        if value is MISSING:
            if required:
                self.fail(key, "required")
            return None
        if not is_int(value):
            self.fail(key, "integer")
            return None
        return value

    def string(
        self, key: str, value: Any, *, required: bool = False, filled: bool = False
    ) -> str | None:
        """`filled` refuses empty or whitespace-only text when the field is given."""
        if value is MISSING:
            if required:
                self.fail(key, "required")
            return None
        if not isinstance(value, str):
            self.fail(key, "string")
            return None
        if (required or filled) and not value.strip():
            self.fail(key, "required" if required else "filled")
            return None
        return value

    def boolean(self, key: str, value: Any) -> bool | None:
        if value is MISSING:
            return None
        if not isinstance(value, bool):
            self.fail(key, "boolean")
            return None
        return value

    def date(self, key: str, value: Any, *, required: bool) -> date | None:
        if value is MISSING:
            if required:
                self.fail(key, "required")
            return None
        if not isinstance(value, str) or not _DATE.fullmatch(value):
            self.fail(key, "date")
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(key, "date")
            return None

    def amount(self, key: str, value: Any, *, required: bool) -> Decimal | None:
        """A JSON number (not a string) with at most two decimals."""
        if value is MISSING:
            if required:
                self.fail(key, "required")
            return None
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            self.fail(key, "number")
            return None
        amount = Decimal(value)
        if not amount.is_finite():
            self.fail(key, "number")
            return None
        if amount != amount.quantize(Decimal("0.01")):
            self.fail(key, "decimals")
            return None
        return amount

    def email(self, key: str, value: Any) -> None:
        text = self.string(key, value, filled=True)
        if text is not None and not _EMAIL.fullmatch(text):
            self.fail(key, "email")

    def url(self, key: str, value: Any) -> None:
        text = self.string(key, value, filled=True)
        if text is not None and not _URL.fullmatch(text):
            self.fail(key, "url")

    def exists(self, key: str, value: int | None, known: Any) -> None:
        if value is not None and value not in known:
            self.fail(key, "invalid")
