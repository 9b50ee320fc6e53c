"""Limits on an XML document, checked by a streaming pre-scan before anything parses it.

zeep's handling of a reply grows faster than the reply: a 4.9 MB SOAP answer with
400,000 attributes held the hub at 100 % CPU for minutes (issue #23). lxml's pull
parser is linear and stops at the first limit passed, so a hostile reply costs a
fraction of a second and a bounded amount of memory (each element is dropped once
scanned). The SOAP client and the MONRE mock share this scan.

The scan uses a strict parser (no DTD, no entities, no network, no huge trees); a
document it cannot parse is left to the real parser, which reports it in its own
words (a SOAP client maps "not XML" to its own error).
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

__all__ = ["XmlLimitError", "XmlLimits", "check_xml"]

_CHUNK = 64 * 1024


@dataclass(frozen=True)
class XmlLimits:
    """What one document may hold."""

    max_bytes: int = 16 * 1024 * 1024
    max_depth: int = 64
    max_elements: int = 200_000
    max_attributes: int = 20_000
    max_attributes_per_element: int = 64


class XmlLimitError(ValueError):
    """The document passes a limit; ``what`` names it (never any content)."""

    def __init__(self, what: str, limit: int) -> None:
        super().__init__(f"the XML document has {what} over the limit of {limit}")
        self.what = what
        self.limit = limit


def _parser() -> etree.XMLPullParser:
    return etree.XMLPullParser(
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def check_xml(body: bytes, limits: XmlLimits = XmlLimits()) -> None:
    """Raise :class:`XmlLimitError` if ``body`` passes one of ``limits``."""
    if len(body) > limits.max_bytes:
        raise XmlLimitError("bytes", limits.max_bytes)
    parser = _parser()
    scan = _Scan(limits)
    try:
        for offset in range(0, len(body), _CHUNK):
            parser.feed(body[offset : offset + _CHUNK])
            scan.events(parser)
        parser.close()
    except etree.XMLSyntaxError:
        # libxml2 stops at its own limits (depth 256 without huge_tree) or at broken XML:
        # what was read before still counts; the rest is the real parser's to report.
        scan.events(parser)
    scan.events(parser)


class _Scan:
    def __init__(self, limits: XmlLimits) -> None:
        self.limits = limits
        self.depth = self.elements = self.attributes = 0

    def events(self, parser: etree.XMLPullParser) -> None:
        limits = self.limits
        for event, element in parser.read_events():
            if event == "end":
                self.depth -= 1
                element.clear(keep_tail=False)  # keep memory flat
                continue
            self.depth += 1
            self.elements += 1
            count = len(element.attrib)
            self.attributes += count
            if self.depth > limits.max_depth:
                raise XmlLimitError("nesting depth", limits.max_depth)
            if self.elements > limits.max_elements:
                raise XmlLimitError("elements", limits.max_elements)
            if count > limits.max_attributes_per_element:
                raise XmlLimitError("attributes on one element", limits.max_attributes_per_element)
            if self.attributes > limits.max_attributes:
                raise XmlLimitError("attributes", limits.max_attributes)
