"""Operations API: jobs, re-runs, skips, tasks, status, audit (see hub/ops.py for the rules).

A refused action raises :class:`hub.errors.ActionRefused`; the API's handler answers
with its status (not_found 404, refused 409, a bad request 422) in the one error body.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from hub import reasons_api as A
from hub.auth import Principal, requires
from hub.errors import RequestRefused
from hub.health import HealthChecker, with_health
from hub.ops import JOB_STATES, SORTS, JobFilter, Operations
from hub.params import (
    DATE_RANGE,
    TEXT_MAX,
    TEXT_PATTERN,
    ApiDateTime,
    JsonId,
    cursor_query,
    date_query,
    id_path,
    one_of,
    text_query,
)
from hub.routes import json_response as _json
from hub.routes import person_response
from hub.service import Hub

__all__ = ["build", "connector_status"]


async def connector_status(
    hub: Hub, ops: Operations, health: HealthChecker
) -> list[dict[str, Any]]:
    """Per connector: queue by state, oldest waiting, error rate, its health probe and
    the breaker of the worker running in this process (the API's and console's status)."""
    rows = with_health(await asyncio.to_thread(ops.status), await health.check())
    now = time.monotonic()
    for row in rows:
        circuit = hub.worker.circuits.get(row["connector"])
        row["circuit"] = circuit.describe(now) if circuit else None
    return rows


#: The job states, connectors' filters and sorts a request may name (the schema lists them).
if TYPE_CHECKING:
    StateName = str
    SortName = str
else:
    StateName = one_of(JOB_STATES, code="invalid", words=A.UNKNOWN_STATE)
    SortName = one_of(tuple(SORTS), code="bad_sort", words=A.UNKNOWN_SORT)
#: Why an operator skips or cancels: required, not blank.
Reason = Annotated[str, Field(min_length=1, max_length=2000, pattern=r"\S")]
_STRICT = ConfigDict(strict=True)  # no "1" for a number, no 0.5 for a time, no false for an id


class RetryBody(BaseModel):
    model_config = _STRICT
    reason: str | None = Field(default=None, max_length=2000)
    current_state: bool = False


def _reason_given(data: Any) -> Any:
    # The schema requires the reason; this says why in the operator's words.
    if isinstance(data, dict):
        reason = data.get("reason")
        if reason is None or (isinstance(reason, str) and not reason.strip()):
            raise PydanticCustomError(
                "reason_required", "a skip or a cancel needs a reason: say why this job is not sent"
            )
    return data


class ReasonBody(BaseModel):
    """A skip or a cancel: the reason is required."""

    model_config = _STRICT
    reason: Reason

    _given = model_validator(mode="before")(_reason_given)


class _TaskFilter(BaseModel):
    model_config = _STRICT
    current_state: bool = False
    dry_run: bool = False
    state: StateName | None = None
    connector: str | None = Field(default=None, max_length=TEXT_MAX, pattern=TEXT_PATTERN)
    ma_ho_so: str | None = Field(default=None, max_length=TEXT_MAX, pattern=TEXT_PATTERN)
    ma_tthc: str | None = Field(default=None, max_length=TEXT_MAX, pattern=TEXT_PATTERN)
    error_class: str | None = Field(default=None, max_length=TEXT_MAX, pattern=TEXT_PATTERN)
    since: ApiDateTime | None = Field(default=None, description=f"within {DATE_RANGE}")
    until: ApiDateTime | None = Field(default=None, description=f"within {DATE_RANGE}")
    job_ids: list[JsonId] = Field(default_factory=list, max_length=10000)

    def filter(self) -> JobFilter:
        return JobFilter(
            state=self.state,
            connector=self.connector,
            ma_ho_so=self.ma_ho_so,
            ma_tthc=self.ma_tthc,
            error_class=self.error_class,
            since=self.since,
            until=self.until,
            job_ids=self.job_ids,
        )


class RetryTask(_TaskFilter):
    kind: Literal["retry"]
    reason: str | None = Field(default=None, max_length=2000)


class DropTask(_TaskFilter):
    """Skip or cancel by filter: the reason is required."""

    kind: Literal["skip", "cancel"]
    reason: Reason

    _given = model_validator(mode="before")(_reason_given)


TaskBody = Annotated[RetryTask | DropTask, Field(discriminator="kind")]


def build(hub: Hub) -> APIRouter:
    ops = Operations(hub.store, connectors=hub.connectors)
    health = HealthChecker(hub.connectors, hub.settings.health)  # cached between requests
    keys = hub.settings.api_keys
    router = APIRouter(prefix="/api/v1", tags=["operations"])
    viewer = Depends(requires(keys, "viewer"))
    # Dependencies as defaults, not Annotated aliases: with postponed annotations FastAPI
    # cannot resolve an alias local to this function.
    as_operator = Depends(requires(keys, "operator"))
    as_viewer = Depends(requires(keys, "viewer"))

    @router.get("/jobs", dependencies=[viewer])
    async def list_jobs(
        state: StateName | None = None,
        connector: str | None = text_query(),
        ma_ho_so: str | None = text_query(),
        ma_tthc: str | None = text_query(),
        error_class: str | None = text_query(),
        since: ApiDateTime | None = date_query(),
        until: ApiDateTime | None = date_query(
            description=f"ISO 8601, within {DATE_RANGE}; not before since"
        ),
        sort: SortName = "-id",
        limit: int = Query(50, ge=1, le=1000),
        offset: int = cursor_query(),
        who: Principal = viewer,
    ) -> JSONResponse:
        flt = JobFilter(
            state=state,
            connector=connector,
            ma_ho_so=ma_ho_so,
            ma_tthc=ma_tthc,
            error_class=error_class,
            since=since,
            until=until,
        )
        rows, total = await asyncio.to_thread(
            ops.list_jobs, flt, sort=sort, limit=limit, offset=offset
        )
        return person_response(
            {"items": rows, "total": total, "limit": limit, "offset": offset}, who
        )

    @router.get("/jobs/{job_id}")
    async def show_job(
        job_id: int = id_path(), who: Principal = as_viewer, payloads: bool = False
    ) -> JSONResponse:
        if payloads and not who.has("payload-viewer"):
            raise RequestRefused(A.FORBIDDEN_PAYLOADS(), code="forbidden", loc="payloads")
        job = await asyncio.to_thread(ops.show_job, job_id, with_payloads=payloads)
        return person_response(job, who)

    async def _act(kind: str, job_id: int, actor: str, reason: str | None, current: bool) -> Any:
        result = await asyncio.to_thread(
            ops.act, kind, job_id, actor=actor, reason=reason, use_current_state=current
        )
        hub.worker.notify()
        return _json(result)

    @router.post("/jobs/{job_id}/retry")
    async def retry(
        body: RetryBody, job_id: int = id_path(), who: Principal = as_operator
    ) -> JSONResponse:
        return await _act("retry", job_id, who.name, body.reason, body.current_state)

    @router.post("/jobs/{job_id}/{kind}")
    async def skip_or_cancel(
        body: ReasonBody,
        kind: Literal["skip", "cancel"],
        job_id: int = id_path(),
        who: Principal = as_operator,
    ) -> JSONResponse:
        return await _act(kind, job_id, who.name, body.reason, False)

    @router.post("/operations", status_code=202, responses={200: {"description": "a dry run"}})
    async def create_task(body: TaskBody, who: Principal = as_operator) -> JSONResponse:
        flt = body.filter()
        if body.dry_run:
            return _json(await asyncio.to_thread(ops.preview, body.kind, flt))
        op_id = await asyncio.to_thread(
            ops.create_task,
            body.kind,
            flt,
            actor=who.name,
            reason=body.reason,
            use_current_state=body.current_state,
        )
        return _json(ops.task(op_id), 202)

    @router.get("/operations", dependencies=[viewer])
    async def list_tasks(
        limit: int = Query(20, ge=1, le=200), who: Principal = viewer
    ) -> JSONResponse:
        return person_response({"items": ops.list_tasks(limit)}, who)  # reasons are free text

    @router.get("/operations/{op_id}", dependencies=[viewer])
    async def show_task(op_id: int = id_path(), who: Principal = viewer) -> JSONResponse:
        return person_response(ops.task(op_id), who)

    @router.post("/operations/{op_id}/{action}")
    async def pause_resume(
        action: Literal["pause", "resume"], op_id: int = id_path(), who: Principal = as_operator
    ) -> JSONResponse:
        state = "paused" if action == "pause" else "queued"
        return _json(ops.set_task_state(op_id, state, actor=who.name))

    @router.get("/status", dependencies=[viewer])
    async def status() -> JSONResponse:
        return _json({"connectors": await connector_status(hub, ops, health)})

    @router.get("/audit", dependencies=[viewer])
    async def audit(
        limit: int = Query(50, ge=1, le=1000),
        actor: str | None = text_query(),
        action: str | None = text_query(),
        who: Principal = viewer,
    ) -> JSONResponse:
        return person_response({"items": ops.audit(limit=limit, actor=actor, action=action)}, who)

    return router
