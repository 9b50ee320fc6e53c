"""The SOAP client a connector keeps: zeep over the hub's own pooled ``httpx.AsyncClient``.

One :class:`SoapClient` per connector, given the contract (a WSDL parsed once per
process from the connector's ``contract/`` folder, never from the network), its
binding and endpoint, and the ministry's fault table. It does what every SOAP
connector needs and used to repeat:

* One ``httpx.AsyncClient`` per running event loop (a client is bound to the loop it
  first ran in), sized by ``max_connections``, never reading proxy settings from the
  environment, closed inside its loop when that loop shuts down: the client comes with
  an async generator that the loop registers and closes in ``shutdown_asyncgens``
  (``asyncio.run``, the ``asyncio.Runner`` and uvicorn call it), so a finished loop's
  pool is not left to the garbage collector ("unclosed socket" ResourceWarnings).
  ``aclose()`` closes the running loop's client now.
* Replies are bounded (issue #23): read as a stream up to ``max_reply_bytes`` (refused
  from ``Content-Length`` or as soon as the bytes pass it), then, unless it is too
  small to pass them, pre-scanned by :func:`hub.xmllimits.check_xml` against
  ``reply_limits`` before zeep parses it. A refused reply is a permanent
  :class:`~hub.errors.ContractError` (``reply_too_large`` / ``reply_too_complex``).
* 200 and SOAP Faults (XML at 400/500) go on to zeep; any other status is raised for
  :func:`~hub.errors.ministry_errors` to map with its status and ``Retry-After``.
* A connection the server dropped (``RemoteProtocolError``, ``ReadError``) is re-sent
  at once, twice at most: reads are idempotent and writes carry the contract's
  idempotency header, so the ministry applies them once however often they come.
* SOAP Faults: the code is read from ``detail/LoiDichVu/MaLoi`` (with ``TruongLoi``,
  the field, and ``ThuLaiSauGiay``, seconds before a retry) and mapped by the
  connector's table to a coded :func:`~hub.errors.remote_error`; a code not in the
  table is transient for a SOAP ``Server`` fault, a rejection otherwise. zeep's other
  exceptions map to transient (a reply that is not XML) or contract errors.
* Payloads are never logged (zeep's own transport logs whole envelopes at DEBUG).

Cost (issue #21): the call path is as lean as zeep allows. Headers are passed as
ready lxml elements (:meth:`SoapClient.element`; a static one such as the credentials
is built once), not as dicts zeep would validate and render every call; zeep gets the
reply as a light object, not converted to a ``requests.Response`` with cookies; the
request goes straight to the pool's transport (httpcore's pool), past the client's auth,
redirect, cookie and hook layers (:class:`_CallTransport`); the answer becomes plain
dicts in one pass (:func:`plain`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import zeep
import zeep.exceptions
import zeep.helpers
from lxml import etree
from zeep.proxy import AsyncServiceProxy
from zeep.transports import AsyncTransport, Transport
from zeep.wsdl import Document
from zeep.wsdl.utils import etree_to_string
from zeep.xsd.valueobjects import CompoundValue

from hub.errors import (
    ContractError,
    HubError,
    TransientError,
    ministry_errors,
    remote_error,
)
from hub.http import LoopPools, read_capped
from hub.messages import Message, message
from hub.network import PoolTransport, tls_context
from hub.xmllimits import XmlLimitError, XmlLimits, check_xml

if TYPE_CHECKING:
    from hub.connector_settings import ConnectorSettings

__all__ = ["SOAP_SETTINGS", "SoapClient", "SoapFaults", "load_contract", "plain", "tls_context"]

#: Strict parsing of replies: no DTD, no entities, no external loads, no huge trees.
SOAP_SETTINGS = zeep.Settings(
    strict=True,
    xml_huge_tree=False,
    forbid_dtd=True,
    forbid_entities=True,
    forbid_external=True,
)
#: What one reply may hold besides its size: far above any page of 500 records.
REPLY_LIMITS = XmlLimits(
    max_depth=64, max_elements=200_000, max_attributes=20_000, max_attributes_per_element=64
)
#: Failures of a kept-alive connection the server dropped: worth one quick re-send.
RESET_ERRORS = (httpx.RemoteProtocolError, httpx.ReadError)
#: Sends of one call at most (the first and two re-sends after a dropped connection).
SENDS = 3
#: ``MaLoi`` -> (transient?, its meaning: a coded message, or a function making one).
SoapFaults = Mapping[str, tuple[bool, Message | Callable[[], Message]]]

#: Headers of the streamed reply that no longer describe the body once it is read.
_FRAMING = frozenset({"content-encoding", "content-length", "transfer-encoding"})
_log = logging.getLogger(__name__)


class _LocalOnly:
    """Load contract files from disk; refuse anything with a URL scheme."""

    system = "ministry"

    def load(self, url: str) -> bytes:
        if "://" in url:
            raise ContractError(
                message("contract.remote_file", system=self.system, url=url), system=self.system
            )
        return Path(url).read_bytes()


class _WsdlTransport(_LocalOnly, Transport):
    """The transport zeep uses while parsing the WSDL: local files only, no session."""

    def __init__(self, system: str) -> None:  # no requests.Session: nothing is fetched
        self._close_session = False  # read by Transport.__del__
        self.cache = None
        self.load_timeout = None
        self.operation_timeout = None
        self.logger = _log
        self.system = system


def load_contract(path: Path, system: str, settings: zeep.Settings = SOAP_SETTINGS) -> Document:
    """The parsed WSDL (and the XSDs it imports) at ``path``, read from disk only.

    Parsing takes tens of milliseconds: call it once per process (``functools.cache``)."""
    transport: Any = _WsdlTransport(system)  # zeep annotates a class; it uses an instance
    return Document(str(path), transport, settings=settings)


@dataclass(slots=True)
class _Reply:
    """What zeep's ``process_reply`` reads of a reply, without a ``requests.Response``."""

    status_code: int
    content: bytes
    headers: httpx.Headers
    encoding: str = "utf-8"


class _CallTransport(_LocalOnly, AsyncTransport):
    """zeep's async transport over one of our pools (no sync client).

    A request goes straight to the pool's ``httpx.AsyncHTTPTransport`` (httpcore's
    connection pool), not through ``AsyncClient.send``: the client's layers (auth flow,
    redirect loop, cookie jar, event hooks) do nothing for a SOAP call but cost about a
    tenth of its CPU (issue #21). What the client would add is added here, once per pool:
    its headers, merged with zeep's per operation (:meth:`_headers`), the parsed
    address and the timeouts. Redirects were never followed (a 3xx is refused, as
    before); cookies are not kept (a SOAP contract carries no session)."""

    def __init__(self, pool: _Http, owner: SoapClient) -> None:
        self._close_session = False
        self.cache = None
        self.client = pool.client
        self.wsdl_client = None
        self.logger = _log
        self.system = owner.system
        self._owner = owner
        self._send = pool.transport.handle_async_request
        self._base = pool.client.headers
        self._address = owner.address
        self._url = httpx.URL(owner.address)
        self._extensions = {"timeout": pool.client.timeout.as_dict()}
        self._merged: dict[tuple[tuple[str, str], ...], httpx.Headers] = {}

    async def post_xml(self, address: str, envelope: Any, headers: dict[str, str]) -> _Reply:
        return await self.post(address, etree_to_string(envelope), headers)

    async def post(self, address: str, message: bytes, headers: dict[str, str]) -> _Reply:
        owner = self._owner
        request = httpx.Request(
            "POST",
            self._url if address == self._address else httpx.URL(address),
            headers=self._headers(headers),
            content=message,
            extensions=dict(self._extensions),  # a request may keep what it is given
        )
        try:
            streamed = await self._send(request)
            try:
                body = await read_capped(streamed, owner.max_reply_bytes, owner.system)
            finally:
                await streamed.aclose()
        except httpx.RequestError as exc:
            exc.request = request  # as AsyncClient.send would: the error names its request
            raise
        status = streamed.status_code
        if status != 200 and not (status in (400, 500) and "xml" in _kind(streamed)):
            kept = [(k, v) for k, v in streamed.headers.multi_items() if k.lower() not in _FRAMING]
            reply = httpx.Response(status, headers=kept, content=body, request=request)
            reply.raise_for_status()  # mapped by ministry_errors; a 1xx/3xx: zeep reports it
            return _Reply(status, body, reply.headers)
        owner.check_reply(body)
        return _Reply(status, body, streamed.headers)

    def _headers(self, headers: dict[str, str]) -> httpx.Headers:
        """The client's headers with zeep's (SOAPAction, Content-Type), built once per
        operation: zeep gives the same two for every call of an operation."""
        key = tuple(headers.items())
        merged = self._merged.get(key)
        if merged is None:
            merged = httpx.Headers(self._base)
            merged.update(headers)
            self._merged[key] = merged
        return merged


def _kind(response: httpx.Response) -> str:
    return response.headers.get("content-type", "")


@dataclass(slots=True)
class _Http:
    """The running loop's ``httpx.AsyncClient`` (it holds the headers and timeouts, and
    closes with the loop) and the transport under it, which the calls use directly."""

    client: httpx.AsyncClient
    transport: httpx.AsyncHTTPTransport


@dataclass(slots=True)
class _Pool:
    http: httpx.AsyncClient
    service: Any


class SoapClient:
    """One zeep ``AsyncClient`` over one pooled ``httpx.AsyncClient`` per running loop."""

    def __init__(
        self,
        settings: ConnectorSettings,
        *,
        system: str,
        contract: Document | Callable[[], Document],
        binding: str,
        endpoint: str,
        faults: SoapFaults,
        zeep_settings: zeep.Settings = SOAP_SETTINGS,
        reply_limits: XmlLimits = REPLY_LIMITS,
    ) -> None:
        """:param contract: the parsed WSDL (:func:`load_contract`), or a function giving it.
        :param binding: the binding's qualified name, ``{namespace}Name``.
        :param endpoint: the service's path under ``settings.base_url``.
        :param faults: ``MaLoi`` -> (transient?, meaning) of the ministry's SOAP Faults."""
        self.system = system
        self.namespace = binding[1:].split("}", 1)[0] if binding.startswith("{") else ""
        self.max_reply_bytes = settings.max_reply_bytes
        self._settings = settings
        self._contract = contract
        self._binding = binding
        self.address = settings.base_url + endpoint
        self._faults = faults
        self._zeep_settings = zeep_settings
        self._limits = reply_limits
        # A reply with fewer "<" and "=" than these cannot pass a limit (see check_reply).
        self._tags = min(reply_limits.max_depth, reply_limits.max_elements)
        self._attrs = min(reply_limits.max_attributes, reply_limits.max_attributes_per_element)
        self._pools: LoopPools[_Pool] = LoopPools(self._new_pool)

    def warm_up(self) -> None:
        """Load now (sync, from any thread) what the first call would load on the event
        loop: the contract, when given as a function, and the TLS context."""
        if not isinstance(self._contract, Document):
            self._contract = self._contract()
        tls_context()

    # --- the contract's elements ---------------------------------------------------

    def element(self, name: str, value: str | Mapping[str, str | None]) -> etree._Element:
        """An element of the contract's namespace (a header), with text or child elements."""
        node = etree.Element(f"{{{self.namespace}}}{name}")
        if isinstance(value, str):
            node.text = value
        else:
            for child, text in value.items():
                etree.SubElement(node, f"{{{self.namespace}}}{child}").text = text
        return node

    # --- calls ---------------------------------------------------------------------

    async def call(
        self,
        operation: str,
        body: Mapping[str, Any],
        *,
        headers: Sequence[etree._Element] = (),
        as_plain: bool = True,
    ) -> dict[str, Any]:
        """Call ``operation`` with the body's elements and the SOAP ``headers``; the answer
        as dicts and lists (with ``as_plain``, Decimals as int or str: :func:`plain`).

        :raises TransientError: transport failure, 429/5xx, a reply that is not XML, a
            transient fault (the table's, or a Server fault with an unknown code).
        :raises RejectedError: a permanent fault; ``remote_code`` is its MaLoi.
        :raises ContractError: a reply (or request) that breaks the contract.
        """
        method = getattr(self._service(), operation)
        extra = {"_soapheaders": list(headers)} if headers else {}
        with ministry_errors(self.system), self._soap_errors(operation):
            for send in range(1, SENDS + 1):
                try:
                    result = await method(**body, **extra)
                    break
                except RESET_ERRORS:
                    if send == SENDS:
                        raise
        answer = plain(result) if as_plain else zeep.helpers.serialize_object(result, dict)
        if not isinstance(answer, dict):
            raise ContractError(
                message("contract.not_object", operation=operation), system=self.system
            )
        return answer

    def check_reply(self, body: bytes) -> None:
        """Refuse, before zeep parses it, a reply past the reply limits.

        Every element starts with "<" and every attribute has an "=": a reply with no
        more of them than the lowest element and attribute limits cannot pass any limit,
        and is not scanned (most answers; counting is a C loop, the scan is not)."""
        if body.count(b"<") <= self._tags and body.count(b"=") <= self._attrs:
            return
        try:
            check_xml(body, self._limits)
        except XmlLimitError as exc:
            raise ContractError(
                message("contract.reply_limit", system=self.system, what=exc.what, limit=exc.limit),
                system=self.system,
                code="reply_too_complex",
            ) from None

    async def aclose(self) -> None:
        """Close the running loop's client (a later call opens a new one); the clients of
        other, live loops close with their loops."""
        await self._pools.aclose()

    # --- the pool of the running loop ----------------------------------------------

    def _service(self) -> Any:
        return self._pools.get().service

    def _new_pool(self) -> tuple[_Pool, httpx.AsyncClient]:
        n = self._settings.max_connections
        transport = PoolTransport(
            httpx.Limits(
                max_connections=n,
                max_keepalive_connections=n,
                keepalive_expiry=self._settings.keepalive_seconds,
            )
        )
        http = httpx.AsyncClient(
            transport=transport,  # closed with the client
            timeout=self._settings.timeout_seconds,
            trust_env=False,
            headers={"Accept-Encoding": "identity"},  # the bytes counted are the bytes parsed
        )
        contract = self._contract if isinstance(self._contract, Document) else self._contract()
        client = zeep.AsyncClient(
            wsdl=contract,
            transport=_CallTransport(_Http(http, transport), self),
            settings=self._zeep_settings,
        )
        # AsyncClient.create_service returns a sync proxy (zeep 4.3): build the async one.
        binding = client.wsdl.bindings[self._binding]
        return _Pool(http, AsyncServiceProxy(client, binding, address=self.address)), http

    # --- errors --------------------------------------------------------------------

    @contextmanager
    def _soap_errors(self, operation: str) -> Iterator[None]:
        """zeep's exceptions as hub errors (inside :func:`ministry_errors`)."""
        system = self.system
        try:
            yield
        except HubError:
            raise
        except zeep.exceptions.Fault as exc:
            raise self._fault_error(operation, exc) from exc
        except zeep.exceptions.TransportError as exc:
            # A reply that is not XML (a gateway page, a cut body): we cannot know whether
            # the ministry applied the request; a re-send is idempotent.
            raise TransientError(
                message("transport.not_xml", operation=operation, system=system),
                system=system,
                code="malformed",
            ) from exc
        except (zeep.exceptions.DTDForbidden, zeep.exceptions.EntitiesForbidden) as exc:
            raise ContractError(
                message("contract.xml_entities", what=operation), system=system
            ) from exc
        except zeep.exceptions.ValidationError as exc:
            # zeep checks the request against the XSD before sending: a mapping gap.
            raise ContractError(
                message("contract.schema", operation=operation, system=system, detail=exc.message),
                system=system,
            ) from exc
        except zeep.exceptions.Error as exc:
            detail = f"{type(exc).__name__}: {exc}"
            raise ContractError(
                message("contract.schema", operation=operation, system=system, detail=detail),
                system=system,
            ) from exc

    def _fault_error(self, operation: str, fault: zeep.exceptions.Fault) -> HubError:
        code, field, retry_after = self._fault_detail(fault)
        known = self._faults.get(code or "")
        if known is None:
            # SOAP 1.1: a Server fault may succeed later; a Client fault will not.
            transient = "server" in str(fault.code or "").lower()
            name = f"{fault.code} {code or ''}".rstrip()
            meaning = message("rejected.unknown_fault", system=self.system, fault=name)
        else:
            transient, made = known
            meaning = made if isinstance(made, Message) else made()
        return remote_error(
            self.system,
            operation,
            meaning,
            str(fault.message or ""),
            transient=transient,
            code=(code or "soap_fault").lower(),
            remote_code=code,
            field=field,
            retry_after=retry_after,
        )

    def _fault_detail(
        self, fault: zeep.exceptions.Fault
    ) -> tuple[str | None, str | None, float | None]:
        detail = fault.detail
        node = None if detail is None else detail.find(f"{{{self.namespace}}}LoiDichVu")
        if node is None:
            return None, None, None
        code = node.findtext(f"{{{self.namespace}}}MaLoi")
        field = node.findtext(f"{{{self.namespace}}}TruongLoi")
        retry = node.findtext(f"{{{self.namespace}}}ThuLaiSauGiay")
        try:
            retry_after = float(retry) if retry else None
        except ValueError:
            retry_after = None
        return (code or "").strip() or None, field or None, retry_after


def plain(value: Any) -> Any:
    """zeep's answer as dicts, lists and scalars in one pass (Decimal -> int or str)."""
    if isinstance(value, CompoundValue):
        return {k: plain(v) for k, v in value.__values__.items()}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return _scalar(value)


def _scalar(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    if isinstance(value, (date, datetime)):
        return value
    return str(value)
