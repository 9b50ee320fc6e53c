"""The one module a connector author imports: ``from hub.sdk import ...``.

Everything a ministry connector (its plugin module, settings, client, mapping,
connector, CLI commands and API routes) needs from the hub, in one place. The
modules named below are the hub's own layout and may move; these names will not.

=========================  ===================================================================
what                       names
=========================  ===================================================================
plugin                     :data:`hookimpl` (mark ``register_connectors`` and the other hooks)
connector interface        :class:`Connector` (the protocol), :class:`Capability`,
                           :class:`PushResult`, :class:`PullBatch`, :class:`PulledDossier`,
                           :class:`RemoteDossier`, :class:`RemoteRecord`, :class:`Period`,
                           :class:`Health`, :func:`probe`, :func:`idempotency_key`,
                           :class:`TrackedEvent`, :class:`TrackingPage` (a tracking feed)
callbacks                  :class:`Callback`, :class:`CallbackRejected`, :func:`verify_hmac`,
                           :func:`sign_hmac` (signed notices from a ministry)
errors                     :class:`HubError` > :class:`TransientError`, :class:`PermanentError`
                           (> :class:`MappingError`, :class:`RejectedError`,
                           :class:`ContractError`), :class:`ConfigError`, :class:`IngestError`;
                           :func:`ministry_errors` (httpx exceptions to the tree),
                           :func:`remote_error` (a ministry's own error code);
                           :class:`RequestRefused`, :func:`error_body` (a route's refusal)
messages                   :func:`define_message` (a code, vi and en templates),
                           :func:`message` (a defined code with its parameters),
                           :class:`Message`, :func:`render_stored`, :func:`missing` (the
                           MappingError of a required field), :func:`field_label`
                           (docs/messages.md); :func:`add_help_vi` (Vietnamese help of a
                           plugin's commands)
settings                   :class:`ConnectorSettings` (base model), :func:`connector_settings`
                           (reads ``[connectors.NAME]``), :func:`non_empty_secret`,
                           :class:`HubSettings` (what the hooks receive)
OAuth2                     :class:`ClientCredentials` (a cached client-credentials token,
                           shared by concurrent calls, renewed on a 401)
logins                     :class:`SharedCredential` (a token or session that concurrent
                           calls share: one login for all, a refused one dropped only if
                           still current), for a login flow of a connector's own
HTTP                       :class:`ConnectorHttp` (one pooled ``httpx.AsyncClient``),
                           :func:`read_capped` (a reply read up to ``max_reply_bytes``)
session envelope           :class:`SessionClient` (log in for a session, then every call
                           as one envelope; one session shared by concurrent calls and
                           renewed when it expires, the system's codes to coded errors),
                           :func:`answer_code`
XML replies                :func:`check_xml`, :class:`XmlLimits`, :class:`XmlLimitError`
                           (depth and size checked before a parser builds a tree)
SOAP                       :class:`SoapClient` (zeep over one pooled client per loop,
                           replies bounded, faults to coded errors),
                           :func:`load_contract` (a WSDL from disk, strict parsing)
personal data              :func:`mask_text`, :func:`mask_number`, :func:`mask_name`,
                           :func:`mask_value`, :func:`mask_excerpt`, :data:`PERSONAL_KEYS`
canonical model            :class:`Dossier`, :class:`DossierEvent`, :class:`EventType`,
                           :class:`Status`, :data:`FINAL_STATUSES`, :class:`Origin`,
                           :class:`Channel`, :class:`Party`, :class:`IdType`,
                           :class:`Address`, :class:`Attachment`, :class:`Fee`,
                           :class:`Result`, :class:`ResultDelivery`,
                           :class:`DeliveryMethod`, :class:`ProcessStep`,
                           :func:`national_ma_tthc`
procedures and deadlines   :class:`Catalog`, :func:`load_catalog`, :func:`fold`;
                           :func:`deadline_plan`, :class:`StepDeadline`,
                           :class:`DeadlineError`; :func:`vietnam_today` (today in
                           Asia/Ho_Chi_Minh, whatever the server's zone)
the running hub            :class:`Hub` (what CLI commands and routes get), :func:`requires`,
                           :class:`Principal`, :func:`mask_for` (an answer masked by role)
look-ups                   :class:`Query`, :class:`LookupPage`, :class:`LookupParams`,
                           :class:`LookupRow`, :class:`DateRangeParams`, :class:`LookupSettings`,
                           :class:`LookupNotFound`, :class:`LookupBusy`; validators
                           :data:`MaSoThue`, :data:`MaSoDoanhNghiep`, :func:`check_mst`,
                           :data:`MaHoSo`
plugin description         :class:`ConnectorInfo` (what ``describe_connectors`` returns)
periodic jobs              :class:`PeriodicJob` (what ``register_periodic_jobs`` returns)
                           (API-key roles for a route)
the demo                   :class:`DemoScenario` (what ``register_demo_scenarios`` returns),
                           :class:`DemoMock`, :class:`DemoContext`, :class:`DemoOptions`,
                           :class:`DemoTable`, :class:`Bilingual` (a label in vi and en),
                           :class:`LookupTour` (a look-up connector's queries, twice),
                           :class:`LookupDemo` (the scenario built on it)
sample data                :func:`sample_dossier`, :func:`sample_lifecycle`,
                           :func:`sample_batch`, :func:`sample_ho_tich_lifecycle`,
                           :func:`sample_ho_tich_batch` (seeded, realistic, for demos)
=========================  ===================================================================

Names load on first use (``from hub.sdk import hookimpl`` costs no httpx, pydantic or
FastAPI), so a plugin module may import from here at its top. The mock of a ministry
imports :mod:`hub.testing.mock` instead; see docs/hooks.md and docs/mocks.md.
"""

import typing as _typing
from importlib import import_module as _import_module

from hub import hookimpl

if _typing.TYPE_CHECKING:
    from hub.addresses import AddressForm, address_for, load_address_tables
    from hub.auth import Principal, mask_for, requires
    from hub.calendar import DeadlineError, StepDeadline, deadline_plan
    from hub.callbacks import Callback, CallbackRejected, sign_hmac, verify_hmac
    from hub.catalog import Catalog, fold, load_catalog
    from hub.cli_help import add_help_vi
    from hub.connector import (
        Capability,
        Connector,
        Health,
        Period,
        PullBatch,
        PulledDossier,
        PushResult,
        RemoteDossier,
        RemoteRecord,
        TrackedEvent,
        TrackingPage,
        idempotency_key,
        probe,
    )
    from hub.connector_settings import ConnectorSettings, connector_settings, non_empty_secret
    from hub.credential import SharedCredential
    from hub.demo_kit import (
        Bilingual,
        DemoContext,
        DemoMock,
        DemoOptions,
        DemoScenario,
        DemoTable,
        LookupDemo,
        LookupTour,
    )
    from hub.errors import (
        ConfigError,
        ContractError,
        HubError,
        IngestError,
        MappingError,
        PermanentError,
        RejectedError,
        RequestRefused,
        TransientError,
        error_body,
        ministry_errors,
        remote_error,
    )
    from hub.fields import vietnam_today
    from hub.http import ConnectorHttp, read_capped
    from hub.lookups import (
        DateRangeParams,
        LookupBusy,
        LookupNotFound,
        LookupPage,
        LookupParams,
        LookupRow,
        LookupSettings,
        MaSoDoanhNghiep,
        MaSoThue,
        Query,
        check_mst,
    )
    from hub.masking import (
        PERSONAL_KEYS,
        mask_excerpt,
        mask_name,
        mask_number,
        mask_text,
        mask_value,
    )
    from hub.messages import Message, define_message, message, render_stored
    from hub.models import (
        FINAL_STATUSES,
        Address,
        Attachment,
        Channel,
        DeliveryMethod,
        Dossier,
        DossierEvent,
        EventType,
        Fee,
        IdType,
        MaHoSo,
        Origin,
        Party,
        ProcessStep,
        Result,
        ResultDelivery,
        Status,
        national_ma_tthc,
    )
    from hub.oauth2 import ClientCredentials
    from hub.params import ApiDate, ApiDateTime, cursor_query, id_path, text_path, text_query
    from hub.plugins import ConnectorInfo, PeriodicJob
    from hub.reasons import field_label, missing
    from hub.service import Hub
    from hub.session_client import SessionClient, answer_code
    from hub.settings import HubSettings
    from hub.soap import SoapClient, load_contract
    from hub.testing.samples import sample_batch, sample_dossier, sample_lifecycle
    from hub.testing.samples_hotich import sample_ho_tich_batch, sample_ho_tich_lifecycle
    from hub.xmllimits import XmlLimitError, XmlLimits, check_xml

# Where each name lives; the names imported under TYPE_CHECKING above are the same
# (tests/unit/test_sdk.py checks both against __all__).
_SOURCES: dict[str, tuple[str, ...]] = {
    "hub.auth": ("Principal", "mask_for", "requires"),
    "hub.calendar": ("DeadlineError", "StepDeadline", "deadline_plan"),
    "hub.catalog": ("Catalog", "fold", "load_catalog"),
    "hub.connector": (
        "Capability",
        "Connector",
        "Health",
        "Period",
        "PullBatch",
        "PulledDossier",
        "PushResult",
        "RemoteDossier",
        "RemoteRecord",
        "TrackedEvent",
        "TrackingPage",
        "idempotency_key",
        "probe",
    ),
    "hub.callbacks": ("Callback", "CallbackRejected", "sign_hmac", "verify_hmac"),
    "hub.connector_settings": ("ConnectorSettings", "connector_settings", "non_empty_secret"),
    "hub.demo_kit": (
        "Bilingual",
        "DemoContext",
        "DemoMock",
        "DemoOptions",
        "DemoScenario",
        "DemoTable",
        "LookupDemo",
        "LookupTour",
    ),
    "hub.errors": (
        "ConfigError",
        "ContractError",
        "HubError",
        "IngestError",
        "MappingError",
        "PermanentError",
        "RejectedError",
        "RequestRefused",
        "TransientError",
        "error_body",
        "ministry_errors",
        "remote_error",
    ),
    "hub.http": ("ConnectorHttp", "read_capped"),
    "hub.addresses": ("AddressForm", "address_for", "load_address_tables"),
    "hub.cli_help": ("add_help_vi",),
    "hub.fields": ("vietnam_today",),
    "hub.messages": ("Message", "define_message", "message", "render_stored"),
    "hub.reasons": ("field_label", "missing"),
    "hub.plugins": ("ConnectorInfo", "PeriodicJob"),
    "hub.params": (
        "ApiDate",
        "ApiDateTime",
        "cursor_query",
        "id_path",
        "text_path",
        "text_query",
    ),
    "hub.xmllimits": ("XmlLimitError", "XmlLimits", "check_xml"),
    "hub.lookups": (
        "DateRangeParams",
        "LookupBusy",
        "LookupNotFound",
        "LookupPage",
        "LookupParams",
        "LookupRow",
        "LookupSettings",
        "MaSoDoanhNghiep",
        "MaSoThue",
        "Query",
        "check_mst",
    ),
    "hub.masking": (
        "PERSONAL_KEYS",
        "mask_excerpt",
        "mask_name",
        "mask_number",
        "mask_text",
        "mask_value",
    ),
    "hub.models": (
        "FINAL_STATUSES",
        "Address",
        "MaHoSo",
        "Attachment",
        "Channel",
        "DeliveryMethod",
        "Dossier",
        "DossierEvent",
        "EventType",
        "Fee",
        "IdType",
        "Origin",
        "Party",
        "ProcessStep",
        "Result",
        "ResultDelivery",
        "Status",
        "national_ma_tthc",
    ),
    "hub.service": ("Hub",),
    "hub.oauth2": ("ClientCredentials",),
    "hub.credential": ("SharedCredential",),
    "hub.session_client": ("SessionClient", "answer_code"),
    "hub.settings": ("HubSettings",),
    "hub.soap": ("SoapClient", "load_contract"),
    "hub.testing.samples": ("sample_batch", "sample_dossier", "sample_lifecycle"),
    "hub.testing.samples_hotich": ("sample_ho_tich_batch", "sample_ho_tich_lifecycle"),
}
_MODULE_OF = {name: module for module, names in _SOURCES.items() for name in names}

__all__ = [
    "FINAL_STATUSES",
    "PERSONAL_KEYS",
    "Address",
    "AddressForm",
    "ApiDate",
    "ApiDateTime",
    "Attachment",
    "Bilingual",
    "Callback",
    "CallbackRejected",
    "Capability",
    "Catalog",
    "Channel",
    "ClientCredentials",
    "ConfigError",
    "Connector",
    "ConnectorHttp",
    "ConnectorInfo",
    "ConnectorSettings",
    "ContractError",
    "DateRangeParams",
    "DeadlineError",
    "DeliveryMethod",
    "DemoContext",
    "DemoMock",
    "DemoOptions",
    "DemoScenario",
    "DemoTable",
    "Dossier",
    "DossierEvent",
    "EventType",
    "Fee",
    "Health",
    "Hub",
    "HubError",
    "HubSettings",
    "IdType",
    "IngestError",
    "LookupBusy",
    "LookupDemo",
    "LookupNotFound",
    "LookupPage",
    "LookupParams",
    "LookupRow",
    "LookupSettings",
    "LookupTour",
    "MaHoSo",
    "MaSoDoanhNghiep",
    "MaSoThue",
    "MappingError",
    "Message",
    "Origin",
    "Party",
    "Period",
    "PeriodicJob",
    "PermanentError",
    "Principal",
    "ProcessStep",
    "PullBatch",
    "PulledDossier",
    "PushResult",
    "Query",
    "RejectedError",
    "RemoteDossier",
    "RemoteRecord",
    "RequestRefused",
    "Result",
    "ResultDelivery",
    "SessionClient",
    "SharedCredential",
    "SoapClient",
    "Status",
    "StepDeadline",
    "TrackedEvent",
    "TrackingPage",
    "TransientError",
    "XmlLimitError",
    "XmlLimits",
    "add_help_vi",
    "address_for",
    "answer_code",
    "check_mst",
    "check_xml",
    "connector_settings",
    "cursor_query",
    "deadline_plan",
    "define_message",
    "error_body",
    "field_label",
    "fold",
    "hookimpl",
    "id_path",
    "idempotency_key",
    "load_address_tables",
    "load_catalog",
    "load_contract",
    "mask_excerpt",
    "mask_for",
    "mask_name",
    "mask_number",
    "mask_text",
    "mask_value",
    "message",
    "ministry_errors",
    "missing",
    "national_ma_tthc",
    "non_empty_secret",
    "probe",
    "read_capped",
    "remote_error",
    "render_stored",
    "requires",
    "sample_batch",
    "sample_dossier",
    "sample_ho_tich_batch",
    "sample_ho_tich_lifecycle",
    "sample_lifecycle",
    "sign_hmac",
    "text_path",
    "text_query",
    "verify_hmac",
    "vietnam_today",
]


def __getattr__(name: str) -> _typing.Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'hub.sdk' has no attribute {name!r}")
    value = getattr(_import_module(module), name)
    globals()[name] = value  # the next lookup is a plain global
    return value


def __dir__() -> list[str]:
    return sorted(set(__all__) | {n for n in globals() if n.startswith("__")})
