"""The canonical model accepts what the national rules allow and nothing else."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from pydantic import ValidationError

from hub.fields import vietnam_today
from hub.models import (
    ALLOWED_TRANSITIONS,
    Address,
    DeliveryMethod,
    Dossier,
    DossierEvent,
    EventType,
    IdType,
    Party,
    ResultDelivery,
    Status,
    national_ma_tthc,
    transition_allowed,
)
from hub.testing.samples import VN_TZ, sample_dossier, sample_event


def dossier_data(**changes: object) -> dict:
    data = sample_dossier(1, status=Status.DUOC_TIEP_NHAN).model_dump()
    data.update(changes)
    return data


@pytest.mark.parametrize(
    "code",
    [
        "000.00.22.H34-231125-0001",  # Thông tư 01/2018 example
        "000.00.22.H34-250228-123456",  # six-digit sequence
        "000.21.22.H34-240229-0001",  # a leap day
    ],
)
def test_valid_ma_ho_so(code: str) -> None:
    assert Dossier.model_validate(dossier_data(ma_ho_so=code)).ma_ho_so == code


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("000.00.22.H34-231325-0001", "ma_ho_so_date"),  # month 13
        ("000.00.22.H34-230229-0001", "ma_ho_so_date"),  # not a leap year
        ("000.00.22.H34-231125-01", "ma_ho_so_format"),  # sequence too short
        ("H34-231125-0001", "ma_ho_so_format"),  # agency code not in QCVN 102 form
    ],
)
def test_invalid_ma_ho_so(code: str, error: str) -> None:
    with pytest.raises(ValidationError) as info:
        Dossier.model_validate(dossier_data(ma_ho_so=code))
    assert info.value.errors()[0]["type"] == error


@pytest.mark.parametrize(
    ("code", "national"),
    [
        ("1.001776", "1.001776"),  # national
        ("1.001776.000.00.00.H34", "1.001776"),  # local, full agency code
        ("1.001731.H34", "1.001731"),  # local, province suffix
    ],
)
def test_ma_tthc_forms(code: str, national: str) -> None:
    dossier = Dossier.model_validate(dossier_data(ma_tthc=code))
    assert dossier.ma_tthc_quoc_gia == national == national_ma_tthc(code)


@pytest.mark.parametrize("code", ["1001776", "1.00177", "1.001776.H3", "x.001776"])
def test_invalid_ma_tthc(code: str) -> None:
    with pytest.raises(ValidationError, match="mã TTHC"):
        Dossier.model_validate(dossier_data(ma_tthc=code))


def test_id_type_follows_the_number() -> None:
    assert Party(ho_ten="Lê Văn Tám", so_giay_to="062087000123").loai_dinh_danh is IdType.CCCD
    assert Party(ho_ten="Lê Văn Tám", so_giay_to="233123456").loai_dinh_danh is IdType.CMND
    with pytest.raises(ValidationError, match="loai_dinh_danh"):
        Party(ho_ten="Lê Văn Tám", so_giay_to="233123456", loai_dinh_danh=IdType.CCCD)
    with pytest.raises(ValidationError, match="12-digit CCCD"):
        Party(ho_ten="Lê Văn Tám", so_giay_to="06208700012")


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("0912345678", "0912345678"),
        ("0912 345 678", "0912345678"),  # written with spaces
        ("0912.345.678", "0912345678"),  # or dots
        ("+84912345678", "+84912345678"),
        ("02603862123", "02603862123"),  # a landline with an area code
    ],
)
def test_phone_numbers(given: str, stored: str) -> None:
    assert Party(ho_ten="Y Đôn", so_dien_thoai=given).so_dien_thoai == stored


@pytest.mark.parametrize("phone", ["912345678", "09123456", "+8491234567890", "0912-abc-678"])
def test_invalid_phone_numbers(phone: str) -> None:
    with pytest.raises(ValidationError, match="số điện thoại"):
        Party(ho_ten="Y Đôn", so_dien_thoai=phone)


def test_birth_date_must_be_plausible() -> None:
    with pytest.raises(ValidationError, match="ngày sinh"):
        Party(ho_ten="Y Đôn", ngay_sinh=vietnam_today() + timedelta(days=1))
    with pytest.raises(ValidationError, match="ngày sinh"):
        Party(ho_ten="Y Đôn", ngay_sinh=date(1889, 12, 31))


def test_received_dossier_needs_reception_date() -> None:
    with pytest.raises(ValidationError, match="ngay_tiep_nhan is required"):
        Dossier.model_validate(dossier_data(ngay_tiep_nhan=None))
    refused = dossier_data(ngay_tiep_nhan=None, trang_thai=Status.KHONG_DUOC_TIEP_NHAN)
    assert Dossier.model_validate(refused).ngay_tiep_nhan is None


def test_reception_not_before_filing() -> None:
    data = dossier_data()
    data["ngay_tiep_nhan"] = data["ngay_nop"] - timedelta(minutes=1)
    with pytest.raises(ValidationError, match="earlier than ngay_nop"):
        Dossier.model_validate(data)


def test_returned_dossier_needs_return_date() -> None:
    returned = sample_dossier(2, status=Status.DA_TRA_KET_QUA).model_dump()
    returned["ngay_tra"] = None
    with pytest.raises(ValidationError, match="ngay_tra is required"):
        Dossier.model_validate(returned)


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError, match="extra"):
        Dossier.model_validate(dossier_data(ho_ten="Nguyễn Văn A"))


def test_delivery_by_post_needs_an_address() -> None:
    with pytest.raises(ValidationError, match="needs an address"):
        ResultDelivery(method=DeliveryMethod.BUU_CHINH)
    address = Address(ma_tinh="51", ma_xa="23293", chi_tiet="Tổ 3")
    assert ResultDelivery(method=DeliveryMethod.BUU_CHINH, dia_chi=address).dia_chi == address


def test_event_snapshot_is_the_same_dossier() -> None:
    dossier = sample_dossier(3)
    event = sample_event(dossier, EventType.RECEIVED, seq=1)
    other = sample_dossier(4, seq=4321)
    with pytest.raises(ValidationError, match="snapshot"):
        DossierEvent.model_validate({**event.model_dump(), "snapshot": other.model_dump()})
    with pytest.raises(ValidationError, match="pattern"):
        DossierEvent.model_validate({**event.model_dump(), "id": "evt 1"})


def test_json_round_trip_keeps_timezone() -> None:
    dossier = sample_dossier(5, status=Status.DA_TRA_KET_QUA)
    again = Dossier.model_validate_json(dossier.model_dump_json())
    assert again == dossier
    assert again.ngay_nop.utcoffset() == timedelta(hours=7)
    assert isinstance(again.ngay_nop, datetime) and again.ngay_nop.tzinfo is not None
    assert again.ngay_nop == dossier.ngay_nop.astimezone(VN_TZ)


def test_statuses_and_transitions() -> None:
    assert [int(s) for s in Status] == list(range(1, 11))
    assert Status.DA_TRA_KET_QUA.label_vi == "Đã trả kết quả"
    assert Status.DUOC_TIEP_NHAN.dvcqg == "new"
    for status in Status:
        assert transition_allowed(status, status)  # a progress update within a status
        assert status.label_en and status.dvcqg
        if status.is_final:
            assert ALLOWED_TRANSITIONS[status] == frozenset()
    assert transition_allowed(Status.DANG_XU_LY, Status.YEU_CAU_BO_SUNG)
    assert not transition_allowed(Status.DA_TRA_KET_QUA, Status.DANG_XU_LY)
    assert not transition_allowed(Status.MOI_DANG_KY, Status.DA_XU_LY_XONG)
