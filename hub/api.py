"""The hub's REST API (FastAPI): ingest, inbox, jobs, lookups, health.

Errors are ``{"errors": [{"loc", "type", "message_vi", "message_en"}]}`` with the
field path (``events[3].snapshot.chu_ho_so.so_giay_to``); the offending value is
never echoed, since it may be personal data. Every endpoint answers in that shape:
the body is built by :func:`hub.errors.error_body` alone (see :mod:`hub.routes`).
"""

from __future__ import annotations

import asyncio
import gc
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub import reasons_api as A
from hub.auth import Principal, requires
from hub.errors import (
    EventConflict,
    HubError,
    IngestError,
    RejectedError,
    RequestRefused,
    error_body,
    error_entry,
)
from hub.fastcheck import FastValidator
from hub.logging import get_logger
from hub.messages import Message as Words
from hub.models import DossierEvent
from hub.params import cursor_query, has_control_character, text_path, text_query
from hub.routes import document_errors, error_response, person_response
from hub.routes.callbacks import receive_callback
from hub.service import Hub
from hub.startup import freeze_start_up_objects

__all__ = ["create_app"]

log = get_logger("hub.api")


class _Batch(BaseModel):
    events: list[DossierEvent] = Field(min_length=1)


_EVENT = TypeAdapter(DossierEvent)
_EVENTS = TypeAdapter(list[DossierEvent])
#: The same for a valid body, its common case without the Python text and date checks
#: (issue #21, hub.fastcheck): what they accept, and how, is the same.
_FAST_EVENT = FastValidator(DossierEvent)
_FAST_EVENTS = FastValidator(list[DossierEvent])


def _loc(parts: tuple[Any, ...] | list[Any]) -> str:
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + str(p)
    return out


def _parse_events(data: Any) -> list[DossierEvent]:
    """One event, a JSON list of events, or ``{"events": [...]}``; paths say which."""
    if isinstance(data, dict) and "events" in data:
        return _Batch.model_validate(data).events
    if isinstance(data, list):
        try:
            return _EVENTS.validate_python(data)
        except ValidationError as exc:
            raise _PrefixedError(exc, ["events"]) from None
    return [_EVENT.validate_python(data)]


def _valid_events(raw: bytes) -> list[DossierEvent] | None:
    """The events of a valid body (one event or a JSON list), validated straight from
    its bytes by pydantic's own JSON parser (half the time of ``json.loads`` and then
    validating the Python objects); None for any other body, and for one it refuses:
    :func:`_parse_body` then parses it again and says what is wrong, as it always has."""
    first = raw[:64].lstrip()[:1]
    adapter = _FAST_EVENTS if first == b"[" else _FAST_EVENT if first == b"{" else None
    if adapter is None:
        return None
    try:
        found = adapter.validate_json(raw)
    except ValidationError:
        return None
    return found if isinstance(found, list) else [found]


def _parse_body(raw: bytes) -> list[DossierEvent] | JSONResponse:
    """The events of the body, or the 422 answer naming each field wrong (by index)."""
    try:
        data = json.loads(raw)
    except RecursionError:
        raise IngestError(A.BODY_TOO_DEEP(), code="body_too_deep", status=400, loc="body") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise IngestError(
            A.JSON_INVALID(kind=type(exc).__name__),
            code="json_invalid",
            status=400,
            loc="body",
        ) from None
    try:
        return _parse_events(data)
    except _PrefixedError as exc:
        return error_response(*_validation_errors(exc.exc, exc.prefix), status=422)
    except ValidationError as exc:
        return error_response(*_validation_errors(exc), status=422)


class _PrefixedError(Exception):
    def __init__(self, exc: ValidationError, prefix: list[Any]) -> None:
        self.exc, self.prefix = exc, prefix


def _validation_errors(
    exc: ValidationError | RequestValidationError, prefix: list[Any] | None = None
) -> list[dict[str, Any]]:
    found = (
        exc.errors(include_input=False, include_url=False)
        if isinstance(exc, ValidationError)
        else exc.errors()
    )
    # A check that words its refusal in both languages (hub.params.one_of) puts the
    # Vietnamese in the error's context.
    return [
        error_entry(
            _loc([*(prefix or []), *e["loc"]]),
            e["type"],
            e["msg"],
            (e.get("ctx") or {}).get("message_vi"),
        )
        for e in found
    ]


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413, before reading them whole."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _control_in_target(scope):
            await self._refuse(send, _CONTROL)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await self._refuse(send)

    async def _refuse(self, send: Send, refused: RequestRefused | None = None) -> None:
        refused = refused or RequestRefused(
            A.BODY_TOO_LARGE(limit=self.limit), code="body_too_large", loc="body"
        )
        body = json.dumps(error_body(refused)).encode()
        await send(
            {
                "type": "http.response.start",
                "status": refused.status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass


_CONTROL = RequestRefused(A.CONTROL_CHARACTER(), code="bad_request", loc="path")
_ESCAPED_CONTROL = re.compile(rb"%(?:[01][0-9a-f]|7f)", re.IGNORECASE)


def _control_in_target(scope: Scope) -> bool:
    """A control character (NUL included) in the path or the query string: PostgreSQL
    refuses NUL, SQLite stores it; every route (a connector's too) refuses both alike."""
    query = scope.get("query_string") or b""
    return (
        has_control_character(scope.get("path", ""))
        or _ESCAPED_CONTROL.search(query) is not None
        or any(b < 0x20 or b == 0x7F for b in query)
    )


#: Set once this process froze what its first app built (see the lifespan, issue #21).
_APP_FROZEN: list[bool] = []


def create_app(
    hub: Hub, *, run_worker: bool = False, run_scheduler: bool = False, close_hub: bool = True
) -> FastAPI:
    """The API over ``hub``; optionally running the worker and the pull scheduler in-process.

    ``close_hub``: close the hub's connectors and engine when the app shuts down.
    """

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        freeze_start_up_objects()
        # That ran when the hub built its worker, before create_app: freeze the app's
        # routes, schemas and modules too (~36,000 objects each full collection walked).
        # A batch holds thousands of objects at once: at 700 allocations a young collection
        # ran 4-5 times a batch of 100 (~9 µs an event); at 10,000 none (docs/performance).
        if not _APP_FROZEN:
            _APP_FROZEN.append(True)
            gc.collect()
            gc.freeze()
            gc.set_threshold(10_000, *gc.get_threshold()[1:])
        stop = asyncio.Event()
        worker_task = None
        scheduler = None
        tasks_runner = None
        if run_worker:
            worker_task = asyncio.create_task(hub.worker.supervise(stop))
            tasks_runner = asyncio.create_task(hub.run_tasks(stop))
        if run_scheduler and hub.settings.scheduler.enabled:
            from hub.scheduler import build_scheduler

            scheduler = build_scheduler(hub)
            scheduler.start()
        try:
            yield
        finally:
            stop.set()
            if scheduler is not None:
                scheduler.shutdown(wait=False)
            if worker_task is not None:
                await worker_task
            if tasks_runner is not None:
                await tasks_runner
            if close_hub:
                await hub.aclose()

    app = FastAPI(
        title="tthc-hub",
        version="0.1.0",
        description="Integration hub between the province's one-stop-shop and the ministries",
        lifespan=lifespan,
    )
    settings = hub.settings
    ingest_role = Depends(requires(settings.api_keys, "province-ingest"))
    read_role = Depends(requires(settings.api_keys, "viewer", "province-ingest"))
    view_role = Depends(requires(settings.api_keys, "viewer"))

    _error_handlers(app)

    @app.get("/metrics", dependencies=[view_role], include_in_schema=False)
    async def metrics() -> Response:
        """Prometheus: attempts and call durations, jobs by state, oldest waiting, breakers."""
        from hub.metrics import CONTENT_TYPE

        body = await asyncio.to_thread(hub.metrics.render)
        return Response(body, media_type=CONTENT_TYPE)

    @app.post("/api/v1/callbacks/{connector}")
    async def callback(request: Request, connector: str = text_path()) -> JSONResponse:
        """A ministry's callback (payment confirmed, parcel delivered). No API key: the
        connector checks the ministry's signature; the hub refuses stale or replayed ones.
        Refusals say nothing about why, to a caller that may be probing. A connector
        whose handler fails, or a store that cannot write, is a 503: the ministry sends
        the callback again, and nothing it sent is lost."""
        return await receive_callback(hub, connector, request)

    @app.get("/api/v1/health")
    async def health() -> JSONResponse:
        # 503 while the worker this process runs is down (restarting after a failure).
        worker = hub.worker.health() if run_worker else {"state": "not_run_here"}
        ok = not run_worker or worker["state"] in ("running", "not_started")
        body = {"status": "ok" if ok else "failing", "connectors": sorted(hub.connectors)}
        return JSONResponse(body | {"worker": worker}, status_code=200 if ok else 503)

    @app.post("/api/v1/events", status_code=202, dependencies=[ingest_role])
    async def ingest(request: Request) -> JSONResponse:
        raw = await request.body()
        batch = _valid_events(raw)
        if batch is None:
            parsed = _parse_body(raw)
            if isinstance(parsed, JSONResponse):
                return parsed
            batch = parsed
        if not batch:
            raise IngestError(A.EMPTY_BATCH(), code="empty_batch", loc="events")
        if len(batch) > settings.api.max_batch_events:
            raise IngestError(
                A.BATCH_TOO_LARGE(limit=settings.api.max_batch_events),
                code="batch_too_large",
                status=413,
                loc="events",
            )
        unknown = [
            IngestError(
                A.MA_TTHC_UNKNOWN(),
                code="ma_tthc_unknown",
                loc=f"events[{i}].snapshot.ma_tthc",
            )
            for i, e in enumerate(batch)
            if e.snapshot.ma_tthc not in hub.catalog
        ]
        if unknown:
            return error_response(*unknown)
        try:
            if hub.store.dialect == "sqlite":
                # A local transaction of a few ms: cheaper in the loop than handed to a
                # thread whose Python then competes with the loop for the GIL (issue #9).
                outcomes = hub.store.ingest(batch, hub.router.targets)
            else:
                outcomes = await asyncio.to_thread(hub.store.ingest, batch, hub.router.targets)
        except EventConflict as exc:
            conflicts = [
                error_entry(f"events[{i}].id", exc.code, f"event id {event_id} was received "
                            "before with a different body: a new event needs a new id")
                for i, event_id in exc.conflicts
            ]  # fmt: skip
            return error_response(*conflicts, status=409)
        hub.worker.notify()
        hub.metrics.events.inc(sum(1 for o in outcomes if not o.duplicate))
        accepted = [
            {"id": o.event_id, "ma_ho_so": o.ma_ho_so, "sequence": o.sequence,
             "connectors": list(o.connectors)}
            for o in outcomes if not o.duplicate
        ]  # fmt: skip
        duplicates = [o.event_id for o in outcomes if o.duplicate]
        log.info("events_ingested", accepted=len(accepted), duplicates=len(duplicates))
        return JSONResponse({"accepted": accepted, "duplicates": duplicates}, status_code=202)

    @app.get("/api/v1/inbox", dependencies=[read_role])
    async def list_inbox(
        state: str | None = Query("new", pattern="^(new|taken|lookup)$"),
        connector: str | None = text_query(),
        after_id: int = cursor_query(),
        limit: int = Query(100, ge=1, le=1000),
        who: Principal = read_role,
    ) -> JSONResponse:
        _known_connector(hub, connector)
        rows = hub.store.list_inbox(
            state=state, connector=connector, after_id=after_id, limit=limit
        )
        items = [
            {
                "id": r["id"],
                "connector": r["connector"],
                "remote_id": r["remote_id"],
                "ma_ho_so": r["ma_ho_so"],
                "ma_tthc": r["ma_tthc"],
                "state": r["state"],
                "pulled_at": r["pulled_at"],
                "dossier": r["snapshot"],
            }
            for r in rows
        ]
        next_after_id = items[-1]["id"] if items else after_id
        return person_response({"items": items, "next_after_id": next_after_id}, who)

    @app.get("/api/v1/updates", dependencies=[read_role])
    async def list_updates(
        after_id: int = cursor_query(),
        limit: int = Query(100, ge=1, le=1000),
        ma_ho_so: str | None = text_query(),
        who: Principal = read_role,
    ) -> JSONResponse:
        """What the province must hear about, in order: results, refusals, supplements.
        Keep the last ``id`` seen and pass it as ``after_id``."""
        rows = hub.store.list_province_updates(after_id=after_id, limit=limit, ma_ho_so=ma_ho_so)
        next_after_id = rows[-1]["id"] if rows else after_id
        return person_response({"items": rows, "next_after_id": next_after_id}, who)

    @app.get("/api/v1/dossiers/{ma_ho_so}", dependencies=[read_role])
    async def get_dossier(ma_ho_so: str = text_path(), who: Principal = read_role) -> JSONResponse:
        row = hub.store.get_dossier(ma_ho_so)
        if row is None:
            raise RequestRefused(A.UNKNOWN_DOSSIER(), code="not_found", loc="ma_ho_so")
        jobs_ = hub.store.list_jobs(ma_ho_so=ma_ho_so, limit=1000)
        return person_response({"dossier": row, "jobs": jobs_}, who)

    @app.get("/api/v1/connectors", dependencies=[view_role])
    async def connectors() -> dict[str, Any]:
        return {"items": hub.describe_connectors()}

    @app.get("/api/v1/lookup/{connector}/{ma_ho_so}", dependencies=[read_role])
    async def lookup(
        connector: str = text_path(), ma_ho_so: str = text_path(), who: Principal = read_role
    ) -> JSONResponse:
        """Look a dossier up at the ministry, with its process history ("Quy trình")."""
        conn = hub.connectors.get(connector)
        if conn is None:
            raise RequestRefused(
                A.UNKNOWN_CONNECTOR(connector=connector), code="not_found", loc="connector"
            )
        try:
            remote = await conn.fetch(ma_ho_so)
        except RejectedError as exc:  # the ministry refused what the caller asked: a 4xx
            raise RequestRefused(
                A.LOOKUP_REFUSED(reason=exc.reason), code="invalid", loc="ma_ho_so"
            ) from None
        if remote is None:
            raise RequestRefused(
                A.REMOTE_UNKNOWN_DOSSIER(connector=connector), code="not_found", loc="ma_ho_so"
            )
        return person_response(
            {
                "ma_ho_so": remote.ma_ho_so,
                "trang_thai": int(remote.trang_thai) if remote.trang_thai else None,
                "history": [s.model_dump(mode="json") for s in remote.history],
            },
            who,
        )

    from importlib import import_module

    from hub.plugins import plugin_routers
    from hub.routes import ROUTERS

    for module in ROUTERS:
        app.include_router(import_module(module).build(hub))
    # Plugins add theirs with the register_routes hook, served only for enabled connectors.
    for router in plugin_routers(hub):
        app.include_router(router)

    document_errors(app, {("/api/v1/events", "post"): _events_schema()})
    return BodyLimit(app, settings.api.max_body_bytes)  # type: ignore[return-value]


def _events_schema() -> dict[str, Any]:
    """``POST /api/v1/events`` takes one event, a list, or ``{"events": [...]}``."""
    one = TypeAdapter(DossierEvent | list[DossierEvent] | _Batch)
    return one.json_schema(ref_template="#/components/schemas/{model}")


def _known_connector(hub: Hub, connector: str | None) -> None:
    """Refuse a connector filter naming no connector of this hub (404, listing them)."""
    if connector and connector not in hub.connectors:
        names = A.names_or_none(sorted(hub.connectors))
        raise RequestRefused(
            A.UNKNOWN_CONNECTOR_OF(names=names),
            code="not_found",
            loc="connector",
        )


def _error_handlers(app: FastAPI) -> None:
    """Every refusal in the one shape of :func:`hub.errors.error_body`: the hub's errors
    (each class carries its status: a client's mistake is a 4xx), FastAPI's parameter
    validation, and the HTTP errors of auth and routing (or a plugin's HTTPException)."""

    @app.exception_handler(HubError)
    async def _hub_error(_request: Request, exc: HubError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(*_validation_errors(exc), status=422)

    @app.exception_handler(HTTPException)
    async def _http_error(_request: Request, exc: HTTPException) -> JSONResponse:
        code = RequestRefused.code_by_status.get(exc.status_code, f"http_{exc.status_code}")
        # Coded words (hub.messages) as they are; FastAPI's own phrases in both languages;
        # any other text (a plugin's) as it is.
        known = A.HTTP_WORDS.get(exc.status_code)
        words: Words | str = str(exc.detail)
        if isinstance(exc.detail, Words):
            words = exc.detail
        elif known is not None and str(exc.detail) == known().en:
            words = known()
        refused = RequestRefused(words, code=code, status=exc.status_code)
        return error_response(refused, headers=exc.headers)
