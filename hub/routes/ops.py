"""Operations API: jobs, re-runs, skips, tasks, status, audit (see hub/ops.py for the rules).

A refused action raises :class:`hub.errors.ActionRefused`; the API's handler answers
with its status (not_found 404, refused 409, a bad request 422) in the one error body.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from hub.auth import Principal, requires
from hub.errors import RequestRefused
from hub.health import HealthChecker, with_health
from hub.ops import JobFilter, Operations
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


class ActionBody(BaseModel):
    reason: str | None = Field(default=None, max_length=2000)
    current_state: bool = False


class TaskBody(BaseModel):
    kind: Literal["retry", "skip", "cancel"]
    reason: str | None = Field(default=None, max_length=2000)
    current_state: bool = False
    dry_run: bool = False
    state: str | None = None
    connector: str | None = None
    ma_ho_so: str | None = None
    ma_tthc: str | None = None
    error_class: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    job_ids: list[int] = Field(default_factory=list, max_length=10000)

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


def build(hub: Hub) -> APIRouter:
    ops = Operations(hub.store)
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
        state: str | None = None,
        connector: str | None = None,
        ma_ho_so: str | None = None,
        ma_tthc: str | None = None,
        error_class: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        sort: str = "-id",
        limit: int = Query(50, ge=1, le=1000),
        offset: int = Query(0, ge=0),
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
        job_id: int, who: Principal = as_viewer, payloads: bool = False
    ) -> JSONResponse:
        if payloads and not who.has("payload-viewer"):
            raise RequestRefused(
                "viewing payloads needs the payload-viewer role", code="forbidden", loc="payloads"
            )
        job = await asyncio.to_thread(ops.show_job, job_id, with_payloads=payloads)
        return person_response(job, who)

    @router.post("/jobs/{job_id}/{kind}")
    async def act(
        job_id: int,
        kind: Literal["retry", "skip", "cancel"],
        body: ActionBody,
        who: Principal = as_operator,
    ) -> JSONResponse:
        result = await asyncio.to_thread(
            ops.act,
            kind,
            job_id,
            actor=who.name,
            reason=body.reason,
            use_current_state=body.current_state,
        )
        hub.worker.notify()
        return _json(result)

    @router.post("/operations")
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
    async def show_task(op_id: int, who: Principal = viewer) -> JSONResponse:
        return person_response(ops.task(op_id), who)

    @router.post("/operations/{op_id}/{action}")
    async def pause_resume(
        op_id: int, action: Literal["pause", "resume"], who: Principal = as_operator
    ) -> JSONResponse:
        state = "paused" if action == "pause" else "queued"
        return _json(ops.set_task_state(op_id, state, actor=who.name))

    @router.get("/status", dependencies=[viewer])
    async def status() -> JSONResponse:
        return _json({"connectors": await connector_status(hub, ops, health)})

    @router.get("/audit", dependencies=[viewer])
    async def audit(
        limit: int = Query(50, ge=1, le=1000), actor: str | None = None, action: str | None = None,
        who: Principal = viewer,
    ) -> JSONResponse:  # fmt: skip
        return person_response({"items": ops.audit(limit=limit, actor=actor, action=action)}, who)

    return router
