"""Console routes: sign-in and out, the language switch, static files, the overview;
the job pages (hub/console/jobs.py) and the rest (hub/console/pages.py) join here."""

from __future__ import annotations

import asyncio
from importlib.resources import files
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from hub.console import jobs as job_pages
from hub.console import pages as other_pages
from hub.console.session import COOKIE, LANG_COOKIE, PRE_COOKIE
from hub.console.text import t
from hub.console.views import Console, first, page
from hub.health import HealthChecker
from hub.ops import Operations
from hub.routes.ops import connector_status

__all__ = ["build", "safe_next"]

_STATIC = {"console.css": "text/css", "console.js": "text/javascript"}


def safe_next(target: str | None) -> str:
    """Where to go after sign-in: a console path only (no open redirect)."""
    if target and target.startswith("/console") and "//" not in target and "\\" not in target:
        return target
    return "/console/overview"


def build(hub: Any) -> APIRouter:
    console = Console(hub)
    ops = Operations(hub.store)
    health = HealthChecker(hub.connectors, hub.settings.health)
    router = APIRouter(prefix="/console", include_in_schema=False)

    @router.get("")
    async def root() -> Response:
        return RedirectResponse("/console/overview", status_code=303)

    @router.get("/static/{name}")
    async def static(name: str) -> Response:
        if name not in _STATIC:
            return Response("not found", status_code=404)
        body = files("hub.console").joinpath("static", name).read_bytes()
        return Response(body, media_type=_STATIC[name], headers={"Cache-Control": "max-age=300"})

    @router.get("/lang")
    async def switch_language(request: Request, to: str = "vi", next: str = "") -> Response:
        response = RedirectResponse(safe_next(next), status_code=303)
        console.sessions.set_cookie(
            response, request, LANG_COOKIE, "en" if to == "en" else "vi", 365 * 86400
        )
        return response

    @router.get("/signin")
    async def signin_form(request: Request, next: str = "", error: str = "") -> Response:
        token, fresh = console.sessions.pre_token(request)
        response = console.render(
            request,
            "signin.html",
            csrf=token,
            next=safe_next(next),
            error=error,
            open=not hub.settings.api_keys,
        )
        if fresh:
            console.sessions.set_cookie(response, request, PRE_COOKIE, fresh)
        return response

    @router.post("/signin")
    async def signin(request: Request) -> Response:
        from urllib.parse import parse_qs

        data = parse_qs((await request.body())[:8192].decode("utf-8", "replace"))
        target = safe_next(first(data, "next"))
        if not console.sessions.pre_ok(request, first(data, "csrf")):
            lang = console.language(request)
            return console.problem(request, None, 403, t("csrf", lang))
        issued = console.sessions.sign_in(first(data, "key"))
        if issued is None:
            query = urlencode({"next": target, "error": "1"})
            return RedirectResponse(f"/console/signin?{query}", status_code=303)
        who, cookie = issued
        await asyncio.to_thread(
            hub.store.record_audit, who.name, "console_signin", "console", None, 0
        )
        response = RedirectResponse(target, status_code=303)
        hours = hub.settings.console.session_hours
        console.sessions.set_cookie(response, request, COOKIE, cookie, int(hours * 3600))
        response.delete_cookie(PRE_COOKIE, path="/console")
        return response

    @router.post("/signout")
    @page
    async def signout(request: Request) -> Response:
        session = console.user(request)
        await console.form(request, session)
        console.sessions.revoke(session)
        await asyncio.to_thread(
            hub.store.record_audit, session.who.name, "console_signout", "console", None, 0
        )
        response = RedirectResponse("/console/signin", status_code=303)
        response.delete_cookie(COOKIE, path="/console")
        return response

    @router.get("/overview")
    @page
    async def overview(request: Request) -> Response:
        session = console.user(request, "viewer")
        rows = await connector_status(hub, ops, health)
        dead = await asyncio.to_thread(hub.store.dead_by_reason)
        rates = await asyncio.to_thread(hub.store.delivery_per_minute)
        for row in rows:
            row["chart"] = bar_chart(rates.get(row["connector"], []))
        return console.render(request, "overview.html", session, rows=rows, dead=dead)

    job_pages.add_routes(router, console, ops)
    other_pages.add_routes(router, console)
    return router


def bar_chart(series: list[tuple[int, int]], width: int = 240, height: int = 40) -> dict[str, Any]:
    """Stacked bars (delivered below, failed above) for an inline SVG, one per minute."""
    if not series:
        return {"bars": [], "width": width, "height": height, "ok": 0, "bad": 0, "peak": 0}
    peak = max(1, max(ok + bad for ok, bad in series))
    step = width / len(series)
    bars = []
    for i, (ok, bad) in enumerate(series):
        h_ok = height * ok / peak
        h_bad = height * bad / peak
        bars.append(
            {
                "x": round(i * step, 2),
                "w": round(max(step - 1, 1), 2),
                "ok_y": round(height - h_ok, 2),
                "ok_h": round(h_ok, 2),
                "bad_y": round(height - h_ok - h_bad, 2),
                "bad_h": round(h_bad, 2),
            }
        )
    ok_total = sum(ok for ok, _ in series)
    bad_total = sum(bad for _, bad in series)
    return {"bars": bars, "width": width, "height": height, "ok": ok_total, "bad": bad_total,
            "peak": peak}  # fmt: skip
