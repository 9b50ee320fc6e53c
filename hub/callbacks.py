"""Callbacks from ministries (payment confirmations, delivery tracking): verified by
signature, refused when replayed.

A connector that receives callbacks implements::

    async def handle_callback(self, headers: Mapping[str, str], body: bytes) -> Callback

verifying the ministry's own signature scheme (PayGov's ``MaXacThuc``, an HMAC, ...)
and raising :class:`CallbackRejected` when it does not hold. The hub then enforces
what every scheme needs and few get right: the timestamp is recent
(``callback_max_age_seconds``) and the nonce was never seen before (a unique row per
connector and nonce, kept past the window). :func:`verify_hmac` is a ready scheme:
``X-Timestamp``, ``X-Nonce`` and ``X-Signature`` = hex HMAC-SHA256 of
``"<timestamp>.<nonce>." + body`` with the connector's shared secret.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hub import reasons_api as A
from hub.errors import HubError

__all__ = ["Callback", "CallbackRejected", "sign_hmac", "verify_hmac"]


class CallbackRejected(HubError):
    """A callback that is not authentic, or not fresh; answered 401 without details."""

    default_code = "callback_rejected"


@dataclass(frozen=True, slots=True)
class Callback:
    """A verified callback: its nonce and time, and what the province must hear."""

    nonce: str
    timestamp: datetime
    #: (mã hồ sơ, kind, payload) for the province update feed
    updates: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    reply: dict[str, Any] = field(default_factory=dict)  #: the body to answer with


def sign_hmac(secret: str, timestamp: str, nonce: str, body: bytes) -> str:
    message = f"{timestamp}.{nonce}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_hmac(secret: str, headers: Mapping[str, str], body: bytes) -> tuple[str, datetime]:
    """Check ``X-Signature``; return the nonce and the timestamp (epoch seconds header)."""
    lower = {k.lower(): v for k, v in headers.items()}
    timestamp, nonce, signature = (lower.get(h) for h in ("x-timestamp", "x-nonce", "x-signature"))
    if not (timestamp and nonce and signature):
        raise CallbackRejected(A.CALLBACK_HEADERS())
    expected = sign_hmac(secret, timestamp, nonce, body)
    if not hmac.compare_digest(expected, signature.lower()):
        raise CallbackRejected(A.CALLBACK_SIGNATURE())
    try:
        when = datetime.fromtimestamp(float(timestamp), UTC)
    except (ValueError, OverflowError, OSError):
        raise CallbackRejected(A.CALLBACK_TIMESTAMP()) from None
    return nonce, when
