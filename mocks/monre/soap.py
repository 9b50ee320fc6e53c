"""SOAP 1.1 on the mock's side: hardened parsing, XSD validation, envelopes and faults.

A request body is read as a stream and refused once it passes :data:`MAX_BYTES`
(from ``Content-Length`` when declared, never read whole first), then pre-scanned
for depth, element and attribute counts (:data:`REQUEST_LIMITS`) before lxml
builds a tree: 420,000 attributes once grew the mock to 850 MB. Faults and the
recorded contract violations never carry a value of the request: XSD messages are
reduced to the rule that failed, field paths to the contract's element names.

Every request is parsed with a parser that resolves no entities, loads no DTD,
touches no network and refuses huge trees; a document that carries a DOCTYPE or
entity declarations is refused outright (SOAP 1.1 §3: "A SOAP message MUST NOT
contain a Document Type Declaration"). Faults are answered with HTTP 500, as
SOAP 1.1 §6.2 requires for every fault; ``faultcode`` says whose fault it is
(``soap:Client``: do not resend as is; ``soap:Server``: may pass later), and
``detail/LoiDichVu/MaLoi`` carries the code the connector maps.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

from lxml import etree
from starlette.requests import Request

import connectors.monre
from hub.sdk import XmlLimitError, XmlLimits, check_xml

__all__ = [
    "ENV_NS",
    "NS",
    "REPEATED",
    "WSDL_PATH",
    "XSD_PATH",
    "SoapFault",
    "bloated_envelope",
    "element_to_dict",
    "envelope",
    "fault_envelope",
    "parse_request",
    "read_body",
    "schema",
    "schema_errors",
]

CONTRACT = Path(connectors.monre.__file__).parent / "contract"
XSD_PATH = CONTRACT / "monre.xsd"
WSDL_PATH = CONTRACT / "monre.wsdl"
ENV_NS = "http://schemas.xmlsoap.org/soap/envelope/"
NS = "urn:monre.gov.vn:dvcthietyeu:v1"
#: Request elements that may repeat (maxOccurs > 1): always lists in the dicts.
REPEATED = frozenset({"TepDinhKem", "TepKetQua", "HoSoId", "ThanhPhanHoSo"})
#: Requests larger than this are refused as they stream in.
MAX_BYTES = 5 * 1024 * 1024
#: What one request may hold: far above any request of the contract.
REQUEST_LIMITS = XmlLimits(
    max_bytes=MAX_BYTES,
    max_depth=32,
    max_elements=20_000,
    max_attributes=2_000,
    max_attributes_per_element=32,
)
_TOO_LARGE = "Yêu cầu quá lớn"


class SoapFault(Exception):
    """A SOAP Fault to answer: ``code`` is LoiDichVu/MaLoi, ``field`` names the element."""

    def __init__(
        self, code: str, message: str, *, client: bool = True, field: str | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.client = client
        self.field = field


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


async def read_body(request: Request, limit: int = MAX_BYTES) -> bytes:
    """The request body, refused (a Client fault) as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise SoapFault("INVALID", _TOO_LARGE, field="")
    chunks: list[bytes] = []
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > limit:
            raise SoapFault("INVALID", _TOO_LARGE, field="")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_request(body: bytes) -> etree._Element:
    """The request envelope's root, or a Client fault for anything but a plain SOAP document."""
    if len(body) > MAX_BYTES:
        raise SoapFault("INVALID", _TOO_LARGE, field="")
    try:
        check_xml(body, REQUEST_LIMITS)
    except XmlLimitError as exc:
        raise SoapFault(
            "INVALID", f"Yêu cầu quá phức tạp: {exc.what} vượt giới hạn {exc.limit}", field=""
        ) from None
    # Cheap first line: a DOCTYPE or ENTITY declaration anywhere is refused before parsing.
    head = body[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in head:
        raise SoapFault("INVALID", "Không chấp nhận DTD hoặc khai báo thực thể (DOCTYPE/ENTITY)")
    try:
        root = etree.fromstring(body, _parser())
    except etree.XMLSyntaxError:
        raise SoapFault("INVALID", "Yêu cầu không phải XML hợp lệ") from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        # Reached only when the declaration sits past the first 4 KiB or in another encoding.
        raise SoapFault("INVALID", "Không chấp nhận DTD hoặc khai báo thực thể (DOCTYPE/ENTITY)")
    if any(isinstance(node, etree._Entity) for node in root.iter()):
        raise SoapFault("INVALID", "Không chấp nhận tham chiếu thực thể")
    if root.tag != f"{{{ENV_NS}}}Envelope":
        raise SoapFault("INVALID", "Không phải SOAP 1.1 Envelope")
    return root


@functools.cache
def schema() -> etree.XMLSchema:
    """The contract's XSD, compiled once per process (from the package file, no network)."""
    return etree.XMLSchema(etree.parse(str(XSD_PATH), _parser()))


_FACET = re.compile(r"\[facet '(\w+)'\]")


def _words(message: str) -> str:
    """What rule failed, in lxml's words but never with a value of the request.

    A value may be personal data and may itself hold quotes, so nothing is cut out of
    a message that quotes one: a facet error keeps only the facet's name, any other
    message with a quote after the element prefix becomes a fixed phrase.
    """
    message = re.sub(r"^Element '[^']*'(?:, attribute '[^']*')?: ", "", message)
    facet = _FACET.match(message)
    if facet:
        return f"[facet '{facet[1]}'] the value breaks the {facet[1]} rule of the contract"
    if "'" in message or '"' in message:
        return "the value is not valid for its type in the contract"
    return message.replace(f"{{{NS}}}", "")[:300]


@functools.cache
def _contract_names() -> frozenset[str]:
    """Every element and type name the XSD declares: the only words a field path may hold."""
    tree = etree.parse(str(XSD_PATH), _parser())
    return frozenset(str(n) for n in tree.xpath("//@name"))


def _field(path: str) -> str:
    names = _contract_names()
    parts = [p.split(":", 1)[-1] for p in path.split("/") if p]
    parts = [re.sub(r"\[\d+\]$", "", p) for p in parts[1:]]
    return ".".join(p if p in names else "?" for p in parts)


def schema_errors(element: etree._Element) -> list[tuple[str, str]]:
    """``[(field, error)]`` of ``element`` against the XSD; field is a dotted path."""
    check = schema()
    if check.validate(element):
        return []
    return [(_field(error.path or ""), _words(error.message)) for error in check.error_log]


def element_to_dict(element: etree._Element) -> Any:
    """Plain data of an XSD-valid element: text leaves, dicts, lists for :data:`REPEATED`."""
    children = [c for c in element if isinstance(c.tag, str)]
    if not children:
        return element.text or ""
    out: dict[str, Any] = {}
    for child in children:
        name = etree.QName(child).localname
        value = element_to_dict(child)
        if name in REPEATED:
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


def _fill(parent: etree._Element, name: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, list):
        for item in value:
            _fill(parent, name, item)
        return
    node = etree.SubElement(parent, f"{{{NS}}}{name}")
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(node, key, item)
    else:
        node.text = _text(value)


def envelope(name: str, fields: dict[str, Any]) -> bytes:
    """A SOAP 1.1 answer whose body is ``<tn:{name}>`` with ``fields`` in order."""
    env = etree.Element(f"{{{ENV_NS}}}Envelope", nsmap={"soap": ENV_NS, "tn": NS})
    body = etree.SubElement(env, f"{{{ENV_NS}}}Body")
    answer = etree.SubElement(body, f"{{{NS}}}{name}")
    for key, value in fields.items():
        _fill(answer, key, value)
    return bytes(etree.tostring(env, xml_declaration=True, encoding="utf-8"))


def fault_envelope(fault: SoapFault, retry_after: int | None = None) -> bytes:
    env = etree.Element(f"{{{ENV_NS}}}Envelope", nsmap={"soap": ENV_NS, "tn": NS})
    body = etree.SubElement(env, f"{{{ENV_NS}}}Body")
    node = etree.SubElement(body, f"{{{ENV_NS}}}Fault")
    etree.SubElement(node, "faultcode").text = "soap:Client" if fault.client else "soap:Server"
    etree.SubElement(node, "faultstring").text = fault.message
    if not fault.code:
        return bytes(etree.tostring(env, xml_declaration=True, encoding="utf-8"))
    detail = etree.SubElement(node, "detail")
    loi = etree.SubElement(detail, f"{{{NS}}}LoiDichVu")
    _fill(loi, "MaLoi", fault.code)
    _fill(loi, "TruongLoi", fault.field or None)
    _fill(loi, "ThuLaiSauGiay", retry_after)
    return bytes(etree.tostring(env, xml_declaration=True, encoding="utf-8"))


@functools.cache
def bloated_envelope(attributes: int = 400_000) -> bytes:
    """A well-formed answer with ``attributes`` attributes on one element (fault
    ``soap_bloated``): what once held the hub's CPU for minutes inside zeep."""
    names = " ".join(f'a{i}="1"' for i in range(attributes))
    return (
        f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{ENV_NS}" '
        f'xmlns:tn="{NS}"><soap:Body><tn:TraCuuHoSoResponse {names}/></soap:Body>'
        "</soap:Envelope>"
    ).encode()
