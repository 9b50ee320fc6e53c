"""hộ tịch mapping: each module's required detail, wire formats, the contract itself."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
import yaml

from connectors.hotich import mapping
from connectors.hotich.settings import DEFAULT_MODULES
from hub.errors import ContractError, MappingError
from hub.models import Status
from hub.testing.mock.contract import load_contract
from hub.testing.samples_hotich import sample_ho_tich_dossier
from mocks.hotich.app import CONTRACT_PATH, _data_contract
from mocks.hotich.state import certificate_pdf


def _drop(dossier, part, name):  # type: ignore[no-untyped-def]
    ho_tich = dict(dossier.extra["ho_tich"])
    ho_tich[part] = {k: v for k, v in ho_tich[part].items() if k != name}
    return dossier.model_copy(update={"extra": {"ho_tich": ho_tich}})


@pytest.mark.parametrize(
    ("module", "part", "name"),
    [
        ("LTKS", "nguoi_duoc_khai_sinh", "ngay_sinh"),  # the done-when case
        ("LTKS", "me", "ho_ten"),  # a birth needs the mother
        ("LTKT", "nguoi_chet", "ngay_chet"),  # a death needs its date
        ("LTKT", "giay_bao_tu", "so"),  # ... and the death notice
        ("LTKH", "vo", "so_giay_to"),  # a marriage identifies both spouses
    ],
    ids=["birth-no-dob", "birth-no-mother", "death-no-date", "death-no-notice", "marriage-no-id"],
)
def test_missing_detail_names_the_field_not_the_value(module, part, name) -> None:  # type: ignore[no-untyped-def]
    dossier = sample_ho_tich_dossier(7, module)
    bad = _drop(dossier, part, name)
    with pytest.raises(MappingError) as err:
        mapping.to_nhan_dkht(bad, ma_don_vi="X", modules=DEFAULT_MODULES)
    assert err.value.field == f"extra.ho_tich.{part}.{name}"
    assert err.value.system == "hotich"
    for person in dossier.extra["ho_tich"].values():
        if isinstance(person, dict) and person.get("ho_ten"):
            assert person["ho_ten"] not in str(err.value)


def test_wrong_shape_and_unknown_module_are_mapping_errors() -> None:
    dossier = sample_ho_tich_dossier(3, "LTKS")
    ho_tich = {**dossier.extra["ho_tich"], "me": {"ho_ten": "X", "ngay_sinh": "hôm qua"}}
    with pytest.raises(MappingError) as err:
        mapping.to_nhan_dkht(
            dossier.model_copy(update={"extra": {"ho_tich": ho_tich}}), ma_don_vi="X", modules={}
        )
    assert err.value.field == "extra.ho_tich.me.ngay_sinh"
    no_module = {k: v for k, v in dossier.extra["ho_tich"].items() if k != "module"}
    with pytest.raises(MappingError) as err:
        mapping.to_nhan_dkht(
            dossier.model_copy(update={"extra": {"ho_tich": no_module}}), ma_don_vi="X", modules={}
        )
    assert err.value.field == "extra.ho_tich.module"
    with pytest.raises(MappingError) as err:
        mapping.to_nhan_dkht(dossier.model_copy(update={"extra": {}}), ma_don_vi="X", modules={})
    assert err.value.field == "extra.ho_tich"


@pytest.mark.parametrize("module", ["LTKS", "LTKT", "LTKH"], ids=["birth", "death", "marriage"])
def test_body_follows_the_contract_with_prefixes_and_yyyymmdd(module: str) -> None:
    dossier = sample_ho_tich_dossier(5, module)
    body = mapping.to_nhan_dkht(dossier, ma_don_vi="000.00.22.H34", modules=DEFAULT_MODULES)
    contract = load_contract(CONTRACT_PATH)
    assert contract.validate("/api/hotich/NhanDKHT", body) is None
    data = json.loads(body["data"])
    assert _data_contract(contract).validate(f"/data/{module}", data) is None
    assert body["module"] == module
    assert body["ngayTiepNhan"].count("/") == 2  # dd/MM/yyyy HH:mm:ss
    prefix = {"LTKS": "nks", "LTKT": "nkt", "LTKH": "chong"}[module]
    date_field = {"LTKS": "nksNgaySinh", "LTKT": "nktNgayChet", "LTKH": "chongNgaySinh"}[module]
    assert any(k.startswith(prefix) for k in data)
    assert len(data[date_field]) == 8 and data[date_field].isdigit()
    # The attempts log keeps field names only.
    assert "HoTen" not in json.dumps(mapping.summary(body)).replace('HoTen"', "")


def test_requester_defaults_to_the_owner() -> None:
    dossier = sample_ho_tich_dossier(9, "LTKS")
    ho_tich = {k: v for k, v in dossier.extra["ho_tich"].items() if k != "nguoi_yeu_cau"}
    ho_tich["nguoi_yeu_cau"] = {"quan_he": "Mẹ"}
    _module, data = mapping.to_data(
        dossier.model_copy(update={"extra": {"ho_tich": ho_tich}}), DEFAULT_MODULES
    )
    assert data["nycHoTen"] == dossier.chu_ho_so.ho_ten
    assert data["nycSoGiayTo"] == dossier.chu_ho_so.so_giay_to


def test_result_ready_carries_the_certificate_hash_and_size() -> None:
    pdf = certificate_pdf("GIAY KHAI SINH", "1/2025", "000.00.22.H34-250901-0001")
    item = {
        "maHoSoMCDT": "000.00.22.H34-250901-0001",
        "maHoSoLT": "LTKS-00000001",
        "trangThai": "4",
        "ketQuaXuLy": {
            "loaiGiayTo": "Giấy khai sinh",
            "soGiayTo": "1/2025",
            "ngayCap": "20250902",
            "tenTep": "giay-khai-sinh.pdf",
            "noiDungTep": base64.b64encode(pdf).decode(),
        },
        "ngayCapNhat": "02/09/2025 10:00:00",
    }
    fields = mapping.from_ket_qua(item, "LTKS")
    assert fields["trang_thai"] is Status.DA_XU_LY_XONG
    (file,) = fields["result"].files
    assert file.sha256 == hashlib.sha256(pdf).hexdigest() and file.size == len(pdf)
    assert file.file_ref == "hotich:LayKetQua/LTKS/000.00.22.H34-250901-0001/giay-khai-sinh.pdf"
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")


def test_supplement_and_refusal() -> None:
    base = {"maHoSoMCDT": "000.00.22.H34-250901-0001", "ngayCapNhat": "02/09/2025 10:00:00"}
    supplement = mapping.from_ket_qua(
        {**base, "trangThai": "2", "ghiChu": "Thiếu giấy chứng sinh",
         "hanBoSungHoSo": "09/09/2025 17:00:00"},
        "LTKS",
    )  # fmt: skip
    assert supplement["trang_thai"] is Status.YEU_CAU_BO_SUNG
    assert supplement["deadline"].isoformat() == "2025-09-09T17:00:00+07:00"
    assert supplement["note"] == "Thiếu giấy chứng sinh"
    refused = mapping.from_ket_qua({**base, "trangThai": "6", "ghiChu": "Trùng"}, "LTKT")
    assert (refused["trang_thai"], refused["note"]) == (Status.KHONG_DUOC_TIEP_NHAN, "Trùng")
    with pytest.raises(ContractError):
        mapping.from_ket_qua({**base, "trangThai": "5"}, "LTKS")


def test_contract_is_valid_openapi_31() -> None:
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(yaml.safe_load(Path(CONTRACT_PATH).read_text(encoding="utf-8")))


@pytest.mark.parametrize("module", ["LTKS", "LTKT", "LTKH"])
def test_the_receiving_officers_part_is_required_and_sent(module: str) -> None:
    """The guide: the officer ticks "phần thông tin điền của cán bộ tiếp nhận" and fills
    it in full; each required field missing names itself, and all of it reaches the wire."""
    dossier = sample_ho_tich_dossier(11, module)
    officer = dossier.extra["ho_tich"]["can_bo_tiep_nhan"]
    body = mapping.to_nhan_dkht(dossier, ma_don_vi="X", modules=DEFAULT_MODULES)
    data = json.loads(body["data"])
    assert data["cbNoiDangKy"] == officer["noi_dang_ky"]
    assert data["cbNguoiThucHien"] == officer["nguoi_thuc_hien"]
    assert data["cbLoaiDangKy"] == str(officer["loai_dang_ky"])
    assert data["cbNgayDangKy"] == officer["ngay_dang_ky"].replace("-", "")
    assert _data_contract(load_contract(CONTRACT_PATH)).validate(f"/data/{module}", data) is None
    for name in ("noi_dang_ky", "loai_dang_ky", "nguoi_thuc_hien", "nguoi_ky", "chuc_vu_nguoi_ky"):
        with pytest.raises(MappingError) as err:
            mapping.to_nhan_dkht(
                _drop(dossier, "can_bo_tiep_nhan", name), ma_don_vi="X", modules=DEFAULT_MODULES
            )
        assert err.value.field == f"extra.ho_tich.can_bo_tiep_nhan.{name}"
    ho_tich = {k: v for k, v in dossier.extra["ho_tich"].items() if k != "can_bo_tiep_nhan"}
    with pytest.raises(MappingError) as none:
        mapping.to_nhan_dkht(
            dossier.model_copy(update={"extra": {"ho_tich": ho_tich}}),
            ma_don_vi="X",
            modules=DEFAULT_MODULES,
        )
    assert none.value.field == "extra.ho_tich.can_bo_tiep_nhan.noi_dang_ky"
