"""SOAP client of ngansach: the contract, the fault table and the headers; the calling
itself is :class:`hub.sdk.SoapClient` (zeep over the hub's pool, replies bounded).

The WSDL and XSD are read once per process from ``contract/`` (never from the
network). Every call carries the ``XacThuc`` header (built once); writes would carry
``KhoaYeuCau`` (the idempotency key). SOAP Faults are mapped by :data:`FAULT_CODES`
(the code is in ``detail/LoiDichVu/MaLoi``); transport and HTTP failures by
:func:`ministry_errors`.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from zeep.wsdl import Document

from hub.sdk import RejectedError, SoapClient, load_contract

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
BINDING = f"{{{NAMESPACE}}}DichVuSoap"


@functools.cache
def load_wsdl() -> Document:
    """The parsed contract, once per process."""
    return load_contract(WSDL_PATH, SYSTEM)  # hub.sdk's strict parsing: no DTD, entities


class NgansachClient:
    def __init__(self, settings: NgansachSettings) -> None:
        self._settings = settings
        self._soap = SoapClient(
            settings,
            system=SYSTEM,
            contract=load_wsdl,  # parsed on the first call: look-ups are rare
            binding=BINDING,
            endpoint=ENDPOINT,
            faults=FAULT_CODES,
        )
        self._auth = self._soap.element(
            "XacThuc",
            {"MaDonVi": settings.ma_don_vi, "KhoaTruyCap": settings.access_key.get_secret_value()},
        )

    async def call(
        self, operation: str, body: dict[str, Any], *, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        """Call ``operation``; the answer as plain dicts and lists.

        :raises TransientError: transport failure, 429/5xx, a reply that is not XML, BUSY.
        :raises RejectedError: a permanent fault (INVALID, AUTH, NOT_FOUND ...).
        :raises ContractError: a request or reply that breaks the contract.
        """
        headers = [self._auth]
        if idempotency_key:
            headers.append(self._soap.element("KhoaYeuCau", idempotency_key))
        return await self._soap.call(operation, body, headers=headers, as_plain=False)

    async def find(self, operation: str, body: dict[str, Any]) -> dict[str, Any] | None:
        """Like :meth:`call`, but None when the ministry does not know the dossier."""
        try:
            return await self.call(operation, body)
        except RejectedError as exc:
            if exc.remote_code == NOT_FOUND:
                return None
            raise

    async def aclose(self) -> None:
        await self._soap.aclose()
