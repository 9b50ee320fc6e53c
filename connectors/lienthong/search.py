"""Search and statistics over the mirrored interlinked dossiers (the hub's inbox table).

The filters of the province's "Danh sách hồ sơ liên thông DVCLT" screen: from date
to date (ngày tiếp nhận), mã hồ sơ liên thông, mã hồ sơ, tên chủ hồ sơ
(accent-insensitive), CMND/CCCD, mã thủ tục, trạng thái. What the inbox has as
columns is narrowed by the hub (:meth:`hub.service.Hub.inbox_snapshots`: mã hồ sơ,
mã TTHC, and ``pulled_at >= from``: a dossier is pulled after it is received); the
rest is matched here over the narrowed snapshots, streamed, never all loaded at once.
Interlinked dossiers filed at the province ("Cách 1") come from the mirror:
the province's dossiers the hub sent to liên thông.
The connector never touches the store itself.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any, Protocol

from hub.sdk import Dossier, Status, mask_number, national_ma_tthc

__all__ = ["Filters", "InboxSource", "fold", "row_view", "search", "stats"]

CONNECTOR = "lienthong"
VN_TZ = timezone(timedelta(hours=7))


def fold(text: str) -> str:
    """Lower case without diacritics, spaces collapsed: ``Nguyễn  Văn An`` -> ``nguyen van an``."""
    text = unicodedata.normalize("NFC", text).replace("đ", "d").replace("Đ", "D")
    stripped = "".join(
        c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn"
    )
    return " ".join(stripped.casefold().split())


@dataclass(frozen=True)
class Filters:
    tu_ngay: date | None = None
    den_ngay: date | None = None
    ma_ho_so: str | None = None
    ma_lien_thong: str | None = None
    ten: str | None = None
    so_giay_to: str | None = None
    ma_tthc: str | None = None
    trang_thai: int | None = None


class InboxSource(Protocol):
    """What the search needs of the hub (:class:`hub.service.Hub` is one)."""

    def inbox_snapshots(
        self,
        connector: str,
        *,
        ma_ho_so: str | None = None,
        ma_tthc: str | None = None,
        pulled_since: datetime | None = None,
    ) -> Iterator[dict[str, Any]]: ...

    def sent_snapshots(
        self,
        connector: str,
        *,
        ma_ho_so: str | None = None,
        ma_tthc: str | None = None,
        updated_since: datetime | None = None,
    ) -> Iterator[dict[str, Any]]: ...


def _narrowed(hub: InboxSource, f: Filters) -> Iterator[dict[str, Any]]:
    """Pulled dossiers (filed on the national portals, Cách 2 and 3), then the province's
    own interlinked dossiers (filed at the province, Cách 1) the hub sent on."""
    start = datetime.combine(f.tu_ngay, time.min, VN_TZ).astimezone(UTC) if f.tu_ngay else None
    ma_ho_so = f.ma_ho_so.strip() if f.ma_ho_so else None
    ma_tthc = national_ma_tthc(f.ma_tthc.strip()) if f.ma_tthc else None
    yield from hub.inbox_snapshots(
        CONNECTOR, ma_ho_so=ma_ho_so, ma_tthc=ma_tthc, pulled_since=start
    )
    yield from hub.sent_snapshots(
        CONNECTOR, ma_ho_so=ma_ho_so, ma_tthc=ma_tthc, updated_since=start
    )


def _received_day(dossier: Dossier) -> date:
    at = dossier.ngay_tiep_nhan or dossier.ngay_nop
    return at.astimezone(VN_TZ).date()


def _matches(d: Dossier, f: Filters, name: str | None) -> bool:
    day = _received_day(d)
    if (f.tu_ngay and day < f.tu_ngay) or (f.den_ngay and day > f.den_ngay):
        return False
    if f.trang_thai is not None and int(d.trang_thai) != f.trang_thai:
        return False
    lt = d.extra.get("lien_thong") or {}
    if f.ma_lien_thong and str(lt.get("ma_ho_so_lt") or "") != f.ma_lien_thong.strip():
        return False
    if f.so_giay_to:
        wanted = "".join(ch for ch in f.so_giay_to if ch.isdigit())
        numbers = {d.chu_ho_so.so_giay_to, d.nguoi_nop.so_giay_to if d.nguoi_nop else None}
        if wanted not in numbers:
            return False
    return not name or name in fold(d.chu_ho_so.ho_ten)


def search(hub: InboxSource, f: Filters, *, limit: int = 200) -> Iterator[Dossier]:
    """The mirrored dossiers matching ``f``, oldest first, at most ``limit``."""
    name = fold(f.ten) if f.ten else None
    found = 0
    for snapshot in _narrowed(hub, f):
        dossier = Dossier.model_validate(snapshot)
        if _matches(dossier, f, name):
            yield dossier
            found += 1
            if found >= limit:
                return


def stats(hub: InboxSource, f: Filters) -> dict[str, Any]:
    """Counts by trạng thái and by mã TTHC (national) of the dossiers matching ``f``."""
    by_status: Counter[int] = Counter()
    by_tthc: Counter[str] = Counter()
    for d in search(hub, f, limit=10**9):
        by_status[int(d.trang_thai)] += 1
        by_tthc[d.ma_tthc_quoc_gia] += 1
    return {
        "tong": sum(by_status.values()),
        "theo_trang_thai": [
            {"trang_thai": s, "ten_vi": Status(s).label_vi, "ten_en": Status(s).label_en, "so": n}
            for s, n in sorted(by_status.items())
        ],
        "theo_thu_tuc": [{"ma_tthc": c, "so": n} for c, n in sorted(by_tthc.items())],
    }


def _file_number(kept: list[dict[str, Any]], file_ref: str) -> int | None:
    return next((n for n, k in enumerate(kept, 1) if k.get("file_ref") == file_ref), None)


def row_view(d: Dossier, *, mask_id: bool = True) -> dict[str, Any]:
    """One result line, with the CCCD masked (an official sees the match, not the number);
    the API asks for it whole (``mask_id=False``) and masks by the caller's role."""

    lt = d.extra.get("lien_thong") or {}
    kept = lt.get("files") or []
    results = d.ket_qua.files if d.ket_qua else []
    return {
        "ma_ho_so": d.ma_ho_so,
        "ma_ho_so_lt": lt.get("ma_ho_so_lt") or None,
        "ma_tthc": d.ma_tthc,
        "module": lt.get("module"),
        "chu_ho_so": d.chu_ho_so.ho_ten,
        "so_giay_to": (mask_number(d.chu_ho_so.so_giay_to) if mask_id else d.chu_ho_so.so_giay_to)
        if d.chu_ho_so.so_giay_to
        else None,
        "ngay_tiep_nhan": d.ngay_tiep_nhan.isoformat() if d.ngay_tiep_nhan else None,
        "trang_thai": int(d.trang_thai),
        "files": [
            {"n": n, "ten": f.get("ten_tep"), "loai": f.get("ma_thanh_phan")}
            for n, f in enumerate(kept, 1)
        ],
        # "File kết quả": n is the file's number for /files/{n} where it was pulled.
        "file_ket_qua": [
            {"n": _file_number(kept, r.file_ref), "ten": r.ten_tep or r.ten_thanh_phan}
            for r in results
        ],
    }
