"""Console job pages: the filtered list (keyset pages), a job's detail with why it
failed, one-job actions, bulk actions (preview first, then a tracked task), task pages.

Every action calls :class:`hub.ops.Operations`, as the API's routes do; the actor is
the signed-in key's name, the reason is required and goes to the audit log.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from hub.console.text import explain, t
from hub.console.views import VN, Console, Stop, first, page
from hub.errors import ActionRefused
from hub.ops import KINDS, JobFilter, Operations
from hub.store.store import JobState

__all__ = ["add_routes", "parse_filter"]

FILTER_FIELDS = ("connector", "state", "ma_ho_so", "ma_tthc", "error_class", "since", "until")
STATES = [s.value for s in JobState]
PAGE = 50


def parse_filter(get: Callable[[str], str]) -> tuple[JobFilter, dict[str, str], list[str]]:
    """A JobFilter from form fields; the values as typed; what was wrong (field names)."""
    values = {k: get(k).strip() for k in FILTER_FIELDS}
    bad: list[str] = []
    times: dict[str, datetime | None] = {}
    for key in ("since", "until"):
        times[key] = None
        if values[key]:
            try:
                moment = datetime.fromisoformat(values[key])
            except ValueError:
                bad.append(key)
                continue
            if moment.tzinfo is None:  # typed in province time
                moment = moment.replace(tzinfo=VN)
            times[key] = moment.astimezone(UTC)
    if values["state"] and values["state"] not in STATES:
        bad.append("state")
    flt = JobFilter(
        state=values["state"] or None if "state" not in bad else None,
        connector=values["connector"] or None,
        ma_ho_so=values["ma_ho_so"] or None,
        ma_tthc=values["ma_tthc"] or None,
        error_class=values["error_class"] or None,
        since=times["since"],
        until=times["until"],
    )
    return flt, values, bad


def add_routes(router: APIRouter, console: Console, ops: Operations) -> None:
    hub = console.hub

    @router.get("/jobs")
    @page
    async def jobs(request: Request) -> Response:
        session = console.user(request, "viewer")
        flt, values, bad = parse_filter(lambda k: request.query_params.get(k, ""))
        before = request.query_params.get("before", "")
        before_id = int(before) if before.isdigit() else None
        rows: list[dict[str, Any]] = []
        next_id = None
        if not bad:
            rows, next_id = await asyncio.to_thread(
                hub.store.jobs_page, flt, before_id=before_id, limit=PAGE
            )
        shown = {k: v for k, v in values.items() if v}
        return console.render(
            request,
            "jobs.html",
            session,
            rows=rows,
            values=values,
            bad=bad,
            states=STATES,
            connectors=sorted(hub.connectors),
            next_url=("?" + urlencode({**shown, "before": next_id})) if next_id else None,
            first_url=("?" + urlencode(shown)) if before_id else None,
            can_act=session.who.has("operator"),
        )

    @router.get("/jobs/{job_id}")
    @page
    async def job(request: Request, job_id: int) -> Response:
        session = console.user(request, "viewer")
        return await _job_page(request, session, job_id)

    async def _job_page(
        request: Request, session: Any, job_id: int, *, error: str = "", status: int = 200
    ) -> Response:
        payloads = session.who.has("payload-viewer")
        try:
            detail = await asyncio.to_thread(ops.show_job, job_id, with_payloads=payloads)
        except ActionRefused:
            raise Stop(
                console.problem(request, session, 404, t("not_found", console.language(request)))
            ) from None
        current = detail["job"]
        timeline = await asyncio.to_thread(hub.store.dossier_timeline, current["ma_ho_so"])
        language = console.language(request)
        return console.render(
            request,
            "job.html",
            session,
            status=status,
            d=detail,
            job=current,
            timeline=timeline,
            why=explain(current.get("error_class"), current.get("last_error"), language)
            if current.get("last_error")
            else None,
            payloads=payloads,
            can_act=session.who.has("operator"),
            error=error,
            done=request.query_params.get("done", ""),
        )

    @router.post("/jobs/{job_id}/act")
    @page
    async def act(request: Request, job_id: int) -> Response:
        session = console.user(request, "operator")
        data = await console.form(request, session)
        kind, reason = first(data, "kind"), first(data, "reason")
        language = console.language(request)
        if kind not in KINDS:
            return await _job_page(
                request, session, job_id, error=t("refused", language), status=422
            )
        if not reason:
            return await _job_page(
                request, session, job_id, error=t("act.reason_required", language), status=422
            )
        try:
            await asyncio.to_thread(
                ops.act,
                kind,
                job_id,
                actor=session.who.name,
                reason=reason,
                use_current_state=first(data, "mode") == "current",
            )
        except ActionRefused as exc:
            return await _job_page(request, session, job_id, error=exc.reason, status=409)
        hub.worker.notify()
        return RedirectResponse(f"/console/jobs/{job_id}?done={kind}", status_code=303)

    @router.post("/jobs/preview")
    @page
    async def preview(request: Request) -> Response:
        session = console.user(request, "operator")
        data = await console.form(request, session)
        try:
            kind, flt, values, hidden = _bulk(data)
        except ValueError as exc:
            return console.problem(
                request, session, 422, f"{t('jobs.filter', console.language(request))}: {exc}"
            )
        language = console.language(request)
        if kind not in KINDS:
            return console.problem(request, session, 422, t("refused", language))
        found = await asyncio.to_thread(ops.preview, kind, flt)
        return console.render(
            request, "preview.html", session, kind=kind, found=found, hidden=hidden,
            describe=flt.describe(),
            back="/console/jobs?" + urlencode({k: v for k, v in values.items() if v}),
        )  # fmt: skip

    @router.post("/tasks")
    @page
    async def create_task(request: Request) -> Response:
        session = console.user(request, "operator")
        data = await console.form(request, session)
        try:
            kind, flt, _values, _hidden = _bulk(data)
        except ValueError as exc:
            return console.problem(
                request, session, 422, f"{t('jobs.filter', console.language(request))}: {exc}"
            )
        reason = first(data, "reason")
        if not reason:
            language = console.language(request)
            return console.problem(request, session, 422, t("act.reason_required", language))
        try:
            op_id = await asyncio.to_thread(
                ops.create_task,
                kind,
                flt,
                actor=session.who.name,
                reason=reason,
                use_current_state=first(data, "mode") == "current",
            )
        except ActionRefused as exc:
            return console.problem(request, session, 409, exc.reason)
        return RedirectResponse(f"/console/tasks/{op_id}", status_code=303)

    @router.get("/tasks")
    @page
    async def tasks(request: Request) -> Response:
        session = console.user(request, "viewer")
        rows = await asyncio.to_thread(ops.list_tasks, 50)
        return console.render(request, "tasks.html", session, rows=rows)

    @router.get("/tasks/{op_id}")
    @page
    async def task(request: Request, op_id: int) -> Response:
        session = console.user(request, "viewer")
        try:
            found = await asyncio.to_thread(ops.task, op_id)
        except ActionRefused:
            return console.problem(request, session, 404, t("not_found", console.language(request)))
        return console.render(
            request, "task.html", session, task=found, can_act=session.who.has("operator")
        )

    @router.get("/tasks/{op_id}/progress")
    @page
    async def task_progress(request: Request, op_id: int) -> Response:
        console.user(request, "viewer")
        found = await asyncio.to_thread(ops.task, op_id)
        keys = ("state", "total", "processed", "applied", "refused")
        return JSONResponse({k: found[k] for k in keys})

    @router.post("/tasks/{op_id}/{action}")
    @page
    async def pause_resume(request: Request, op_id: int, action: str) -> Response:
        session = console.user(request, "operator")
        await console.form(request, session)
        if action not in ("pause", "resume"):
            return console.problem(request, session, 404, t("not_found", console.language(request)))
        state = "paused" if action == "pause" else "queued"
        try:
            await asyncio.to_thread(ops.set_task_state, op_id, state, actor=session.who.name)
        except ActionRefused as exc:
            return console.problem(request, session, 409, exc.reason)
        return RedirectResponse(f"/console/tasks/{op_id}", status_code=303)


def _bulk(
    data: dict[str, list[str]],
) -> tuple[str, JobFilter, dict[str, str], list[tuple[str, str]]]:
    """The bulk action posted: its kind, the jobs (the selection, or the filter), the
    filter's values, and the fields to carry to the confirming form."""
    kind = first(data, "kind")
    flt, values, bad = parse_filter(lambda k: first(data, k))
    if bad:  # never widen a bulk action by dropping a criterion typed wrong
        raise ValueError(", ".join(bad))
    hidden = [(k, v) for k, v in values.items() if v]
    if first(data, "scope") == "selected":
        ids = sorted({int(v) for v in data.get("job_id", []) if v.isdigit()})[:10000]
        flt = JobFilter(job_ids=ids or [-1])
        hidden = [("scope", "selected")] + [("job_id", str(i)) for i in ids]
    return kind, flt, values, hidden
