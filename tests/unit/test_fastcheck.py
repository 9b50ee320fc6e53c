"""hub.fastcheck: the model's common case validated without the Python text and date
checks, with the same result as the model, and everything else left to the model."""

from __future__ import annotations

import json
import random
import sys
import unicodedata
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from hub import fields, models
from hub.fastcheck import FAST_CHARS, FastValidator
from hub.fields import DATE_CHECKS, TEXT_CHECKS
from hub.models import Dossier, DossierEvent, EventType, Status
from hub.testing.samples import sample_dossier, sample_event, sample_lifecycle

EVENT = FastValidator(DossierEvent)
EVENTS = FastValidator(list[DossierEvent])
DOSSIER = FastValidator(Dossier)


def _outcome(validate: Callable[[str], Any], text: str) -> Any:
    try:
        return ("ok", validate(text))
    except ValidationError as exc:
        return ("refused", exc.errors(include_url=False))
    except Exception as exc:  # the model's own faults too: the same ones
        return ("raised", type(exc).__name__, str(exc))


def _python_checks_called(validate: Callable[[], Any]) -> list[str]:
    watched = {f.__code__ for f in [*TEXT_CHECKS, *DATE_CHECKS]}
    called: list[str] = []

    def watch(frame: Any, event: str, arg: Any) -> None:
        if event == "call" and frame.f_code in watched:
            called.append(frame.f_code.co_name)

    sys.setprofile(watch)
    try:
        validate()
    finally:
        sys.setprofile(None)
    return called


def test_fast_characters_are_printable_nfc_starters() -> None:
    # A string of such characters passes the NFC quick check (UAX #15), so it is in NFC:
    # none may be a combining mark or a character NFC joins to the one before it.
    second_of_a_pair = set()
    for cp in range(sys.maxunicode + 1):
        parts = unicodedata.decomposition(chr(cp)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            second_of_a_pair.add(chr(int(parts[1], 16)))
    assert FAST_CHARS and "ễ" in FAST_CHARS and "Đ" in FAST_CHARS
    for ch in FAST_CHARS:
        assert ch.isprintable(), hex(ord(ch))
        assert unicodedata.combining(ch) == 0, hex(ord(ch))
        assert unicodedata.normalize("NFC", ch) == ch, hex(ord(ch))
        assert ch not in second_of_a_pair, hex(ord(ch))
    for ch in "\n\t\x00\u00ad\u200b\u202e\u0301\u0958":
        assert ch not in FAST_CHARS


def test_text_of_fast_characters_is_what_the_python_check_returns() -> None:
    rng = random.Random(21)
    for _ in range(2000):
        text = "".join(rng.choice(FAST_CHARS) for _ in range(rng.randint(0, 40)))
        assert unicodedata.is_normalized("NFC", text)
        assert fields.clean_text(text) == text
        assert fields.clean_text(text, multiline=True) == text


def test_a_sample_event_needs_no_python_text_or_date_check() -> None:
    events = [e for seed in range(5) for e in sample_lifecycle(seed)]
    assert any(e.snapshot.qua_trinh for e in events)
    body = TypeAdapter(list[DossierEvent]).dump_json(events).decode()
    assert _python_checks_called(
        lambda: DossierEvent.model_validate_json(events[0].model_dump_json())
    )  # the model itself calls them
    assert _python_checks_called(lambda: EVENTS.fast.validate_json(body)) == []
    assert EVENTS.validate_json(body) == events
    # building the fast validator left the models as they were
    for cls in (DossierEvent, Dossier, models.Party, models.Address, models.Attachment):
        assert cls.__dict__["__pydantic_complete__"] is True
    assert _python_checks_called(
        lambda: Dossier.model_validate_json(events[0].snapshot.model_dump_json())
    )


def _event_data(**snapshot: Any) -> dict[str, Any]:
    dossier = sample_dossier(random.Random(7), status=Status.DUOC_TIEP_NHAN, seq=1)
    data = sample_event(dossier, EventType.RECEIVED, seq=1).model_dump(mode="json")
    data["snapshot"].update(snapshot)
    return data


CASES: list[dict[str, Any]] = [
    {},
    {"ten_tthc": unicodedata.normalize("NFD", "Trợ cấp xã hội hàng tháng")},
    {"ten_linh_vuc": "Bảo trợ\u00a0xã hội"},  # no-break space: allowed, not fast
    {"don_vi_xu_ly": "Ủy ban\u202e nhân dân"},
    {"trich_yeu": "dòng 1\ndòng 2\tcột"},
    {"trich_yeu": "x\x00"},
    {"ma_linh_vuc": "L" * 50},
    {"ma_linh_vuc": "L" * 51},
    {"ma_linh_vuc": unicodedata.normalize("NFD", "ế" * 50)},
    {"ma_linh_vuc": "\u0958" * 30},  # NFC makes each two characters: 60
    {"ma_linh_vuc": "  padded  "},
    {"buoc_hien_tai": "\ud800"},
    {"ngay_nop": "1900-01-01T00:30:00+07:00", "ngay_tiep_nhan": "2025-01-02T00:00:00Z"},
    {"ngay_nop": "1899-12-31T23:30:00-07:00"},
    {"ngay_nop": "2025-01-01T00:00:00", "ngay_hen_tra": "2100-12-31T23:59:59-11:00"},
    {"ngay_hen_tra": "2101-01-01T00:30:00+07:00"},
    {"ket_qua": {"ngay_ky": "1900-01-01", "trich_yeu": "Kết quả"}},
    {"ket_qua": {"ngay_ky": "2101-01-01"}},
]


@pytest.mark.parametrize("change", CASES)
def test_same_outcome_as_the_model(change: dict[str, Any]) -> None:
    body = json.dumps(_event_data(**change))
    assert _outcome(EVENT.validate_json, body) == _outcome(DossierEvent.model_validate_json, body)
    snapshot = json.dumps(_event_data(**change)["snapshot"])
    assert _outcome(DOSSIER.validate_json, snapshot) == _outcome(
        Dossier.model_validate_json, snapshot
    )


def test_text_to_normalise_is_left_to_the_model() -> None:
    body = json.dumps(_event_data(ten_tthc=unicodedata.normalize("NFD", "Trợ cấp")))
    with pytest.raises(ValidationError):
        EVENT.fast.validate_json(body)
    assert EVENT.validate_json(body).snapshot.ten_tthc == "Trợ cấp"


def test_only_the_models_own_checks_are_replaced() -> None:
    class Other(BaseModel):
        name: str

    assert FastValidator(Other).validate_json('{"name": " a\\u0000 "}').name == " a\x00 "
