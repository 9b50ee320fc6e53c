"""The transport dossiers the vantai mock holds after a reset: realistic, deterministic.

Offices after the 1 July 2025 reform (Sở GTVT merged into Sở Xây dựng; Kon Tum part of
Quảng Ngãi). Dates are fixed so tests and the demo can name them.
"""

from __future__ import annotations

from typing import Any

__all__ = ["API_KEYS", "DOSSIERS", "OFFICES", "UNITS"]

#: MaDonVi -> the ApiKey issued to it (the mock's config key replaces the first).
UNITS = {"000.00.22.H34": "test-key", "000.00.51.H55": "key-of-another-unit"}
API_KEYS = set(UNITS.values())

OFFICES = {
    "SXD-QNG": "Sở Xây dựng tỉnh Quảng Ngãi",
    "SXD-QNG-KT": "Sở Xây dựng tỉnh Quảng Ngãi - Cơ sở Kon Tum",
}

_PROCEDURES = [
    ("1.002861", "Cấp Giấy phép kinh doanh vận tải bằng xe ô tô"),
    ("1.002856", "Cấp phù hiệu xe ô tô kinh doanh vận tải"),
    ("1.001023", "Cấp Giấy phép liên vận Việt - Lào cho phương tiện"),
    ("1.002859", "Cấp lại Giấy phép kinh doanh vận tải bằng xe ô tô"),
]

_OWNERS = [
    "Công ty TNHH Vận tải Hoàng Long Kon Tum",
    "Hợp tác xã Vận tải Ngọc Hồi",
    "Công ty Cổ phần Xe khách Sa Thầy",
    "Công ty TNHH Thương mại Vận tải Đăk Hà",
    "Công ty TNHH Taxi Măng Đen",
    "Hợp tác xã Dịch vụ Vận tải Quảng Ngãi",
]

_DOCUMENTS = [
    ("Giấy đề nghị cấp giấy phép kinh doanh vận tải", "TP01", "don-de-nghi.pdf", 182_344),
    ("Bản sao văn bằng chứng chỉ của người điều hành vận tải", "TP02", "chung-chi.pdf", 96_210),
    ("Phương án kinh doanh vận tải bằng xe ô tô", "TP03", "phuong-an.pdf", 254_903),
]


def _dossier(n: int) -> dict[str, Any]:
    month = 8 + n % 3  # August to October 2025
    day = 1 + (n * 3) % 27
    ma_tthc, ten = _PROCEDURES[n % len(_PROCEDURES)]
    office = "SXD-QNG-KT" if n % 3 else "SXD-QNG"
    status = [2, 4, 4, 5, 9, 10][n % 6]
    received = f"2025-{month:02d}-{day:02d}"
    due = f"2025-{month:02d}-{min(day + 10, 28):02d}"
    code = f"000.00.22.H34-25{month:02d}{day:02d}-{n + 1:04d}"
    steps = [
        {
            "tenBuoc": "Tiếp nhận hồ sơ",
            "trangThai": "2",
            "thoiDiem": f"2025{month:02d}{day:02d}080000",
        }
    ]
    if status >= 4:
        steps.append(
            {
                "tenBuoc": "Thẩm định hồ sơ",
                "trangThai": "4",
                "thoiDiem": f"2025{month:02d}{day:02d}140000",
            }
        )
    if status not in (2, 4):
        steps.append(
            {
                "tenBuoc": "Kết quả",
                "trangThai": str(status),
                "thoiDiem": f"2025{month:02d}{min(day + 5, 28):02d}090000",
            }
        )
    return {
        "mahoso": code,
        "maTTHC": ma_tthc,
        "tenTTHC": ten,
        "chuHoSo": _OWNERS[n % len(_OWNERS)],
        "ngayNhan": received,
        "ngayHenTra": due,
        "trangThai": str(status),
        "donViXuLy": office,
        "treHan": n % 7 == 0,
        "quaTrinhXuLy": steps,
        "taiLieu": [
            {
                "tenTaiLieu": t,
                "maThanhPhan": c,
                "tenTep": f,
                "dungLuong": size,
                "duongDan": f"/tailieu/{code}/{f}",
            }
            for t, c, f, size in _DOCUMENTS[: 2 + n % 2]
        ],
    }


#: 18 dossiers from August to October 2025; the first is 000.00.22.H34-250801-0001.
DOSSIERS: list[dict[str, Any]] = [_dossier(n) for n in range(18)]
