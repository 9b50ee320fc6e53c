"""The connector interface: what a ministry connector implements.

A connector is a small object that translates between the canonical model
(:mod:`hub.models`) and one ministry system's format, and talks to it. The hub
calls it; it never touches the store, never sleeps, never retries a job (the
worker does that) and never logs payloads.

Implement the methods of the capabilities you declare:

=================  ============================================================
capability         methods
=================  ============================================================
``PUSH``           :meth:`Connector.push`
``PULL``           :meth:`Connector.pull` and :meth:`Connector.acknowledge`
``FETCH``          :meth:`Connector.fetch`
``LIST``           :meth:`Connector.list_remote`; optionally ``list_remote_pages(period)``,
                   the same lines a page at a time (see :func:`remote_pages`)
``TRACK``          :meth:`Connector.fetch` (polled for pushed dossiers until final)
``LOOKUP``         ``lookups`` (named queries) and ``lookup()``: see :mod:`hub.lookups`
(optional)         ``track_events(since) -> TrackingPage``: a carrier's tracking feed,
                   polled on a schedule (:meth:`hub.service.Hub.feed_once`)
(optional)         ``warm_up()``: load now (sync, once) what the first push would load
                   (imports, tables); the worker runs it in a thread when it starts
(always)           :meth:`Connector.health`, :meth:`Connector.aclose`
=================  ============================================================

Raise :class:`hub.errors.TransientError` when a later retry may succeed and
:class:`hub.errors.PermanentError` (or a subclass) when it cannot; the reason is
shown to operators, so say what is wrong and where, without personal data.

Register connectors from a plugin with the ``register_connectors`` hook (see
:mod:`hub.hookspecs`); the connector package's ``pyproject.toml`` names the
plugin module in the ``tthc_hub`` entry-point group.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from hub.models import Dossier, DossierEvent, ProcessStep, Result, Status

__all__ = [
    "Capability",
    "Connector",
    "Health",
    "Period",
    "PullBatch",
    "PulledDossier",
    "PushResult",
    "RemoteDossier",
    "RemoteRecord",
    "TrackedEvent",
    "TrackingPage",
    "idempotency_key",
    "probe",
    "remote_pages",
]


class Capability(StrEnum):
    """What a connector can do."""

    PUSH = "push"  #: send the province's events to the ministry
    PULL = "pull"  #: fetch dossiers filed at the ministry, then acknowledge them
    FETCH = "fetch"  #: look one dossier up by mã hồ sơ, with its process history
    LIST = "list"  #: list what the ministry holds for a period (reconciliation)
    #: The ministry processes what the province sent (hộ tịch): the hub polls
    #: :meth:`Connector.fetch` for dossiers it pushed until their status is final, and
    #: tells the province of each change (result ready, supplement required, refused).
    TRACK = "track"
    #: Named queries for staff (business registration, statistics): :mod:`hub.lookups`.
    LOOKUP = "lookup"


@dataclass(frozen=True, slots=True)
class PushResult:
    """What the ministry answered to a push."""

    remote_id: str | None = None  #: the ministry's id for the dossier, if it has one
    remote_code: str | None = None  #: the ministry's answer code (e.g. ``error_code`` "0")
    message: str | None = None  #: the ministry's message, masked by the caller if needed
    request_excerpt: Any = None  #: the payload sent, for the masked attempts log
    response_excerpt: Any = None  #: the reply, likewise
    #: What the province should hear once this push succeeded (a ``GET /api/v1/updates``
    #: row): ``{"kind": ..., "payload": {...}}``, e.g. MONRE's "Đã lưu giấy tờ" with the
    #: store code. The payload is the ministry's answer: no personal data goes in it.
    province_update: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class PulledDossier:
    """A dossier filed at the ministry, in the canonical model."""

    remote_id: str  #: the ministry's id; the inbox dedupes on (connector, remote_id)
    dossier: Dossier
    raw_excerpt: Any = None  #: the ministry's record, for the masked inbox excerpt
    #: True when the province only looks the dossier up (it is processed at the ministry,
    #: as liên thông's): it is kept in the inbox as ``lookup``, never ``new`` to receive.
    lookup_only: bool = False


@dataclass(frozen=True, slots=True)
class PullBatch:
    """One page of newly filed dossiers and the cursor to pass to the next pull."""

    items: list[PulledDossier]
    cursor: str | None = None  #: opaque; stored by the hub and passed back as ``since``
    more: bool = False  #: True when the ministry has more to give right away


@dataclass(frozen=True, slots=True)
class RemoteDossier:
    """A dossier as the ministry holds it, with its process history ("Quy trình")."""

    ma_ho_so: str
    trang_thai: Status | None
    history: list[ProcessStep] = field(default_factory=list)
    dossier: Dossier | None = None  #: the full record, where the ministry returns one
    remote_id: str | None = None
    raw_status: str | None = None  #: the ministry's own status code
    result: Result | None = None  #: the result (certificate, decision) once there is one
    deadline: datetime | None = None  #: e.g. the date a supplement must arrive by
    note: str | None = None  #: the ministry's words on the last step (masked by the caller)


@dataclass(frozen=True, slots=True)
class RemoteRecord:
    """One line of the ministry's listing, enough to reconcile against the mirror."""

    ma_ho_so: str
    ma_tthc: str | None
    trang_thai: Status | None
    updated_at: datetime | None = None
    result_number: str | None = None  #: số of the result, where there is one
    result_sha256: str | None = None  #: hash of the result file, where known


@dataclass(frozen=True, slots=True)
class TrackedEvent:
    """One change of a shipment (a parcel carrying a dossier or a result), read from a
    carrier's tracking feed; the hub stores it and tells the province
    (``GET /api/v1/updates``)."""

    ma_ho_so: str
    direction: str  #: which order of the dossier: ``pickup`` or ``delivery``
    kind: str  #: the province update kind: ``collected``, ``delivered``, ``returned`` ...
    payload: dict[str, Any]  #: what the province is told (status, labels, post office, time)
    event_id: str  #: the carrier's id of the event (the feed's cursor moves past it)
    item_code: str | None = None  #: the carrier's parcel number
    status_code: str | None = None  #: the carrier's own status code
    post_office: str | None = None
    event_time: datetime | None = None
    #: A national status this change gives the dossier: DA_TRA_KET_QUA when the result
    #: was delivered (the return step closes, ``payload["ngay_tra"]`` = delivery time).
    status: Status | None = None
    attention: str | None = None  #: a reason operators must act on (delivery failed for good)


@dataclass(frozen=True, slots=True)
class TrackingPage:
    """A page of a carrier's tracking feed, paged by the last event id seen."""

    events: list[TrackedEvent]
    cursor: str | None  #: the last event id seen; stored durably and passed back
    more: bool = False


@dataclass(frozen=True, slots=True)
class Period:
    """A closed range of days, in Asia/Ho_Chi_Minh."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("period end is before its start")


@dataclass(frozen=True, slots=True)
class Health:
    """The result of a health probe."""

    ok: bool
    detail: str = ""
    latency_ms: float | None = None


@runtime_checkable
class Connector(Protocol):
    """A ministry connector. See the module docstring for the rules."""

    #: Unique short name, lower case (``molisa``); used in routing, jobs and metrics.
    name: str
    #: A title for people (``Trợ giúp xã hội (Bộ LĐTBXH)``).
    title: str
    #: The capabilities this connector implements.
    capabilities: frozenset[Capability]

    async def push(self, event: DossierEvent, dossier: Dossier) -> PushResult:
        """Send one province event to the ministry.

        :param event: the event as it was ingested; ``event.type`` says what happened
            and ``idempotency_key`` below must be sent where the ministry supports it.
        :param dossier: the dossier state to send (usually ``event.snapshot``; the
            operator may ask for the current mirror state on a re-run).
        :returns: the ministry's answer.
        :raises TransientError: the call may succeed later (timeouts, 5xx, busy).
        :raises PermanentError: it cannot (missing data: :class:`MappingError`;
            the ministry refused: :class:`RejectedError`).

        The hub calls ``push`` at least once per event: a re-send after a crash or a
        lost reply must not create a second record at the ministry. Send
        ``idempotency_key(self.name, event)`` with the request.
        """
        ...

    async def pull(self, since: str | None) -> PullBatch:
        """Return dossiers newly filed at the ministry.

        :param since: the cursor returned by the previous pull, or None the first time.

        The hub stores the items durably in the inbox, then calls :meth:`acknowledge`;
        until acknowledged, the ministry may return the same items again and the
        hub ignores the repeats.
        """
        ...

    async def acknowledge(self, remote_ids: list[str]) -> None:
        """Tell the ministry that these pulled dossiers are safely stored at the province."""
        ...

    async def fetch(self, ma_ho_so: str) -> RemoteDossier | None:
        """Look one dossier up at the ministry; None when the ministry does not know it."""
        ...

    def list_remote(self, period: Period) -> AsyncIterator[RemoteRecord]:
        """Yield every dossier the ministry holds that changed in ``period``.

        Stream pages as they come; do not collect them in memory.

        A connector that reads its ministry's listing a page at a time may also define
        ``list_remote_pages(period)``, an async iterator of lists of the same records in
        the same order, a page per list: a reconciliation then takes a page at a time
        instead of a million single yields (:func:`remote_pages`). It is optional (as
        ``warm_up`` is, it is not part of this protocol) and must list exactly what
        ``list_remote`` does; the conformance suite compares the two.
        """
        ...

    async def health(self) -> Health:
        """Probe the ministry cheaply (a login, a lookup of nothing)."""
        ...

    async def aclose(self) -> None:
        """Release clients and connection pools."""
        ...


async def probe(call: Awaitable[Any]) -> Health:
    """Run a connector's cheap health call and report; a probe never raises.

    ``async def health(self): return await probe(self._client.call("Ping", {}))``
    """
    from hub.errors import HubError

    started = time.perf_counter()

    def ms() -> float:
        return round((time.perf_counter() - started) * 1000, 1)

    try:
        await call
    except HubError as exc:
        return Health(ok=False, detail=str(exc), latency_ms=ms())
    except Exception as exc:  # a probe reports, it never raises
        return Health(ok=False, detail=f"unexpected {type(exc).__name__}", latency_ms=ms())
    return Health(ok=True, detail="ok", latency_ms=ms())


#: Records a page when a connector lists one at a time (:func:`remote_pages`).
REMOTE_PAGE = 500


async def remote_pages(
    connector: Any, period: Period, *, size: int = REMOTE_PAGE
) -> AsyncIterator[Sequence[RemoteRecord]]:
    """A connector's listing of ``period`` a page at a time, in its order: its own
    ``list_remote_pages(period)`` where it defines one, else :meth:`Connector.list_remote`
    gathered into lists of ``size`` records (memory: one page). Empty pages are skipped."""
    pages = getattr(connector, "list_remote_pages", None)
    if pages is not None:
        async for page in pages(period):
            if page:
                yield page
        return
    batch: list[RemoteRecord] = []
    async for record in connector.list_remote(period):
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def idempotency_key(connector: str, event: DossierEvent | str) -> str:
    """The key a connector sends with a push, the same on every re-send: the one place
    it is built (the store keeps it on each job, from this function)."""
    event_id = event if isinstance(event, str) else event.id
    return f"{connector}:{event_id}"
