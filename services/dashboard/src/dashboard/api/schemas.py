"""Helpers to describe endpoints in the OpenAPI document, next to each endpoint."""

from __future__ import annotations

from typing import Any

ERROR: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "status": {"type": "integer"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        }
    },
}

INSTALLATION_ID = {
    "name": "installation_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "format": "uuid"},
}
ORDER_ID = {
    "name": "order_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1},
}
TICKET_ID = {
    "name": "ticket_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "format": "uuid"},
}

_METHODS_WITH_BODY = ("post", "put", "patch")


def op(
    summary: str,
    *,
    responses: dict[str, dict[str, Any] | None],
    body: dict[str, Any] | None = None,
    parameters: list[dict[str, Any]] | None = None,
    public: bool = False,
) -> dict[str, Any]:
    """One operation. Authenticated ones need the session cookie, and (when they
    change something) the X-CSRF-Token header; 401 and 404 apply to all of them."""
    operation: dict[str, Any] = {"summary": summary, "responses": {}}
    for status, schema in responses.items():
        described: dict[str, Any] = {"description": summary if status < "300" else "error"}
        if schema is not None:
            described["content"] = {"application/json": {"schema": schema}}
        operation["responses"][status] = described
    if not public:
        operation["security"] = [{"session": []}]
        operation["responses"].setdefault(
            "401",
            {"description": "not logged in", "content": {"application/json": {"schema": ERROR}}},
        )
    if parameters:
        operation["parameters"] = parameters
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": body}},
        }
    return operation
