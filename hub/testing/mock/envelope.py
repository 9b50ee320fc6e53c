"""One-URL protocols: every request goes to the same address and names its service.

Two shapes are common among ministry systems:

- **session + service** (JSON): ``POST /api`` with
  ``{"session": "...", "madonvi": "...", "service": "LayHoSo", ...}``, answered with
  ``{"error_code": "0", "message": "...", "result": ...}``. The contract declares the
  request body as a ``oneOf`` of one schema per service with an OpenAPI
  ``discriminator`` on the service field (docs/mocks.md shows one);
  :class:`ServiceEnvelope` tells which service a body names and checks the body against
  that service's own schema.
- **SOAP actions**: ``POST /Service.asmx`` with a SOAP 1.1 envelope whose body element
  is the operation. :class:`SoapEnvelope` parses the request with a hardened parser (no
  DTD, no entities, no network), checks the operation's element against the contract's
  XSD and builds answers and faults.

Either way a violation is a :class:`~hub.testing.mock.contract.Violation` naming the
service (or operation) and the field, never the value (it may be personal data).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from lxml import etree

from hub.testing.mock.contract import Contract, Violation

__all__ = [
    "SOAP_ENV_NS",
    "ServiceEnvelope",
    "SoapEnvelope",
    "SoapRequest",
    "SoapRequestError",
    "element_to_dict",
]

SOAP_ENV_NS = "http://schemas.xmlsoap.org/soap/envelope/"


class ServiceEnvelope:
    """The services of one path of a contract whose request body is discriminated.

    ``envelope = ServiceEnvelope(load_contract(path), "/api")``; then in the handler::

        violation = envelope.validate(body)
        if violation is None:
            return handlers[envelope.service_of(body)](body)
    """

    def __init__(self, contract: Contract, path: str) -> None:
        services = contract.services(path)
        if services is None:
            raise ValueError(
                f"{path}: the contract's request schema is not a oneOf with a discriminator "
                "naming the service field (see docs/mocks.md)"
            )
        self.contract = contract
        self.path = path
        self.key, self.services = services

    def service_of(self, body: Any) -> str | None:
        """The service a body names, when it is one of the contract's."""
        name = body.get(self.key) if isinstance(body, dict) else None
        return name if isinstance(name, str) and name in self.services else None

    def validate(self, body: Any) -> Violation | None:
        """The first violation of ``body`` against the schema of the service it names."""
        return self.contract.validate(self.path, body)


@dataclass(frozen=True, slots=True)
class SoapRequest:
    """A parsed SOAP request: its operation (the body element's name) and elements."""

    operation: str
    element: etree._Element  #: the body's element, ``<tn:{operation}>``
    header: etree._Element | None  #: ``soap:Header``, if any

    def data(self, repeated: frozenset[str] = frozenset()) -> Any:
        """The element as plain data; names in ``repeated`` are always lists."""
        return element_to_dict(self.element, repeated)


class SoapRequestError(Exception):
    """A request that is not a plain SOAP 1.1 document; answer it with a Client fault."""


#: Requests larger than this are refused before parsing.
MAX_BYTES = 5 * 1024 * 1024

_KEEP_QUOTED = re.compile(
    r"^(?:xs:\w+|\{[^}]*\}\w+|maxInclusive|minInclusive|maxLength|minLength|length|pattern|"
    r"enumeration|true|false)$"
)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


class SoapEnvelope:
    """SOAP 1.1 actions checked against the contract's XSD, elements in ``namespace``."""

    def __init__(self, xsd_path: str | Path, namespace: str) -> None:
        self.xsd_path = Path(xsd_path)
        self.namespace = namespace

    @cached_property
    def schema(self) -> etree.XMLSchema:
        """The XSD, compiled on first use (from the file, no network)."""
        return etree.XMLSchema(etree.parse(str(self.xsd_path), _parser()))

    def parse(self, body: bytes) -> SoapRequest:
        """The request's operation and elements; :class:`SoapRequestError` says what is wrong."""
        if len(body) > MAX_BYTES:
            raise SoapRequestError("the request is too large")
        head = body[:4096].lower()
        if b"<!doctype" in head or b"<!entity" in head:
            raise SoapRequestError("a DOCTYPE or ENTITY declaration is not accepted")
        try:
            root = etree.fromstring(body, _parser())
        except etree.XMLSyntaxError:
            raise SoapRequestError("the request is not well-formed XML") from None
        info = root.getroottree().docinfo
        if info.doctype or info.internalDTD is not None:
            raise SoapRequestError("a DOCTYPE or ENTITY declaration is not accepted")
        if any(isinstance(node, etree._Entity) for node in root.iter()):
            raise SoapRequestError("an entity reference is not accepted")
        if root.tag != f"{{{SOAP_ENV_NS}}}Envelope":
            raise SoapRequestError("the document is not a SOAP 1.1 Envelope")
        header = root.find(f"{{{SOAP_ENV_NS}}}Header")
        body_el = root.find(f"{{{SOAP_ENV_NS}}}Body")
        children = [] if body_el is None else [c for c in body_el if isinstance(c.tag, str)]
        if len(children) != 1:
            raise SoapRequestError("the SOAP Body must hold exactly one operation element")
        return SoapRequest(etree.QName(children[0]).localname, children[0], header)

    def validate(self, request: SoapRequest, path: str = "") -> Violation | None:
        """The first violation of the operation's element against the XSD; None if valid."""
        if etree.QName(request.element).namespace != self.namespace:
            return Violation(
                path=path, field="", error="is not in the contract's namespace",
                service=request.operation,
            )  # fmt: skip
        if self.schema.validate(request.element):
            return None
        error = self.schema.error_log[0]
        parts = [p.split(":", 1)[-1] for p in (error.path or "").split("/") if p]
        field = ".".join(re.sub(r"\[\d+\]$", "", p) for p in parts[1:])
        return Violation(
            path=path, field=field, error=self._words(error.message), service=request.operation
        )

    def _words(self, message: str) -> str:
        """lxml's message without the element prefix and without any value it quotes."""
        message = re.sub(r"^Element '[^']*'(?:, attribute '[^']*')?: ", "", message)
        message = re.sub(
            r"'([^']*)'", lambda m: m.group(0) if _KEEP_QUOTED.match(m.group(1)) else "'…'", message
        )
        return message.replace(f"{{{self.namespace}}}", "")

    def answer(self, name: str, fields: dict[str, Any]) -> bytes:
        """A SOAP 1.1 answer whose body is ``<tn:{name}>`` with ``fields`` in order."""
        env, body = self._envelope()
        node = etree.SubElement(body, f"{{{self.namespace}}}{name}")
        for key, value in fields.items():
            _fill(node, self.namespace, key, value)
        return bytes(etree.tostring(env, xml_declaration=True, encoding="utf-8"))

    def fault(
        self, message: str, *, client: bool = True, detail: tuple[str, dict[str, Any]] | None = None
    ) -> bytes:
        """A SOAP 1.1 Fault (answer it with HTTP 500); ``detail`` is (element name, fields)."""
        env, body = self._envelope()
        node = etree.SubElement(body, f"{{{SOAP_ENV_NS}}}Fault")
        etree.SubElement(node, "faultcode").text = "soap:Client" if client else "soap:Server"
        etree.SubElement(node, "faultstring").text = message
        if detail is not None:
            name, fields = detail
            holder = etree.SubElement(
                etree.SubElement(node, "detail"), f"{{{self.namespace}}}{name}"
            )
            for key, value in fields.items():
                _fill(holder, self.namespace, key, value)
        return bytes(etree.tostring(env, xml_declaration=True, encoding="utf-8"))

    def _envelope(self) -> tuple[etree._Element, etree._Element]:
        env = etree.Element(
            f"{{{SOAP_ENV_NS}}}Envelope", nsmap={"soap": SOAP_ENV_NS, "tn": self.namespace}
        )
        return env, etree.SubElement(env, f"{{{SOAP_ENV_NS}}}Body")


def element_to_dict(element: etree._Element, repeated: frozenset[str] = frozenset()) -> Any:
    """Plain data of an element: text leaves, dicts, lists for names in ``repeated``."""
    children = [c for c in element if isinstance(c.tag, str)]
    if not children:
        return element.text or ""
    out: dict[str, Any] = {}
    for child in children:
        name = etree.QName(child).localname
        value = element_to_dict(child, repeated)
        if name in repeated:
            out.setdefault(name, []).append(value)
        else:
            out[name] = value
    return out


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _fill(parent: etree._Element, namespace: str, name: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, list):
        for item in value:
            _fill(parent, namespace, name, item)
        return
    node = etree.SubElement(parent, f"{{{namespace}}}{name}")
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(node, namespace, key, item)
    else:
        node.text = _text(value)
