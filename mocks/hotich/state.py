"""The hộ tịch mock's in-memory ministry: submitted dossiers moving through the statuses.

A dossier submitted with NhanDKHT starts at trangThai 1 (awaiting intake) and
advances one step at a time: 1 -> 3 (processing) -> 4 (result ready, with a
certificate PDF), unless a decision says otherwise (2 supplement required, 6
refused). When a step happens is the ``advance`` mode:

* ``poll``: each LayKetQua naming the dossier advances it one step, then answers;
* ``seconds:N``: a step every N seconds since the last change (checked on LayKetQua);
* ``manual``: only ``POST /_mock/decide`` changes a status.

``POST /_mock/decide {"maHoSoMCDT", "trangThai", "ghiChu", "hanBoSungHoSo", "now"}``
sets the outcome of a dossier: applied at its next step, or at once with ``now``.
A NhanDKHT re-sent for a dossier at 2 is the supplement: back to 3.
"""

from __future__ import annotations

import base64
import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hub.sdk import Status
from hub.testing.mock import (
    MockConfig,
    MockState,
    SeedRecord,
    UnsupportedRecord,
    vn_wall_time,
)
from hub.testing.samples_hotich import sample_ho_tich_extra

__all__ = ["HotichState", "busy_answer", "certificate_pdf"]

VN_OFFSET = timedelta(hours=7)
DATETIME_FMT = "%d/%m/%Y %H:%M:%S"
#: Seeded dossiers come from this desk (another commune of the province).
SEED_AGENCY = "000.00.23.H34"
SEED_FROM = date(2025, 11, 3)
CERTIFICATES = {
    "LTKS": ("Giấy khai sinh", "GIAY KHAI SINH", "giay-khai-sinh.pdf"),
    "LTKT": ("Trích lục khai tử", "TRICH LUC KHAI TU", "trich-luc-khai-tu.pdf"),
    "LTKH": ("Giấy chứng nhận kết hôn", "GIAY CHUNG NHAN KET HON", "giay-chung-nhan-ket-hon.pdf"),
}
OFFICIAL = "Công chức Tư pháp - Hộ tịch"
#: The trangThai of LayKetQua for the hub statuses the system can express.
STATUS_CODES = {
    Status.DUOC_TIEP_NHAN: "1",
    Status.YEU_CAU_BO_SUNG: "2",
    Status.DANG_XU_LY: "3",
    Status.DA_XU_LY_XONG: "4",
    Status.KHONG_DUOC_TIEP_NHAN: "6",
}


def now_vn() -> datetime:
    """Vietnam wall-clock time, naive (the wire format has no offset)."""
    return datetime.now(UTC).replace(tzinfo=None) + VN_OFFSET


def busy_answer() -> dict[str, Any]:
    return {
        "status": "0",
        "statusDescription": "Thất bại",
        "errorCode": "BUSY",
        "errorDescription": "Hệ thống đang bận, vui lòng thử lại sau",
    }


def certificate_pdf(title: str, number: str, ma_ho_so: str) -> bytes:
    """A small, valid one-page PDF; the same arguments give the same bytes."""
    text = f"BT /F1 16 Tf 72 760 Td ({title}) Tj 0 -28 Td /F1 11 Tf (So: {number}) Tj "
    text += f"0 -18 Td (Ma ho so: {ma_ho_so}) Tj ET"
    stream = text.encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


@dataclass
class Entry:
    """One dossier at the civil-registration system."""

    module: str
    record: dict[str, Any]  #: the NhanDKHT body, with ``data`` parsed
    ma_ho_so_lt: str
    updated_at: datetime
    trang_thai: str = "1"
    history: list[dict[str, Any]] = field(default_factory=list)
    decision: dict[str, Any] | None = None
    ghi_chu: str = ""
    han_bo_sung: str = ""
    ket_qua: dict[str, Any] | None = None
    nguoi_xu_ly: str = ""
    noi_dung: str = "Hồ sơ chờ tiếp nhận"
    #: Seeded with a known status (``POST /_mock/records``): never advanced.
    frozen: bool = False


class HotichState(MockState):
    def __init__(self, config: MockConfig, *, advance: str = "poll") -> None:
        super().__init__(config, busy_body=busy_answer())
        self.advance = advance
        self.clear_records()
        if config.seed_count:
            self.seed(config.seed_count, config.seed)

    # --- bookkeeping --------------------------------------------------------

    def clear_records(self) -> None:
        self.entries: dict[str, Entry] = {}
        self._next_lt = 1
        self._next_so = 1

    def record_count(self) -> int:
        return len(self.entries)

    def record_view(self, ma_ho_so: str) -> dict[str, Any] | None:
        entry = self.entries.get(ma_ho_so)
        if entry is None:
            return None
        return {
            "record": entry.record,
            "history": entry.history,
            "module": entry.module,
            "ma_ho_so_lt": entry.ma_ho_so_lt,
            "trang_thai": entry.trang_thai,
            "decision": entry.decision,
            "certificate_sha256": self._certificate_sha256(entry),
            "updated_at": entry.updated_at.strftime(DATETIME_FMT),
        }

    @staticmethod
    def _certificate_sha256(entry: Entry) -> str | None:
        if entry.ket_qua is None:
            return None
        return hashlib.sha256(base64.b64decode(entry.ket_qua["noiDungTep"])).hexdigest()

    def _set(self, entry: Entry, status: str, noi_dung: str) -> None:
        entry.trang_thai = status
        entry.updated_at = now_vn()
        entry.noi_dung = noi_dung
        entry.history.append(
            {"trangThai": status, "thoiGian": entry.updated_at.strftime(DATETIME_FMT),
             "noiDungXuLy": noi_dung}
        )  # fmt: skip

    # --- operations ---------------------------------------------------------

    def nhan_dkht(
        self, body: dict[str, Any], data: dict[str, Any], key: str | None
    ) -> dict[str, Any]:
        entry, description = self._upsert(body, data)
        self.journal.record_write("NhanDKHT", body["maHoSoMCDT"], key, entry.trang_thai)
        return {
            "status": "1",
            "statusDescription": description,
            "errorCode": "",
            "errorDescription": "",
            "maHoSoLT": entry.ma_ho_so_lt,
        }

    def _upsert(self, body: dict[str, Any], data: dict[str, Any]) -> tuple[Entry, str]:
        ma = body["maHoSoMCDT"]
        record = {**body, "data": data}
        entry = self.entries.get(ma)
        if entry is None:
            entry = Entry(
                module=body["module"],
                record=record,
                ma_ho_so_lt=f"{body['module']}-{self._next_lt:08d}",
                updated_at=now_vn(),
            )
            self._next_lt += 1
            self.entries[ma] = entry
            self._set(entry, "1", "Tiếp nhận hồ sơ từ hệ thống MCĐT")
            description = "Nhận hồ sơ thành công"
        else:
            entry.record = record
            if entry.trang_thai == "2":
                entry.ghi_chu = entry.han_bo_sung = ""
                self._set(entry, "3", "Công dân đã bổ sung hồ sơ")
            entry.updated_at = now_vn()
            description = "Cập nhật hồ sơ thành công"
        return entry, description

    def lay_ket_qua(self, body: dict[str, Any]) -> dict[str, Any]:
        values = []
        for ma in body["maDinhDanhHoSo"]:
            entry = self.entries.get(ma)
            if entry is None or entry.module != body["module"]:
                continue
            if self._due(entry):
                self.step(entry)
            values.append(self._value(ma, entry))
        return {"status": "1", "errorCode": "", "errorDescription": "", "value": values}

    def _due(self, entry: Entry) -> bool:
        if entry.frozen:
            return False
        if self.advance == "poll":
            return True
        if self.advance.startswith("seconds:"):
            every = float(self.advance.split(":", 1)[1])
            return (now_vn() - entry.updated_at).total_seconds() >= every
        return False

    def step(self, entry: Entry) -> None:
        """One step along 1 -> 3 -> 4, or to the decided outcome."""
        if entry.trang_thai in ("4", "6", "2"):
            return
        if entry.decision is not None:
            self._apply(entry, entry.decision)
            return
        if entry.trang_thai == "1":
            entry.nguoi_xu_ly = OFFICIAL
            self._set(entry, "3", "Đang xử lý hồ sơ")
        else:
            self._issue(entry)

    def _apply(self, entry: Entry, decision: dict[str, Any]) -> None:
        entry.decision = None
        status = decision["trangThai"]
        entry.nguoi_xu_ly = OFFICIAL
        if status == "2":
            deadline = decision.get("hanBoSungHoSo") or (now_vn() + timedelta(days=5)).replace(
                hour=17, minute=0, second=0, microsecond=0
            ).strftime(DATETIME_FMT)
            entry.ghi_chu = decision.get("ghiChu") or "Đề nghị bổ sung giấy tờ"
            entry.han_bo_sung = deadline
            self._set(entry, "2", "Yêu cầu bổ sung hồ sơ")
        elif status == "6":
            entry.ghi_chu = decision.get("ghiChu") or "Hồ sơ không đủ điều kiện"
            self._set(entry, "6", "Từ chối tiếp nhận hồ sơ")
        elif status == "4":
            self._issue(entry)
        else:
            self._set(entry, status, "Đang xử lý hồ sơ")

    def _issue(self, entry: Entry) -> None:
        label = CERTIFICATES[entry.module][0]
        entry.ket_qua = self._certificate(entry, now_vn())
        self._set(entry, "4", f"Đã ký {label.lower()}")

    def _certificate(self, entry: Entry, issued: datetime) -> dict[str, Any]:
        label, title, file_name = CERTIFICATES[entry.module]
        number = f"{self._next_so}/{issued.year}"
        self._next_so += 1
        content = certificate_pdf(title, number, entry.record["maHoSoMCDT"])
        return {
            "loaiGiayTo": label,
            "soGiayTo": number,
            "quyenSo": f"01/{issued.year}",
            "ngayCap": issued.strftime("%Y%m%d"),
            "coQuanCap": f"Ủy ban nhân dân ({entry.record['maDonVi']})",
            "tenTep": file_name,
            "loaiTep": "application/pdf",
            "noiDungTep": base64.b64encode(content).decode("ascii"),
        }

    def decide(self, decision: dict[str, Any]) -> dict[str, Any] | None:
        entry = self.entries.get(decision["maHoSoMCDT"])
        if entry is None:
            return None
        if decision.get("now"):
            self._apply(entry, decision)
        else:
            entry.decision = decision
        return self._value(decision["maHoSoMCDT"], entry)

    def _value(self, ma: str, entry: Entry) -> dict[str, Any]:
        return {
            "maHoSoMCDT": ma,
            "maHoSoLT": entry.ma_ho_so_lt,
            "trangThai": entry.trang_thai,
            "ketQuaXuLy": entry.ket_qua if entry.trang_thai == "4" else None,
            "nguoiXuLy": entry.nguoi_xu_ly,
            "noiDungXuLy": entry.noi_dung,
            "ghiChu": entry.ghi_chu,
            "hanBoSungHoSo": entry.han_bo_sung,
            "ngayCapNhat": entry.updated_at.strftime(DATETIME_FMT),
        }

    # --- seeding ------------------------------------------------------------

    def put_record(self, record: SeedRecord) -> None:
        """A birth-registration dossier frozen at the given status (LayKetQua does not
        advance it); the last step gives nguoiXuLy and noiDungXuLy."""
        code = STATUS_CODES.get(record.trang_thai)
        if code is None:
            raise UnsupportedRecord(
                f"hộ tịch has no trangThai for status {int(record.trang_thai)} "
                f"({record.trang_thai.label_en})"
            )
        updated = vn_wall_time(record.updated_at).replace(microsecond=0)
        body = {"maDonVi": SEED_AGENCY, "module": "LTKS", "maHoSoLT": "",
                "maHoSoMCDT": record.ma_ho_so, "fileDinhKem": [], "data": {}}  # fmt: skip
        entry = Entry(
            module="LTKS",
            record=body,
            ma_ho_so_lt=f"LTKS-{self._next_lt:08d}",
            updated_at=updated,
            trang_thai=code,
            frozen=True,
        )
        self._next_lt += 1
        for step in record.history:
            at = vn_wall_time(step.ket_thuc or step.bat_dau).strftime(DATETIME_FMT)
            entry.history.append(
                {"trangThai": STATUS_CODES.get(step.trang_thai, code), "thoiGian": at,
                 "noiDungXuLy": step.noi_dung or step.buoc}
            )  # fmt: skip
        last = record.history[-1] if record.history else None
        entry.nguoi_xu_ly = (last.nguoi_xu_ly if last else None) or OFFICIAL
        entry.noi_dung = (last.noi_dung or last.buoc) if last else "Đang xử lý hồ sơ"
        if code == "4":
            entry.ket_qua = self._certificate(entry, updated)
        elif code in ("2", "6"):
            entry.ghi_chu = entry.noi_dung
            if code == "2":
                entry.han_bo_sung = (updated + timedelta(days=5)).strftime(DATETIME_FMT)
        self.entries[record.ma_ho_so] = entry

    def seed(self, count: int, seed: int) -> list[str]:
        """Dossiers another desk of the province submitted, one module after another."""
        rng = random.Random(seed)
        codes = []
        for n in range(count):
            day = SEED_FROM + timedelta(days=rng.randrange(21))
            ma = self.next_ma_ho_so(SEED_AGENCY, day)
            module = ("LTKS", "LTKT", "LTKH")[n % 3]
            received = datetime.combine(day, datetime.min.time()) + timedelta(
                hours=8, minutes=rng.randrange(8 * 60)
            )
            body = {
                "maDonVi": SEED_AGENCY,
                "module": module,
                "maHoSoLT": "",
                "maHoSoMCDT": ma,
                "ngayTiepNhan": received.strftime(DATETIME_FMT),
                "fileDinhKem": [],
            }
            ho_tich, _owner = sample_ho_tich_extra(rng, module, day)
            self._upsert(body, _wire_data(ho_tich))
            codes.append(ma)
        return codes


#: canonical Person field -> wire suffix, and module part -> prefix (the contract's names).
_SUFFIX = {
    "ho_ten": "HoTen", "gioi_tinh": "GioiTinh", "ngay_sinh": "NgaySinh", "so_giay_to": "SoGiayTo",
    "dan_toc": "DanToc", "quoc_tich": "QuocTich", "noi_cu_tru": "NoiCuTru", "noi_sinh": "NoiSinh",
    "que_quan": "QueQuan", "quan_he": "QuanHe", "ngay_chet": "NgayChet", "gio_chet": "GioPhutChet",
    "noi_chet": "NoiChet", "nguyen_nhan": "NguyenNhanChet",
}  # fmt: skip
_PREFIX = {
    "nguoi_duoc_khai_sinh": "nks", "me": "me", "cha": "cha", "nguoi_yeu_cau": "nyc",
    "nguoi_chet": "nkt", "chong": "chong", "vo": "vo",
}  # fmt: skip
_ALLOWED = {
    "nks": ("ho_ten", "gioi_tinh", "ngay_sinh", "noi_sinh", "dan_toc", "quoc_tich", "que_quan"),
    "nyc": ("ho_ten", "so_giay_to", "quan_he"),
}


def _wire_data(ho_tich: dict[str, Any]) -> dict[str, str]:
    """The seeded dossier's ``data``, written the way a one-stop system sends it."""
    data: dict[str, str] = {}
    for part, prefix in _PREFIX.items():
        person = ho_tich.get(part)
        if not person:
            continue
        allowed = _ALLOWED.get(prefix)
        for name, value in person.items():
            if allowed is not None and name not in allowed:
                continue
            if prefix in ("me", "cha", "chong", "vo") and name in ("gioi_tinh", "quan_he"):
                continue
            text = str(value)
            if name in ("ngay_sinh", "ngay_chet"):
                text = text.replace("-", "")
            data[prefix + _SUFFIX[name]] = text
    if ho_tich.get("giay_bao_tu"):
        gbt = ho_tich["giay_bao_tu"]
        data["gbtSo"] = gbt["so"]
        data["gbtNgayCap"] = gbt["ngay_cap"].replace("-", "")
        data["gbtCoQuanCap"] = gbt["co_quan_cap"]
    officer = ho_tich.get("can_bo_tiep_nhan") or {}
    for name, wire in _OFFICER.items():
        if officer.get(name) not in (None, ""):
            data[wire] = (
                str(officer[name]).replace("-", "")
                if name == "ngay_dang_ky"
                else str(officer[name])
            )
    return data


#: The receiving officer's part of a seeded dossier's form, as the one-stop system sends it.
_OFFICER = {
    "noi_dang_ky": "cbNoiDangKy",
    "loai_dang_ky": "cbLoaiDangKy",
    "nguoi_thuc_hien": "cbNguoiThucHien",
    "nguoi_ky": "cbNguoiKy",
    "chuc_vu_nguoi_ky": "cbChucVuNguoiKy",
    "ngay_dang_ky": "cbNgayDangKy",
}
