"""Console sign-in: an API key (the same hashed keys as the API) exchanged for a signed
session cookie; CSRF tokens bound to the session.

Why an API key and not a user/password: the hub already keeps keys hashed with their
roles (hub/auth.py, ``tthc-hub keys new``); a second store of users and passwords would
be a second way to grant a role, with its own hashing, reset and lock-out to get right.
A key per person gives each its name in the audit log.

The cookie holds the key's name, the first 16 hex of its hash, an expiry and a random
session id, signed with HMAC-SHA256. Each request looks the key up again in the
settings, so removing a key ends its sessions; sign-out revokes the session id in this
process (and the browser drops the cookie). The cookie is HttpOnly, SameSite=Strict,
and Secure when the request came over https (``[console] secure_cookie``).

CSRF: every form carries ``csrf``, an HMAC of the session id; the sign-in form, before
there is a session, one of a random pre-session cookie (double submit).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from hub.auth import ROLES, Principal, granted, key_for

__all__ = ["COOKIE", "LANG_COOKIE", "PRE_COOKIE", "Session", "Sessions"]

COOKIE = "thub_session"
PRE_COOKIE = "thub_pre"
LANG_COOKIE = "thub_lang"
_OPEN = "anonymous (no api_keys configured)"


@dataclass(frozen=True, slots=True)
class Session:
    sid: str
    who: Principal
    csrf: str
    expires: float


class Sessions:
    """Issues and checks session cookies and CSRF tokens for one hub's settings."""

    def __init__(self, settings: Any) -> None:
        self.settings = settings
        secret = settings.console.secret or secrets.token_hex(32)
        self._secret = secret.encode()
        self._revoked: dict[str, float] = {}
        self._lock = threading.Lock()

    # --- tokens -----------------------------------------------------------------------

    def _mac(self, text: str) -> str:
        return hmac.new(self._secret, text.encode(), hashlib.sha256).hexdigest()

    def csrf_for(self, sid: str) -> str:
        return self._mac("csrf|" + sid)[:40]

    def pre_token(self, request: Request) -> tuple[str, str | None]:
        """The sign-in form's CSRF token, and a new pre-session cookie value if needed."""
        pre = request.cookies.get(PRE_COOKIE, "")
        fresh = None
        if len(pre) != 32:
            pre = fresh = secrets.token_hex(16)
        return self._mac("pre|" + pre)[:40], fresh

    def pre_ok(self, request: Request, token: str) -> bool:
        pre = request.cookies.get(PRE_COOKIE, "")
        return bool(pre) and hmac.compare_digest(self._mac("pre|" + pre)[:40], token)

    # --- sessions -----------------------------------------------------------------------

    def sign_in(self, key: str) -> tuple[Principal, str] | None:
        """The principal and the cookie value for ``key``; None for an unknown key.
        With no key configured, any submission signs in with every role (loopback only)."""
        keys = self.settings.api_keys
        if not keys:
            return self._issue(_OPEN, "", frozenset(ROLES))
        found = key_for(key.strip(), keys)
        if found is None:
            return None
        return self._issue(found.name, found.sha256[:16], granted(found.roles))

    def _issue(self, name: str, tag: str, roles: frozenset[str]) -> tuple[Principal, str]:
        expires = time.time() + self.settings.console.session_hours * 3600
        body = {"n": name, "h": tag, "e": int(expires), "s": secrets.token_hex(16)}
        raw = base64.urlsafe_b64encode(json.dumps(body).encode()).decode().rstrip("=")
        return Principal(name, roles), f"{raw}.{self._mac(raw)}"

    def session(self, request: Request) -> Session | None:
        """The request's valid session, or None (no cookie, forged, expired, revoked,
        or its key removed from the settings)."""
        value = request.cookies.get(COOKIE, "")
        raw, _, mac = value.partition(".")
        if not raw or not hmac.compare_digest(self._mac(raw), mac):
            return None
        try:
            body = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
            name, tag, expires, sid = (
                str(body["n"]),
                str(body["h"]),
                float(body["e"]),
                str(body["s"]),
            )
        except (ValueError, KeyError, TypeError):
            return None
        if expires < time.time() or sid in self._revoked:
            return None
        who = self._principal(name, tag)
        return Session(sid, who, self.csrf_for(sid), expires) if who else None

    def _principal(self, name: str, tag: str) -> Principal | None:
        keys = self.settings.api_keys
        if not keys:
            return Principal(_OPEN, frozenset(ROLES)) if name == _OPEN else None
        for key in keys:
            if key.name == name and hmac.compare_digest(key.sha256[:16], tag):
                return Principal(key.name, granted(key.roles))
        return None

    def revoke(self, session: Session) -> None:
        now = time.time()
        with self._lock:
            self._revoked = {s: e for s, e in self._revoked.items() if e > now}
            self._revoked[session.sid] = session.expires

    # --- cookies ------------------------------------------------------------------------

    def secure(self, request: Request) -> bool:
        mode = self.settings.console.secure_cookie
        return mode == "always" or (mode == "auto" and request.url.scheme == "https")

    def set_cookie(self, response: Response, request: Request, name: str, value: str,
                   max_age: int | None = None) -> None:  # fmt: skip
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path="/console",
            httponly=True,
            samesite="strict",
            secure=self.secure(request),
        )
