"""SOAP 1.1 on the mock's side: hardened parsing, XSD validation, envelopes and faults.

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

import connectors.monre

__all__ = [
    "ENV_NS",
    "NS",
    "REPEATED",
    "WSDL_PATH",
    "XSD_PATH",
    "SoapFault",
    "element_to_dict",
    "envelope",
    "fault_envelope",
    "parse_request",
    "schema",
    "schema_errors",
]

CONTRACT = Path(connectors.monre.__file__).parent / "contract"
XSD_PATH = CONTRACT / "monre.xsd"
WSDL_PATH = CONTRACT / "monre.wsdl"
ENV_NS = "http://schemas.xmlsoap.org/soap/envelope/"
NS = "urn:monre.gov.vn:dvcthietyeu:v1"
#: Request elements that may repeat (maxOccurs > 1): always lists in the dicts.
REPEATED = frozenset({"TepDinhKem", "TepKetQua", "HoSoId"})
#: Requests larger than this are refused before parsing.
MAX_BYTES = 5 * 1024 * 1024


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


def parse_request(body: bytes) -> etree._Element:
    """The request envelope's root, or a Client fault for anything but a plain SOAP document."""
    if len(body) > MAX_BYTES:
        raise SoapFault("INVALID", "Yêu cầu quá lớn", field="")
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


_KEEP_QUOTED = re.compile(
    r"^(?:xs:\w+|\{[^}]*\}\w+|maxInclusive|minInclusive|maxLength|minLength|length|pattern|"
    r"enumeration|true|false)$"
)


def _words(message: str) -> str:
    """lxml's message without the element prefix and without any value it quotes."""
    message = re.sub(r"^Element '[^']*'(?:, attribute '[^']*')?: ", "", message)
    message = re.sub(
        r"'([^']*)'", lambda m: m.group(0) if _KEEP_QUOTED.match(m.group(1)) else "'…'", message
    )
    return message.replace(f"{{{NS}}}", "")


def schema_errors(element: etree._Element) -> list[tuple[str, str]]:
    """``[(field, error)]`` of ``element`` against the XSD; field is a dotted path."""
    check = schema()
    if check.validate(element):
        return []
    out = []
    for error in check.error_log:
        parts = [p.split(":", 1)[-1] for p in (error.path or "").split("/") if p]
        field = ".".join(re.sub(r"\[\d+\]$", "", p) for p in parts[1:])
        out.append((field, _words(error.message)))
    return out


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
