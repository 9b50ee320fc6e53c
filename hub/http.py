"""The HTTP pool a REST connector keeps: one ``httpx.AsyncClient``, made in the running
event loop and remade if the loop changes (a client is bound to the loop it first ran
in), sized by the connector's ``max_connections`` (PERF-NOTES.md: more than ~8 in flight
per client is slower), never reading proxy settings from the environment."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from hub.connector_settings import ConnectorSettings

__all__ = ["ConnectorHttp"]


class ConnectorHttp:
    def __init__(
        self, settings: ConnectorSettings, path: str = "", headers: dict[str, str] | None = None
    ) -> None:
        self._settings = settings
        self._base_url = settings.base_url + path
        self._headers = headers or {}
        self._http: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def client(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        if self._http is None or self._loop is not loop:
            n = self._settings.max_connections
            self._http = httpx.AsyncClient(
                base_url=self._base_url,
                timeout=self._settings.timeout_seconds,
                limits=httpx.Limits(max_connections=n, max_keepalive_connections=n),
                trust_env=False,
                headers=self._headers,
            )
            self._loop = loop
        return self._http

    async def aclose(self) -> None:
        if self._http is not None:
            http, self._http = self._http, None
            await http.aclose()
