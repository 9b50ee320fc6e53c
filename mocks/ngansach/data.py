"""The budget-unit code dossiers the ngansach mock holds after a reset: units of
Quảng Ngãi (including the former Kon Tum) asking for a mã số đơn vị có quan hệ với ngân
sách, with their kinds, their parent bodies and addresses in the two-tier units."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hub.testing.samples import COMMUNES, PROVINCE_CODE

__all__ = ["DOSSIERS"]

_UNITS = [
    # (tên đơn vị, loại hình, mẫu, cơ quan chủ quản)
    ("Trường Tiểu học Lê Lợi, phường Kon Tum", "2", "07-MSNS-BTC", "UBND phường Kon Tum"),
    ("Trạm Y tế xã Măng Đen", "2", "07-MSNS-BTC", "Trung tâm Y tế khu vực Kon Plông"),
    ("Ban Quản lý dự án đầu tư xây dựng xã Đăk Hà", "1", "07-MSNS-BTC", "UBND xã Đăk Hà"),
    ("Dự án Đường giao thông liên xã Sa Thầy - Ya Xiêr", "3", "08-MSNS-BTC",
     "Ban Quản lý dự án đầu tư xây dựng tỉnh Quảng Ngãi"),
    ("Dự án Kè chống sạt lở sông Đăk Bla đoạn qua phường Đăk Cấm", "3", "08-MSNS-BTC",
     "Sở Nông nghiệp và Môi trường tỉnh Quảng Ngãi"),
    ("Hội Chữ thập đỏ xã Tu Mơ Rông", "4", "07-MSNS-BTC", "UBND xã Tu Mơ Rông"),
    ("Văn phòng HĐND và UBND xã Đăk Tô", "1", "07-MSNS-BTC", "UBND xã Đăk Tô"),
    ("Trường Mầm non Hoa Hồng, phường Cẩm Thành", "2", "07-MSNS-BTC", "UBND phường Cẩm Thành"),
]  # fmt: skip


def _dossier(n: int) -> dict[str, Any]:
    name, kind, form, parent = _UNITS[n % len(_UNITS)]
    filed = date(2025, 9, 15) + timedelta(days=n // 3)  # three a day from 15 September
    status = ["2", "4", "9", "10", "3", "10"][n % 6]
    code_issued = status in ("9", "10")
    commune = COMMUNES[n % len(COMMUNES)]
    first = "7" if kind == "3" else "1"
    steps = [{"TenBuoc": "Tiếp nhận hồ sơ", "TrangThai": "2", "BatDau": f"{filed:%Y%m%d}080000"}]
    if status != "2":
        steps.append(
            {
                "TenBuoc": "Thẩm định, cấp mã" if status != "3" else "Từ chối",
                "TrangThai": status,
                "BatDau": f"{filed + timedelta(days=2):%Y%m%d}100000",
            }
        )
    record: dict[str, Any] = {
        "MaHoSo": f"000.00.14.H34-{filed:%y%m%d}-{n % 3 + 1:04d}",
        "TenDonVi": name,
        "LoaiHinh": kind,
        "MauKeKhai": form,
        "CoQuanChuQuan": parent,
        "NgayNop": filed.isoformat(),
        "TrangThai": status,
        "DiaChi": {
            "MaTinh": PROVINCE_CODE,
            "MaXa": commune.code,
            "DiaChiChiTiet": f"{commune.villages[0]}, {commune.name}",
        },
    }
    if code_issued:
        record["MaSoDVQHNS"] = f"{first}{110_200 + n * 37:06d}"
        record["NgayCapMa"] = (filed + timedelta(days=2)).isoformat()
    # The XSD's sequence order: the mock answers its fields in it.
    return {"record": {k: record[k] for k in ORDER if k in record}, "steps": steps}


ORDER = (
    "MaHoSo",
    "TenDonVi",
    "LoaiHinh",
    "MauKeKhai",
    "CoQuanChuQuan",
    "MaSoDVQHNS",
    "NgayNop",
    "NgayCapMa",
    "TrangThai",
    "DiaChi",
)


#: 15 dossiers, three a day from 15 September 2025; the first is 000.00.14.H34-250915-0001.
DOSSIERS: list[dict[str, Any]] = [_dossier(n) for n in range(15)]
