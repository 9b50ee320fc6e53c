"""``POST /api/v1/callbacks/{connector}``: a ministry's signed callback, received.

The connector verifies its own signature scheme (:mod:`hub.callbacks`); here the hub
enforces freshness, a nonce it can keep, and one application per nonce. A connector
whose handler fails, or a store that cannot write, is a 503: the ministry sends the
callback again, and nothing it sent is lost.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING

from fastapi import Request
from fastapi.responses import JSONResponse

from hub import reasons_api as A
from hub.callbacks import CallbackRejected
from hub.errors import RequestRefused
from hub.logging import get_logger
from hub.masking import mask_text
from hub.params import has_control_character
from hub.store.store import utcnow

if TYPE_CHECKING:
    from hub.service import Hub

__all__ = ["NONCE_MAX", "receive_callback"]

log = get_logger("hub.api")

#: The longest callback nonce the store keeps (``callback_nonces.nonce``).
NONCE_MAX = 200


async def receive_callback(hub: Hub, connector: str, request: Request) -> JSONResponse:
    conn = hub.connectors.get(connector)
    handler = getattr(conn, "handle_callback", None)
    if handler is None:
        raise RequestRefused(A.NO_CALLBACK(), code="not_found", loc="connector")
    body = await request.body()
    max_age = timedelta(seconds=hub.settings.api.callback_max_age_seconds)
    unavailable = RequestRefused(A.CALLBACK_UNAVAILABLE(), code="unavailable")
    try:
        result = await handler(request.headers, body)
        now = utcnow()
        if abs(now - result.timestamp) > max_age:
            raise CallbackRejected(A.CALLBACK_STALE(), system=connector)
    except CallbackRejected as exc:
        log.warning("callback_rejected", connector=connector, reason=exc.reason)
        raise RequestRefused(A.CALLBACK_REFUSED(), code="unauthorized") from None
    except Exception as exc:  # the connector's bug: the ministry retries, nothing is lost
        log.error("callback_handler_failed", connector=connector, error=type(exc).__name__,
                  reason=mask_text(str(exc))[:300])  # fmt: skip
        raise unavailable from None
    if len(result.nonce) > NONCE_MAX or has_control_character(result.nonce):
        log.warning("callback_bad_nonce", connector=connector, length=len(result.nonce))
        raise RequestRefused(
            A.CALLBACK_STALE_NONCE(limit=NONCE_MAX),
            code="invalid",
            loc="nonce",
        )
    try:
        accepted = await asyncio.to_thread(
            hub.store.accept_callback,
            connector,
            result.nonce,
            result.updates,
            forget_before=now - 2 * max_age,
        )
    except Exception as exc:  # nothing was written (one transaction): the ministry retries
        log.error("callback_not_recorded", connector=connector, error=type(exc).__name__)
        raise unavailable from None
    if not accepted:
        log.warning("callback_replayed", connector=connector)
        raise RequestRefused(A.CALLBACK_REPLAYED(), code="replayed")
    log.info("callback_accepted", connector=connector, updates=len(result.updates))
    return JSONResponse(result.reply or {"ok": True})
