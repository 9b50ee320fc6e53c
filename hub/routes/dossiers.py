"""Dossier deadlines in the API: the at-risk and overdue list, and the apology's new date.

``GET /api/v1/dossiers/{ma_ho_so}`` (one dossier's mirror and jobs) stays in hub/api.py.
"""

from __future__ import annotations

import asyncio
from typing import Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from hub.auth import Principal, requires
from hub.calendar import TZ
from hub.params import DATE_RANGE, ApiDateTime, text_path, text_query
from hub.routes import json_response as _json
from hub.service import Hub

__all__ = ["build"]


class ApologyBody(BaseModel):
    """The apology letter: the new appointment date (province time if no offset), why."""

    model_config = ConfigDict(strict=True)

    new_date: ApiDateTime = Field(description=f"within {DATE_RANGE}")
    reason: str = Field(min_length=1, max_length=2000, pattern=r"\S")


def build(hub: Hub) -> APIRouter:
    keys = hub.settings.api_keys
    router = APIRouter(prefix="/api/v1", tags=["deadlines"])
    as_reader = Depends(requires(keys, "viewer", "province-ingest"))
    as_operator = Depends(requires(keys, "operator"))

    @router.get("/dossiers", dependencies=[as_reader])
    async def list_dossiers(
        deadline: Literal["at-risk", "overdue"] = "at-risk",
        connector: str | None = text_query(),
        ma_tthc: str | None = text_query(),
        limit: int = Query(500, ge=1, le=5000),
    ) -> JSONResponse:
        """Dossiers at risk (within one working day of the deadline, or past it) or only
        overdue, as the deadline watch last left them; soonest deadline first."""
        rows = await asyncio.to_thread(
            hub.deadlines.list_dossiers,
            overdue_only=deadline == "overdue",
            connector=connector,
            ma_tthc=ma_tthc,
            limit=limit,
        )
        return _json({"items": rows})

    @router.post("/dossiers/{ma_ho_so}/apology", status_code=201)
    async def apology(
        body: ApologyBody, ma_ho_so: str = text_path(), who: Principal = as_operator
    ) -> JSONResponse:
        """Record the new appointment date of the apology letter; a second is refused
        (:class:`hub.deadlines.ApologyRefused`, answered by the API's error handler)."""
        new_date = body.new_date if body.new_date.tzinfo else body.new_date.replace(tzinfo=TZ)
        result = await asyncio.to_thread(
            hub.deadlines.record_apology,
            ma_ho_so,
            new_date,
            actor=who.name,
            reason=body.reason,
        )
        return _json(result, 201)

    return router
