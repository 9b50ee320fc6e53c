"""API keys with roles.

Keys are configured hashed (``sha256`` of the key, hex) with their roles; the key
itself is shown once, by ``tthc-hub keys new``, and never stored::

    [[api_keys]]
    name = "ops-ha"
    sha256 = "9f86d08..."
    roles = ["operator"]

Roles: ``viewer`` (jobs, status, audit), ``payload-viewer`` (the masked request and
response excerpts of attempts), ``operator`` (re-run, skip, cancel; implies viewer),
``province-ingest`` (send events, read the inbox and updates), ``admin`` (all).
With no key configured the API is open, for a developer on loopback; ``serve``
refuses to bind elsewhere then.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import HTTPException, Request

from hub import reasons_api as A

__all__ = ["ROLES", "Principal", "hash_key", "new_key", "principal_for"]

Role = Literal["viewer", "payload-viewer", "operator", "province-ingest", "admin"]
ROLES: tuple[str, ...] = ("viewer", "payload-viewer", "operator", "province-ingest", "admin")
_IMPLIED = {
    "admin": set(ROLES),
    "operator": {"operator", "viewer"},
    "payload-viewer": {"payload-viewer", "viewer"},
    "viewer": {"viewer"},
    "province-ingest": {"province-ingest"},
}


@dataclass(frozen=True, slots=True)
class Principal:
    name: str
    roles: frozenset[str]

    def has(self, role: str) -> bool:
        return role in self.roles


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return "thub_" + secrets.token_urlsafe(32)


def principal_for(request: Request, keys: list[Any], *roles: str) -> Principal:
    """The caller, if it holds one of ``roles``; else 401 (no or bad key) or 403."""
    if not keys:
        return Principal("anonymous (no api_keys configured)", frozenset(ROLES))
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(
            401,
            detail=A.KEY_REQUIRED(),
            headers={"WWW-Authenticate": "Bearer"},
        )
    digest = hash_key(token.strip())
    for key in keys:
        if hmac.compare_digest(digest, key.sha256):
            granted = frozenset(r for role in key.roles for r in _IMPLIED[role])
            if roles and not granted.intersection(roles):
                raise HTTPException(403, detail=A.KEY_LACKS_ROLE(roles=" | ".join(roles)))
            return Principal(key.name, granted)
    raise HTTPException(401, detail=A.KEY_UNKNOWN(), headers={"WWW-Authenticate": "Bearer"})


def requires(keys: list[Any], *roles: str) -> Callable[..., Any]:
    """A FastAPI dependency: the caller must hold one of ``roles``; returns the Principal."""

    # async: a hash and a comparison; a sync dependency would cost a thread hop per request.
    async def dependency(request: Request) -> Principal:
        return principal_for(request, keys, *roles)

    return dependency
