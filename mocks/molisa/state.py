"""The MOLISA mock's in-memory ministry: dossiers, their history and results.

Dossiers come from two sides: synced from the province (``DongBoDVC``, upsert by
MaHoSo) and filed at the ministry (``POST /_mock/seed``), the latter with a
ministry id (``HoSoId``) and an acknowledged flag. For the reconciliation
listing every dossier sits in a bucket per day of its last update, in update
order, so a page is found without sorting: tens of thousands of records cost
nothing per request beyond the page itself.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import hashlib
import itertools
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hub.testing.mock import MockConfig, MockState, SeedRecord, vn_wall_time
from hub.testing.samples import COMMUNES, PROVINCE_CODE, sample_attachment, sample_party

__all__ = ["AGENCY_CODE", "MolisaState", "busy_answer"]

#: The agency code of the mock ministry's own one-stop desk (QCVN 102:2016 form).
AGENCY_CODE = "000.00.00.G12"
VN_OFFSET = timedelta(hours=7)
DATE_FMT = "%d/%m/%Y"
DATETIME_FMT = "%d/%m/%Y %H:%M:%S"
#: Seeded dossiers are filed on working days from this day on (anchored, not "today").
SEED_FROM = date(2025, 11, 3)

PROCEDURES = {
    "1.001776": (
        "Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hàng tháng, hỗ trợ kinh phí chăm "
        "sóc, nuôi dưỡng hàng tháng",
        ("Tờ khai đề nghị trợ giúp xã hội (Mẫu số 1a)", "Bản sao Giấy khai sinh"),
    ),
    "1.001731": (
        "Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội",
        ("Tờ khai đề nghị hỗ trợ chi phí mai táng (Mẫu số 04)", "Bản sao Giấy chứng tử"),
    ),
}

OK = "0"


def ok(message: str, **extra: Any) -> dict[str, Any]:
    return {"error_code": OK, "message": message, **extra}


def not_found(ma_ho_so: str) -> dict[str, Any]:
    return {"error_code": "3", "message": f"Không tìm thấy hồ sơ {ma_ho_so}"}


def busy_answer() -> dict[str, Any]:
    return {"error_code": "99", "message": "Hệ thống đang bận, vui lòng thử lại sau"}


def now_vn() -> datetime:
    """Vietnam wall-clock time, naive (the wire format has no offset)."""
    return datetime.now(UTC).replace(tzinfo=None) + VN_OFFSET


@dataclass
class Entry:
    """One dossier at the ministry."""

    record: dict[str, Any]
    origin: str  #: "province" (synced) or "ministry" (filed at the ministry)
    updated_at: datetime
    history: list[dict[str, Any]] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)
    ho_so_id: str | None = None
    acknowledged: bool = False


class MolisaState(MockState):
    def __init__(self, config: MockConfig) -> None:
        super().__init__(config, busy_body=busy_answer())
        self.clear_records()
        if config.seed_count:
            self.seed(config.seed_count, config.seed)

    # --- bookkeeping --------------------------------------------------------

    def clear_records(self) -> None:
        self.entries: dict[str, Entry] = {}
        self._by_day: dict[date, dict[str, None]] = {}
        self._unacked: dict[int, str] = {}  # HoSoId -> MaHoSo, ids increasing
        self._next_id = 1
        self._next_result = 1
        self.bulk: BulkSet | None = None

    def record_count(self) -> int:
        return len(self.entries) + (self.bulk.count() if self.bulk else 0)

    def record_view(self, ma_ho_so: str) -> dict[str, Any] | None:
        entry = self._entry(ma_ho_so)
        if entry is None:
            return None
        return {
            "record": entry.record,
            "history": entry.history,
            "results": entry.results,
            "origin": entry.origin,
            "ho_so_id": entry.ho_so_id,
            "acknowledged": entry.acknowledged,
            "updated_at": entry.updated_at.strftime(DATETIME_FMT),
        }

    def _touch(self, ma_ho_so: str, entry: Entry) -> None:
        old_day = entry.updated_at.date()
        bucket = self._by_day.get(old_day)
        if bucket is not None:
            bucket.pop(ma_ho_so, None)
        entry.updated_at = now_vn()
        self._by_day.setdefault(entry.updated_at.date(), {})[ma_ho_so] = None

    def _add(self, ma_ho_so: str, entry: Entry) -> None:
        self.entries[ma_ho_so] = entry
        self._by_day.setdefault(entry.updated_at.date(), {})[ma_ho_so] = None

    # --- operations ---------------------------------------------------------

    def dong_bo_dvc(self, body: dict[str, Any], key: str | None) -> dict[str, Any]:
        ma = body["MaHoSo"]
        fields = {k: v for k, v in body.items() if k != "AcceptKey"}
        entry = self._entry(ma)
        if entry is None:
            self._add(ma, Entry(record=fields, origin="province", updated_at=now_vn()))
            message = "Đồng bộ hồ sơ thành công (thêm mới)"
        else:
            entry.record.update(fields)
            self._touch(ma, entry)
            message = "Đồng bộ hồ sơ thành công (cập nhật)"
        self.journal.record_write("DongBoDVC", ma, key, fields.get("StatusId"))
        return ok(message)

    def xu_ly_ho_so(self, body: dict[str, Any], key: str | None) -> dict[str, Any]:
        ma = body["MaHoSo"]
        entry = self._entry(ma)
        if entry is None:
            return not_found(ma)
        item = {k: v for k, v in body.items() if k != "AcceptKey"}
        entry.history.append(item)
        entry.record["StatusId"] = item["StatusId"]
        self._touch(ma, entry)
        self.journal.record_write("XuLyHoSo", ma, key, item["StatusId"])
        return ok("Cập nhật quá trình xử lý thành công")

    def gui_ket_qua(self, body: dict[str, Any], key: str | None) -> dict[str, Any]:
        ma = body["MaHoSo"]
        entry = self._entry(ma)
        if entry is None:
            return not_found(ma)
        if "NoiDungTep" in body and not _content_matches(body):
            return {
                "error_code": "2",
                "message": "Dữ liệu không hợp lệ: NoiDungTep không khớp Sha256",
                "field": "NoiDungTep",
            }
        result_id = f"KQ-{self._next_result:08d}"
        self._next_result += 1
        item = {k: v for k, v in body.items() if k not in ("AcceptKey", "NoiDungTep")}
        item["KetQuaId"] = result_id
        item["CoNoiDungTep"] = "NoiDungTep" in body
        entry.results.append(item)
        if body.get("SoQuyetDinh"):
            entry.record["SoQuyetDinh"] = body["SoQuyetDinh"]
        self._touch(ma, entry)
        self.journal.record_write("GuiKetQua", ma, key, entry.record.get("StatusId"))
        return ok("Nhận kết quả thành công", KetQuaId=result_id)

    def lay_danh_sach_ho_so_moi(self, body: dict[str, Any]) -> dict[str, Any]:
        after = int(body.get("ConTro") or 0)
        size = body["SoLuong"]
        page: list[dict[str, Any]] = []
        more = False
        for ho_so_id, ma in self._unacked.items():
            if ho_so_id <= after:
                continue
            if len(page) == size:
                more = True
                break
            page.append(self.entries[ma].record)
        cursor = page[-1]["HoSoId"] if page else str(after or "")
        return ok("Thành công", DanhSach=page, ConTroTiepTheo=cursor, ConNua=more)

    def xac_nhan_da_nhan(self, body: dict[str, Any]) -> dict[str, Any]:
        missing = []
        count = 0
        for ho_so_id in body["DanhSachHoSoId"]:
            ma = self._unacked.pop(int(ho_so_id), None) if ho_so_id.isdigit() else None
            if ma is not None:
                self.entries[ma].acknowledged = True
                count += 1
            elif not (ho_so_id.isdigit() and 0 < int(ho_so_id) < self._next_id):
                # An id acknowledged before is not missing: acknowledging twice is harmless.
                missing.append(ho_so_id)
        return ok("Xác nhận thành công", SoLuongXacNhan=count, KhongTimThay=missing)

    def tra_cuu_ho_so(self, body: dict[str, Any]) -> dict[str, Any]:
        ma = body["MaHoSo"]
        entry = self._entry(ma)
        if entry is None:
            return not_found(ma)
        record = {**entry.record, "NgayCapNhat": entry.updated_at.strftime(DATETIME_FMT)}
        return ok("Thành công", HoSo=record, QuaTrinhXuLy=entry.history, KetQua=entry.results)

    def danh_sach_ho_so(self, body: dict[str, Any]) -> dict[str, Any]:
        start = datetime.strptime(body["TuNgay"], DATE_FMT).date()
        end = datetime.strptime(body["DenNgay"], DATE_FMT).date()
        page_no = body.get("Trang", 1)
        size = body.get("SoLuong", 100)
        bulk = self.bulk if self.bulk and start <= self.bulk.day <= end else None
        buckets = [self._by_day[d] for d in sorted(d for d in self._by_day if start <= d <= end)]
        total = sum(len(b) for b in buckets) + (bulk.count() if bulk else 0)
        skip = (page_no - 1) * size
        rows: list[dict[str, Any]] = []
        if bulk is not None:
            # The bulk set lists first, found by index arithmetic: O(page), not O(offset).
            rows.extend(bulk.rows(skip, size))
            skip = max(0, skip - bulk.count())
        for bucket in buckets:
            if len(rows) == size:
                break
            if skip >= len(bucket):
                skip -= len(bucket)
                continue
            for ma in itertools.islice(bucket, skip, skip + size - len(rows)):
                rows.append(self._row(ma))
            skip = 0
        return ok("Thành công", TongSo=total, Trang=page_no, SoLuong=size, DanhSach=rows)

    def _row(self, ma: str) -> dict[str, Any]:
        entry = self.entries[ma]
        return {
            "MaHoSo": ma,
            "MaTTHC": entry.record.get("MaTTHC", ""),
            "StatusId": entry.record.get("StatusId", "1"),
            "NgayCapNhat": entry.updated_at.strftime(DATETIME_FMT),
            "SoQuyetDinh": entry.record.get("SoQuyetDinh", ""),
            "Sha256KetQua": entry.results[-1]["Sha256"] if entry.results else "",
        }

    def _entry(self, ma_ho_so: str) -> Entry | None:
        """The dossier, materialising a bulk record on first touch (a write, a lookup)."""
        entry = self.entries.get(ma_ho_so)
        if entry is None and self.bulk is not None:
            row = self.bulk.take(ma_ho_so)
            if row is not None:
                entry = Entry(record=row.record(), origin="province", updated_at=row.updated_at)
                if row.sha256:
                    entry.results.append({"KetQuaId": "KQ-BULK", "Sha256": row.sha256})
                self._add(ma_ho_so, entry)
        return entry

    # --- large volumes and planted differences (reconciliation tests, bench) -----

    def seed_bulk(
        self, count: int, *, prefix: str, updated_at: datetime, procedures: list[str]
    ) -> int:
        """``count`` province-synced records ``prefix + 7 digits``, generated on demand
        from their index (:func:`bulk_row`), so a million costs no memory."""
        self.bulk = BulkSet(count, prefix, updated_at, tuple(procedures))
        return count

    def plant(
        self,
        *,
        remove: list[str],
        alter: list[dict[str, Any]],
        add: list[dict[str, Any]],
        seed_acknowledged: int,
        seed: int,
    ) -> dict[str, Any]:
        """Make the ministry differ from what the province sent: drop records, change
        their status, result or update time, add listing-only records, or file full
        dossiers that count as already acknowledged (so a pull will not bring them)."""
        removed = 0
        for ma in remove:
            entry = self.entries.pop(ma, None)
            if entry is not None:
                self._by_day.get(entry.updated_at.date(), {}).pop(ma, None)
                removed += 1
            elif self.bulk is not None and self.bulk.take(ma) is not None:
                removed += 1
        altered = 0
        for change in alter:
            entry = self._entry(change["MaHoSo"])
            if entry is None:
                continue
            altered += 1
            for key in ("StatusId", "SoQuyetDinh"):
                if key in change:
                    entry.record[key] = change[key]
            if "Sha256KetQua" in change:
                entry.results.append({"KetQuaId": "KQ-PLANTED", "Sha256": change["Sha256KetQua"]})
            if "NgayCapNhat" in change:
                self._by_day.get(entry.updated_at.date(), {}).pop(change["MaHoSo"], None)
                entry.updated_at = datetime.strptime(change["NgayCapNhat"], DATETIME_FMT)
                self._by_day.setdefault(entry.updated_at.date(), {})[change["MaHoSo"]] = None
        for row in add:
            record = {"MaTTHC": "", "StatusId": "1", **row}
            self._add(row["MaHoSo"], Entry(record=record, origin="ministry", updated_at=now_vn()))
        rng = random.Random(seed)
        filed = []
        for _ in range(seed_acknowledged):
            ma = self._seed_one(rng)
            entry = self.entries[ma]
            self._unacked.pop(int(entry.ho_so_id or 0), None)
            entry.acknowledged = True
            filed.append(ma)
        return {"removed": removed, "altered": altered, "added": len(add), "filed": filed}

    # --- seeding ------------------------------------------------------------

    def put_record(self, record: SeedRecord) -> None:
        """A province-synced dossier with the given status, QuaTrinhXuLy and NgayCapNhat."""
        ma = record.ma_ho_so
        old = self.entries.pop(ma, None)
        if old is not None:
            self._by_day.get(old.updated_at.date(), {}).pop(ma, None)
        history = [
            {
                "MaHoSo": ma,
                "NguoiXuLy": step.nguoi_xu_ly or "",
                "TaiKhoanXuLy": "",
                "ChucDanh": "",
                "DonViXuLy": step.phong_ban or "",
                "NoiDungXuLy": f"{step.buoc}: {step.noi_dung}" if step.noi_dung else step.buoc,
                "ThoiDiemXuLy": _wire_time(step.ket_thuc or step.bat_dau),
                "NgayBatDau": _wire_time(step.bat_dau),
                "NgayKetThucTheoQuyDinh": "",
                "StatusId": str(int(step.trang_thai)),
            }
            for step in record.history
        ]
        fields = {
            "MaHoSo": ma,
            "MaTTHC": record.ma_tthc or sorted(PROCEDURES)[0],
            "StatusId": str(int(record.trang_thai)),
        }
        updated = vn_wall_time(record.updated_at).replace(microsecond=0)
        self._add(ma, Entry(record=fields, origin="province", updated_at=updated, history=history))

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
        group = "adult" if ma_tthc == "1.001731" else rng.choice(("elderly", "child", "adult"))
        commune = rng.choice(COMMUNES)
        owner = sample_party(rng, group=group)
        address = owner.dia_chi
        assert address is not None  # sample_party always draws one
        filed_at = datetime.combine(filed, datetime.min.time()) + timedelta(
            hours=7, minutes=rng.randrange(9 * 60)
        )
        ho_so_id = str(self._next_id)
        self._next_id += 1
        record: dict[str, Any] = {
            "HoSoId": ho_so_id,
            "LoaiDuLieu": "100",
            "MaHoSo": ma,
            "MaLinhVuc": "BTXH",
            "TenLinhVuc": "Bảo trợ xã hội",
            "MaTTHC": ma_tthc,
            "TenTTHC": ten_tthc,
            "HoVaTen": owner.ho_ten,
            "NgayThangNamSinh": owner.ngay_sinh.strftime(DATE_FMT) if owner.ngay_sinh else "",
            "GioiTinhId": {1: "1034", 2: "1035"}.get(owner.gioi_tinh or 0, ""),
            "DanTocId": rng.choice(("1", "1", "1", "29", "30")),
            "CMND": owner.so_giay_to or "",
            "SoDienThoai": owner.so_dien_thoai or "",
            "Email": "",
            "MaTinh": PROVINCE_CODE,
            "MaHuyen": address.ma_huyen or "",
            "MaXa": address.ma_xa or "",
            "HKTT_MaTinh": PROVINCE_CODE,
            "HKTT_MaHuyen": commune.old_district,
            "HKTT_MaXa": commune.code,
            "HKTT_MaThon": "",
            "HKTT_ChiTiet": f"{rng.choice(commune.villages)}, {commune.name}, tỉnh Quảng Ngãi",
            "NOHT_MaTinh": address.ma_tinh or "",
            "NOHT_MaHuyen": address.ma_huyen or "",
            "NOHT_MaXa": address.ma_xa or "",
            "NOHT_MaThon": "",
            "NOHT_ChiTiet": address.chi_tiet or "",
            "KenhThucHien": "2",
            "HinhThucTra": rng.choice(("0", "1", "2")),
            "LoaiDoiTuong": "1",
            "NgayTiepNhan": "",
            "DonViXuLy": "",
            "NoiNopHoSo": "1",
            "TaiKhoanDuocXacThucVoiVNeID": "1",
            "LoaiDinhDanh": "1",
            "SoDinhDanh": owner.so_giay_to or "",
            "StatusId": "1",
            "SubmitedDate": filed_at.strftime(DATETIME_FMT),
            "NgayNop": filed_at.strftime(DATETIME_FMT),
            "HoSoCoThanhPhanSoHoa": "1",
            "DanhSachTepDinhKem": [
                _attachment(ma, name, i) for i, name in enumerate(components, 1)
            ],
        }
        entry = Entry(record=record, origin="ministry", updated_at=now_vn(), ho_so_id=ho_so_id)
        self._add(ma, entry)
        self._unacked[int(ho_so_id)] = ma
        return ma


@dataclass(frozen=True, slots=True)
class BulkRow:
    ma_ho_so: str
    ma_tthc: str
    status_id: str
    updated_at: datetime
    so: str
    sha256: str

    def record(self) -> dict[str, Any]:
        return {
            "MaHoSo": self.ma_ho_so,
            "MaTTHC": self.ma_tthc,
            "StatusId": self.status_id,
            "SoQuyetDinh": self.so,
        }

    def listing(self, updated: str | None = None) -> dict[str, Any]:
        """The DanhSachHoSo row; ``updated``: ``updated_at`` on the wire, when the caller
        formatted it once for a page (every bulk record shares it)."""
        return {
            "MaHoSo": self.ma_ho_so,
            "MaTTHC": self.ma_tthc,
            "StatusId": self.status_id,
            "NgayCapNhat": updated or self.updated_at.strftime(DATETIME_FMT),
            "SoQuyetDinh": self.so,
            "Sha256KetQua": self.sha256,
        }


#: Statuses of bulk records, by index: a mix in which a third carry a result.
BULK_STATUSES = ("2", "4", "9", "10", "4", "2")


def _bulk_fields(
    index: int, prefix: str, procedures: tuple[str, ...]
) -> tuple[str, str, str, str, str]:
    """(MaHoSo, MaTTHC, StatusId, SoQuyetDinh, Sha256KetQua) of the bulk record at ``index``:
    the one place they are derived (:func:`bulk_row`, :meth:`BulkSet.rows`)."""
    status = BULK_STATUSES[index % len(BULK_STATUSES)]
    if status in ("9", "10"):
        so, sha = f"{index}/QĐ-UBND", f"{index:064x}"
    else:
        so = sha = ""
    return f"{prefix}{index:07d}", procedures[index % len(procedures)], status, so, sha


def bulk_row(index: int, prefix: str, updated_at: datetime, procedures: tuple[str, ...]) -> BulkRow:
    """The bulk record at ``index``: a pure function, so a test or a benchmark can build
    the matching province mirror without asking the mock."""
    ma, ma_tthc, status, so, sha = _bulk_fields(index, prefix, procedures)
    return BulkRow(ma, ma_tthc, status, updated_at, so, sha)


class BulkSet:
    """``count`` records listed in index order, minus the few taken out (removed, or
    materialised into a real entry by a write): holes kept sorted for index arithmetic."""

    def __init__(
        self, count: int, prefix: str, updated_at: datetime, procedures: tuple[str, ...]
    ) -> None:
        self.total = count
        self.prefix = prefix
        self.updated_at = updated_at
        self.day = updated_at.date()
        self.procedures = procedures
        self._holes: list[int] = []

    def count(self) -> int:
        return self.total - len(self._holes)

    def _index(self, ma_ho_so: str) -> int | None:
        digits = ma_ho_so[len(self.prefix) :]
        if not ma_ho_so.startswith(self.prefix) or len(digits) != 7 or not digits.isdigit():
            return None
        index = int(digits)
        if index >= self.total:
            return None
        pos = bisect.bisect_left(self._holes, index)
        if pos < len(self._holes) and self._holes[pos] == index:
            return None
        return index

    def take(self, ma_ho_so: str) -> BulkRow | None:
        """Remove one record from the bulk set and return it (None when not in it)."""
        index = self._index(ma_ho_so)
        if index is None:
            return None
        bisect.insort(self._holes, index)
        return bulk_row(index, self.prefix, self.updated_at, self.procedures)

    def rows(self, offset: int, size: int) -> list[dict[str, Any]]:
        """Listing rows ``offset .. offset+size`` of the records still in the set."""
        if offset >= self.count():
            return []
        # The index of the offset-th present record: skip the holes at or before it.
        index = offset
        for hole in self._holes:
            if hole <= index:
                index += 1
            else:
                break
        pos = bisect.bisect_left(self._holes, index)
        out = []
        # One strftime a page, not a row: it was most of a page's time at volume. Each row
        # is built as the dict it is sent as (BulkRow.listing's keys), with no BulkRow
        # between: a frozen dataclass a row was a third of the mock's listing CPU.
        updated = self.updated_at.strftime(DATETIME_FMT)
        prefix, procedures, holes = self.prefix, self.procedures, self._holes
        while len(out) < size and index < self.total:
            if pos < len(holes) and holes[pos] == index:
                pos += 1
            else:
                ma, ma_tthc, status, so, sha = _bulk_fields(index, prefix, procedures)
                out.append(
                    {
                        "MaHoSo": ma,
                        "MaTTHC": ma_tthc,
                        "StatusId": status,
                        "NgayCapNhat": updated,
                        "SoQuyetDinh": so,
                        "Sha256KetQua": sha,
                    }
                )
            index += 1
        return out


def _wire_time(value: datetime) -> str:
    return vn_wall_time(value).strftime(DATETIME_FMT)


def _attachment(ma: str, name: str, index: int) -> dict[str, Any]:
    a = sample_attachment(ma, name, index)
    return {
        "TenThanhPhan": a.ten_thanh_phan,
        "MaThanhPhanHoSo": a.ma_thanh_phan or "",
        "TenTepDinhKem": a.ten_tep or "",
        "DuongDanTaiTepTin": a.file_ref,
        "Sha256": a.sha256,
        "LoaiTep": a.mime,
        "KichThuoc": a.size,
    }


def _content_matches(body: dict[str, Any]) -> bool:
    """The file content sent is the file of the Sha256 and KichThuoc sent with it."""
    try:
        data = base64.b64decode(str(body["NoiDungTep"]), validate=True)
    except (binascii.Error, ValueError):
        return False
    return hashlib.sha256(data).hexdigest() == body["Sha256"] and len(data) == body["KichThuoc"]
