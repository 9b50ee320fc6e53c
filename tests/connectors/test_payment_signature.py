"""MaXacThuc: the test vectors of the contract folder hold for the hub's signature and for
the mock's own implementation; changing any one signed field, or the secret, breaks it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from connectors.payment import signature
from mocks.payment import paygov

VECTORS = json.loads(
    (Path(signature.__file__).parent / "contract" / "signature-vectors.json").read_text("utf-8")
)
CASES = VECTORS["cases"]
SECRET = VECTORS["secret"]


def _id(case: dict[str, Any]) -> str:
    return f"{case['message']}-{case['MaXacThuc'][:8]}"


def test_the_vectors_state_the_protocols_field_order() -> None:
    for message, order in VECTORS["order"].items():
        assert tuple(order) == signature.FIELD_ORDER[(VECTORS["version"], message)]
        assert tuple(order) == paygov.ORDER[message]


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_vector(case: dict[str, Any]) -> None:
    fields, message = case["fields"], case["message"]
    assert signature.signing_text(message, fields, SECRET) == case["text"]
    assert hashlib.sha256(case["text"].encode()).hexdigest() == case["MaXacThuc"]
    assert signature.sign(message, fields, SECRET) == case["MaXacThuc"]
    assert paygov.mac(message, fields, SECRET) == case["MaXacThuc"]
    assert signature.verify(message, {**fields, "MaXacThuc": case["MaXacThuc"]}, SECRET)
    assert signature.verify(message, {**fields, "MaXacThuc": case["MaXacThuc"].upper()}, SECRET)


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_any_changed_field_or_secret_is_refused(case: dict[str, Any]) -> None:
    message = case["message"]
    signed = {**case["fields"], "MaXacThuc": case["MaXacThuc"]}
    for name in signature.FIELD_ORDER[(signature.VERSION, message)]:
        value = signed.get(name)
        changed = {**signed, name: (value + 1) if isinstance(value, int) else f"{value or ''}x"}
        assert not signature.verify(message, changed, SECRET), f"{name} changed, still verified"
    assert not signature.verify(message, signed, SECRET + "!")
    assert not signature.verify(message, {**signed, "MaXacThuc": ""}, SECRET)
    unsigned = {k: v for k, v in signed.items() if k != "MaXacThuc"}
    assert not signature.verify(message, unsigned, SECRET)


def test_fields_outside_the_order_are_not_signed_and_an_unknown_message_is_an_error() -> None:
    case = next(c for c in CASES if c["message"] == "INIT")
    fields = {**case["fields"], "ThongTinBienLai": {"MaHoSo": "x"}}
    assert signature.sign("INIT", fields, SECRET) == case["MaXacThuc"]
    with pytest.raises(signature.SignatureError, match="REFUND"):
        signature.sign("REFUND", fields, SECRET)
    with pytest.raises(signature.SignatureError, match=r"2\.0"):
        signature.sign("INIT", fields, SECRET, version="2.0")
