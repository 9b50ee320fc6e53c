"""Masking of personal data, checked with the leak finder of hub.testing.pii."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest
import structlog

from hub.errors import TransientError
from hub.logging import setup_logging
from hub.masking import mask_excerpt, mask_name, mask_number, mask_text, mask_value
from hub.models import Dossier, Status
from hub.testing.pii import find_personal_data, fold
from hub.testing.samples import sample_dossier

DOSSIER = sample_dossier(21, status=Status.DA_TRA_KET_QUA)
OWNER = DOSSIER.chu_ho_so
assert OWNER.so_giay_to and OWNER.ngay_sinh and OWNER.so_dien_thoai
CCCD, BIRTH, PHONE = OWNER.so_giay_to, OWNER.ngay_sinh, OWNER.so_dien_thoai


def test_mask_number_and_name() -> None:
    assert mask_number("079201001234") == "*********234"
    assert mask_number("12") == "**"
    assert mask_name("Nguyễn Văn An") == "N***** V** A*"


@pytest.mark.parametrize(
    "text",
    [
        f"CCCD {CCCD} refused",  # a bare CCCD
        "CMND 233123456 refused",  # a 9-digit CMND
        f"phone {PHONE}",
        f"phone {PHONE[:4]} {PHONE[4:7]} {PHONE[7:]}",  # with spaces
        f"phone +84{PHONE[1:]}",
        f"born {BIRTH:%d/%m/%Y}",
        f"born {BIRTH.day}/{BIRTH.month}/{BIRTH.year}",
        f"born {BIRTH:%Y-%m-%d}",
        f"born {BIRTH:%Y%m%d}",
    ],
    ids=["cccd", "cmnd", "phone", "phone-spaced", "phone+84", "dmy", "d/m/y", "iso", "compact"],
)
def test_mask_text_by_shape(text: str) -> None:
    assert not find_personal_data(mask_text(text), [DOSSIER])
    assert mask_text(text) != text


def test_mask_text_international_phone_with_spaces() -> None:
    text = f"gọi +84 {PHONE[1:4]} {PHONE[4:7]} {PHONE[7:]}"
    assert not find_personal_data(mask_text(text), [DOSSIER])


@pytest.mark.parametrize(
    "text",
    [
        "000.00.22.H34-250917-1034",  # mã hồ sơ
        "1.001776.000.00.00.H34",  # mã TTHC
        "at 2025-09-17T09:35:00+07:00",  # a timestamp is not a birth date
        "HTTP 503 after 30.0 s",
    ],
)
def test_mask_text_leaves_codes_and_timestamps(text: str) -> None:
    assert mask_text(text) == text


def test_mask_value_by_key() -> None:
    masked = mask_value(
        {"HoVaTen": OWNER.ho_ten, "SoDinhDanh": CCCD, "NgayThangNamSinh": f"{BIRTH:%d/%m/%Y}",
         "SoDienThoai": PHONE, "HKTT_ChiTiet": "Tổ 3, Phường Kon Tum", "MaHoSo": DOSSIER.ma_ho_so}
    )  # fmt: skip
    assert masked["MaHoSo"] == DOSSIER.ma_ho_so
    assert masked["HKTT_ChiTiet"] == "***"
    assert masked["HoVaTen"] == mask_name(OWNER.ho_ten)
    assert not find_personal_data(json.dumps(masked, ensure_ascii=False), [DOSSIER])


def test_mask_excerpt_of_the_owner() -> None:
    excerpt = mask_excerpt(DOSSIER.chu_ho_so.model_dump(mode="json"))
    assert not find_personal_data(excerpt, [DOSSIER])
    assert len(mask_excerpt({"x": "a" * 5000}, limit=100)) == 100


def test_mask_excerpt_of_a_whole_dossier() -> None:
    excerpt = mask_excerpt(DOSSIER.model_dump(mode="json"), limit=100_000)
    assert not find_personal_data(excerpt, [DOSSIER])


def test_mask_excerpt_replaces_known_names_anywhere() -> None:
    name = DOSSIER.chu_ho_so.ho_ten
    excerpt = mask_excerpt({"NoiDung": f"Hồ sơ của {name.upper()} đã tiếp nhận"}, names=[name])
    assert not find_personal_data(excerpt, [DOSSIER])


def test_timestamps_keep_their_date() -> None:
    assert mask_text("NgayTiepNhan 25/11/2025 08:05:09") == "NgayTiepNhan 25/11/2025 08:05:09"
    assert mask_text("sinh 03/02/1950") == "sinh **/**/****"


def test_error_reasons_are_masked_by_shape() -> None:
    error = TransientError(f"no answer for {CCCD} / {PHONE}", system="molisa")
    assert not find_personal_data(str(error), [DOSSIER])
    assert "molisa" in str(error)


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    saved = structlog.get_config()
    stream = io.StringIO()
    setup_logging("json")
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=stream))
    yield stream
    structlog.configure(**saved)


def test_log_lines_are_masked(json_log: io.StringIO) -> None:
    log = structlog.get_logger("test")
    log.info("push_failed", ho_ten=OWNER.ho_ten, so_giay_to=CCCD, detail=f"phone {PHONE}")
    line = json.loads(json_log.getvalue())
    assert line["event"] == "push_failed"
    assert not find_personal_data(json_log.getvalue(), [DOSSIER])


# --- the leak finder itself ------------------------------------------------------------


def test_fold_keeps_offsets() -> None:
    assert fold("Đặng Thị Huỳnh") == "dang thi huynh"
    assert len(fold("Nguyễn Văn Đức")) == len("Nguyễn Văn Đức")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (OWNER.ho_ten.upper(), "full name"),  # upper case
        (fold(OWNER.ho_ten), "full name"),  # without diacritics
        (json.dumps({"n": OWNER.ho_ten}), "full name"),  # \\u escapes (ensure_ascii)
        (f"x{CCCD}x", "CCCD"),
        (f"+84 {PHONE[1:4]}.{PHONE[4:7]}.{PHONE[7:]}", "phone number"),
        (f"{BIRTH:%Y%m%d}", "birth date (yyyyMMdd)"),
        (f"{BIRTH.day}/{BIRTH.month}/{BIRTH.year}", "birth date"),
    ],
    ids=["upper", "folded", "escaped", "cccd", "phone", "compact-date", "d/m/y"],
)
def test_finder_sees_every_form(text: str, kind: str) -> None:
    leaks = find_personal_data(f"before {text} after", [DOSSIER])
    assert any(leak.startswith(kind) for leak in leaks), leaks
    assert all(DOSSIER.ma_ho_so in leak for leak in leaks)


def test_finder_does_not_repeat_the_value() -> None:
    leaks = find_personal_data(f"{OWNER.ho_ten} {CCCD} {PHONE} {BIRTH:%d/%m/%Y}", [DOSSIER])
    assert len(leaks) == 4
    report = " ".join(leaks)
    assert not find_personal_data(report, [DOSSIER])


def test_finder_ignores_longer_numbers_and_other_people() -> None:
    other = sample_dossier(99)
    assert not find_personal_data(f"{CCCD}9 and 9{CCCD}", [DOSSIER])
    assert not find_personal_data(other.model_dump_json(), [DOSSIER]) or (
        other.chu_ho_so.ho_ten == OWNER.ho_ten
    )
    assert find_personal_data("", [DOSSIER]) == []
    assert isinstance(DOSSIER, Dossier)


def test_plugin_fixture(assert_no_personal_data: object) -> None:
    assert callable(assert_no_personal_data)
    assert_no_personal_data(mask_text(f"id {CCCD}"), [DOSSIER])
    with pytest.raises(AssertionError, match="CCCD of chủ hồ sơ"):
        assert_no_personal_data(f"id {CCCD}", [DOSSIER], where="a line")


def test_mask_record_keeps_what_a_reader_needs_and_masks_the_person() -> None:
    from hub.masking import mask_record

    digest = "ac07fd2376e2bc9c468a2ec144f35a6618df6480d357674b2599234782b3dfa5"
    record = {
        "ma_ho_so": "000.00.22.H34-250710-3623",
        "ngay_hen_tra": "2025-07-31",
        "ket_qua": {"so": "2541/QĐ-UBND", "ngay_ky": "2025-07-30"},
        "thanh_phan": [{"sha256": digest + "123456789", "file_ref": "https://x/079031017272"}],
        "chu_ho_so": {
            "ho_ten": "Võ Hữu Toàn",
            "so_giay_to": "079031017272",
            "gioi_tinh": 1,
            "ngay_sinh": "1931-09-22",
            "dia_chi": {"ma_tinh": "51", "chi_tiet": "Làng Rắc"},
            "ghi_chu": "anything else",
        },
        "extra": {"me": {"meNgaySinh": "1960-01-02", "meHoTen": "Lê Thị Hoa"}},
        "ghi_chu": "gọi 0851618279, CCCD 079031017272, sinh 22/09/1931 tại xã",
    }
    masked = mask_record(record)
    assert masked["ma_ho_so"] == record["ma_ho_so"]
    assert masked["ngay_hen_tra"] == "2025-07-31"  # a bare date: its key says it is not personal
    assert masked["ket_qua"] == record["ket_qua"]
    assert masked["thanh_phan"] == record["thanh_phan"]  # references and digests kept
    assert masked["chu_ho_so"] == {
        "ho_ten": "V* H** T***",
        "so_giay_to": "*********272",
        "gioi_tinh": 1,
        "ngay_sinh": "**/**/****",
        "dia_chi": {"ma_tinh": "***", "chi_tiet": "***"},
        "ghi_chu": "***",
    }
    assert masked["extra"] == {"me": {"meNgaySinh": "**/**/****", "meHoTen": "L* T** H**"}}
    text = masked["ghi_chu"]
    assert "0851618279" not in text and "079031017272" not in text and "22/09/1931" not in text
