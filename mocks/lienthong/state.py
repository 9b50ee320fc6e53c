"""The liên thông mock's in-memory national system: interlinked dossiers and tokens.

Seeded dossiers (``POST /_mock/seed``) are birth (KS) and death (KT) groups filed
by citizens, with ``<hoTich>`` XML data and base64 files; some already carry a
result file (loaiGiayTo KQ). Status pushes from the province are applied by
maHoSo (a dossier the mock does not know is created as a status-only record).
Tokens live ``token_ttl`` seconds; ``POST /_mock/expire-tokens`` expires them all.
"""

from __future__ import annotations

import base64
import random
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from xml.sax.saxutils import escape

from hub.sdk import Status
from hub.testing.mock import (
    MockConfig,
    MockState,
    SeedRecord,
    UnsupportedRecord,
    vn_wall_time,
)
from hub.testing.samples import sample_file_content, sample_party

__all__ = ["LienthongState"]

VN_OFFSET = timedelta(hours=7)
AGENCY = "000.00.22.H34"
SEED_FROM = date(2025, 10, 6)
GROUPS = {"KS": ("2.000986", "1.011733"), "KT": ("1.006714", "2.002622")}
#: The national system's trangThai for the hub statuses it can express.
STATUS_CODES = {
    Status.DUOC_TIEP_NHAN: 1,
    Status.YEU_CAU_BO_SUNG: 2,
    Status.DA_XU_LY_XONG: 4,
    Status.KHONG_DUOC_TIEP_NHAN: 6,
    Status.DANG_XU_LY: 7,
}
STAMP = "%Y%m%d%H%M%S"


def now_vn() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None) + VN_OFFSET


@dataclass
class Entry:
    record: dict[str, Any]
    updated_at: datetime
    acknowledged: bool = False
    origin: str = "ministry"
    history: list[dict[str, Any]] = field(default_factory=list)
    stt: int = 0  #: insertion number: the pull cursor
    change: int = 0  #: ``sttThayDoi``: raised on every change, the change feed's cursor


class LienthongState(MockState):
    def __init__(self, config: MockConfig, *, token_ttl: float = 3600.0) -> None:
        super().__init__(config)
        self.token_ttl = token_ttl
        self.tokens: dict[str, float] = {}
        self.logins = 0
        self.clear_records()
        if config.seed_count:
            self.seed(config.seed_count, config.seed)

    def clear_records(self) -> None:
        self.entries: dict[str, Entry] = {}
        self._next_lt = 1
        self._stt = 0
        self._change = 0

    def record_count(self) -> int:
        return len(self.entries)

    def record_view(self, ma_ho_so: str) -> dict[str, Any] | None:
        entry = self.entries.get(ma_ho_so)
        if entry is None:
            return None
        record = {k: v for k, v in entry.record.items() if k != "fileDinhKem"}
        return {
            "record": record,
            "history": entry.history,
            "origin": entry.origin,
            "acknowledged": entry.acknowledged,
        }

    # --- tokens -------------------------------------------------------------

    def login(self, body: dict[str, Any]) -> dict[str, Any] | None:
        if body.get("password") != self.config.accept_key:
            return None
        self.logins += 1
        token = secrets.token_urlsafe(24)
        self.tokens[token] = time.monotonic() + self.token_ttl
        expiry = now_vn() + timedelta(days=7)
        return {
            "token": token,
            "refreshToken": secrets.token_urlsafe(24),
            "refreshTokenExpiryTime": expiry.strftime("%d/%m/%Y %H:%M:%S"),
        }

    def token_ok(self, header: str | None) -> bool:
        if not header or not header.startswith("Bearer "):
            return False
        expires = self.tokens.get(header[7:])
        return expires is not None and expires > time.monotonic()

    def expire_tokens(self) -> None:
        self.tokens.clear()

    def _add(self, ma: str, entry: Entry) -> None:
        self._stt += 1
        entry.stt = self._stt
        self.entries[ma] = entry
        self._touch(entry)

    def _touch(self, entry: Entry) -> None:
        """A change: the entry moves to the end of the change feed."""
        self._change += 1
        entry.change = self._change

    # --- operations ---------------------------------------------------------

    def danh_sach(self, body: dict[str, Any]) -> dict[str, Any]:
        start = datetime.strptime(body["tuNgay"], "%Y%m%d").date() if body.get("tuNgay") else None
        end = datetime.strptime(body["denNgay"], "%Y%m%d").date() if body.get("denNgay") else None
        changed_after = body.get("sauSttThayDoi")
        entries = self.entries.items()
        if changed_after is not None:
            entries = sorted(entries, key=lambda item: item[1].change)  # type: ignore[assignment]
        rows = []
        for ma, entry in entries:
            if body.get("chuaXacNhan") and (entry.acknowledged or entry.origin != "ministry"):
                continue
            if entry.stt <= body.get("sauStt", 0):
                continue
            if changed_after is not None and entry.change <= changed_after:
                continue
            day = entry.updated_at.date()
            if (start and day < start) or (end and day > end):
                continue
            rows.append(self._row(ma, entry))
        size, page = body["soLuong"], body["trang"]
        return {"tongSo": len(rows), "danhSach": rows[(page - 1) * size : page * size]}

    def _row(self, ma: str, entry: Entry) -> dict[str, Any]:
        r = entry.record
        return {
            "stt": entry.stt,
            "sttThayDoi": entry.change,
            "maHoSo": ma,
            "maHoSoLT": r.get("maHoSoLT", ""),
            "maTTHC": r.get("maTTHC", ""),
            "module": r.get("module", ""),
            "ngayTiepNhan": r.get("ngayTiepNhan", ""),
            "trangThai": r.get("trangThai", 1),
            "ngayCapNhat": entry.updated_at.strftime("%Y%m%d%H%M%S"),
        }

    def chi_tiet(self, ma: str) -> dict[str, Any] | None:
        entry = self.entries.get(ma)
        if entry is None:
            return None
        return {**entry.record, "quaTrinh": entry.history}

    def xac_nhan(self, codes: list[str]) -> int:
        count = 0
        for ma in codes:
            entry = self.entries.get(ma)
            if entry is not None and not entry.acknowledged:
                entry.acknowledged = True
                count += 1
        return count

    def cap_nhat(self, body: dict[str, Any], key: str | None) -> dict[str, Any]:
        ma = body["maHoSo"]
        entry = self.entries.get(ma)
        if entry is None:
            entry = Entry(
                record={"maHoSo": ma, "maTTHC": body["maTTHC"]},
                updated_at=now_vn(),
                origin="province",
            )
            self._add(ma, entry)
        entry.history.append(body)
        entry.record["trangThai"] = body["trangThai"]
        entry.updated_at = now_vn()
        self._touch(entry)
        self.journal.record_write("capnhattrangthai", ma, key, str(body["trangThai"]))
        return {"maHoSo": ma, "trangThai": body["trangThai"]}

    def process(self, ma: str, trang_thai: int, *, ket_qua: bool) -> dict[str, Any] | None:
        """The ministry side moves a dossier on (``/_mock/process``): a new trangThai, a
        quaTrinh step and, with ``ket_qua``, a result file (KQ) added to its files."""
        entry = self.entries.get(ma)
        if entry is None:
            return None
        at = now_vn()
        entry.record["trangThai"] = trang_thai
        entry.history.append(
            {
                "maHoSo": ma,
                "trangThai": trang_thai,
                "thoiGianThucHien": at.strftime(STAMP),
                "ngayBatDau": at.strftime(STAMP),
                "noiDungXuLy": "Cơ quan đăng ký xử lý",
                "nguoiXuLy": "",
                "coQuanXuLy": entry.record.get("maDonVi") or AGENCY,
            }
        )
        files = entry.record.setdefault("fileDinhKem", [])
        if ket_qua and not any(f["loaiGiayTo"] == "KQ" for f in files):
            label = "Giấy khai sinh" if entry.record.get("module") == "KS" else "Trích lục khai tử"
            files.append(self._file("KQ", label, ma, len(files) + 1))
        entry.updated_at = at
        self._touch(entry)
        return self._row(ma, entry)

    # --- seeding ------------------------------------------------------------

    def put_record(self, record: SeedRecord) -> None:
        """A status-only record (like one the province pushed) with its quaTrinh."""
        ma = record.ma_ho_so
        self.entries.pop(ma, None)
        history = [
            {
                "maHoSo": ma,
                "trangThai": _code(step.trang_thai),
                "thoiGianThucHien": vn_wall_time(step.ket_thuc or step.bat_dau).strftime(STAMP),
                "ngayBatDau": vn_wall_time(step.bat_dau).strftime(STAMP),
                "noiDungXuLy": step.buoc,
                "nguoiXuLy": step.nguoi_xu_ly or "",
                "coQuanXuLy": step.phong_ban or AGENCY,
            }
            for step in record.history
        ]
        entry = Entry(
            record={
                "maHoSo": ma,
                "maTTHC": record.ma_tthc or GROUPS["KS"][0],
                "maHoSoLT": f"LT{self._next_lt:010d}",
                "trangThai": _code(record.trang_thai),
            },
            updated_at=vn_wall_time(record.updated_at).replace(microsecond=0),
            origin="province",
            history=history,
        )
        self._next_lt += 1
        self._add(ma, entry)

    def seed(self, count: int, seed: int) -> list[str]:
        rng = random.Random(seed)
        return [self._seed_one(rng, n) for n in range(count)]

    def _seed_one(self, rng: random.Random, n: int) -> str:
        day = SEED_FROM + timedelta(days=rng.randrange(28))
        ma = self.next_ma_ho_so(AGENCY, day, first=9001)
        module = ("KS", "KT")[n % 2]
        owner = sample_party(rng, group="adult")
        received = datetime.combine(day, datetime.min.time()) + timedelta(
            hours=8, minutes=rng.randrange(480)
        )
        if module == "KS":
            child = sample_party(rng, group="child")
            detail = (
                f"<khaiSinh><hoTen>{escape(child.ho_ten)}</hoTen><ngaySinh>"
                f"{day - timedelta(days=20):%Y%m%d}</ngaySinh><gioiTinh>{child.gioi_tinh}"
                "</gioiTinh><noiSinh>Bệnh viện Đa khoa tỉnh Kon Tum</noiSinh></khaiSinh>"
            )
        else:
            dead = sample_party(rng, group="elderly")
            detail = (
                f"<khaiTu><hoTen>{escape(dead.ho_ten)}</hoTen><soGiayTo>{dead.so_giay_to}"
                f"</soGiayTo><ngayChet>{day - timedelta(days=3):%Y%m%d}</ngayChet>"
                "<noiChet>Tại nhà riêng</noiChet></khaiTu>"
            )
        xml = (
            "<hoTich><chuHoSo>"
            f"<hoTen>{escape(owner.ho_ten)}</hoTen><soGiayTo>{owner.so_giay_to}</soGiayTo>"
            f"<ngaySinh>{owner.ngay_sinh:%Y%m%d}</ngaySinh><gioiTinh>{owner.gioi_tinh}</gioiTinh>"
            f"<soDienThoai>{owner.so_dien_thoai}</soDienThoai></chuHoSo>{detail}</hoTich>"
        )
        status = rng.choice((1, 1, 7, 4))
        files = [self._file("HS", "Tờ khai", ma, 1)]
        if status == 4:
            label = "Giấy khai sinh" if module == "KS" else "Trích lục khai tử"
            files.append(self._file("KQ", label, ma, 2))
        self._add(
            ma,
            Entry(
                record={
                    "maDonVi": AGENCY,
                    "maTTHC": rng.choice(GROUPS[module]),
                    "module": module,
                    "maHoSo": ma,
                    "maHoSoLT": f"LT{self._next_lt:010d}",
                    "ngayTiepNhan": received.strftime("%Y%m%d%H%M%S"),
                    "trangThai": status,
                    "data": xml,
                    "fileDinhKem": files,
                },
                updated_at=now_vn(),
            ),
        )
        self._next_lt += 1
        return ma

    @staticmethod
    def _file(kind: str, label: str, ma: str, n: int) -> dict[str, Any]:
        content = sample_file_content(f"lienthong:{ma}/{n}")
        return {
            "loaiGiayTo": kind,
            "tenGiayTo": label,
            "tenTepDinhKem": f"{kind.lower()}{n:02d}.pdf",
            "duLieuTepDinhKem": base64.b64encode(content).decode("ascii"),
        }


def _code(status: Status) -> int:
    code = STATUS_CODES.get(status)
    if code is None:
        raise UnsupportedRecord(
            f"liên thông has no trangThai for status {int(status)} ({status.label_en})"
        )
    return code
