"""SOAP client of ngansach: the only module of the connector that talks SOAP.

The WSDL and XSD are read from ``contract/`` (never from the network). One zeep
``AsyncClient`` over one pooled ``httpx.AsyncClient``, made in the running event
loop. Every call carries the ``XacThuc`` header; writes carry ``KhoaYeuCau`` (the
idempotency key). SOAP Faults are mapped by :data:`FAULT_CODES` (the code is in
``detail/LoiDichVu/MaLoi``); transport and HTTP failures by :func:`ministry_errors`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import zeep
import zeep.exceptions
from lxml import etree
from zeep.helpers import serialize_object
from zeep.proxy import AsyncServiceProxy
from zeep.transports import AsyncTransport

from hub.sdk import (
    ContractError,
    HubError,
    RejectedError,
    TransientError,
    message,
    ministry_errors,
    remote_error,
)

from . import messages
from .settings import NgansachSettings

__all__ = ["FAULT_CODES", "NAMESPACE", "NOT_FOUND", "WSDL_PATH", "NgansachClient"]

SYSTEM = "ngansach"
NAMESPACE = "urn:tthc-hub:ngansach:v1"
WSDL_PATH = Path(__file__).parent / "contract" / "ngansach.wsdl"
ENDPOINT = "/MaSoNganSach.asmx"
NOT_FOUND = "NOT_FOUND"
#: MaLoi -> (transient?, its words): connectors/ngansach/messages.py.
FAULT_CODES = messages.ERRORS


def _q(name: str) -> str:
    """The qualified name of an element of the contract."""
    return f"{{{NAMESPACE}}}{name}"


BINDING = _q("DichVuSoap")
SETTINGS = zeep.Settings(strict=True, forbid_dtd=True, forbid_entities=True, forbid_external=True)


class _Transport(AsyncTransport):
    async def post(self, address: str, message: bytes, headers: dict[str, str]) -> httpx.Response:
        # zeep's own post logs the whole envelope at DEBUG: names, CCCD numbers and the
        # access key. Connectors never log payloads.
        return await self.client.post(address, content=message, headers=headers)


class NgansachClient:
    def __init__(self, settings: NgansachSettings) -> None:
        self._settings = settings
        self._http: httpx.AsyncClient | None = None
        self._wsdl_http: httpx.Client | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._service: Any = None

    def _bind(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._service is None or self._loop is not loop:
            n = self._settings.max_connections
            self._http = httpx.AsyncClient(
                timeout=self._settings.timeout_seconds,
                limits=httpx.Limits(max_connections=n, max_keepalive_connections=n),
                trust_env=False,
                event_hooks={"response": [_raise_for_status]},
            )
            self._wsdl_http = httpx.Client(trust_env=False)  # never used: the WSDL is a file
            transport = _Transport(client=self._http, wsdl_client=self._wsdl_http)
            client = zeep.AsyncClient(str(WSDL_PATH), transport=transport, settings=SETTINGS)
            address = self._settings.base_url + ENDPOINT
            binding = client.wsdl.bindings[BINDING]
            self._service = AsyncServiceProxy(client, binding, address=address)
            self._loop = loop
        return self._service

    def _headers(self, idempotency_key: str | None) -> list[Any]:
        auth = etree.Element(_q("XacThuc"))
        etree.SubElement(auth, _q("MaDonVi")).text = self._settings.ma_don_vi
        key = self._settings.access_key.get_secret_value()
        etree.SubElement(auth, _q("KhoaTruyCap")).text = key
        headers = [auth]
        if idempotency_key:
            request_key = etree.Element(_q("KhoaYeuCau"))
            request_key.text = idempotency_key
            headers.append(request_key)
        return headers

    async def call(
        self, operation: str, body: dict[str, Any], *, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        """Call ``operation``; the answer as plain dicts and lists.

        :raises TransientError: transport failure, 429/5xx, a reply that is not XML, BUSY.
        :raises RejectedError: a permanent fault (INVALID, AUTH, NOT_FOUND ...).
        :raises ContractError: a request or reply that breaks the contract.
        """
        service = self._bind()
        with ministry_errors(SYSTEM), _soap_errors(operation):
            result = await getattr(service, operation)(
                **body, _soapheaders=self._headers(idempotency_key)
            )
        answer = serialize_object(result, dict)
        if not isinstance(answer, dict):
            raise ContractError(message("contract.not_object", operation=operation), system=SYSTEM)
        return answer

    async def find(self, operation: str, body: dict[str, Any]) -> dict[str, Any] | None:
        """Like :meth:`call`, but None when the ministry does not know the dossier."""
        try:
            return await self.call(operation, body)
        except RejectedError as exc:
            if exc.remote_code == NOT_FOUND:
                return None
            raise

    async def aclose(self) -> None:
        if self._http is not None:
            http, self._http, self._service = self._http, None, None
            await http.aclose()
        if self._wsdl_http is not None:
            self._wsdl_http.close()
            self._wsdl_http = None


async def _raise_for_status(response: httpx.Response) -> None:
    """Let 200 and SOAP Faults (XML at 500) through to zeep; raise on any other answer,
    so that :func:`ministry_errors` maps it with its status and ``Retry-After``."""
    xml = "xml" in response.headers.get("content-type", "")
    if response.status_code == 200 or (response.status_code == 500 and xml):
        return
    response.raise_for_status()


@contextmanager
def _soap_errors(operation: str) -> Iterator[None]:
    """zeep's exceptions as hub errors (inside :func:`ministry_errors`)."""
    try:
        yield
    except HubError:
        raise
    except zeep.exceptions.Fault as exc:
        raise _fault_error(operation, exc) from exc
    except zeep.exceptions.TransportError as exc:
        # A reply that is not XML (a gateway page, a cut body): we cannot know whether
        # the ministry applied the request; a re-send is idempotent.
        raise TransientError(
            message("transport.not_xml", operation=operation, system=SYSTEM),
            system=SYSTEM,
            code="malformed",
        ) from exc
    except zeep.exceptions.Error as exc:
        raise ContractError(
            message(
                "contract.schema", operation=operation, system=SYSTEM, detail=type(exc).__name__
            ),
            system=SYSTEM,
        ) from exc


def _fault_error(operation: str, fault: zeep.exceptions.Fault) -> HubError:
    code = None
    if fault.detail is not None:
        code = fault.detail.findtext(f"{_q('LoiDichVu')}/{_q('MaLoi')}")
    transient, meaning = FAULT_CODES.get(
        code or "",
        # SOAP 1.1: a Server fault may pass later; a Client fault will not.
        (
            "server" in str(fault.code or "").lower(),
            message("rejected.unknown_fault", system=SYSTEM, fault=str(fault.code or "")),
        ),
    )
    return remote_error(
        SYSTEM,
        operation,
        meaning,
        str(fault.message or ""),
        transient=transient,
        code=(code or "soap_fault").lower(),
        remote_code=code,
    )
