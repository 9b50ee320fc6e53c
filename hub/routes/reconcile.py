"""Reconciliation API: run, list, show, reports (rules in hub/reconcile.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from hub import reasons_api as A
from hub.auth import Principal, requires
from hub.connector import Period
from hub.errors import RequestRefused
from hub.params import (
    DATE_RANGE,
    TEXT_MAX,
    TEXT_PATTERN,
    ApiDate,
    cursor_query,
    id_path,
    one_of,
    text_query,
)
from hub.reconcile import FULL_START, Reconciler, default_period
from hub.reconcile_report import FORMATS, MEDIA_TYPES, render
from hub.routes import json_response as _json
from hub.routes import person_response
from hub.service import Hub

__all__ = ["build"]

if TYPE_CHECKING:
    ReportFormat = str
else:
    ReportFormat = one_of(FORMATS, code="invalid", words=A.UNKNOWN_FORMAT)


class ReconcileBody(BaseModel):
    model_config = ConfigDict(strict=True)  # no "true" for a flag, no number for a day

    connector: str | None = Field(
        default=None,
        description="default: every listable one",
        max_length=TEXT_MAX,
        pattern=TEXT_PATTERN,
    )
    start: ApiDate | None = Field(default=None, alias="from", description=f"within {DATE_RANGE}")
    end: ApiDate | None = Field(
        default=None, alias="to", description=f"within {DATE_RANGE}; not before from"
    )
    stale_hours: float = Field(default=24.0, gt=0, le=24 * 366 * 10, allow_inf_nan=False)
    repair: bool = False
    dry_run: bool = False


def build(hub: Hub) -> APIRouter:
    keys = hub.settings.api_keys
    router = APIRouter(prefix="/api/v1/reconcile", tags=["reconciliation"])
    viewer = Depends(requires(keys, "viewer"))
    as_operator = Depends(requires(keys, "operator"))

    @router.post("", status_code=201)
    async def run(body: ReconcileBody, who: Principal = as_operator) -> JSONResponse:
        """Run now (the answer comes when the runs are done); repair if asked."""
        rec = Reconciler(hub, stale_after=timedelta(hours=body.stale_hours))
        listable = rec.list_connectors()
        if body.connector and body.connector not in hub.connectors:
            # A known one that cannot list is the reconciler's not_listable (422).
            words = A.NOT_RECONCILABLE(names=A.names_or_none(listable))
            raise RequestRefused(
                words,
                code="not_found",
                loc="connector",
            )
        names = [body.connector] if body.connector else listable
        try:
            period = Period(body.start or FULL_START, body.end or default_period().end)
        except ValueError as exc:
            raise RequestRefused(
                A.BAD_PERIOD(detail=str(exc)), code="invalid", loc="from"
            ) from None
        # A ReconcileError (not_listable 422, not_found 404) is answered by the API's handler.
        ids = [await rec.run(n, period, actor=who.name) for n in names]
        repairs = [
            await rec.repair(i, actor=who.name, dry_run=body.dry_run) for i in ids if body.repair
        ]
        return _json({"runs": [rec.get_run(i) for i in ids], "repairs": repairs}, 201)

    @router.get("", dependencies=[viewer])
    async def list_runs(
        connector: str | None = text_query(), limit: int = Query(50, ge=1, le=1000)
    ) -> JSONResponse:
        return _json({"runs": Reconciler(hub).list_runs(connector=connector, limit=limit)})

    @router.get("/{run_id}", dependencies=[viewer])
    async def show(
        run_id: int = id_path(),
        kind: str | None = text_query(),
        after_id: int = cursor_query(),
        limit: int = Query(500, ge=1, le=5000),
        who: Principal = viewer,
    ) -> JSONResponse:
        rec = Reconciler(hub)
        run = rec.get_run(run_id)
        findings = list(rec.findings(run_id, kind=kind, after_id=after_id, limit=limit))
        return person_response({"run": run, "findings": findings}, who)

    @router.get(
        "/{run_id}/report.{fmt}",
        dependencies=[viewer],
        responses={200: {"content": {MEDIA_TYPES[f].split(";")[0]: {} for f in FORMATS}}},
    )
    async def report(
        fmt: ReportFormat,
        run_id: int = id_path(),
        lang: str = Query("vi", pattern="^(vi|en)$"),
    ) -> Response:
        rec = Reconciler(hub)
        if fmt not in FORMATS:
            raise RequestRefused(
                A.BAD_REPORT_FORMAT(fmt=fmt, formats=", ".join(FORMATS)),
                code="invalid",
                loc="fmt",
            )
        run = rec.get_run(run_id)
        body = render(rec, [run], fmt, language=lang)
        name = f"doi-soat-{run_id}.{fmt}"
        return Response(
            body,
            media_type=MEDIA_TYPES[fmt],
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    return router
