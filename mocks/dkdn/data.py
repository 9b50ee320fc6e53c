"""What the dkdn mock holds after a reset: enterprises, household businesses and
cooperatives registered in Quảng Ngãi (including the former Kon Tum), with addresses in
the two-tier units of 1 July 2025, and the registration dossiers of autumn 2025.

Every mã số has a right check digit. The dossier dates are fixed, except that
"today" always has two processed dossiers (the "xử lý trong ngày" look-up).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hub.testing.samples import COMMUNES, PROVINCE_CODE

__all__ = ["ENTITIES", "dossiers"]

PROVINCE = "Quảng Ngãi"


def _address(n: int, street: str) -> dict[str, Any]:
    commune = COMMUNES[n % len(COMMUNES)]
    return {
        "maTinh": PROVINCE_CODE,
        "tenTinh": PROVINCE,
        "maXa": commune.code,
        "tenXa": commune.name,
        "diaChiChiTiet": f"{10 + n * 7} {street}, {commune.villages[0]}",
    }


_E = [
    # (kind, mã số, tên, loại hình, ngày cấp, tình trạng, đại diện, vốn, ngành nghề, đường)
    (
        "DN",
        "6100234563",
        "Công ty TNHH Vận tải Hoàng Long Kon Tum",
        "Công ty TNHH hai thành viên trở lên",
        "12/03/2012",
        "Đang hoạt động",
        "Nguyễn Văn Long",
        5_000_000_000,
        "Vận tải hàng hóa bằng đường bộ",
        "Trần Hưng Đạo",
    ),
    (
        "DN",
        "6100456781",
        "Công ty Cổ phần Cà phê Đăk Hà",
        "Công ty cổ phần",
        "05/07/2015",
        "Đang hoạt động",
        "Trần Thị Hoa",
        12_000_000_000,
        "Chế biến cà phê",
        "Hùng Vương",
    ),
    (
        "DN",
        "6100789011",
        "Công ty TNHH Du lịch Măng Đen Xanh",
        "Công ty TNHH một thành viên",
        "20/11/2019",
        "Tạm ngừng kinh doanh",
        "Lê Văn Minh",
        2_000_000_000,
        "Dịch vụ lưu trú ngắn ngày",
        "Lê Lợi",
    ),
    (
        "DN",
        "4300567894",
        "Công ty Cổ phần Xây dựng Sông Trà",
        "Công ty cổ phần",
        "08/01/2008",
        "Đang hoạt động",
        "Phạm Quốc Bảo",
        30_000_000_000,
        "Xây dựng công trình đường bộ",
        "Phan Đình Phùng",
    ),
    (
        "HKD",
        "6101122333",
        "Hộ kinh doanh Tạp hóa Bình An",
        "Hộ kinh doanh",
        "14/02/2020",
        "Đang hoạt động",
        "Đinh Thị Bình",
        150_000_000,
        "Bán lẻ tạp hóa",
        "Bà Triệu",
    ),
    (
        "HKD",
        "6101239878",
        "Hộ kinh doanh Cơm niêu Kon Klor",
        "Hộ kinh doanh",
        "02/09/2022",
        "Đang hoạt động",
        "A Thuân",
        300_000_000,
        "Nhà hàng, quán ăn",
        "Nguyễn Huệ",
    ),
    (
        "HTX",
        "6101345604",
        "Hợp tác xã Nông nghiệp Sâm Ngọc Linh Tu Mơ Rông",
        "Hợp tác xã",
        "18/06/2017",
        "Đang hoạt động",
        "Y Nhung",
        1_200_000_000,
        "Trồng cây dược liệu",
        "Trần Hưng Đạo",
    ),
    (
        "HTX",
        "6101456713",
        "Hợp tác xã Vận tải Ngọc Hồi",
        "Hợp tác xã",
        "30/10/2010",
        "Đang hoạt động",
        "Hồ Văn Tâm",
        800_000_000,
        "Vận tải hành khách bằng xe khách",
        "Lê Lợi",
    ),
]

#: (kind, mã số) -> the gateway's record.
ENTITIES: dict[tuple[str, str], dict[str, Any]] = {
    (kind, ma_so): {
        "maSo": ma_so,
        "ten": ten,
        "loaiHinh": loai,
        "ngayCapLanDau": ngay,
        "tinhTrang": tinh_trang,
        "nguoiDaiDien": dai_dien,
        "von": von,
        "nganhNgheChinh": nganh,
        "diaChiTruSo": _address(n, street),
    }
    for n, (kind, ma_so, ten, loai, ngay, tinh_trang, dai_dien, von, nganh, street) in enumerate(_E)
}

_KINDS = (
    "Đăng ký thành lập mới",
    "Đăng ký thay đổi nội dung",
    "Thông báo tạm ngừng kinh doanh",
    "Đăng ký thay đổi người đại diện",
)
_STATES = ("Đã tiếp nhận", "Đang xử lý", "Đã cấp đăng ký", "Yêu cầu bổ sung")


def dossiers(today: date) -> list[dict[str, Any]]:
    """16 dossiers received from 1 September 2025, two processed ``today``."""
    out = []
    enterprises = [e for (kind, _), e in ENTITIES.items() if kind == "DN"]
    for n in range(16):
        received = date(2025, 9, 1) + timedelta(days=n * 3)
        e = enterprises[n % len(enterprises)]
        state = _STATES[n % len(_STATES)]
        processed = today if n in (3, 9) else received + timedelta(days=3)
        out.append(
            {
                "soHoSo": f"DKKD-{received:%y%m%d}-{n + 1:03d}",
                "maSo": e["maSo"],
                "ten": e["ten"],
                "loaiThuTuc": _KINDS[n % len(_KINDS)],
                "ngayTiepNhan": f"{received:%d/%m/%Y}",
                "ngayHenTra": f"{received + timedelta(days=3):%d/%m/%Y}",
                "trangThai": "Đã cấp đăng ký" if n in (3, 9) else state,
                "ketQua": "Giấy chứng nhận đăng ký doanh nghiệp" if n in (3, 9) else None,
                "ngayXuLy": f"{processed:%d/%m/%Y}",
            }
        )
    return out
