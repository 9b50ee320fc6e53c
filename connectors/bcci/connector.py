"""The public postal service connector (VNPost, bưu chính công ích): PUSH and a tracking
feed.

``push`` turns the province's events into VNPost orders: a pickup when a dossier filed
by post waits to be collected, a delivery when a result is to be sent by post, a cancel
when the dossier is withdrawn (status 7) or the citizen no longer wants the result by
post; a changed delivery address cancels the open delivery and orders it again.
``track_events`` reads VNPost's tracking feed from the last event id seen (the hub
keeps it: :meth:`hub.service.Hub.feed_once`); ``handle_callback`` takes VNPost's signed
status notices.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hub.sdk import (
    Callback,
    CallbackRejected,
    Capability,
    ContractError,
    Dossier,
    DossierEvent,
    EventType,
    Health,
    PushResult,
    Status,
    TrackingPage,
    idempotency_key,
    message,
    probe,
    verify_hmac,
)

from . import mapping, messages
from .client import ALREADY_EXISTS, CHANGED, NOT_FOUND, OK, SYSTEM, BcciClient
from .settings import BcciSettings

__all__ = ["BcciConnector"]

_CREATED = frozenset({OK, ALREADY_EXISTS})


class BcciConnector:
    """The hub's side of VNPost. The wire format lives in mapping.py and client.py."""

    name = "bcci"
    title = "Bưu chính công ích (VNPost)"
    capabilities = frozenset({Capability.PUSH})

    def __init__(self, settings: BcciSettings) -> None:
        self.settings = settings
        self._client = BcciClient(settings)

    @property
    def client(self) -> BcciClient:
        return self._client

    async def push(self, event: DossierEvent, dossier: Dossier) -> PushResult:
        key = idempotency_key(self.name, event)
        if dossier.trang_thai == Status.CONG_DAN_RUT_HO_SO:
            return await self._cancel(dossier.ma_ho_so, None, key)
        if mapping.wants_pickup(dossier):
            return await self._create(mapping.pickup_order(dossier, self.settings), key)
        if mapping.wants_delivery(dossier):
            return await self._deliver(dossier, key)
        if event.type is EventType.UPDATED and dossier.trang_thai == Status.DA_XU_LY_XONG:
            # the citizen no longer wants the result by post: drop an open delivery
            return await self._cancel(dossier.ma_ho_so, mapping.DELIVERY, key)
        return PushResult(remote_code="skipped", message="nothing for VNPost in this event")

    async def _create(self, order: dict[str, Any], key: str) -> PushResult:
        answer = await self._client.call(
            "POST", "/api/orders", body=order, accept=_CREATED, idempotency_key=key
        )
        return PushResult(
            remote_id=answer.get("ItemCode") or None,
            remote_code=str(answer["Status"]),
            message=answer.get("Message"),
            request_excerpt=order,
            response_excerpt=answer,
        )

    async def _deliver(self, dossier: Dossier, key: str) -> PushResult:
        order = mapping.delivery_order(dossier, self.settings)  # MappingError: nothing sent
        answer = await self._client.call(
            "POST", "/api/orders", body=order, accept=_CREATED | {CHANGED}, idempotency_key=key
        )
        if str(answer["Status"]) == CHANGED:
            # the citizen changed the address: cancel the open delivery, order it again
            await self._cancel(dossier.ma_ho_so, mapping.DELIVERY, f"{key}:cancel")
            return await self._create(order, f"{key}:reorder")
        return PushResult(
            remote_id=answer.get("ItemCode") or None,
            remote_code=str(answer["Status"]),
            message=answer.get("Message"),
            request_excerpt=order,
            response_excerpt=answer,
        )

    async def _cancel(self, ma_ho_so: str, direction: str | None, key: str) -> PushResult:
        body: dict[str, Any] = {
            "CustomerCode": self.settings.customer_code,
            "OrderNumber": ma_ho_so,
        }
        if direction is not None:
            body["OrderType"] = mapping.ORDER_TYPE[direction]
        answer = await self._client.call(
            "POST", "/api/orders/cancel", body=body, accept=frozenset({OK, NOT_FOUND}),
            idempotency_key=key,
        )  # fmt: skip
        return PushResult(
            remote_code=str(answer["Status"]),
            message=answer.get("Message"),
            request_excerpt=body,
            response_excerpt=answer,
        )

    async def track_events(self, since: str | None) -> TrackingPage:
        """One page of VNPost's tracking feed after event id ``since``."""
        params = {
            "CustomerCode": self.settings.customer_code,
            "LastId": since or "0",
            "PageSize": self.settings.page_size,
        }
        answer = await self._client.call("GET", "/api/tracking", params=params)
        rows = answer.get("Data")
        if not isinstance(rows, list):
            raise ContractError(
                message("contract.missing", operation="/api/tracking", field="Data"),
                system=SYSTEM,
            )
        events = []
        for row in rows:
            if not isinstance(row, dict) or "Id" not in row or "OrderNumber" not in row:
                words = message(
                    "contract.missing", operation="/api/tracking", field="Data[].Id/OrderNumber"
                )
                raise ContractError(words, system=SYSTEM)
            found = mapping.tracked_event(row)
            if found is not None:
                events.append(found)
        cursor = str(answer.get("LastId") or (rows[-1]["Id"] if rows else since or "0"))
        return TrackingPage(events=events, cursor=cursor, more=bool(answer.get("More")))

    async def handle_callback(self, headers: Mapping[str, str], body: bytes) -> Callback:
        """A signed status notice (``X-Timestamp``, ``X-Nonce``, ``X-Signature``: HMAC)."""
        secret = self.settings.callback_secret.get_secret_value()
        if not secret:
            raise CallbackRejected(messages.NO_CALLBACK_SECRET(), system=SYSTEM)
        nonce, when = verify_hmac(secret, headers, body)
        try:
            rows = json.loads(body)["Data"]
        except (ValueError, KeyError, TypeError):
            raise CallbackRejected(messages.NOTICE_SHAPE(), system=SYSTEM) from None
        updates = []
        for row in rows if isinstance(rows, list) else []:
            found = mapping.tracked_event(row) if isinstance(row, dict) else None
            if found is not None:
                updates.append((found.ma_ho_so, found.kind, {**found.payload, "source": "notice"}))
        return Callback(nonce=nonce, timestamp=when, updates=updates, reply={"Status": OK})

    async def health(self) -> Health:
        return await probe(self._client.token())

    async def aclose(self) -> None:
        await self._client.aclose()
