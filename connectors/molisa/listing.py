"""DanhSachHoSo rows into reconciliation lines, a page at a time.

A nightly reconciliation reads the ministry's whole listing (a million rows and more),
and mapping its rows one by one with :func:`.mapping.from_dong_ho_so` was most of the
hub's CPU: the ``Status`` enum's call, the time's regex groups, the procedure code
searched in the map. :class:`ListingRows` maps a page with lookups computed once.

Its rules are ``from_dong_ho_so``'s and nothing else: a row it does not recognise as
the contract spells it (no ``MaHoSo``, a ``StatusId`` not written ``"4"`` or ``4``,
a time not ``dd/MM/yyyy HH:mm:ss``, an impossible date, a value of the wrong type) is
handed to ``from_dong_ho_so`` itself, so its line or its error is the same as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from hub.sdk import RemoteRecord, Status

from .mapping import VN_TZ, from_dong_ho_so

__all__ = ["ListingRows"]

#: ``"00"`` … ``"99"`` → int: a time's fields read by lookup (``int()`` of six slices was
#: most of a row's time); anything else (another digit than ASCII) is a KeyError.
_TWO = {f"{i:02d}": i for i in range(100)}

#: ``StatusId`` → Status for the spellings the contract uses (a digit string; an int).
_STATUS: dict[Any, Status] = {**{str(s.value): s for s in Status}, **{s.value: s for s in Status}}


class ListingRows:
    """Maps the rows of one listing (the connector's ``ma_tthc_map`` read once)."""

    def __init__(self, ma_tthc_map: Mapping[str, str] | None = None) -> None:
        self._map = dict(ma_tthc_map or {})
        #: The ministry's code → the province's; the first local code wins, as in
        #: ``_ma_tthc_from_molisa``'s search.
        self._local: dict[str, str] = {}
        for local, ministry in self._map.items():
            self._local.setdefault(ministry, local)

    def page(self, rows: Iterable[Any]) -> list[RemoteRecord]:
        """The lines of one page, in its order; a bad row raises what
        ``from_dong_ho_so`` raises for it (no ``MaHoSo``, unknown ``StatusId``, bad time)."""
        local = self._local
        two = _TWO
        status = _STATUS
        out: list[RemoteRecord] = []
        append = out.append
        for row in rows:
            # Subscripts, not .get: a row without one of the contract's six keys is a
            # KeyError here and from_dong_ho_so's to judge.
            try:
                ma_ho_so = row["MaHoSo"]
                ma_tthc = row["MaTTHC"] or None
                if ma_tthc is not None:
                    ma_tthc = local.get(ma_tthc, ma_tthc)
                when = row["NgayCapNhat"]
                updated = None
                if when:
                    if (
                        len(when) != 19
                        or when[2] != "/"
                        or when[5] != "/"
                        or when[10] != " "
                        or when[13] != ":"
                        or when[16] != ":"
                    ):
                        raise ValueError("NgayCapNhat")
                    updated = datetime(
                        two[when[6:8]] * 100 + two[when[8:10]],
                        two[when[3:5]],
                        two[when[:2]],
                        two[when[11:13]],
                        two[when[14:16]],
                        two[when[17:]],
                        0,
                        VN_TZ,
                    )
                if not ma_ho_so:
                    raise KeyError("MaHoSo")
                append(
                    RemoteRecord(
                        ma_ho_so,
                        ma_tthc,
                        status[row["StatusId"]],
                        updated,
                        row["SoQuyetDinh"] or None,
                        row["Sha256KetQua"] or None,
                    )
                )
            except (KeyError, TypeError, ValueError, AttributeError):
                append(from_dong_ho_so(row, ma_tthc_map=self._map))
        return out
