"""SOAP client of MONRE's DVC thiết yếu service: the only module of the connector
that imports zeep and httpx.

* The WSDL and XSD are read ONCE per process from ``contract/`` (:func:`load_wsdl`),
  never from the network: the transports refuse any remote load.
* One zeep ``AsyncClient`` per connector, over an ``AsyncTransport`` that wraps one
  pooled ``httpx.AsyncClient``; the service is pointed at ``base_url`` with
  ``create_service(binding, address)``. A client is bound to the event loop it first
  ran in; a new loop gets a new one (the parsed WSDL is shared).
* Every reply is bounded before zeep sees it (issue #23): read as a stream up to
  ``max_reply_bytes`` (refused from ``Content-Length`` or as soon as the bytes pass
  it), then pre-scanned by :func:`hub.xmllimits.check_xml` for depth, element and
  attribute counts (:data:`REPLY_LIMITS`). zeep's handling grows faster than the
  reply (400,000 attributes took minutes); the scan refuses them in a fraction of a
  second. A refused reply is a :class:`ContractError` (permanent, code
  ``reply_too_large`` / ``reply_too_complex``): the same request gets the same
  answer, so retrying would only burn CPU and hold the dossier's later jobs back;
  the job goes dead with a reason an operator can act on.
* Every call carries the ``XacThuc`` header; writes carry ``KhoaYeuCau`` (the
  idempotency key). SOAP Faults are mapped by :data:`FAULT_CODES` (the code is in
  the fault's ``detail/LoiDichVu/MaLoi``); transport and HTTP failures by
  :func:`hub.sdk.ministry_errors`.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import zeep
import zeep.exceptions
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt
from zeep.helpers import serialize_object
from zeep.proxy import AsyncServiceProxy
from zeep.transports import AsyncTransport, Transport
from zeep.wsdl import Document
from zeep.wsdl.utils import etree_to_string

from hub.sdk import (
    ContractError,
    HubError,
    Message,
    RejectedError,
    TransientError,
    XmlLimitError,
    XmlLimits,
    check_xml,
    mask_text,
    message,
    ministry_errors,
    read_capped,
)

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

#: Failures of a kept-alive connection the server dropped: worth one quick re-send.
RESET_ERRORS = (httpx.RemoteProtocolError, httpx.ReadError)

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
#: Headers of the streamed reply that no longer describe the body once it is read.
_FRAMING = frozenset({"content-encoding", "content-length", "transfer-encoding"})

#: Strict parsing of replies: no DTD, no entities, no external loads, no huge trees.
ZEEP_SETTINGS = zeep.Settings(
    strict=True,
    xml_huge_tree=False,
    forbid_dtd=True,
    forbid_entities=True,
    forbid_external=True,
)


class _LocalOnly:
    """Load contract files from disk; refuse anything with a URL scheme."""

    def load(self, url: str) -> bytes:
        if "://" in url:
            raise ContractError(
                message("contract.remote_file", system=SYSTEM, url=url), system=SYSTEM
            )
        return Path(url).read_bytes()


class _WsdlTransport(_LocalOnly, Transport):
    """The transport zeep uses while parsing the WSDL: local files only, no session."""

    def __init__(self) -> None:  # no requests.Session: nothing is fetched over a network
        self._close_session = False  # read by Transport.__del__
        self.cache = None
        self.load_timeout = None
        self.operation_timeout = None
        self.logger = logging.getLogger(__name__)


class _CallTransport(_LocalOnly, AsyncTransport):
    """zeep's async transport over our own ``httpx.AsyncClient`` (no second, sync client)."""

    def __init__(self, client: httpx.AsyncClient, max_reply_bytes: int) -> None:
        self._close_session = False
        self.cache = None
        self.client = client
        self.wsdl_client = None
        self.logger = logging.getLogger(__name__)
        self.max_reply_bytes = max_reply_bytes

    async def post(self, address: str, message: bytes, headers: dict[str, str]) -> httpx.Response:
        # zeep's own post logs the whole envelope at DEBUG: names, CCCD numbers and the
        # access key. Connectors never log payloads.
        request = self.client.build_request("POST", address, content=message, headers=headers)
        streamed = await self.client.send(request, stream=True)
        try:
            body = await read_capped(streamed, self.max_reply_bytes, SYSTEM)
        finally:
            await streamed.aclose()
        kept = [(k, v) for k, v in streamed.headers.multi_items() if k.lower() not in _FRAMING]
        reply = httpx.Response(streamed.status_code, headers=kept, content=body, request=request)
        if _raise_for_status(reply):
            _check_reply(body)
        return reply


def _check_reply(body: bytes) -> None:
    """Refuse, before zeep parses it, a reply past :data:`REPLY_LIMITS`."""
    try:
        check_xml(body, REPLY_LIMITS)
    except XmlLimitError as exc:
        raise ContractError(
            message("contract.reply_limit", system=SYSTEM, what=exc.what, limit=exc.limit),
            system=SYSTEM,
            code="reply_too_complex",
        ) from None


@functools.cache
def load_wsdl() -> Document:
    """The parsed contract, once per process."""
    # zeep annotates ``transport`` as a class, but uses (and needs) an instance.
    transport: Any = _WsdlTransport()
    return Document(str(WSDL_PATH), transport, settings=ZEEP_SETTINGS)


def _raise_for_status(response: httpx.Response) -> bool:
    """Let 200 and SOAP Faults (XML at 400/500) through to zeep; raise on any other status.

    A 503 page or a 429 from a gateway is not a SOAP answer: raising here lets
    :func:`ministry_errors` map it with its status and ``Retry-After``. True when the
    reply goes on to zeep.
    """
    if response.status_code == 200:
        return True
    kind = response.headers.get("content-type", "")
    if response.status_code in (400, 500) and "xml" in kind:
        return True
    response.raise_for_status()
    return False  # a 1xx/3xx: zeep reports it


class MonreClient:
    """One zeep AsyncClient over one pooled httpx.AsyncClient, created in the running loop."""

    def __init__(self, settings: MonreSettings) -> None:
        self._settings = settings
        self._document = load_wsdl()
        self._http: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._service: Any = None
        self._zeep: zeep.AsyncClient | None = None

    def _bind(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._service is None or self._loop is not loop:
            limits = httpx.Limits(
                max_connections=self._settings.max_connections,
                max_keepalive_connections=self._settings.max_connections,
            )
            self._http = httpx.AsyncClient(
                timeout=self._settings.timeout_seconds,
                limits=limits,
                trust_env=False,
                headers={"Accept-Encoding": "identity"},  # the bytes counted are the bytes parsed
            )
            transport = _CallTransport(self._http, self._settings.max_reply_bytes)
            self._zeep = zeep.AsyncClient(
                wsdl=self._document, transport=transport, settings=ZEEP_SETTINGS
            )
            # AsyncClient.create_service returns a sync proxy (zeep 4.3): build the async one.
            binding = self._zeep.wsdl.bindings[BINDING]
            address = self._settings.base_url + ENDPOINT
            self._service = AsyncServiceProxy(self._zeep, binding, address=address)
            self._loop = loop
        return self._service

    def _headers(self, idempotency_key: str | None) -> dict[str, Any]:
        """The SOAP headers the binding declares: XacThuc always, KhoaYeuCau on writes."""
        headers: dict[str, Any] = {
            "XacThuc": {
                "MaDonVi": self._settings.ma_don_vi,
                "KhoaTruyCap": self._settings.access_key.get_secret_value(),
            }
        }
        if idempotency_key:
            headers["KhoaYeuCau"] = idempotency_key
        return headers

    async def call(
        self, operation: str, body: dict[str, Any], *, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        """Call ``operation`` with the body's elements; return the answer as plain data.

        :raises TransientError: transport failure, 429/5xx, a reply that is not XML,
            a BUSY/TIMEOUT fault or a Server fault with an unknown code.
        :raises RejectedError: a permanent fault (INVALID, AUTH, NOT_FOUND, ...);
            ``remote_code`` is the fault's MaLoi.
        :raises ContractError: a reply (or request) that breaks ``contract/``.
        """
        service = self._bind()
        headers = self._headers(idempotency_key)
        with ministry_errors(SYSTEM), _soap_errors(operation):
            # A connection dropped mid-answer is re-sent at once, twice at most:
            # writes carry KhoaYeuCau, so MONRE applies them once however often they come.
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(3),
                retry=retry_if_exception_type(RESET_ERRORS),
                reraise=True,
            ):
                with attempt:
                    result = await getattr(service, operation)(**body, _soapheaders=headers)
        return _plain(serialize_object(result, dict))

    async def aclose(self) -> None:
        if self._http is not None:
            http, self._http = self._http, None
            self._service = self._zeep = None
            await http.aclose()


def build_envelope(
    operation: str, body: dict[str, Any], *, headers: dict[str, Any] | None = None
) -> bytes:
    """The envelope zeep would send for ``operation`` (for tests and troubleshooting)."""
    transport: Any = _WsdlTransport()
    client = zeep.Client(wsdl=load_wsdl(), transport=transport, settings=ZEEP_SETTINGS)
    service = client.create_service(BINDING, "http://localhost" + ENDPOINT)
    message = client.create_message(service, operation, **body, _soapheaders=headers)
    return bytes(etree_to_string(message))


def _plain(value: Any) -> Any:
    """zeep's answer as dicts, lists and scalars (Decimal -> int or str)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    if isinstance(value, (str, int, float, bool, date, datetime)) or value is None:
        return value
    return str(value)


@contextmanager
def _soap_errors(operation: str) -> Iterator[None]:
    """Map zeep's exceptions to hub errors (inside :func:`ministry_errors`)."""
    try:
        yield
    except HubError:
        raise
    except zeep.exceptions.Fault as exc:
        raise _fault_error(operation, exc) from exc
    except zeep.exceptions.TransportError as exc:
        # zeep raises this for a reply that is not XML (a gateway page, a cut body):
        # we cannot know whether MONRE applied the request; a re-send is idempotent.
        raise TransientError(
            message("transport.not_xml", operation=operation, system=SYSTEM),
            system=SYSTEM,
            code="malformed",
        ) from exc
    except (zeep.exceptions.DTDForbidden, zeep.exceptions.EntitiesForbidden) as exc:
        raise ContractError(
            message("contract.xml_entities", what=operation), system=SYSTEM
        ) from exc
    except zeep.exceptions.ValidationError as exc:
        # zeep checks the request against the XSD before sending: a mapping gap.
        raise ContractError(
            message("contract.schema", operation=operation, system=SYSTEM, detail=exc.message),
            system=SYSTEM,
        ) from exc
    except zeep.exceptions.Error as exc:
        raise ContractError(
            message(
                "contract.schema",
                operation=operation,
                system=SYSTEM,
                detail=f"{type(exc).__name__}: {exc}",
            ),
            system=SYSTEM,
        ) from exc


def _fault_error(operation: str, fault: zeep.exceptions.Fault) -> HubError:
    code, field, retry_after = _fault_detail(fault)
    detail = mask_text(str(fault.message or ""))[:300]
    where = message("rejected.where_field", field=field) if field else message("rejected.nowhere")
    known = FAULT_CODES.get(code or "")
    if known is None:
        # SOAP 1.1: a Server fault may succeed later; a Client fault will not.
        transient = "server" in str(fault.code or "").lower()
        fault_name = f"{fault.code} {code or ''}".rstrip()
        meaning = message("rejected.unknown_fault", system=SYSTEM, fault=fault_name)
    else:
        transient, meaning = known[0], known[1]()
    text = message(
        "rejected.remote", operation=operation, meaning=meaning, where=where, detail=detail
    )
    if transient:
        return TransientError(
            text, system=SYSTEM, code=(code or "soap_fault").lower(), retry_after=retry_after
        )
    return RejectedError(text, system=SYSTEM, remote_code=code)


def _fault_detail(fault: zeep.exceptions.Fault) -> tuple[str | None, str | None, float | None]:
    detail = fault.detail
    if detail is None:
        return None, None, None
    node = detail.find(f"{{{NAMESPACE}}}LoiDichVu")
    if node is None:
        return None, None, None
    code = node.findtext(f"{{{NAMESPACE}}}MaLoi")
    field = node.findtext(f"{{{NAMESPACE}}}TruongLoi")
    retry = node.findtext(f"{{{NAMESPACE}}}ThuLaiSauGiay")
    try:
        retry_after = float(retry) if retry else None
    except ValueError:
        retry_after = None
    return (code or "").strip() or None, field or None, retry_after
