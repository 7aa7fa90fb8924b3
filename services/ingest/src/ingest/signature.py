"""KMO Shops webhook signatures: HMAC-SHA256 over "<timestamp>.<raw body>"."""

from __future__ import annotations

import hashlib
import hmac

PREFIX = "sha256="


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return PREFIX + digest.hexdigest()


def signature_matches(secret: str, timestamp: str, body: bytes, header: str) -> bool:
    """Constant-time comparison of the header with the signature we compute."""
    return hmac.compare_digest(sign(secret, timestamp, body).encode(), header.strip().encode())


def timestamp_skew(timestamp: str, now: float) -> float | None:
    """Seconds between the header's Unix timestamp and now; None when it is not one."""
    if not timestamp.isdigit() or len(timestamp) > 12:
        return None
    return abs(now - int(timestamp))
