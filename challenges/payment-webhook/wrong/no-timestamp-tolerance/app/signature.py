"""Verifying the gateway's webhook signatures.

The header is ``Gateway-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...]``; each ``v1`` is
the lower-case hex HMAC-SHA256, keyed with the webhook secret, of ``b"<t>." + raw_body``.
"""

from __future__ import annotations

import hashlib
import hmac
import re

TOLERANCE_SECONDS = 300

_DIGITS = re.compile(r"[0-9]+")


class InvalidSignature(Exception):
    """The delivery is not authentic (or too old/new to be trusted)."""


def expected_signature(secret: bytes, timestamp: str, body: bytes) -> str:
    return hmac.new(secret, timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


def verify_signature(header: str | None, body: bytes, *, secret: bytes, now: float) -> None:
    """Raise InvalidSignature unless ``header`` signs ``body`` (the raw bytes) recently enough."""
    if not header:
        raise InvalidSignature("missing Gateway-Signature header")

    timestamp: str | None = None
    candidates: list[str] = []
    for element in header.split(","):
        key, sep, value = element.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            if timestamp is not None:
                raise InvalidSignature("malformed Gateway-Signature header: several timestamps")
            timestamp = value
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not _DIGITS.fullmatch(timestamp):
        raise InvalidSignature("malformed Gateway-Signature header: no valid timestamp")
    if not candidates:
        raise InvalidSignature("malformed Gateway-Signature header: no v1 signature")

    expected = expected_signature(secret, timestamp, body).encode()
    # Check every candidate (no early exit): the time taken does not depend on which matched.
    matched = False
    for candidate in candidates:
        matched |= hmac.compare_digest(expected, candidate.encode())
    if not matched:
        raise InvalidSignature("signature mismatch")

