"""The canonical model refuses what the hub cannot carry (issue #23), naming the field."""

from __future__ import annotations

import json
import unicodedata
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from hub.fields import CCCD_PROVINCES, INT64_MAX, JSON_MAX_DEPTH, clean_json, vietnam_today
from hub.models import Dossier, DossierEvent, Party
from hub.testing.samples import sample_lifecycle

CCCD = "079201001234"


def event_data() -> dict[str, Any]:
    """A returned dossier's event: steps, files and a result all present."""
    return sample_lifecycle(1)[-1].model_dump(mode="json")


def nested(depth: int) -> dict[str, Any]:
    """A dict nested ``depth`` levels deep (the outermost counts as 1)."""
    value: dict[str, Any] = {}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


def refusal(data: dict[str, Any]) -> dict[str, Any]:
    with pytest.raises(ValidationError) as info:
        DossierEvent.model_validate(data)
    errors = info.value.errors(include_input=False)
    assert len(errors) == 1, errors
    return dict(errors[0])


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node: Any = data
    for p in parents:
        node = node[int(p)] if p.isdigit() else node[p]
    node[int(last) if last.isdigit() else last] = value


def test_province_table_is_the_63_codes_of_thong_tu_59() -> None:
    assert len(CCCD_PROVINCES) == 63
    assert min(CCCD_PROVINCES) == "001" and max(CCCD_PROVINCES) == "096"
    assert "003" not in CCCD_PROVINCES and "079" in CCCD_PROVINCES


@pytest.mark.parametrize(
    ("number", "kind"),
    [
        ("０７９２０１００１２３４", "id_number_format"),  # fullwidth digits
        ("٠٧٩٢٠١٠٠١٢٣٤", "id_number_format"),  # Arabic-Indic digits
        ("۰۷۹۲۰۱۰۰۱۲۳۴", "id_number_format"),  # extended Arabic-Indic digits
        ("000000000000", "id_number_zero"),
        ("000000000", "id_number_zero"),
        ("003201001234", "id_number_province"),  # 003 is not a province code
        ("097201001234", "id_number_province"),  # past 096
        ("07920100123", "id_number_format"),  # 11 digits
        ("0792010012345678", "string_too_long"),
    ],
)
def test_bad_id_numbers_are_refused_without_echo(number: str, kind: str) -> None:
    data = event_data()
    data["snapshot"]["chu_ho_so"]["so_giay_to"] = number
    with pytest.raises(ValidationError) as info:
        DossierEvent.model_validate(data)
    [error] = info.value.errors(include_input=False)
    assert error["type"] == kind
    assert error["loc"] == ("snapshot", "chu_ho_so", "so_giay_to")
    assert number not in json.dumps(info.value.errors(include_input=False), ensure_ascii=False)
    assert number not in str(info.value)  # hide_input_in_errors: a logged error shows no value


@pytest.mark.parametrize("number", ["001090000001", "096190000001", "062150001234", "123456789"])
def test_good_id_numbers_pass(number: str) -> None:
    assert Party(ho_ten="Nguyễn Văn An", so_giay_to=number).so_giay_to == number


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("snapshot.chu_ho_so.ho_ten", "Nguyễn\x00Văn An"),  # NUL
        ("snapshot.chu_ho_so.ho_ten", "Nguyễn\x1bVăn An"),  # ESC
        ("snapshot.chu_ho_so.ho_ten", "Nguyễn\u202eVăn An"),  # right-to-left override
        ("snapshot.chu_ho_so.ho_ten", "Nguyễn\u2066Văn An"),  # left-to-right isolate
        ("snapshot.chu_ho_so.ho_ten", "Nguyễn\u200bVăn An"),  # zero-width space
        ("snapshot.chu_ho_so.ho_ten", "Nguyễn\ufeffVăn An"),  # zero-width no-break space
        ("snapshot.chu_ho_so.ho_ten", "Nguyễn\nVăn An"),  # a line break in a name
        ("snapshot.chu_ho_so.ho_ten", "Nguyễn\ud800Văn An"),  # lone surrogate
        ("snapshot.chu_ho_so.dia_chi.chi_tiet", "Số 12\u2028Trần Phú"),
        ("snapshot.ten_tthc", "Đăng ký\x7f"),
        ("snapshot.trich_yeu", "Trích yếu\x00"),  # free text: still no NUL
        ("snapshot.thanh_phan.0.file_ref", "https://x.vn/a\x00.pdf"),
        ("snapshot.qua_trinh.0.nguoi_xu_ly", "Lê\u200dVăn"),
        ("snapshot.chu_ho_so.email", "an\x00@example.vn"),
    ],
)
def test_control_and_invisible_characters_are_refused(path: str, value: str) -> None:
    data = event_data()
    set_path(data, path, value)
    error = refusal(data)
    # a lone surrogate is refused by pydantic itself (string_unicode)
    assert error["type"] in ("text_character", "string_pattern_mismatch", "string_unicode")
    assert ".".join(str(p) for p in error["loc"]) == path


def test_free_text_keeps_line_breaks_and_tabs() -> None:
    data = event_data()
    data["snapshot"]["trich_yeu"] = "Dòng một\nDòng hai\tcột"
    assert DossierEvent.model_validate(data).snapshot.trich_yeu == "Dòng một\nDòng hai\tcột"


def test_text_is_normalised_to_nfc() -> None:
    data = event_data()
    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Hồng Nhung")
    data["snapshot"]["chu_ho_so"]["ho_ten"] = nfd
    data["snapshot"]["extra"] = {"ghi_chu": [nfd]}
    snapshot = DossierEvent.model_validate(data).snapshot
    assert nfd != "Nguyễn Thị Hồng Nhung"
    assert snapshot.chu_ho_so.ho_ten == "Nguyễn Thị Hồng Nhung"
    assert snapshot.extra == {"ghi_chu": ["Nguyễn Thị Hồng Nhung"]}


@pytest.mark.parametrize(
    "path",
    [
        "occurred_at",
        "snapshot.ngay_nop",
        "snapshot.ngay_tiep_nhan",
        "snapshot.ngay_hen_tra",
        "snapshot.ngay_tra",
        "snapshot.qua_trinh.0.bat_dau",
        "snapshot.qua_trinh.0.han_xu_ly",
        "snapshot.qua_trinh.0.ket_thuc",
    ],
)
@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59+07:00"])
def test_datetimes_outside_1900_2100_are_refused(path: str, value: str) -> None:
    data = event_data()
    set_path(data, path, value)
    error = refusal(data)
    assert error["type"] == "date_range"
    assert ".".join(str(p) for p in error["loc"]) == path


def test_edges_of_the_date_range_pass() -> None:
    data = event_data()
    data["occurred_at"] = "1900-01-01T00:00:00+07:00"
    data["snapshot"]["ngay_hen_tra"] = "2100-12-31T23:59:59+07:00"
    event = DossierEvent.model_validate(data)
    assert event.occurred_at.year == 1900 and event.snapshot.ngay_hen_tra is not None


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("1899-12-31", "birth_date_range"),
        ((vietnam_today() + timedelta(days=1)).isoformat(), "birth_date_range"),
        ("0001-01-01", "birth_date_range"),
    ],
)
def test_birth_dates_are_plausible(value: str, kind: str) -> None:
    data = event_data()
    data["snapshot"]["chu_ho_so"]["ngay_sinh"] = value
    error = refusal(data)
    assert error["type"] == kind and error["loc"] == ("snapshot", "chu_ho_so", "ngay_sinh")
    assert value not in error["msg"]


def test_result_signing_date_is_in_range() -> None:
    data = event_data()
    data["snapshot"]["ket_qua"] = {"so": "12/QĐ", "ngay_ky": "2101-01-01"}
    assert refusal(data)["loc"] == ("snapshot", "ket_qua", "ngay_ky")


@pytest.mark.parametrize(
    ("path", "value", "kind"),
    [
        ("snapshot.le_phi.0.so_tien", INT64_MAX + 1, "less_than_equal"),
        ("snapshot.le_phi.0.so_tien", -1, "greater_than_equal"),
        ("snapshot.thanh_phan.0.size", 2**70, "less_than_equal"),
        ("sequence", 2**64, "less_than_equal"),
        ("sequence", 0, "greater_than_equal"),
    ],
)
def test_integers_fit_the_database(path: str, value: int, kind: str) -> None:
    data = event_data()
    if path.startswith("snapshot.le_phi"):
        data["snapshot"]["le_phi"] = [{"ten": "Lệ phí", "so_tien": 0}]
    set_path(data, path, value)
    error = refusal(data)
    assert error["type"] == kind
    assert ".".join(str(p) for p in error["loc"]) == path


@pytest.mark.parametrize(
    ("path", "item", "limit"),
    [
        ("snapshot.qua_trinh", "step", 500),
        ("snapshot.thanh_phan", "file", 200),
        ("snapshot.le_phi", "fee", 50),
    ],
)
def test_lists_are_bounded(path: str, item: str, limit: int) -> None:
    data = event_data()
    one = {
        "step": data["snapshot"]["qua_trinh"][0] if data["snapshot"]["qua_trinh"] else None,
        "file": data["snapshot"]["thanh_phan"][0],
        "fee": {"ten": "Lệ phí", "so_tien": 1},
    }[item]
    assert one is not None
    set_path(data, path, [one] * (limit + 1))
    error = refusal(data)
    assert error["type"] == "too_long"
    assert ".".join(str(p) for p in error["loc"]) == path


@pytest.mark.parametrize(
    ("path", "length"),
    [
        ("snapshot.chu_ho_so.ho_ten", 201),
        ("snapshot.trich_yeu", 2001),
        ("snapshot.chu_ho_so.so_dien_thoai", 21),
        ("snapshot.ma_ho_so", 41),
        ("snapshot.extra.note", 10_001),
    ],
)
def test_strings_are_bounded(path: str, length: int) -> None:
    data = event_data()
    set_path(data, path, "9" * length)
    error = refusal(data)
    # an optional field's max_length is checked on the union: "too_long"
    assert error["type"] in ("string_too_long", "too_long", "json_string_too_long")
    assert ".".join(str(p) for p in error["loc"]) == path.removesuffix(".note")


def test_extra_depth_is_bounded_far_below_pydantics_limit() -> None:
    data = event_data()
    data["snapshot"]["extra"] = nested(JSON_MAX_DEPTH)
    event = DossierEvent.model_validate(data)
    # what is accepted is read back from JSON (the worker's path) without error
    assert DossierEvent.model_validate_json(event.model_dump_json()) == event
    for depth in (JSON_MAX_DEPTH + 1, 250, 5_000):
        data["snapshot"]["extra"] = nested(depth)
        error = refusal(data)
        assert error["type"] == "json_too_deep"
        assert error["loc"] == ("snapshot", "extra")
        assert "a.a.a" in error["msg"]  # the path inside extra


def test_extra_lists_count_as_levels_too() -> None:
    value: Any = []
    for _ in range(JSON_MAX_DEPTH):
        value = [value]
    assert refusal_of_extra({"k": value})["type"] == "json_too_deep"


def refusal_of_extra(extra: Any) -> dict[str, Any]:
    data = event_data()
    data["snapshot"]["extra"] = extra
    error = refusal(data)
    assert error["loc"] == ("snapshot", "extra")
    return error


@pytest.mark.parametrize(
    ("extra", "kind", "where"),
    [
        ({"x": float("nan")}, "json_not_finite", "x"),
        ({"x": [1, float("inf")]}, "json_not_finite", "x[1]"),
        ({"x": {"y": -float("inf")}}, "json_not_finite", "x.y"),
        ({"x": 2**63}, "json_int_range", "x"),
        ({"x": "a\x00b"}, "json_text_character", "x"),
        ({"x": "a\u202eb"}, "json_text_character", "x"),
        ({"a\x00": 1}, "json_key", "(top)"),
        ({"k" * 201: 1}, "json_key", "(top)"),
        ({"x": list(range(10_001))}, "json_too_large", "x"),
        ({"x": {1, 2}}, "json_type", "x"),
    ],
)
def test_extra_values_are_json_the_store_can_carry(extra: Any, kind: str, where: str) -> None:
    error = refusal_of_extra(extra)
    assert error["type"] == kind
    assert f"(at {where})" in error["msg"]


def test_extra_keys_that_could_carry_personal_data_are_not_shown() -> None:
    error = refusal_of_extra({"Nguyễn Văn An 079201001234": {"x": float("nan")}})
    assert "079201001234" not in error["msg"] and "(at ?.x)" in error["msg"]


def test_clean_json_keeps_order_and_values() -> None:
    value = {"b": [1, 2.5, True, None, {"c": "d"}], "a": {"e": []}}
    assert clean_json(value) == value
    assert list(clean_json(value)) == ["b", "a"]


def test_aware_and_naive_times_in_range_pass() -> None:
    data = event_data()
    data["occurred_at"] = datetime(2025, 1, 1, tzinfo=timezone(timedelta(hours=7))).isoformat()
    assert DossierEvent.model_validate(data).occurred_at.year == 2025


def test_samples_still_validate() -> None:
    for n in range(50):
        for event in sample_lifecycle(n):
            Dossier.model_validate(event.snapshot.model_dump())
