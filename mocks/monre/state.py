"""The MONRE mock's in-memory ministry: dossiers, their process steps, results and the
citizens' data store ("kho", by số định danh).

Dossiers come from two sides: received at the province (``TiepNhanHoSo``, an upsert
by MaHoSo) and filed on the ministry portal (``POST /_mock/seed``), the latter with a
ministry id (HoSoId) and an acknowledged flag. For the reconciliation listing every
dossier sits in a bucket per day of its last update, in update order (no sorting).
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from hub.testing.mock import MockConfig, MockState, SeedRecord, vn_wall_time
from hub.testing.samples import sample_attachment, sample_party

from .soap import SoapFault

__all__ = ["AGENCY_CODE", "MonreState", "now_vn"]

VN_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
#: The agency code of the mock ministry's own one-stop desk (QCVN 102:2016 form; designed).
AGENCY_CODE = "000.00.00.G16"
#: Seeded dossiers are filed on working days from this day on (anchored, not "today").
SEED_FROM = date(2025, 11, 3)

#: Environment and land procedures of the catalog (hub/data/catalog/tai_nguyen_moi_truong.json).
PROCEDURES = {
    "1.011516": (
        "Đăng ký khai thác sử dụng nước mặt, nước biển",
        ("Tờ khai đăng ký khai thác sử dụng nước mặt", "Sơ đồ vị trí công trình khai thác"),
    ),
    "1.004199": (
        "Cấp đổi Giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản khác gắn "
        "liền với đất",
        ("Đơn đề nghị cấp đổi Giấy chứng nhận (Mẫu số 10/ĐK)", "Bản gốc Giấy chứng nhận đã cấp"),
    ),
    "1.004227": (
        "Đăng ký biến động về sử dụng đất, tài sản gắn liền với đất do thay đổi thông tin",
        ("Đơn đăng ký biến động đất đai (Mẫu số 09/ĐK)", "Bản gốc Giấy chứng nhận đã cấp"),
    ),
}
#: Operations that change the dossier: the KhoaYeuCau header applies to these.
WRITES = frozenset({"TiepNhanHoSo", "CapNhatTienDo", "TraKetQua", "LuuVaoKho", "XacNhanDaNhan"})


def now_vn() -> datetime:
    return datetime.now(VN_TZ).replace(microsecond=0)


def _not_found(ma_ho_so: str) -> SoapFault:
    return SoapFault("NOT_FOUND", f"Không tìm thấy hồ sơ {ma_ho_so}", field="MaHoSo")


@dataclass
class Entry:
    """One dossier at the ministry."""

    ho_so: dict[str, Any]  #: HoSo (province) or HoSoMoi (ministry-filed), XSD order
    origin: str  #: "province" or "ministry"
    updated_at: datetime
    trang_thai: int = 1
    history: list[dict[str, Any]] = field(default_factory=list)
    ket_qua: dict[str, Any] | None = None
    ngay_tra: str | None = None
    kho: list[str] = field(default_factory=list)  #: MaGiayToKho saved for this dossier
    ho_so_id: str | None = None
    acknowledged: bool = False


class MonreState(MockState):
    def __init__(self, config: MockConfig) -> None:
        #: SOAP-level faults (``soap_*`` and ``busy`` kinds), see :mod:`mocks.monre.app`.
        self.soap_faults: list[dict[str, Any]] = []
        super().__init__(config)
        self.clear_records()
        if config.seed_count:
            self.seed(config.seed_count, config.seed)

    def reset(self) -> None:
        super().reset()
        self.soap_faults = []

    # --- bookkeeping --------------------------------------------------------

    def clear_records(self) -> None:
        self.entries: dict[str, Entry] = {}
        self._by_day: dict[date, dict[str, None]] = {}
        self._unacked: dict[int, str] = {}
        self._next_id = 1
        #: The citizens' data store: MaGiayToKho -> document, and số định danh -> its codes.
        self.kho: dict[str, dict[str, Any]] = {}
        self.kho_by_owner: dict[str, list[str]] = {}

    def record_count(self) -> int:
        return len(self.entries)

    def record_view(self, ma_ho_so: str) -> dict[str, Any] | None:
        entry = self.entries.get(ma_ho_so)
        if entry is None:
            return None
        return {
            "record": entry.ho_so,
            "trang_thai": entry.trang_thai,
            "history": entry.history,
            "ket_qua": entry.ket_qua,
            "ngay_tra": entry.ngay_tra,
            "kho": [self.kho[code] for code in entry.kho],
            "origin": entry.origin,
            "ho_so_id": entry.ho_so_id,
            "acknowledged": entry.acknowledged,
            "updated_at": entry.updated_at.isoformat(),
        }

    def citizen_store(self, so_dinh_danh: str) -> list[dict[str, Any]]:
        return [self.kho[code] for code in self.kho_by_owner.get(so_dinh_danh, [])]

    def _touch(self, ma_ho_so: str, entry: Entry) -> None:
        bucket = self._by_day.get(entry.updated_at.date())
        if bucket is not None:
            bucket.pop(ma_ho_so, None)
        entry.updated_at = now_vn()
        self._by_day.setdefault(entry.updated_at.date(), {})[ma_ho_so] = None

    def _add(self, ma_ho_so: str, entry: Entry) -> None:
        self.entries[ma_ho_so] = entry
        self._by_day.setdefault(entry.updated_at.date(), {})[ma_ho_so] = None

    def _entry(self, ma_ho_so: str) -> Entry:
        entry = self.entries.get(ma_ho_so)
        if entry is None:
            raise _not_found(ma_ho_so)
        return entry

    # --- operations: each takes the request as plain data, returns the answer's fields -----

    def kiem_tra_ket_noi(self, body: dict[str, Any], key: str | None) -> dict[str, Any]:
        return {"ThoiGianMayChu": now_vn(), "PhienBan": "mock-1.0"}

    def tiep_nhan_ho_so(self, body: dict[str, Any], key: str | None) -> dict[str, Any]:
        ho_so = body["HoSo"]
        ma = ho_so["MaHoSo"]
        entry = self.entries.get(ma)
        status = int(ho_so["TrangThai"])
        if entry is None:
            entry = Entry(ho_so=ho_so, origin="province", updated_at=now_vn(), trang_thai=status)
            self._add(ma, entry)
            message = "Tiếp nhận hồ sơ thành công"
        else:
            # A ministry-filed dossier keeps its HoSoId; the province's record replaces the rest.
            entry.ho_so = ho_so
            entry.trang_thai = status
            self._touch(ma, entry)
            message = "Cập nhật hồ sơ thành công"
        self.journal.record_write("TiepNhanHoSo", ma, key, str(status))
        return {"MaHoSo": ma, "ThongBao": message}

    def cap_nhat_tien_do(self, body: dict[str, Any], key: str | None) -> dict[str, Any]:
        ma = body["MaHoSo"]
        entry = self._entry(ma)
        step = body["BuocXuLy"]
        entry.history.append(step)
        entry.trang_thai = int(step["TrangThai"])
        self._touch(ma, entry)
        self.journal.record_write("CapNhatTienDo", ma, key, step["TrangThai"])
        return {"MaHoSo": ma, "ThongBao": "Cập nhật tiến độ thành công"}

    def tra_ket_qua(self, body: dict[str, Any], key: str | None) -> dict[str, Any]:
        ma = body["MaHoSo"]
        entry = self._entry(ma)
        status = int(body["TrangThai"])
        if status not in (9, 10):
            raise SoapFault("INVALID", "TrangThai của kết quả phải là 9 hoặc 10", field="TrangThai")
        if status == 10 and not body.get("NgayTra"):
            raise SoapFault("INVALID", "Trả kết quả cần NgayTra", field="NgayTra")
        entry.ket_qua = body["KetQua"]
        entry.trang_thai = status
        entry.ngay_tra = body.get("NgayTra") or entry.ngay_tra
        self._touch(ma, entry)
        self.journal.record_write("TraKetQua", ma, key, str(status))
        return {"MaHoSo": ma, "ThongBao": "Nhận kết quả thành công"}

    def luu_vao_kho(self, body: dict[str, Any], key: str | None) -> dict[str, Any]:
        ma = body["MaHoSo"]
        entry = self._entry(ma)
        document = body["GiayTo"]
        code = f"KHO-{len(self.kho) + 1:08d}"
        owner = document["ChuSoHuu"]["SoDinhDanh"]
        components = body.get("ThanhPhanHoSo") or []
        self.kho[code] = {
            "MaGiayToKho": code,
            "MaHoSo": ma,
            **document,
            "ThanhPhanHoSo": components if isinstance(components, list) else [components],
        }
        self.kho_by_owner.setdefault(owner, []).append(code)
        entry.kho.append(code)
        self._touch(ma, entry)
        self.journal.record_write("LuuVaoKho", ma, key, str(entry.trang_thai))
        return {"MaGiayToKho": code, "ThongBao": "Đã lưu giấy tờ vào kho dữ liệu của công dân"}

    def lay_danh_sach_ho_so_moi(self, body: dict[str, Any], key: str | None) -> dict[str, Any]:
        cursor = body.get("ConTro") or "0"
        after = int(cursor) if cursor.isdigit() else 0
        size = int(body["SoLuong"])
        page: list[dict[str, Any]] = []
        more = False
        for ho_so_id, ma in self._unacked.items():
            if ho_so_id <= after:
                continue
            if len(page) == size:
                more = True
                break
            page.append(self.entries[ma].ho_so)
        next_cursor = page[-1]["HoSoId"] if page else str(after)
        return {"HoSo": page, "ConTroTiepTheo": next_cursor, "ConNua": more}

    def xac_nhan_da_nhan(self, body: dict[str, Any], key: str | None) -> dict[str, Any]:
        count = 0
        for ho_so_id in body["HoSoId"]:
            ma = self._unacked.pop(int(ho_so_id), None) if ho_so_id.isdigit() else None
            if ma is not None:
                self.entries[ma].acknowledged = True
                count += 1
        return {"SoLuongXacNhan": count, "ThongBao": "Xác nhận thành công"}

    def tra_cuu_ho_so(self, body: dict[str, Any], key: str | None) -> dict[str, Any]:
        ma = body["MaHoSo"]
        entry = self._entry(ma)
        return {
            "MaHoSo": ma,
            "HoSoId": entry.ho_so_id,
            "MaTTHC": entry.ho_so["MaTTHC"],
            "TrangThai": entry.trang_thai,
            "NgayCapNhat": entry.updated_at,
            "NgayHenTra": entry.ho_so.get("NgayHenTra"),
            "BuocXuLy": entry.history,
            "KetQua": entry.ket_qua,
        }

    def danh_sach_ho_so(self, body: dict[str, Any], key: str | None) -> dict[str, Any]:
        start = date.fromisoformat(body["TuNgay"][:10])
        end = date.fromisoformat(body["DenNgay"][:10])
        size = int(body["SoLuong"])
        skip = (int(body["Trang"]) - 1) * size
        buckets = [self._by_day[d] for d in sorted(d for d in self._by_day if start <= d <= end)]
        total = sum(len(b) for b in buckets)
        rows: list[dict[str, Any]] = []
        for bucket in buckets:
            if skip >= len(bucket):
                skip -= len(bucket)
                continue
            for ma in itertools.islice(bucket, skip, skip + size - len(rows)):
                rows.append(self._row(ma))
            skip = 0
            if len(rows) == size:
                break
        return {"TongSo": total, "Dong": rows}

    def _row(self, ma: str) -> dict[str, Any]:
        entry = self.entries[ma]
        ket_qua = entry.ket_qua or {}
        files = ket_qua.get("TepKetQua") or []
        return {
            "MaHoSo": ma,
            "MaTTHC": entry.ho_so["MaTTHC"],
            "TrangThai": entry.trang_thai,
            "NgayCapNhat": entry.updated_at,
            "SoKetQua": ket_qua.get("So"),
            "Sha256KetQua": files[-1]["Sha256"] if files else None,
        }

    # --- seeding ------------------------------------------------------------

    def put_record(self, record: SeedRecord) -> None:
        """A province-received dossier with the given TrangThai, BuocXuLy and NgayCapNhat."""
        ma = record.ma_ho_so
        old = self.entries.pop(ma, None)
        if old is not None:
            self._by_day.get(old.updated_at.date(), {}).pop(ma, None)
        history = []
        for step in record.history:
            start = _vn(step.bat_dau)
            item: dict[str, Any] = {
                "Buoc": step.buoc,
                "TrangThai": int(step.trang_thai),
                "PhongBan": step.phong_ban or "Bộ phận một cửa",
                "NguoiXuLy": step.nguoi_xu_ly,
                "BatDau": start,
                "HanXuLy": start + timedelta(days=3),
                "KetThuc": _vn(step.ket_thuc) if step.ket_thuc else None,
                "NoiDung": step.noi_dung or step.buoc,
            }
            history.append({k: v for k, v in item.items() if v is not None})
        ho_so = {"MaHoSo": ma, "MaTTHC": record.ma_tthc or sorted(PROCEDURES)[0]}
        entry = Entry(
            ho_so=ho_so,
            origin="province",
            updated_at=_vn(record.updated_at).replace(microsecond=0),
            trang_thai=int(record.trang_thai),
            history=history,
        )
        self._add(ma, entry)

    def seed(self, count: int, seed: int) -> list[str]:
        rng = random.Random(seed)
        return [self._seed_one(rng) for _ in range(count)]

    def _seed_one(self, rng: random.Random) -> str:
        filed = SEED_FROM + timedelta(days=rng.randrange(21))
        while filed.weekday() >= 5:
            filed += timedelta(days=1)
        ma = self.next_ma_ho_so(AGENCY_CODE, filed)
        ma_tthc = rng.choice(sorted(PROCEDURES))
        ten_tthc, components = PROCEDURES[ma_tthc]
        # The portal lets some citizens file without a phone: the province must ask for it.
        owner = sample_party(rng, group="adult", with_phone=rng.random() < 0.75)
        address = owner.dia_chi
        filed_at = datetime.combine(filed, time(7), VN_TZ) + timedelta(
            minutes=rng.randrange(9 * 60)
        )
        ho_so_id = str(self._next_id)
        self._next_id += 1
        ho_so: dict[str, Any] = {
            "HoSoId": ho_so_id,
            "MaHoSo": ma,
            "MaTTHC": ma_tthc,
            "TenTTHC": ten_tthc,
            "ChuHoSo": {
                "HoTen": owner.ho_ten,
                "LoaiDinhDanh": 1,
                "SoDinhDanh": owner.so_giay_to,
                "NgaySinh": owner.ngay_sinh,
                "GioiTinh": owner.gioi_tinh,
                "SoDienThoai": owner.so_dien_thoai,
                "DiaChi": {
                    "MaTinh": address.ma_tinh,
                    "MaHuyen": address.ma_huyen,
                    "MaXa": address.ma_xa,
                    "ChiTiet": address.chi_tiet,
                }
                if address
                else None,
            },
            "TrichYeu": f"{ten_tthc} - {owner.ho_ten}",
            "NgayNop": filed_at,
            "HinhThucTra": rng.choice((0, 1, 2)),
            "TepDinhKem": [_tep(ma, name, i) for i, name in enumerate(components, 1)],
        }
        entry = Entry(ho_so=ho_so, origin="ministry", updated_at=now_vn(), ho_so_id=ho_so_id)
        self._add(ma, entry)
        self._unacked[int(ho_so_id)] = ma
        return ma


def _vn(value: datetime) -> datetime:
    return vn_wall_time(value).replace(tzinfo=VN_TZ)


def _tep(ma: str, name: str, index: int) -> dict[str, Any]:
    a = sample_attachment(ma, name, index)
    return {
        "TenThanhPhan": a.ten_thanh_phan,
        "MaThanhPhan": a.ma_thanh_phan,
        "TenTep": a.ten_tep,
        "DuongDan": a.file_ref,
        "Sha256": a.sha256,
        "LoaiTep": a.mime,
        "KichThuoc": a.size,
    }
