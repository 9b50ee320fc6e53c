"""Hub settings: a TOML file, overridden by the environment.

Sources, strongest first: keyword arguments, environment variables
(``TTHC_HUB_<FIELD>``, nested with ``__``: ``TTHC_HUB_WORKER__CONCURRENCY=4``,
``TTHC_HUB_CONNECTORS__MOLISA__ACCEPT_KEY=...``), the TOML file named by
``TTHC_HUB_CONFIG`` (default ``tthc-hub.toml`` in the working directory, if
present), then the defaults below. ``tthc-hub.example.toml`` documents every key.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from hub.calendar import CalendarSettings
from hub.errors import ConfigError
from hub.province import ProvinceSettings

__all__ = [
    "ApiSettings",
    "HealthSettings",
    "HubSettings",
    "RetrySettings",
    "RouteRule",
    "WorkerSettings",
]


class RetrySettings(BaseModel):
    """Backoff for transient errors (tenacity's ``wait_exponential_jitter``)."""

    initial_seconds: float = Field(default=2.0, gt=0)
    max_seconds: float = Field(default=600.0, gt=0)
    exp_base: float = Field(default=2.0, ge=1)
    jitter_seconds: float = Field(default=1.0, ge=0)
    max_attempts: int = Field(default=12, ge=1, description="then the job is dead")
    max_age_seconds: float = Field(
        default=3 * 24 * 3600, gt=0, description="a job failing longer than this is dead"
    )


class CircuitSettings(BaseModel):
    """A connector's circuit breaker: after a run of transient failures, stop calling the
    ministry for a while (waiting jobs keep their attempts), then probe with one job."""

    failure_threshold: int = Field(default=5, ge=1, description="consecutive failures to open")
    open_seconds: float = Field(default=30.0, gt=0, description="first pause")
    max_open_seconds: float = Field(default=600.0, gt=0, description="pauses double up to this")


class WorkerSettings(BaseModel):
    """How the worker claims and runs jobs."""

    #: Concurrent pushes per connector. httpx's AsyncClient degrades above ~8 in
    #: flight per client (measured on a 2-core machine: ~1,250 calls/s at 8, ~500 at 32).
    concurrency: int = Field(default=8, ge=1, le=64)
    #: Jobs claimed ahead per connector beyond those in flight, so a finished call starts
    #: the next one without waiting for the database.
    prefetch: int = Field(default=8, ge=0, le=256)
    batch_size: int = Field(default=32, ge=1, le=1000, description="jobs claimed per query")
    #: The longest a finished call's outcome waits to be written with others (one commit).
    linger_seconds: float = Field(default=0.005, ge=0, le=1)
    #: Where the worker's store calls run: "auto" is in the event loop on SQLite (local,
    #: short) and in a thread of their own on PostgreSQL (network round trips).
    store_calls: Literal["auto", "inline", "thread"] = "auto"
    lease_seconds: float = Field(default=120.0, gt=0, description="a running job's lease")
    poll_seconds: float = Field(default=0.2, gt=0, description="idle wait between claims")
    call_timeout_seconds: float = Field(default=30.0, gt=0)
    retry: RetrySettings = Field(default_factory=RetrySettings)
    circuit: CircuitSettings = Field(default_factory=lambda: CircuitSettings())


class ApiSettings(BaseModel):
    #: A ministry callback older than this (by its signed timestamp) is refused.
    callback_max_age_seconds: float = Field(default=300.0, gt=0)
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    max_body_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    max_batch_events: int = Field(default=1000, ge=1)
    #: How long an idle client connection stays open. Longer than the province system's
    #: client keeps one idle (httpx 5 s, a load balancer 60 s): a server closing it at the
    #: moment the client reuses it fails that request with a reset.
    keepalive_seconds: int = Field(default=75, ge=1, le=3600)


class SchedulerSettings(BaseModel):
    enabled: bool = True
    pull_interval_seconds: float = Field(default=60.0, gt=0)
    #: How often to ask ministries that process our dossiers (TRACK) for news.
    track_interval_seconds: float = Field(default=120.0, gt=0)
    #: The nightly reconciliation with every ministry that can list (hub/reconcile.py), at
    #: this hour, province time.
    reconcile_cron_hour: int = Field(default=3, ge=0, le=23)
    #: How often the deadline watch looks for dossiers at risk or overdue (hub/deadlines.py).
    deadline_watch_seconds: float = Field(default=300.0, gt=0)


class HealthSettings(BaseModel):
    """How ``tthc-hub status`` and ``GET /api/v1/status`` probe each enabled connector
    (its ``health()``, hub/health.py)."""

    #: A probe without an answer in this time reports the connector as failing.
    timeout_seconds: float = Field(default=5.0, gt=0, le=120)
    #: A probe's result is reused for this long, so a polled status page does not
    #: call every ministry on each refresh.
    cache_seconds: float = Field(default=30.0, ge=0, le=3600)


class ApiKeySetting(BaseModel):
    """One API key: a name for the audit log, the SHA-256 of the key, its roles."""

    name: str = Field(min_length=1, max_length=100)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    roles: list[Literal["viewer", "payload-viewer", "operator", "province-ingest", "admin"]] = (
        Field(min_length=1)
    )


class ConsoleSettings(BaseModel):
    """The operator console (``/console``, docs/console.md): its session cookie."""

    #: Signs session cookies and CSRF tokens. Empty: a random secret per process, so
    #: sessions end when the process restarts (set one when several processes serve).
    secret: str = Field(default="", max_length=200)
    #: ``auto``: the cookie is ``Secure`` when the request came over https (uvicorn's
    #: proxy headers count); ``always`` when TLS ends at a proxy that does not say so.
    secure_cookie: Literal["auto", "always", "never"] = "auto"
    session_hours: float = Field(default=8.0, gt=0, le=24 * 7)


class RetentionSettings(BaseModel):
    excerpt_days: float = Field(default=30, gt=0, description="masked request/response excerpts")
    finished_job_days: float = Field(default=90, gt=0, description="succeeded, skipped, cancelled")


class RouteRule(BaseModel):
    """One routing rule: events matching every given criterion go to ``connector``.

    An empty list matches everything. mã TTHC match by national code, so a local
    code (``1.001776.H34``) matches a rule naming ``1.001776``.
    """

    connector: str
    ma_tthc: list[str] = Field(default_factory=list)
    #: Procedures this rule never sends (national codes; local ones match too).
    exclude_ma_tthc: list[str] = Field(default_factory=list)
    event_types: list[str] = Field(default_factory=list)
    channels: list[str] = Field(default_factory=list)
    with_fees: bool | None = Field(default=None, description="only dossiers with (or without) fees")
    #: Catalog attributes of the procedure: its sector (ngành) or field (lĩnh vực), matched
    #: without accents or case, and its level (``tinh``, ``huyen``, ``xa``).
    sectors: list[str] = Field(default_factory=list)
    levels: list[str] = Field(default_factory=list)


class HubSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TTHC_HUB_",
        env_nested_delimiter="__",
        extra="forbid",
    )

    database_url: str = Field(default="sqlite:///tthc-hub.db")
    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: str = "INFO"
    api: ApiSettings = Field(default_factory=ApiSettings)
    worker: WorkerSettings = Field(default_factory=WorkerSettings)
    scheduler: SchedulerSettings = Field(default_factory=SchedulerSettings)
    health: HealthSettings = Field(default_factory=HealthSettings)
    routes: list[RouteRule] = Field(default_factory=list)
    connectors: dict[str, dict[str, Any]] = Field(default_factory=dict)
    #: The province's own codes (mã đơn vị, mã tỉnh), read by connectors that need them.
    province: ProvinceSettings = Field(default_factory=ProvinceSettings)
    #: API keys accepted by the API (``Authorization: Bearer <key>``), stored hashed,
    #: with roles (hub/auth.py); empty = open, which ``serve`` refuses off loopback.
    api_keys: list[ApiKeySetting] = Field(default_factory=list)
    #: Retention: attempt excerpts and finished jobs older than this are culled
    #: (never failed or dead jobs).
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    console: ConsoleSettings = Field(default_factory=ConsoleSettings)
    #: Extra procedure catalog files (JSON) beside the ones shipped in the package.
    catalog_files: list[Path] = Field(default_factory=list)
    #: Office hours and extra yearly day-off files (``[calendar]``): ngày hẹn trả, step
    #: deadlines and the at-risk watch count working time with them.
    calendar: CalendarSettings = Field(default_factory=CalendarSettings)

    @field_validator("connectors", mode="before")
    @classmethod
    def _lower_names(cls, value: Any) -> Any:
        # Environment variables arrive upper-cased on some platforms.
        if isinstance(value, dict):
            return {
                str(k).lower(): (
                    {str(kk).lower(): vv for kk, vv in v.items()} if isinstance(v, dict) else v
                )
                for k, v in value.items()
            }
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        path = Path(os.environ.get("TTHC_HUB_CONFIG", "tthc-hub.toml"))
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if path.is_file():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        elif "TTHC_HUB_CONFIG" in os.environ:
            raise ConfigError(f"the config file {path} named by TTHC_HUB_CONFIG does not exist")
        return tuple(sources)

    def connector(self, name: str) -> dict[str, Any]:
        """The settings of one connector (``[connectors.<name>]``), empty if none."""
        return dict(self.connectors.get(name, {}))
