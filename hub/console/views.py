"""What every console page shares: the templates, the signed-in user, form parsing
with the CSRF check, dates in province time, and answers that stop a handler early."""

from __future__ import annotations

import functools
import hmac
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from hub.auth import Principal
from hub.console.session import LANG_COOKIE, Session, Sessions
from hub.console.text import t
from hub.masking import mask_text
from hub.reconcile import status_label

__all__ = ["VN", "Console", "Stop", "fmt_dt", "page"]

#: Asia/Ho_Chi_Minh: UTC+7 all year (Vietnam keeps no daylight saving time).
VN = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
_MAX_FORM = 512 * 1024
#: Every page: no framing (an action form cannot be clicked through another site), only
#: this origin's scripts and styles, no caching of pages that show dossiers.
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


class Stop(Exception):
    """Raised inside a handler to answer with ``response`` now."""

    def __init__(self, response: Response) -> None:
        self.response = response


def page(fn: Callable[..., Awaitable[Response]]) -> Callable[..., Awaitable[Response]]:
    """A console handler: a :class:`Stop` raised inside it becomes its answer."""

    @functools.wraps(fn)
    async def wrapper(*args: Any, **kwargs: Any) -> Response:
        try:
            return await fn(*args, **kwargs)
        except Stop as stop:
            return stop.response

    return wrapper


def fmt_dt(value: Any) -> str:
    """``dd/MM/yyyy HH:mm`` in province time; naive datetimes are UTC (the store's)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(value, datetime):
        return str(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(VN).strftime("%d/%m/%Y %H:%M")


def fmt_age(seconds: float | None, language: str) -> str:
    if seconds is None:
        return "—"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} {t('ov.minutes', language)}"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d}"


class Console:
    """The console of one hub: templates, sessions, and the helpers handlers call."""

    def __init__(self, hub: Any) -> None:
        self.hub = hub
        self.sessions = Sessions(hub.settings)
        self.env = Environment(
            loader=PackageLoader("hub.console", "templates"),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["dt"] = fmt_dt
        self.env.filters["mask"] = lambda v: mask_text(str(v)) if v else ""
        self.env.globals["urlencode"] = urlencode
        self.env.globals["status_label"] = status_label

    @staticmethod
    def language(request: Request) -> str:
        return "en" if request.cookies.get(LANG_COOKIE) == "en" else "vi"

    def render(
        self,
        request: Request,
        template: str,
        session: Session | None = None,
        status: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        language = self.language(request)
        html = self.env.get_template(template).render(
            request=request,
            lang=language,
            t=lambda key: t(key, language),
            age=lambda s: fmt_age(s, language),
            session=session,
            who=session.who if session else None,
            **context,
        )
        return HTMLResponse(html, status_code=status, headers=HEADERS)

    def user(self, request: Request, role: str | None = None) -> Session:
        """The signed-in session, holding ``role`` if given; else to sign-in, or 403."""
        session = self.sessions.session(request)
        if session is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            query = urlencode({"next": target})
            raise Stop(RedirectResponse(f"/console/signin?{query}", status_code=303))
        if role and not session.who.has(role):
            raise Stop(self.problem(request, session, 403, t("forbidden", self.language(request))))
        return session

    async def form(self, request: Request, session: Session) -> dict[str, list[str]]:
        """The posted form (urlencoded), after its CSRF token is checked: 403 if not."""
        body = await request.body()
        if len(body) > _MAX_FORM:
            raise Stop(self.problem(request, session, 413, "form too large"))
        data = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        token = (data.get("csrf") or [""])[0]
        if not hmac.compare_digest(token, session.csrf):
            raise Stop(self.problem(request, session, 403, t("csrf", self.language(request))))
        return data

    def problem(
        self, request: Request, session: Session | None, status: int, message: str
    ) -> HTMLResponse:
        return self.render(request, "problem.html", session, status=status, message=message)

    @staticmethod
    def can(who: Principal | None, role: str) -> bool:
        return bool(who and who.has(role))


def first(data: dict[str, list[str]], key: str, default: str = "") -> str:
    return (data.get(key) or [default])[0].strip()
