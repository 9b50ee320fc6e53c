"""Connector health for ``tthc-hub status`` and ``GET /api/v1/status``.

Each enabled connector's ``health()`` (a cheap call: a login, a lookup of nothing) is
run with a timeout (``[health] timeout_seconds``); its result is kept for
``[health] cache_seconds`` so a status page polled every few seconds does not call
every ministry each time. A probe never raises: a wrong password, a ministry that is
down or one that does not answer in time is a failing row with the reason.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hub.connector import Connector, Health
from hub.errors import HubError
from hub.masking import mask_text
from hub.settings import HealthSettings

__all__ = ["HealthChecker", "HealthReport", "empty_status", "with_health"]


@dataclass(frozen=True, slots=True)
class HealthReport:
    """One connector's last probe."""

    connector: str
    ok: bool
    detail: str
    latency_ms: float | None
    checked_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "detail": self.detail,
            "latency_ms": self.latency_ms,
            "checked_at": self.checked_at.isoformat(),
        }


class HealthChecker:
    """Probes connectors concurrently, each with a timeout; caches the results.

    One checker per process surface (the API builds one; a CLI run is short-lived).
    """

    def __init__(
        self,
        connectors: Mapping[str, Connector],
        settings: HealthSettings | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.connectors = connectors
        self.settings = settings or HealthSettings()
        self._clock = clock
        self._cache: dict[str, tuple[float, HealthReport]] = {}

    async def check(self) -> dict[str, HealthReport]:
        """Every enabled connector's health, probing only those whose result is stale."""
        now = self._clock()
        ttl = self.settings.cache_seconds
        due = [
            c
            for name, c in self.connectors.items()
            if name not in self._cache or now - self._cache[name][0] >= ttl
        ]
        for report in await asyncio.gather(*(self._probe(c) for c in due)):
            self._cache[report.connector] = (now, report)
        return {name: self._cache[name][1] for name in sorted(self.connectors)}

    async def _probe(self, connector: Connector) -> HealthReport:
        timeout = self.settings.timeout_seconds
        started = time.perf_counter()
        try:
            health = await asyncio.wait_for(connector.health(), timeout)
        except TimeoutError:
            health = Health(ok=False, detail=f"no answer within {timeout:g} s")
        except HubError as exc:  # health() should report, but a plugin's may raise
            health = Health(ok=False, detail=str(exc))
        except Exception as exc:
            health = Health(ok=False, detail=f"health check failed ({type(exc).__name__})")
        latency = health.latency_ms
        if latency is None:
            latency = round((time.perf_counter() - started) * 1000, 1)
        return HealthReport(
            connector=connector.name,
            ok=health.ok,
            detail=mask_text(health.detail),
            latency_ms=latency,
            checked_at=datetime.now(UTC),
        )


def empty_status(connector: str) -> dict[str, Any]:
    """A status row of a connector that has no job yet."""
    return {
        "connector": connector,
        "queue": {},
        "oldest_waiting_seconds": None,
        "last_success_at": None,
        "attempts_last_hour": 0,
        "error_rate": None,
    }


def with_health(
    rows: list[dict[str, Any]], reports: Mapping[str, HealthReport]
) -> list[dict[str, Any]]:
    """The job status rows (hub/ops.py) with a row added for each probed connector that
    has no job, and each row's ``health`` (None for a connector no longer enabled)."""
    by_name = {r["connector"]: dict(r) for r in rows}
    for name in reports:
        by_name.setdefault(name, empty_status(name))
    for name, row in by_name.items():
        report = reports.get(name)
        row["health"] = report.as_dict() if report else None
    return [by_name[k] for k in sorted(by_name)]
