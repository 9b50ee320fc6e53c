"""MONRE mapping: pure functions, and the envelopes zeep builds from them checked against
the XSD the mock validates with (no network)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from lxml import etree

from connectors.monre import mapping
from connectors.monre.client import build_envelope
from connectors.monre.process import match_step
from hub.calendar import StepDeadline
from hub.errors import ContractError, MappingError
from hub.models import Dossier, EventType, Status
from mocks.monre.soap import NS, element_to_dict, schema_errors

from .test_monre_conformance import monre_lifecycle

ENV = "http://schemas.xmlsoap.org/soap/envelope/"
HEADERS = {"XacThuc": {"MaDonVi": "000.00.22.H34", "KhoaTruyCap": "k"}, "KhoaYeuCau": "monre:e1"}


def snapshots() -> dict[EventType, Dossier]:
    return {event.type: event.snapshot for event in monre_lifecycle(31)}


def body_of(operation: str, body: dict[str, Any]) -> etree._Element:
    """The zeep envelope's body element, after checking it against the XSD."""
    root = etree.fromstring(build_envelope(operation, body, headers=HEADERS))
    element = root.find(f"{{{ENV}}}Body/{{{NS}}}{operation}")
    assert element is not None
    assert schema_errors(element) == []
    return element


def test_tiep_nhan_envelope_is_xsd_valid_and_carries_the_dossier() -> None:
    dossier = snapshots()[EventType.RECEIVED]
    data = element_to_dict(body_of("TiepNhanHoSo", mapping.to_tiep_nhan(dossier)))["HoSo"]
    assert data["MaHoSo"] == dossier.ma_ho_so
    assert data["MaTTHC"] == "1.011516"  # the local .H34 suffix dropped
    assert data["TrangThai"] == "2"
    assert data["NgayNop"].endswith("+07:00")
    assert data["ChuHoSo"]["NgaySinh"] == dossier.chu_ho_so.ngay_sinh.isoformat()  # type: ignore[union-attr]
    assert data["ChuHoSo"]["SoDienThoai"] == dossier.chu_ho_so.so_dien_thoai
    assert [t["Sha256"] for t in data["TepDinhKem"]] == [a.sha256 for a in dossier.thanh_phan]


def test_progress_result_and_kho_envelopes_are_xsd_valid() -> None:
    s = snapshots()
    step = mapping.latest_step(s[EventType.PROGRESS])
    progress = element_to_dict(
        body_of("CapNhatTienDo", mapping.to_cap_nhat_tien_do(s[EventType.PROGRESS], step))
    )["BuocXuLy"]
    assert (progress["Buoc"], progress["PhongBan"]) == (step.buoc, step.phong_ban)
    assert datetime.fromisoformat(progress["HanXuLy"]) == step.han_xu_ly
    body_of("TraKetQua", mapping.to_tra_ket_qua(s[EventType.RESULT], Status.DA_XU_LY_XONG))
    body_of("TraKetQua", mapping.to_tra_ket_qua(s[EventType.RETURNED], Status.DA_TRA_KET_QUA))
    stored = s[EventType.STORED]
    kho = element_to_dict(body_of("LuuVaoKho", mapping.to_luu_vao_kho(stored, 0)))
    result = stored.ket_qua
    assert result is not None
    assert kho["GiayTo"]["So"] == result.so
    assert kho["GiayTo"]["ChuSoHuu"]["SoDinhDanh"] == stored.chu_ho_so.so_giay_to


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ngay_sinh": None}, "chu_ho_so.ngay_sinh"),  # required for reception
        ({"so_dien_thoai": None}, "chu_ho_so.so_dien_thoai"),  # likewise
    ],
    ids=["ngay_sinh", "so_dien_thoai"],
)
def test_reception_requires_birth_date_and_phone(change: dict[str, Any], field: str) -> None:
    dossier = snapshots()[EventType.RECEIVED]
    bad = dossier.model_copy(update={"chu_ho_so": dossier.chu_ho_so.model_copy(update=change)})
    with pytest.raises(MappingError) as info:
        mapping.to_tiep_nhan(bad)
    assert info.value.field == field
    assert dossier.chu_ho_so.ho_ten not in str(info.value)


@pytest.mark.parametrize(
    ("status", "update", "field"),
    [
        (Status.DA_XU_LY_XONG, {"ket_qua": None}, "ket_qua"),  # no result at all
        (Status.DA_TRA_KET_QUA, {"ngay_tra": None}, "ngay_tra"),  # returned without a date
    ],
    ids=["no_result", "no_return_date"],
)
def test_result_requirements(status: Status, update: dict[str, Any], field: str) -> None:
    dossier = snapshots()[EventType.RETURNED].model_copy(update=update)
    with pytest.raises(MappingError) as info:
        mapping.to_tra_ket_qua(dossier, status)
    assert info.value.field == field


def test_kho_takes_the_officers_data_after_the_return() -> None:
    s = snapshots()
    with pytest.raises(MappingError) as early:
        mapping.to_luu_vao_kho(s[EventType.RESULT], 0)  # at status 9: not yet
    assert early.value.field == "trang_thai"
    with pytest.raises(MappingError) as bare:
        mapping.to_luu_vao_kho(s[EventType.RETURNED], 0)  # returned, no extracted data
    assert bare.value.field == "extra.luu_vao_kho"
    stored = s[EventType.STORED]
    data = stored.extra["luu_vao_kho"]
    for key in ("so", "ngay_ky", "loai_giay_to", "co_quan_cap"):
        without = stored.model_copy(
            update={"extra": {"luu_vao_kho": {k: v for k, v in data.items() if k != key}}}
        )
        with pytest.raises(MappingError) as missing:
            mapping.to_luu_vao_kho(without, 0)
        assert missing.value.field == f"extra.luu_vao_kho.{key}"
    # The officer's data, not the result's, and the owner apart from the filer.
    filer = stored.chu_ho_so.model_copy(update={"ho_ten": "Người Nộp Khác"})
    extracted = {**data, "so": "77/GP-KHO", "chu_so_huu": {}}
    other = stored.model_copy(update={"nguoi_nop": filer, "extra": {"luu_vao_kho": extracted}})
    body = mapping.to_luu_vao_kho(other, 0)["GiayTo"]
    assert body["So"] == "77/GP-KHO"
    assert body["ChuSoHuu"]["HoTen"] == stored.chu_ho_so.ho_ten != filer.ho_ten
    owner = stored.chu_ho_so.model_copy(update={"so_giay_to": None, "loai_dinh_danh": None})
    no_id = other.model_copy(update={"chu_ho_so": owner})
    with pytest.raises(MappingError) as no_owner_id:
        mapping.to_luu_vao_kho(no_id, 0)
    assert no_owner_id.value.field == "extra.luu_vao_kho.chu_so_huu.so_dinh_danh"


def test_step_content_defaults_to_the_step_name_and_office_to_the_unit() -> None:
    dossier = snapshots()[EventType.PROGRESS]
    step = mapping.latest_step(dossier).model_copy(update={"noi_dung": None, "phong_ban": None})
    body = mapping.to_cap_nhat_tien_do(dossier, step)["BuocXuLy"]
    assert body["NoiDung"] == step.buoc
    assert body["PhongBan"] == dossier.don_vi_xu_ly


def test_a_broken_pulled_record_is_a_contract_error_without_values() -> None:
    record = {"HoSoId": "1", "MaHoSo": "bad", "MaTTHC": "1.011516", "ChuHoSo": {"HoTen": "Lê An"}}
    with pytest.raises(ContractError) as info:
        mapping.from_ho_so_moi(record)
    assert "Lê An" not in str(info.value) and "bad" not in str(info.value)


def test_status_and_listing_rows() -> None:
    assert mapping.status_from_monre(10) is Status.DA_TRA_KET_QUA
    assert mapping.status_from_monre("x") is None
    when = datetime(2025, 11, 25, 1, 0, tzinfo=UTC)
    row = mapping.from_dong(
        {"MaHoSo": "000.00.22.H34-251125-0001", "MaTTHC": "1.011516", "TrangThai": 4,
         "NgayCapNhat": when}
    )  # fmt: skip
    assert row.trang_thai is Status.DANG_XU_LY
    assert row.updated_at == when and row.updated_at.utcoffset() == timedelta(hours=7)


def _plan(label: str, name: str) -> StepDeadline:
    return StepDeadline(
        label=label, name=name, responsible="Phòng", days=1.0, cumulative_days=1.0,
        deadline=datetime(2025, 11, 26, 9, tzinfo=UTC),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("buoc", "label"),
    [
        ("03", "03"),  # the printed label
        ("3", "03"),  # without the leading zero
        ("Bước 3", "03"),  # as a sentence
        ("Lãnh đạo Sở ký", "04"),  # by the step's name, accents folded
        ("Bước 9", None),  # no such step
    ],
    ids=["label", "no_zero", "buoc_n", "name", "unknown"],
)
def test_match_step(buoc: str, label: str | None) -> None:
    steps = [_plan("03", "Thẩm định hồ sơ"), _plan("04", "Lãnh đạo sở ký")]
    found = match_step(steps, buoc)
    assert (found.label if found else None) == label
