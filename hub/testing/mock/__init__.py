"""The public mock kit: what a ministry mock is built from, with no pytest needed.

A mock of a ministry system (bundled in ``mocks/`` or shipped by a third-party
connector package) imports from here only:

- :class:`MockConfig`, :class:`MockState`, :func:`admin_router`: configuration,
  in-memory ministry state with its journal, and the ``/_mock/`` admin API that
  the conformance suite drives (reset, faults, stats, records, received, seed,
  seeded records with a known status and history, credentials);
- :func:`load_contract`, :class:`Contract`, :class:`Violation`: the request
  bodies checked against the connector's ``contract/`` (OpenAPI);
- :class:`Fault`, :class:`FaultMiddleware`, :class:`FaultInjector`: injected
  timeouts, 5xx, 429, resets, garbled bodies and "busy" answers (:class:`BusyReply`
  when not JSON);
- :class:`ServiceEnvelope`, :class:`SoapEnvelope`: one-URL protocols (session +
  service JSON, SOAP actions), each service's body checked against its own schema;
- :func:`start_server`, :class:`RunningServer`: the app on a loopback port.

See docs/mocks.md.
"""

from hub.testing.mock.admin import (
    FaultSet,
    Journal,
    MockConfig,
    MockState,
    SeedRecord,
    SeedRecords,
    SeedRequest,
    SeedStep,
    UnsupportedRecord,
    admin_router,
    vn_wall_time,
)
from hub.testing.mock.contract import Contract, Violation, load_contract
from hub.testing.mock.envelope import (
    SOAP_ENV_NS,
    ServiceEnvelope,
    SoapEnvelope,
    SoapRequest,
    SoapRequestError,
    element_to_dict,
)
from hub.testing.mock.faults import (
    ADMIN_PREFIX,
    BusyReply,
    Fault,
    FaultInjector,
    FaultKind,
    FaultMiddleware,
)
from hub.testing.mock.server import RunningServer, start_server

__all__ = [
    "ADMIN_PREFIX",
    "SOAP_ENV_NS",
    "BusyReply",
    "Contract",
    "Fault",
    "FaultInjector",
    "FaultKind",
    "FaultMiddleware",
    "FaultSet",
    "Journal",
    "MockConfig",
    "MockState",
    "RunningServer",
    "SeedRecord",
    "SeedRecords",
    "SeedRequest",
    "SeedStep",
    "ServiceEnvelope",
    "SoapEnvelope",
    "SoapRequest",
    "SoapRequestError",
    "UnsupportedRecord",
    "Violation",
    "admin_router",
    "element_to_dict",
    "load_contract",
    "start_server",
    "vn_wall_time",
]
