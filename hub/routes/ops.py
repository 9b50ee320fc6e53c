"""Operations API: jobs, re-runs, skips, tasks, status, audit (see hub/ops.py for the rules).

A refused action raises :class:`hub.errors.ActionRefused`; the API's handler answers
with its status (not_found 404, refused 409, a bad request 422) in the one error body.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from hub import reasons_api as A
from hub.auth import Principal, requires
from hub.errors import RequestRefused
from hub.health import HealthChecker, with_health
from hub.ops import JobFilter, Operations
from hub.routes import json_response as _json
from hub.service import Hub

__all__ = ["build"]


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
        return _json({"items": rows, "total": total, "limit": limit, "offset": offset})

    @router.get("/jobs/{job_id}")
    async def show_job(
        job_id: int, who: Principal = as_viewer, payloads: bool = False
    ) -> JSONResponse:
        if payloads and not who.has("payload-viewer"):
            raise RequestRefused(A.FORBIDDEN_PAYLOADS(), code="forbidden", loc="payloads")
        return _json(await asyncio.to_thread(ops.show_job, job_id, with_payloads=payloads))

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
    async def list_tasks(limit: int = Query(20, ge=1, le=200)) -> JSONResponse:
        return _json({"items": ops.list_tasks(limit)})

    @router.get("/operations/{op_id}", dependencies=[viewer])
    async def show_task(op_id: int) -> JSONResponse:
        return _json(ops.task(op_id))

    @router.post("/operations/{op_id}/{action}")
    async def pause_resume(
        op_id: int, action: Literal["pause", "resume"], who: Principal = as_operator
    ) -> JSONResponse:
        state = "paused" if action == "pause" else "queued"
        return _json(ops.set_task_state(op_id, state, actor=who.name))

    @router.get("/status", dependencies=[viewer])
    async def status() -> JSONResponse:
        rows = with_health(await asyncio.to_thread(ops.status), await health.check())
        # The breakers of the worker running in this process, when there is one.
        now = time.monotonic()
        for row in rows:
            circuit = hub.worker.circuits.get(row["connector"])
            row["circuit"] = circuit.describe(now) if circuit else None
        return _json({"connectors": rows})

    @router.get("/audit", dependencies=[viewer])
    async def audit(
        limit: int = Query(50, ge=1, le=1000), actor: str | None = None, action: str | None = None
    ) -> JSONResponse:
        return _json({"items": ops.audit(limit=limit, actor=actor, action=action)})

    return router
