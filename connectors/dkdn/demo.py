"""dkdn's part of ``tthc-hub demo`` (the ``register_demo_scenarios`` hook).

Once the worker has drained, staff look business registrations up through the hub's API
(``GET /api/v1/lookups/dkdn/{query}``), as the menu "Hỗ trợ" would: one query of each
kind against the mock (an enterprise by its mã số doanh nghiệp, a household business and
a cooperative by their mã số thuế, the dossiers received in a period, those processed
today), then each again, which the hub answers from its cache without asking the
ministry (the mock's request count does not move).

The summary adds rows to the look-up table vantai and ngansach share (same title); no
personal data is printed, only counts. The tour is the demo kit's :class:`LookupTour`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.sdk import LookupDemo

__all__ = ["QUERIES", "DkdnDemo"]

NAME = "dkdn"
#: One query of each kind, with parameters the mock's seeded records answer.
QUERIES: dict[str, dict[str, str]] = {
    "chi_tiet_doanh_nghiep": {"msdn": "6100234563"},
    "chi_tiet_ho_kinh_doanh": {"mst": "6101122333"},
    "chi_tiet_hop_tac_xa": {"mst": "6101345604"},
    "ho_so_tiep_nhan": {"tu_ngay": "2025-09-01", "den_ngay": "2025-09-30"},
    "ho_so_xu_ly_trong_ngay": {},  # today
}


class DkdnDemo(LookupDemo):
    name = NAME
    queries = QUERIES

    def settings(self, mock_urls: Mapping[str, str]) -> dict[str, dict[str, Any]]:
        return {NAME: {"base_url": mock_urls[NAME], "api_key": "test-key"}}
