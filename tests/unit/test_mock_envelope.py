"""The mock kit's one-URL helpers: each service's body is checked against its own schema,
and a violation names the service and the field, never the value."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from fastapi import FastAPI, Request
from lxml import etree

from hub.testing.mock import (
    SOAP_ENV_NS,
    Contract,
    ServiceEnvelope,
    SoapEnvelope,
    SoapRequestError,
    Violation,
    load_contract,
    start_server,
)

# A session + service protocol as docs/mocks.md describes it: one path, the body a oneOf
# of one schema per service, an OpenAPI discriminator on `service`.
CONTRACT = """
openapi: 3.1.0
info: {title: vantai, version: "1"}
paths:
  /api:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Request"}
      responses: {"200": {description: "{error_code, message, result}"}}
  /plain:
    post:
      requestBody:
        content:
          application/json:
            schema: {type: object, required: [a], properties: {a: {type: string}}}
      responses: {"200": {description: ok}}
components:
  schemas:
    Request:
      oneOf:
        - {$ref: "#/components/schemas/LayHoSo"}
        - {$ref: "#/components/schemas/DanhSachHoSo"}
      discriminator:
        propertyName: service
        mapping:
          LayHoSo: "#/components/schemas/LayHoSo"
          DanhSachHoSo: "#/components/schemas/DanhSachHoSo"
    Session:
      type: object
      required: [session, madonvi, service]
      properties:
        session: {type: string, minLength: 1}
        madonvi: {type: string, pattern: "^[0-9]{3}$"}
        service: {type: string}
    LayHoSo:
      allOf: [{$ref: "#/components/schemas/Session"}]
      required: [mahoso]
      properties:
        mahoso: {type: string, minLength: 5}
      unevaluatedProperties: false
    DanhSachHoSo:
      allOf: [{$ref: "#/components/schemas/Session"}]
      required: [tungay, denngay]
      properties:
        tungay: {type: string, format: date}
        denngay: {type: string, format: date}
        trang: {type: integer, minimum: 1}
      unevaluatedProperties: false
"""

SESSION = {"session": "s-1", "madonvi": "001"}


@pytest.fixture(scope="module")
def contract() -> Contract:
    return Contract(yaml.safe_load(CONTRACT))


def test_each_service_body_passes_its_own_schema(contract: Contract) -> None:
    envelope = ServiceEnvelope(contract, "/api")
    assert envelope.key == "service"
    assert sorted(envelope.services) == ["DanhSachHoSo", "LayHoSo"]
    lay = SESSION | {"service": "LayHoSo", "mahoso": "H34-001"}
    danh_sach = SESSION | {
        "service": "DanhSachHoSo",
        "tungay": "2025-01-01",
        "denngay": "2025-01-31",
    }
    assert envelope.validate(lay) is None
    assert envelope.validate(danh_sach) is None
    assert envelope.service_of(lay) == "LayHoSo"


def test_a_field_of_another_service_is_named_with_the_service(contract: Contract) -> None:
    # `trang` belongs to DanhSachHoSo: under LayHoSo it is an unknown field.
    body = SESSION | {"service": "LayHoSo", "mahoso": "H34-001", "trang": 2}
    assert ServiceEnvelope(contract, "/api").validate(body) == Violation(
        path="/api", field="trang", error="is not a field of this operation", service="LayHoSo"
    )


@pytest.mark.parametrize(
    ("body", "service", "field", "error"),
    [
        ({"service": "LayHoSo", "mahoso": "H34-001"} | {"madonvi": "001"}, "LayHoSo", "session",
         "is required"),
        (SESSION | {"service": "DanhSachHoSo", "tungay": "2025-01-01"}, "DanhSachHoSo", "denngay",
         "is required"),
        (SESSION | {"service": "LayHoSo", "mahoso": "012345678901"} | {"madonvi": "0123456789"},
         "LayHoSo", "madonvi", "does not have the required format"),
        (SESSION | {"service": "DanhSachHoSo", "tungay": "2025-01-01", "denngay": "2025-01-31",
                    "trang": 0}, "DanhSachHoSo", "trang", "is below the minimum 1"),
    ],
)  # fmt: skip
def test_a_violation_names_service_and_field_without_the_value(
    contract: Contract, body: dict[str, Any], service: str, field: str, error: str
) -> None:
    violation = contract.validate("/api", body)
    assert violation is not None
    assert (violation.service, violation.field, violation.error) == (service, field, error)
    assert "0123456789" not in json.dumps(violation.as_dict())


def test_an_unknown_or_missing_service_is_a_violation_of_the_service_field(
    contract: Contract,
) -> None:
    unknown = contract.validate("/api", SESSION | {"service": "XoaHoSo"})
    assert unknown is not None and unknown.field == "service" and unknown.service == ""
    assert "DanhSachHoSo, LayHoSo" in unknown.error
    missing = contract.validate("/api", dict(SESSION))
    assert missing == Violation(path="/api", field="service", error="is required")
    assert contract.validate("/api", ["not", "an", "object"]) == Violation(
        path="/api", field="", error="must be a JSON object"
    )


def test_as_dict_keeps_its_old_shape_outside_envelopes(contract: Contract) -> None:
    violation = contract.validate("/plain", {})
    assert violation is not None
    assert violation.as_dict() == {"path": "/plain", "field": "a", "error": "is required"}


def test_a_path_without_a_discriminator_is_refused_clearly(contract: Contract) -> None:
    with pytest.raises(ValueError, match="discriminator"):
        ServiceEnvelope(contract, "/plain")


def test_without_a_mapping_the_schema_names_are_the_services() -> None:
    document = yaml.safe_load(CONTRACT)
    del document["components"]["schemas"]["Request"]["discriminator"]["mapping"]
    services = Contract(document).services("/api")
    assert services is not None and sorted(services[1]) == ["DanhSachHoSo", "LayHoSo"]


def test_a_mock_built_on_the_envelope_answers_over_http(tmp_path: Path) -> None:
    path = tmp_path / "openapi.yaml"
    path.write_text(CONTRACT, encoding="utf-8")
    envelope = ServiceEnvelope(load_contract(path), "/api")
    app = FastAPI()

    @app.post("/api")
    async def api(request: Request) -> dict[str, Any]:
        body = json.loads(await request.body())
        violation = envelope.validate(body)
        if violation is not None:
            return {"error_code": "400", "message": violation.error, "result": violation.as_dict()}
        return {"error_code": "0", "message": "", "result": envelope.service_of(body)}

    server = start_server(app)
    try:
        ok = httpx.post(
            f"{server.url}/api", json=SESSION | {"service": "LayHoSo", "mahoso": "H34-1"}
        )
        bad = httpx.post(f"{server.url}/api", json=SESSION | {"service": "LayHoSo"})
    finally:
        server.stop()
    assert ok.json() == {"error_code": "0", "message": "", "result": "LayHoSo"}
    assert bad.json()["result"] == {
        "path": "/api", "field": "mahoso", "error": "is required", "service": "LayHoSo"
    }  # fmt: skip


# --- SOAP actions ----------------------------------------------------------------------

NS = "urn:vantai:v1"
XSD = f"""<?xml version="1.0" encoding="utf-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="{NS}"
           xmlns:tn="{NS}" elementFormDefault="qualified">
  <xs:element name="LayHoSo">
    <xs:complexType><xs:sequence>
      <xs:element name="MaHoSo" type="xs:string"/>
      <xs:element name="SoGiayTo" minOccurs="0">
        <xs:simpleType><xs:restriction base="xs:string">
          <xs:pattern value="[0-9]{{12}}"/>
        </xs:restriction></xs:simpleType>
      </xs:element>
    </xs:sequence></xs:complexType>
  </xs:element>
  <xs:element name="LayHoSoResponse">
    <xs:complexType><xs:sequence>
      <xs:element name="TrangThai" type="xs:int"/>
    </xs:sequence></xs:complexType>
  </xs:element>
</xs:schema>
"""


def _request(inner: str, ns: str = NS) -> bytes:
    return (
        f'<soap:Envelope xmlns:soap="{SOAP_ENV_NS}" xmlns:tn="{ns}"><soap:Header/>'
        f"<soap:Body>{inner}</soap:Body></soap:Envelope>"
    ).encode()


@pytest.fixture
def soap(tmp_path: Path) -> SoapEnvelope:
    xsd = tmp_path / "vantai.xsd"
    xsd.write_text(XSD, encoding="utf-8")
    return SoapEnvelope(xsd, NS)


def test_a_soap_action_is_parsed_and_checked_against_its_element(soap: SoapEnvelope) -> None:
    request = soap.parse(_request("<tn:LayHoSo><tn:MaHoSo>H34-1</tn:MaHoSo></tn:LayHoSo>"))
    assert request.operation == "LayHoSo" and request.header is not None
    assert soap.validate(request) is None
    assert request.data() == {"MaHoSo": "H34-1"}


def test_a_soap_violation_names_the_operation_and_field_not_the_value(soap: SoapEnvelope) -> None:
    request = soap.parse(
        _request(
            "<tn:LayHoSo><tn:MaHoSo>H34-1</tn:MaHoSo><tn:SoGiayTo>0123</tn:SoGiayTo></tn:LayHoSo>"
        )
    )
    violation = soap.validate(request, "/VanTai.asmx")
    assert violation is not None
    assert (violation.path, violation.service, violation.field) == (
        "/VanTai.asmx", "LayHoSo", "SoGiayTo"
    )  # fmt: skip
    assert "0123" not in violation.error and "pattern" in violation.error
    missing = soap.validate(soap.parse(_request("<tn:LayHoSo/>")))
    assert missing is not None and missing.service == "LayHoSo" and "MaHoSo" in missing.error


def test_an_element_of_another_namespace_is_a_violation(soap: SoapEnvelope) -> None:
    request = soap.parse(_request("<tn:LayHoSo/>", ns="urn:other"))
    assert soap.validate(request) == Violation(
        path="", field="", error="is not in the contract's namespace", service="LayHoSo"
    )


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b'<!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>', "DOCTYPE"),
        (b"<soap:Envelope", "well-formed"),
        (b"<x/>", "SOAP 1.1 Envelope"),
        (_request(""), "exactly one operation"),
        (_request("<tn:A/><tn:B/>"), "exactly one operation"),
    ],
)
def test_a_request_that_is_not_plain_soap_is_refused(
    soap: SoapEnvelope, body: bytes, words: str
) -> None:
    with pytest.raises(SoapRequestError, match=words):
        soap.parse(body)


def test_answers_and_faults_are_soap_envelopes(soap: SoapEnvelope) -> None:
    answer = etree.fromstring(soap.answer("LayHoSoResponse", {"TrangThai": 4}))
    element = answer.find(f"{{{SOAP_ENV_NS}}}Body/{{{NS}}}LayHoSoResponse")
    assert element is not None and soap.schema.validate(element)
    fault = etree.fromstring(
        soap.fault("Dịch vụ bận", client=False, detail=("LoiDichVu", {"MaLoi": "BUSY"}))
    )
    node = fault.find(f"{{{SOAP_ENV_NS}}}Body/{{{SOAP_ENV_NS}}}Fault")
    assert node is not None and node.findtext("faultcode") == "soap:Server"
    assert node.findtext(f"detail/{{{NS}}}LoiDichVu/{{{NS}}}MaLoi") == "BUSY"
