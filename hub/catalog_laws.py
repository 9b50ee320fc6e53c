"""Procedures whose legal basis predates a law that replaced it.

The Law on Water Resources 2023 (28/2023/QH15, in force 1 July 2024) replaced the
2012 law; the Land Law 2024 (31/2024/QH15, in force 1 August 2024) replaced the 2013
law. A procedure of those fields published by a decision of an earlier year, or citing
the earlier law, may no longer be what the law says: the catalog says so (``tthc-hub
catalog show``, ``GET /api/v1/catalog/{ma_tthc}``) instead of presenting it as current.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hub.catalog import Procedure

__all__ = ["NEW_LAWS", "NewLaw", "outdated_basis"]


@dataclass(frozen=True)
class NewLaw:
    linh_vuc: str  #: the field (lĩnh vực), folded: "tai nguyen nuoc"
    ten_vi: str
    ten_en: str
    hieu_luc: date  #: in force from
    #: a citation of the law it replaced ("Luật tài nguyên nước 2012")
    old: re.Pattern[str]


NEW_LAWS = (
    NewLaw(
        "tai nguyen nuoc",
        "Luật Tài nguyên nước 2023 (28/2023/QH15)",
        "Law on Water Resources 2023 (28/2023/QH15)",
        date(2024, 7, 1),
        re.compile(r"luat tai nguyen nuoc (?:so 17/2012|2012)"),
    ),
    NewLaw(
        "dat dai",
        "Luật Đất đai 2024 (31/2024/QH15)",
        "Land Law 2024 (31/2024/QH15)",
        date(2024, 8, 1),
        re.compile(r"luat dat dai (?:so 45/2013|2013)"),
    ),
)


def outdated_basis(procedure: Procedure) -> list[dict[str, Any]]:
    """The newer laws ``procedure``'s legal basis predates: its decision is of an earlier
    year, or it cites the law that was replaced."""
    from hub.catalog import fold

    out = []
    for law in NEW_LAWS:
        if fold(procedure.linh_vuc) != law.linh_vuc:
            continue
        year = procedure.nam_ban_hanh
        cites_old = any(law.old.search(fold(text)) for text in procedure.can_cu_phap_ly)
        if cites_old or (year is not None and year < law.hieu_luc.year):
            out.append(
                {
                    "luat": law.ten_vi,
                    "luat_en": law.ten_en,
                    "hieu_luc": law.hieu_luc.isoformat(),
                    "nam_ban_hanh": year,
                    "trich_dan_luat_cu": cites_old,
                }
            )
    return out
