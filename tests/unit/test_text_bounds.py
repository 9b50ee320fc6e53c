"""Optional text fields check their length in the same Python call as the text check
(issue #21): the same refusals, the same errors, and no second Python validator."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from hub import models
from hub.models import Address, Dossier, DossierEvent, Fee, Result


def _errors(model: type[BaseModel], data: dict[str, Any]) -> list[dict[str, Any]]:
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    return info.value.errors(include_url=False, include_input=False)


def _python_length_checks(schema: Any, found: list[str]) -> list[str]:
    """pydantic's own Python length validators anywhere in a core schema."""
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "function" and callable(value) and "length_validator" in repr(value):
                found.append(repr(value))
            else:
                _python_length_checks(value, found)
    elif isinstance(schema, list):
        for item in schema:
            _python_length_checks(item, found)
    return found


def test_no_text_field_needs_a_second_python_call_for_its_length() -> None:
    assert _python_length_checks(DossierEvent.__pydantic_core_schema__, []) == []


def test_over_long_optional_text_is_refused_as_before() -> None:
    [error] = _errors(Address, {"ma_tinh": "1" * 11})
    assert error == {
        "type": "too_long",
        "loc": ("ma_tinh",),
        "msg": "Value should have at most 10 items after validation, not 11",
        "ctx": {"field_type": "Value", "max_length": 10, "actual_length": 11},
    }
    [error] = _errors(Result, {"trich_yeu": "dòng\n" * 401})
    assert error["type"] == "too_long"
    assert error["loc"] == ("trich_yeu",)
    assert error["ctx"]["max_length"] == 2000


def test_the_length_is_that_of_the_normalised_text() -> None:
    # 50 characters in NFC, 100 code points decomposed (NFD): accepted, as NFC
    name = "ế" * 25
    decomposed = unicodedata.normalize("NFD", name)
    assert len(decomposed) > 50
    fee = Fee.model_validate({"ten": "Lệ phí", "so_tien": 1, "ma": decomposed})
    assert fee.ma == unicodedata.normalize("NFC", decomposed)
    too_long = unicodedata.normalize("NFD", "ế" * 51)
    [error] = _errors(Fee, {"ten": "Lệ phí", "so_tien": 1, "ma": too_long})
    assert error["type"] == "too_long"
    assert error["ctx"]["actual_length"] == 51


def test_the_text_check_comes_before_the_length() -> None:
    [error] = _errors(Address, {"chi_tiet": "x\x00" * 300})
    assert error["type"] == "text_character"
    assert error["loc"] == ("chi_tiet",)
    [error] = _errors(Result, {"so": "a\nb"})
    assert error["type"] == "text_character"


def test_strip_then_bound() -> None:
    assert Address.model_validate({"ma_tinh": "  " + "1" * 10 + "  "}).ma_tinh == "1" * 10


def test_bounded_aliases_keep_the_json_schema_bound() -> None:
    props = Dossier.model_json_schema()["properties"]
    assert props["ten_tthc"]["anyOf"][0] == {"maxLength": 1000, "type": "string"}
    assert models.Address.model_json_schema()["properties"]["ma_xa"]["anyOf"][0] == {
        "maxLength": 10,
        "type": "string",
    }
