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
Personal data in answers (:func:`mask_for`) is shown whole to ``payload-viewer`` and
``admin`` only; every other role reads it masked (docs/personal-data.md).
With no key configured the API is open, for a developer on loopback; ``serve``
refuses to bind elsewhere then.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, cast

from fastapi import HTTPException, Request

from hub import reasons_api as A
from hub.masking import mask_record

__all__ = [
    "ROLES", "Principal", "granted", "hash_key", "key_for", "mask_for", "new_key", "principal_for",
]

_T = TypeVar("_T")
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


#: The role that reads personal data unmasked (admin holds it too).
UNMASKED_ROLE = "payload-viewer"


def mask_for(who: Principal, data: _T) -> _T:
    """``data`` (JSON-ready: dicts, lists, strings, numbers) as ``who`` may read it: whole
    for a holder of ``payload-viewer`` (and so ``admin``), else with every personal value
    masked (:func:`hub.masking.mask_record`: CCCD/CMND, phone, birth date, name, address).
    The one rule for every API answer that carries a person."""
    return data if who.has(UNMASKED_ROLE) else cast("_T", mask_record(data))


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
    key = key_for(token.strip(), keys)
    if key is None:
        raise HTTPException(401, detail=A.KEY_UNKNOWN(), headers={"WWW-Authenticate": "Bearer"})
    who = Principal(key.name, granted(key.roles))
    if roles and not who.roles.intersection(roles):
        raise HTTPException(403, detail=A.KEY_LACKS_ROLE(roles=" | ".join(roles)))
    return who


def key_for(token: str, keys: list[Any]) -> Any | None:
    """The configured key whose hash is the token's (compared in constant time), or None."""
    digest = hash_key(token)
    for key in keys:
        if hmac.compare_digest(digest, key.sha256):
            return key
    return None


def granted(roles: list[str] | tuple[str, ...]) -> frozenset[str]:
    """Every role ``roles`` imply (``operator`` implies ``viewer``; ``admin`` all)."""
    return frozenset(r for role in roles for r in _IMPLIED[role])


def requires(keys: list[Any], *roles: str) -> Callable[..., Any]:
    """A FastAPI dependency: the caller must hold one of ``roles``; returns the Principal."""

    # async: a hash and a comparison; a sync dependency would cost a thread hop per request.
    async def dependency(request: Request) -> Principal:
        return principal_for(request, keys, *roles)

    return dependency
