"""MOLISA mapping: canonical dossier <-> MOLISA payloads (pure functions, no I/O)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from lxml import etree

from connectors.molisa import mapping
from hub.errors import ContractError, MappingError
from hub.models import (
    DeliveryMethod,
    Dossier,
    Origin,
    ProcessStep,
    Status,
)
from hub.testing.mock.contract import load_contract
from hub.testing.samples import VN_TZ, sample_dossier
from mocks.molisa.app import CONTRACT_PATH


@pytest.fixture
def contract():
    return load_contract(CONTRACT_PATH)


def _dossier(status: Status = Status.DA_XU_LY_XONG, seed: int = 7) -> Dossier:
    return sample_dossier(seed, status=status, seq=12, ma_tthc="1.001776")


def test_dong_bo_dvc_fields_and_formats(contract) -> None:
    d = _dossier()
    body = mapping.to_dong_bo_dvc(d, don_vi_xu_ly="Sở Y tế")
    owner = d.chu_ho_so
    assert body["LoaiDuLieu"] == "100"
    assert body["MaHoSo"] == d.ma_ho_so
    assert body["NgayThangNamSinh"] == owner.ngay_sinh.strftime("%d/%m/%Y")
    assert body["NgayTiepNhan"] == d.ngay_tiep_nhan.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M:%S")
    assert body["GioiTinhId"] == {1: "1034", 2: "1035"}[owner.gioi_tinh]
    assert body["LoaiDinhDanh"] == "1" and body["SoDinhDanh"] == owner.so_giay_to
    assert body["StatusId"] == "9"
    assert body["NoiNopHoSo"] == "2"
    assert body["SoQuyetDinh"] == d.ket_qua.so
    assert body["NgayBanHanh"] == d.ket_qua.ngay_ky.strftime("%d/%m/%Y")
    assert body["HoSoCoThanhPhanSoHoa"] == "1"
    assert "AcceptKey" not in body
    # The body is what the contract accepts (with the key added by the client).
    assert contract.validate("/apiBTXH/DongBoDVC", {"AcceptKey": "k", **body}) is None


def test_naive_and_aware_datetimes_are_vietnam_time() -> None:
    assert mapping.format_datetime(datetime(2025, 11, 25, 8, 5, 9)) == "25/11/2025 08:05:09"
    utc = datetime.fromisoformat("2025-11-25T01:05:09+00:00")
    assert mapping.format_datetime(utc) == "25/11/2025 08:05:09"
    assert mapping.parse_datetime("25/11/2025 08:05:09", field="x") == datetime(
        2025, 11, 25, 8, 5, 9, tzinfo=VN_TZ
    )
    assert mapping.parse_date("02/01/1950", field="x") == date(1950, 1, 2)
    assert mapping.format_date(None) == "" and mapping.parse_date("", field="x") is None


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ("1950-01-02", "NgayThangNamSinh"),  # ISO instead of dd/MM/yyyy
        ("31/02/1950", "NgayThangNamSinh"),  # not a real day
    ],
    ids=["iso", "impossible-day"],
)
def test_bad_dates_from_molisa_name_the_field(value: str, field: str) -> None:
    with pytest.raises(ContractError) as info:
        mapping.parse_date(value, field=field)
    assert field in info.value.reason and value not in info.value.reason


def test_round_trip_keeps_the_fields_that_survive() -> None:
    d = _dossier(Status.DA_XU_LY_XONG)
    back = mapping.from_ho_so(mapping.to_dong_bo_dvc(d), origin=Origin.PROVINCE)
    assert back.ma_ho_so == d.ma_ho_so
    assert back.ma_tthc == d.ma_tthc
    assert back.ten_tthc == d.ten_tthc
    assert back.kenh == d.kenh
    assert back.trang_thai == d.trang_thai
    assert back.don_vi_xu_ly == d.don_vi_xu_ly
    assert back.ngay_nop == d.ngay_nop
    assert back.ngay_tiep_nhan == d.ngay_tiep_nhan
    assert back.nhan_ket_qua.method == d.nhan_ket_qua.method
    for name in (
        "ho_ten",
        "so_giay_to",
        "loai_dinh_danh",
        "ngay_sinh",
        "gioi_tinh",
        "so_dien_thoai",
    ):
        assert getattr(back.chu_ho_so, name) == getattr(d.chu_ho_so, name), name
    # MOLISA takes the two-tier units (its default): the old district does not travel.
    assert d.chu_ho_so.dia_chi is not None
    assert back.chu_ho_so.dia_chi == d.chu_ho_so.dia_chi.model_copy(update={"ma_huyen": None})
    assert back.ket_qua is not None
    assert (back.ket_qua.so, back.ket_qua.ngay_ky, back.ket_qua.co_quan_cap) == (
        d.ket_qua.so,
        d.ket_qua.ngay_ky,
        d.ket_qua.co_quan_cap,
    )


def test_local_procedure_codes_use_the_configured_map() -> None:
    d = sample_dossier(3, ma_tthc="1.001731.H34")
    assert mapping.to_dong_bo_dvc(d)["MaTTHC"] == "1.001731"  # default: the national code
    table = {"1.001731.H34": "1.001731.BTXH"}
    body = mapping.to_dong_bo_dvc(d, ma_tthc_map=table)
    assert body["MaTTHC"] == "1.001731.BTXH"
    assert mapping.from_ho_so(body, ma_tthc_map=table).ma_tthc == "1.001731.H34"


def test_certificate_extent_data_is_xml_with_both_lists() -> None:
    d = _dossier(Status.DA_XU_LY_XONG)
    xml = mapping.to_dong_bo_dvc(d)["CertificateExtentData"]
    root = etree.fromstring(xml.encode())
    assert root.tag == "ExtentData"
    parsed = mapping.parse_extent_data(xml)
    filed = parsed["DanhSachTaiLieuNop"]
    assert [f["DuongDanTaiTepTin"] for f in filed] == [a.file_ref for a in d.thanh_phan]
    assert all(f["IsDeleted"] == "0" for f in filed)
    assert set(filed[0]) == {
        "TepDinhKemId", "TenTepDinhKem", "IsDeleted", "MaThanhPhanHoSo", "DuongDanTaiTepTin",
        "DuocSoHoa", "DuocTaiSuDung", "DuocLayTuKhoDMQG", "MaKetQuaThayThe",
    }  # fmt: skip
    results = parsed["DanhSachGiayToKetQua"]
    assert [r["GiayToId"] for r in results] == [f.sha256 for f in d.ket_qua.files]
    assert results[0]["MaGiayToKetQua"] == d.ket_qua.so


def test_extent_data_escapes_markup_in_names() -> None:
    d = _dossier(Status.DUOC_TIEP_NHAN)
    first = d.thanh_phan[0].model_copy(update={"ten_tep": "a<b>&c.pdf"})
    d = d.model_copy(update={"thanh_phan": [first]})
    parsed = mapping.parse_extent_data(mapping.build_extent_data(d))
    assert parsed["DanhSachTaiLieuNop"][0]["TenTepDinhKem"] == "a<b>&c.pdf"


@pytest.mark.parametrize(
    ("owner_update", "dossier_update", "field"),
    [
        # the CCCD is required by MOLISA
        ({"so_giay_to": None, "loai_dinh_danh": None}, {}, "chu_ho_so.so_giay_to"),
        # so is the birth date
        ({"ngay_sinh": None}, {}, "chu_ho_so.ngay_sinh"),
        # a received dossier must say when it was received (model_copy skips validation,
        # as a snapshot stored before a rule change would)
        ({}, {"ngay_tiep_nhan": None}, "ngay_tiep_nhan"),
    ],
    ids=["no-id-number", "no-birth-date", "no-reception-date"],
)
def test_required_fields_raise_mapping_error(
    owner_update: dict, dossier_update: dict, field: str
) -> None:
    d = _dossier(Status.DANG_XU_LY)
    owner = d.chu_ho_so.model_copy(update=owner_update)
    broken = d.model_copy(update={"chu_ho_so": owner, **dossier_update})
    with pytest.raises(MappingError) as info:
        mapping.to_dong_bo_dvc(broken)
    assert info.value.field == field
    text = str(info.value)
    assert d.chu_ho_so.so_giay_to not in text and d.chu_ho_so.ho_ten not in text


def test_xu_ly_ho_so_and_back() -> None:
    d = _dossier(Status.DANG_XU_LY)
    step = mapping.latest_step(d)
    body = mapping.to_xu_ly_ho_so(d, step)
    assert body["StatusId"] == "4"
    assert body["NgayBatDau"] == mapping.format_datetime(step.bat_dau)
    assert body["NgayKetThucTheoQuyDinh"] == mapping.format_datetime(step.han_xu_ly)
    back = mapping.from_xu_ly(body)
    assert (back.buoc, back.noi_dung, back.trang_thai) == (
        step.buoc,
        step.noi_dung,
        step.trang_thai,
    )
    assert back.bat_dau == step.bat_dau and back.han_xu_ly == step.han_xu_ly


def test_progress_without_a_step_is_a_mapping_error() -> None:
    d = _dossier(Status.DUOC_TIEP_NHAN)
    with pytest.raises(MappingError) as info:
        mapping.latest_step(d.model_copy(update={"qua_trinh": []}))
    assert info.value.field == "qua_trinh"


def test_gui_ket_qua_carries_the_file_identity(contract) -> None:
    d = _dossier(Status.DA_XU_LY_XONG)
    item = d.ket_qua.files[0]
    body = mapping.to_gui_ket_qua(d, item)
    assert (body["Sha256"], body["KichThuoc"], body["DuongDanTep"]) == (
        item.sha256,
        item.size,
        item.file_ref,
    )
    assert contract.validate("/apiBTXH/GuiKetQua", {"AcceptKey": "k", **body}) is None


@pytest.mark.parametrize("code", [str(s.value) for s in Status], ids=[s.name for s in Status])
def test_status_codes_are_the_national_ones(code: str) -> None:
    assert mapping.status_from_molisa(code) == Status(int(code))


@pytest.mark.parametrize(
    "code", ["0", "11", "", None, "x"], ids=["zero", "eleven", "empty", "none", "text"]
)
def test_unknown_status_is_a_contract_error(code: object) -> None:
    with pytest.raises(ContractError):
        mapping.status_from_molisa(code)


def test_record_without_required_field_names_it() -> None:
    body = mapping.to_dong_bo_dvc(_dossier())
    del body["HoVaTen"]
    with pytest.raises(ContractError) as info:
        mapping.from_ho_so(body)
    assert "HoVaTen" in info.value.reason


def test_post_delivery_without_address_is_a_contract_error() -> None:
    d = _dossier(Status.DUOC_TIEP_NHAN)
    body = mapping.to_dong_bo_dvc(d)
    body["HinhThucTra"] = mapping.HINH_THUC_TRA_TO_MOLISA[DeliveryMethod.BUU_CHINH]
    for k in [k for k in body if k.startswith(("NOHT_", "HKTT_"))]:
        body[k] = ""
    with pytest.raises(ContractError) as info:
        mapping.from_ho_so(body)
    assert "nhan_ket_qua" in info.value.reason


def test_listing_row_to_remote_record() -> None:
    row = {
        "MaHoSo": "000.00.22.H34-251125-0001",
        "MaTTHC": "1.001776",
        "StatusId": "10",
        "NgayCapNhat": "25/11/2025 10:00:00",
        "SoQuyetDinh": "12/QĐ-UBND",
        "Sha256KetQua": "a" * 64,
    }
    rec = mapping.from_dong_ho_so(row)
    assert rec.trang_thai is Status.DA_TRA_KET_QUA
    assert rec.updated_at == datetime(2025, 11, 25, 10, tzinfo=VN_TZ)
    assert (rec.result_number, rec.result_sha256) == ("12/QĐ-UBND", "a" * 64)


def test_process_step_type_is_canonical() -> None:
    entry = {
        "MaHoSo": "x",
        "NoiDungXuLy": "Tiếp nhận",
        "ThoiDiemXuLy": "25/11/2025 08:00:00",
        "StatusId": "2",
    }
    step = mapping.from_xu_ly(entry)
    assert isinstance(step, ProcessStep) and step.ket_thuc is None and step.noi_dung is None


def test_contract_is_openapi_31_with_valid_schemas(contract) -> None:
    from jsonschema import Draft202012Validator

    document = contract.document
    assert document["openapi"].startswith("3.1")
    for schema in document["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    for path, item in document["paths"].items():
        assert item["post"]["x-origin"] in ("observed", "designed"), path
    assert set(contract.paths) == {
        f"/apiBTXH/{op}"
        for op in (
            "DongBoDVC", "XuLyHoSo", "LayDanhSachHoSoMoi", "XacNhanDaNhan",
            "GuiKetQua", "TraCuuHoSo", "DanhSachHoSo",
        )
    }  # fmt: skip
    # The full OpenAPI 3.1 meta-check, where the validator is installed.
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(document)


def test_noi_nop_ho_so_says_where_the_dossier_was_filed() -> None:
    assert mapping.to_dong_bo_dvc(_dossier())["NoiNopHoSo"] == "2"
    ministry = _dossier().model_copy(update={"origin": Origin.MINISTRY})
    assert mapping.to_dong_bo_dvc(ministry)["NoiNopHoSo"] == "1"


def test_village_codes_are_carried(contract) -> None:
    d = _dossier()
    owner = d.chu_ho_so
    assert owner.dia_chi is not None
    home = owner.dia_chi.model_copy(update={"ma_thon": "0107"})
    d = d.model_copy(
        update={
            "chu_ho_so": owner.model_copy(update={"dia_chi": home}),
            "extra": {**d.extra, "hktt": home.model_copy(update={"ma_thon": "0203"}).model_dump()},
        }
    )
    body = mapping.to_dong_bo_dvc(d)
    assert (body["NOHT_MaThon"], body["HKTT_MaThon"]) == ("0107", "0203")
    assert contract.validate("/apiBTXH/DongBoDVC", {"AcceptKey": "k", **body}) is None


def test_attachment_flags_come_from_the_model() -> None:
    d = _dossier()
    first, *rest = d.thanh_phan
    from_store = first.model_copy(
        update={"duoc_so_hoa": False, "duoc_tai_su_dung": True, "duoc_lay_tu_kho_dmqg": True}
    )
    d = d.model_copy(update={"thanh_phan": [from_store, *rest]})
    items = mapping.parse_extent_data(mapping.to_dong_bo_dvc(d)["CertificateExtentData"])
    filed = items["DanhSachTaiLieuNop"]
    assert (filed[0]["DuocSoHoa"], filed[0]["DuocTaiSuDung"], filed[0]["DuocLayTuKhoDMQG"]) == (
        "0",
        "1",
        "1",
    )
    assert all(f["DuocLayTuKhoDMQG"] == "0" for f in filed[1:])


def test_result_goes_with_its_content(contract) -> None:
    import base64
    import hashlib

    d = _dossier(Status.DA_XU_LY_XONG)
    item = d.ket_qua.files[0]
    body = mapping.to_gui_ket_qua(d, item)
    content = base64.b64decode(body["NoiDungTep"])
    assert hashlib.sha256(content).hexdigest() == item.sha256 == body["Sha256"]
    assert contract.validate("/apiBTXH/GuiKetQua", {"AcceptKey": "k", **body}) is None
    link_only = item.model_copy(update={"noi_dung": None})
    with pytest.raises(MappingError) as raised:
        mapping.to_gui_ket_qua(d, link_only, n=0)
    assert raised.value.field == "ket_qua.files[0].noi_dung"
    assert "NoiDungTep" not in mapping.to_gui_ket_qua(d, link_only, content_required=False)
