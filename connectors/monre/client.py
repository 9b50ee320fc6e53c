"""SOAP client of MONRE's DVC thiết yếu service: the contract, the fault table and the
headers; the calling itself is :class:`hub.sdk.SoapClient` (zeep over the hub's pool).

* The WSDL and XSD are read ONCE per process from ``contract/`` (:func:`load_wsdl`),
  never from the network: the transports refuse any remote load.
* One zeep ``AsyncClient`` per running event loop over one pooled
  ``httpx.AsyncClient``, closed with its loop (the parsed WSDL is shared).
* Every reply is bounded before zeep sees it (issue #23): read as a stream up to
  ``max_reply_bytes`` (refused from ``Content-Length`` or as soon as the bytes pass
  it), then pre-scanned by :func:`hub.xmllimits.check_xml` for depth, element and
  attribute counts (:data:`REPLY_LIMITS`). zeep's handling grows faster than the
  reply (400,000 attributes took minutes); the scan refuses them in a fraction of a
  second. A refused reply is a :class:`ContractError` (permanent, code
  ``reply_too_large`` / ``reply_too_complex``): the same request gets the same
  answer, so retrying would only burn CPU and hold the dossier's later jobs back;
  the job goes dead with a reason an operator can act on.
* Every call carries the ``XacThuc`` header (built once); writes carry ``KhoaYeuCau``
  (the idempotency key). SOAP Faults are mapped by :data:`FAULT_CODES` (the code is in
  the fault's ``detail/LoiDichVu/MaLoi``); transport and HTTP failures by
  :func:`hub.sdk.ministry_errors`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import zeep
from zeep.wsdl import Document
from zeep.wsdl.utils import etree_to_string

from hub.sdk import Message, SoapClient, XmlLimits, load_contract, message

from .messages import BACKEND_TIMEOUT
from .settings import MonreSettings

__all__ = [
    "FAULT_CODES",
    "NAMESPACE",
    "NOT_FOUND",
    "WSDL_PATH",
    "MonreClient",
    "build_envelope",
    "load_wsdl",
]

SYSTEM = "monre"
NAMESPACE = "urn:monre.gov.vn:dvcthietyeu:v1"
WSDL_PATH = Path(__file__).parent / "contract" / "monre.wsdl"
BINDING = f"{{{NAMESPACE}}}DichVuThietYeuSoap"
#: The endpoint under ``base_url`` (the ministry portal runs on ASP.NET web services).
ENDPOINT = "/DichVuThietYeu.asmx"

NOT_FOUND = "NOT_FOUND"
#: ``LoiDichVu/MaLoi`` of a SOAP Fault -> (transient?, what it means for an operator).
FAULT_CODES: dict[str, tuple[bool, Callable[[], Message]]] = {
    "BUSY": (True, lambda: message("transient.busy", system=SYSTEM)),
    "TIMEOUT": (True, lambda: BACKEND_TIMEOUT()),
    "INVALID": (False, lambda: message("rejected.invalid_data", system=SYSTEM)),
    "AUTH": (
        False,
        lambda: message(
            "rejected.credentials",
            system=SYSTEM,
            setting="connectors.monre.access_key/ma_don_vi",
        ),
    ),
    NOT_FOUND: (False, lambda: message("rejected.dossier_unknown", system=SYSTEM)),
    "CONFLICT": (False, lambda: message("rejected.state_conflict", system=SYSTEM)),
}

#: What one reply may hold besides its size (``max_reply_bytes``): far above any page
#: of 500 records (about 60 elements each, no attributes in the contract's answers).
REPLY_LIMITS = XmlLimits(
    max_depth=64, max_elements=200_000, max_attributes=20_000, max_attributes_per_element=64
)


@functools.cache
def load_wsdl() -> Document:
    """The parsed contract, once per process."""
    return load_contract(WSDL_PATH, SYSTEM)  # hub.sdk's strict parsing: no DTD, entities


class MonreClient:
    """MONRE's operations over one :class:`SoapClient`."""

    def __init__(self, settings: MonreSettings) -> None:
        self._settings = settings
        self._soap = SoapClient(
            settings,
            system=SYSTEM,
            contract=load_wsdl(),
            binding=BINDING,
            endpoint=ENDPOINT,
            faults=FAULT_CODES,
            reply_limits=REPLY_LIMITS,
        )
        # The same on every call: built once (zeep copies the headers it is given).
        self._auth = self._soap.element(
            "XacThuc",
            {"MaDonVi": settings.ma_don_vi, "KhoaTruyCap": settings.access_key.get_secret_value()},
        )

    async def call(
        self, operation: str, body: dict[str, Any], *, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        """Call ``operation`` with the body's elements; return the answer as plain data.

        A connection dropped mid-answer is re-sent at once, twice at most: writes carry
        KhoaYeuCau, so MONRE applies them once however often they come.

        :raises TransientError: transport failure, 429/5xx, a reply that is not XML,
            a BUSY/TIMEOUT fault or a Server fault with an unknown code.
        :raises RejectedError: a permanent fault (INVALID, AUTH, NOT_FOUND, ...);
            ``remote_code`` is the fault's MaLoi.
        :raises ContractError: a reply (or request) that breaks ``contract/``.
        """
        headers = [self._auth]
        if idempotency_key:
            headers.append(self._soap.element("KhoaYeuCau", idempotency_key))
        return await self._soap.call(operation, body, headers=headers)

    def warm_up(self) -> None:
        """What the first call loads (the TLS context), loaded now: sync, any thread."""
        self._soap.warm_up()

    async def aclose(self) -> None:
        await self._soap.aclose()


def build_envelope(
    operation: str, body: dict[str, Any], *, headers: dict[str, Any] | None = None
) -> bytes:
    """The envelope zeep would send for ``operation`` (for tests and troubleshooting)."""
    transport: Any = load_wsdl().transport
    client = zeep.Client(wsdl=load_wsdl(), transport=transport, settings=load_wsdl().settings)
    service = client.create_service(BINDING, "http://localhost" + ENDPOINT)
    message = client.create_message(service, operation, **body, _soapheaders=headers)
    return bytes(etree_to_string(message))
