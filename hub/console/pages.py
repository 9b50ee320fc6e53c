"""Console pages beyond jobs: reconciliation runs (chart, findings, downloads, repair
with a dry run first), the inbox, dossiers at risk or overdue, the audit log, API keys."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from hub.calendar import TZ
from hub.console.text import t
from hub.console.views import Console, first, page
from hub.errors import HubError
from hub.reconcile import KINDS, Reconciler, default_period
from hub.reconcile_report import FORMATS, MEDIA_TYPES, chart, render

__all__ = ["add_routes"]

_FINDINGS_PAGE = 200


def add_routes(router: APIRouter, console: Console) -> None:
    hub = console.hub

    @router.get("/reconcile")
    @page
    async def runs(request: Request) -> Response:
        session = console.user(request, "viewer")
        rows = await asyncio.to_thread(Reconciler(hub).list_runs, limit=100)
        return console.render(
            request, "reconcile.html", session, runs=rows,
            listable=Reconciler(hub).list_connectors(),
            can_act=session.who.has("operator"),
        )  # fmt: skip

    @router.get("/reconcile/{run_id}")
    @page
    async def run(request: Request, run_id: int, kind: str = "", after: int = 0) -> Response:
        session = console.user(request, "viewer")
        return await _run_page(request, session, run_id, kind, after)

    async def _run_page(
        request: Request, session: Any, run_id: int, kind: str, after: int,
        repair: dict[str, Any] | None = None,
    ) -> Response:  # fmt: skip
        rec = Reconciler(hub)
        language = console.language(request)
        try:
            found = await asyncio.to_thread(rec.get_run, run_id)
        except HubError:
            return console.problem(request, session, 404, t("not_found", language))
        kind = kind if kind in KINDS else ""
        rows = await asyncio.to_thread(
            lambda: list(
                rec.findings(run_id, kind=kind or None, after_id=after, limit=_FINDINGS_PAGE)
            )
        )
        return console.render(
            request,
            "run.html",
            session,
            run=found,
            kinds=KINDS,
            kind=kind,
            findings=rows,
            next_after=rows[-1]["id"] if len(rows) == _FINDINGS_PAGE else None,
            chart=Markup(chart([found], language)),  # built with html.escape throughout
            formats=[f for f in FORMATS if f != "json"],
            repair=repair,
            can_act=session.who.has("operator"),
        )

    @router.get("/reconcile/{run_id}/report.{fmt}")
    @page
    async def report(request: Request, run_id: int, fmt: str) -> Response:
        session = console.user(request, "viewer")
        rec = Reconciler(hub)
        language = console.language(request)
        if fmt not in FORMATS:
            return console.problem(request, session, 404, t("not_found", language))
        try:
            found = await asyncio.to_thread(rec.get_run, run_id)
        except HubError:
            return console.problem(request, session, 404, t("not_found", language))
        body = await asyncio.to_thread(render, rec, [found], fmt, language=language)
        name = f"doi-soat-{run_id}.{fmt}"
        return Response(
            body,
            media_type=MEDIA_TYPES[fmt],
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @router.post("/reconcile/{run_id}/repair")
    @page
    async def repair(request: Request, run_id: int) -> Response:
        session = console.user(request, "operator")
        data = await console.form(request, session)
        dry_run = first(data, "dry_run") != "0"
        try:
            result = await Reconciler(hub).repair(run_id, actor=session.who.name, dry_run=dry_run)
        except HubError as exc:
            return console.problem(request, session, exc.status, exc.reason)
        return await _run_page(request, session, run_id, "", 0, repair=result)

    @router.get("/inbox")
    @page
    async def inbox(request: Request, after: int = 0) -> Response:
        session = console.user(request, "viewer")
        rows = await asyncio.to_thread(hub.store.list_inbox, state="new", after_id=after, limit=100)
        return console.render(
            request, "inbox.html", session, rows=rows,
            next_after=rows[-1]["id"] if len(rows) == 100 else None,
        )  # fmt: skip

    @router.get("/deadlines")
    @page
    async def deadlines(request: Request, overdue: int = 0) -> Response:
        session = console.user(request, "viewer")
        rows = await asyncio.to_thread(
            hub.deadlines.list_dossiers, overdue_only=bool(overdue), limit=500
        )
        return console.render(
            request, "deadlines.html", session, rows=rows, overdue=overdue,
            can_act=session.who.has("operator"), done=request.query_params.get("done", ""),
        )  # fmt: skip

    @router.post("/reconcile")
    @page
    async def run_now(request: Request) -> Response:
        """Reconcile one connector now over the default period, as ``POST /api/v1/reconcile``."""
        session = console.user(request, "operator")
        data = await console.form(request, session)
        rec = Reconciler(hub)
        connector = first(data, "connector")
        if connector not in rec.list_connectors():
            return console.problem(request, session, 422, t("not_found", console.language(request)))
        try:
            run_id = await rec.run(connector, default_period(), actor=session.who.name)
        except HubError as exc:
            return console.problem(request, session, exc.status, exc.reason)
        return RedirectResponse(f"/console/reconcile/{run_id}", status_code=303)

    @router.post("/dossiers/{ma_ho_so}/apology")
    @page
    async def apology(request: Request, ma_ho_so: str) -> Response:
        """The apology letter's new appointment date, as the API's apology route records it."""
        session = console.user(request, "operator")
        data = await console.form(request, session)
        language = console.language(request)
        reason = first(data, "reason")
        try:
            new_date = datetime.fromisoformat(first(data, "new_date"))
        except ValueError:
            return console.problem(request, session, 422, t("dl.new_date", language))
        if not reason:
            return console.problem(request, session, 422, t("act.reason_required", language))
        if new_date.tzinfo is None:
            new_date = new_date.replace(tzinfo=TZ)
        try:
            await asyncio.to_thread(
                hub.deadlines.record_apology, ma_ho_so, new_date, actor=session.who.name,
                reason=reason,
            )  # fmt: skip
        except HubError as exc:
            return console.problem(request, session, exc.status, exc.reason)
        return RedirectResponse("/console/deadlines?done=1", status_code=303)

    @router.get("/audit")
    @page
    async def audit(request: Request, actor: str = "", action: str = "") -> Response:
        session = console.user(request, "viewer")
        rows = await asyncio.to_thread(
            hub.store.audit_entries, limit=200, actor=actor or None, action=action or None
        )
        return console.render(request, "audit.html", session, rows=rows, actor=actor, action=action)

    @router.get("/keys")
    @page
    async def keys(request: Request) -> Response:
        session = console.user(request, "admin")
        return console.render(request, "keys.html", session, keys=hub.settings.api_keys)
