"""Look-ups over the API against the dkdn, ngansach and vantai mocks on loopback: every query of
the guide answers, a second identical query within the cache time does not reach the
ministry, parameters are validated before calling (the error names the parameter), a
wrong ApiKey gives -302's meaning in Vietnamese, and a failing ministry serves the last
answer with its time, behind the breaker the worker uses for pushes."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from connectors.dkdn.connector import DkdnConnector
from connectors.dkdn.settings import DkdnSettings
from connectors.ngansach.connector import NgansachConnector
from connectors.ngansach.settings import NgansachSettings
from connectors.vantai.connector import VantaiConnector
from connectors.vantai.settings import VantaiSettings
from hub.lookups import LookupSettings
from hub.testing.mock import MockConfig
from mocks.dkdn.app import create_app as dkdn_mock
from mocks.ngansach.app import create_app as ngansach_mock
from mocks.vantai.app import PASSWORD
from mocks.vantai.app import create_app as vantai_mock

KEY = "lookup-key"
UNIT = "000.00.22.H34"  # the province's unit code
FIRST = "000.00.22.H34-250801-0001"

#: connector -> query -> parameters: the guide's queries with seeded answers.
QUERIES: dict[str, dict[str, dict[str, str]]] = {
    "dkdn": {
        "chi_tiet_doanh_nghiep": {"msdn": "6100234563"},
        "chi_tiet_ho_kinh_doanh": {"mst": "6101122333"},
        "chi_tiet_hop_tac_xa": {"mst": "6101345604"},
        "ho_so_tiep_nhan": {"tu_ngay": "2025-09-01", "den_ngay": "2025-09-30"},
        "ho_so_xu_ly_trong_ngay": {},
    },
    "ngansach": {
        "ho_so_theo_ngay": {"ngay": "2025-09-16"},
        "chi_tiet_ho_so": {"ma_ho_so": "000.00.14.H34-250915-0001"},
        "thong_ke_theo_ky": {"tu_ngay": "2025-09-01", "den_ngay": "2025-09-30"},
    },
    "vantai": {
        "danh_sach_ho_so": {"don_vi_xu_ly": "SXD-QNG", "tu_ngay": "2025-08-01",
                            "den_ngay": "2025-10-31"},
        "tra_cuu_ho_so": {"ma_ho_so": FIRST},
        "tai_lieu_ho_so": {"ma_ho_so": FIRST},
        "thong_ke_theo_thang": {"nam": "2025"},
    },
}  # fmt: skip


class Ministries:
    def __init__(self, serve_app: Callable[[Any], Any]) -> None:
        self.dkdn = serve_app(dkdn_mock(MockConfig(accept_key=KEY)))
        self.vantai = serve_app(vantai_mock(MockConfig(accept_key=KEY)))
        self.ngansach = serve_app(ngansach_mock(MockConfig(accept_key=KEY)))

    def connectors(
        self, *, api_key: str = KEY, lookups: LookupSettings | None = None
    ) -> dict[str, Any]:
        extra = {"lookups": lookups} if lookups else {}
        return {
            "dkdn": DkdnConnector(DkdnSettings(base_url=self.dkdn.url, api_key=KEY, **extra)),
            "ngansach": NgansachConnector(
                NgansachSettings(
                    base_url=self.ngansach.url, access_key=KEY, ma_don_vi=UNIT, **extra
                )
            ),
            "vantai": VantaiConnector(
                VantaiSettings(
                    base_url=self.vantai.url, username="kontum", password=PASSWORD,
                    ma_don_vi="000.00.22.H34", api_key=api_key, **extra,
                )
            ),
        }  # fmt: skip

    def requests(self, name: str) -> int:
        server = getattr(self, name)
        return int(httpx.get(f"{server.url}/_mock/stats").json()["requests"])

    def fault(self, name: str, kind: str, count: int = 50) -> None:
        server = getattr(self, name)
        body = {"faults": [{"kind": kind, "count": count}]}
        httpx.post(f"{server.url}/_mock/faults", json=body).raise_for_status()


@pytest.fixture
def ministries(serve_app: Callable[[Any], Any]) -> Ministries:
    return Ministries(serve_app)


@pytest.fixture
def api(build_hub: Any, hub_api: Any, ministries: Ministries) -> Callable[..., httpx.Client]:
    def make(**options: Any) -> httpx.Client:
        return hub_api(build_hub(connectors=ministries.connectors(**options)))

    return make


def test_the_list_names_every_query_with_parameters(api: Callable[..., httpx.Client]) -> None:
    body = api().get("/api/v1/lookups").json()
    found = {c["connector"]: {q["name"]: q for q in c["queries"]} for c in body["connectors"]}
    assert {n: set(q) for n, q in found.items()} == {n: set(q) for n, q in QUERIES.items()}
    msdn = found["dkdn"]["chi_tiet_doanh_nghiep"]
    assert msdn["parameters"][0]["name"] == "msdn" and msdn["parameters"][0]["required"]
    assert found["vantai"]["thong_ke_theo_thang"]["statistics"] is True
    assert found["dkdn"]["ho_so_tiep_nhan"]["paged"] is True
    assert msdn["columns"][0] == {"name": "ma_so", "title_vi": "Mã số"}


@pytest.mark.parametrize(("connector", "query"), [(c, q) for c, qs in QUERIES.items() for q in qs])
def test_every_query_answers_and_is_cached(
    api: Callable[..., httpx.Client], ministries: Ministries, connector: str, query: str
) -> None:
    client = api()
    url = f"/api/v1/lookups/{connector}/{query}"
    first = client.get(url, params=QUERIES[connector][query])
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["items"], body
    assert body["cached"] is False and body["stale"] is False
    seen = ministries.requests(connector)
    again = client.get(url, params=QUERIES[connector][query])
    assert again.json()["items"] == body["items"] and again.json()["cached"] is True
    assert ministries.requests(connector) == seen, "the second query reached the ministry"


def test_statistics_have_a_totals_row(api: Callable[..., httpx.Client]) -> None:
    client = api()
    body = client.get("/api/v1/lookups/vantai/thong_ke_theo_thang", params={"nam": 2025}).json()
    assert [r["thang"] for r in body["items"]] == [8, 9, 10]
    assert body["totals"]["tiep_nhan"] == 18 == sum(r["tiep_nhan"] for r in body["items"])
    assert body["totals"]["thang"] == "Tổng cộng"
    period = {"tu_ngay": "2025-09-01", "den_ngay": "2025-09-30"}
    kinds = client.get("/api/v1/lookups/ngansach/thong_ke_theo_ky", params=period).json()
    assert len(kinds["items"]) == 4 and kinds["totals"]["tiep_nhan"] == 15
    t = kinds["totals"]
    assert t["tiep_nhan"] == t["da_cap_ma"] + t["tu_choi"] + t["dang_xu_ly"]


def test_paging(api: Callable[..., httpx.Client]) -> None:
    url = "/api/v1/lookups/dkdn/ho_so_tiep_nhan"
    params = {"tu_ngay": "2025-09-01", "den_ngay": "2025-09-30", "page_size": 3}
    first = api().get(url, params={**params, "page": 1}).json()
    second = api().get(url, params={**params, "page": 2}).json()
    assert first["total"] == 10 and len(first["items"]) == 3
    assert {r["so_ho_so"] for r in first["items"]}.isdisjoint(
        r["so_ho_so"] for r in second["items"]
    )


@pytest.mark.parametrize(
    ("path", "params", "loc", "type_"),
    [
        ("dkdn/chi_tiet_doanh_nghiep", {"msdn": "6100234564"}, "query.msdn", "mst_check_digit"),
        ("dkdn/chi_tiet_doanh_nghiep", {"msdn": "61002345"}, "query.msdn", "mst_format"),
        ("dkdn/chi_tiet_hop_tac_xa", {}, "query.mst", "missing"),
        ("vantai/tra_cuu_ho_so", {"ma_ho_so": "H34-1"}, "query.ma_ho_so", "ma_ho_so_format"),
        ("vantai/danh_sach_ho_so",
         {"don_vi_xu_ly": "SXD-QNG", "tu_ngay": "2025-09-30", "den_ngay": "2025-09-01"},
         "query.den_ngay", "date_range_order"),
        ("dkdn/ho_so_tiep_nhan", {"tu_ngay": "2025-01-01", "den_ngay": "2025-06-30"},
         "query.den_ngay", "date_range_span"),
        ("dkdn/chi_tiet_doanh_nghiep", {"msdn": "6100234563", "x": "1"}, "query.x",
         "extra_forbidden"),
    ],
)  # fmt: skip
def test_bad_parameters_are_refused_before_calling(
    api: Callable[..., httpx.Client],
    ministries: Ministries,
    path: str,
    params: dict[str, str],
    loc: str,
    type_: str,
) -> None:
    before = ministries.requests(path.split("/")[0])
    response = api().get(f"/api/v1/lookups/{path}", params=params)
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["loc"] == loc and error["type"] == type_
    assert loc.removeprefix("query.") in error["message_en"]
    assert "tham số" in error["message_vi"]
    for value in params.values():
        assert value not in response.text, "the refused value is echoed"
    assert ministries.requests(path.split("/")[0]) == before


def test_unknown_code_is_not_found(api: Callable[..., httpx.Client]) -> None:
    client = api()
    missing = client.get(
        "/api/v1/lookups/dkdn/chi_tiet_doanh_nghiep", params={"msdn": "0100109106"}
    )
    assert missing.status_code == 404 and missing.json()["errors"][0]["type"] == "not_found"
    assert client.get("/api/v1/lookups/dkdn/nothing").status_code == 404
    assert client.get("/api/v1/lookups/nobody/nothing").status_code == 404


def test_wrong_api_key_gives_the_meaning_of_302_in_vietnamese(
    api: Callable[..., httpx.Client],
) -> None:
    response = api(api_key="not-the-key").get(
        "/api/v1/lookups/vantai/tra_cuu_ho_so", params={"ma_ho_so": FIRST}
    )
    assert response.status_code == 502
    error = response.json()["errors"][0]
    assert "-302" in error["message_vi"] and "ApiKey không đúng" in error["message_vi"]
    assert "-302" in error["message_en"] and "the ApiKey is wrong" in error["message_en"]
    assert "not-the-key" not in response.text


def test_the_last_answer_is_served_with_its_time_when_the_ministry_fails(
    api: Callable[..., httpx.Client], ministries: Ministries
) -> None:
    client = api(lookups=LookupSettings(cache_per_query={"tra_cuu_ho_so": 0}))
    url, params = "/api/v1/lookups/vantai/tra_cuu_ho_so", {"ma_ho_so": FIRST}
    fresh = client.get(url, params=params).json()
    ministries.fault("vantai", "http_503")
    stale = client.get(url, params=params)
    assert stale.status_code == 200, stale.text
    body = stale.json()
    assert body["stale"] is True and body["items"] == fresh["items"]
    hhmm = fresh["fetched_at"][11:16]
    assert f"lúc {hhmm}" in body["notice_vi"] and f"from {hhmm}" in body["notice_en"]
    other = client.get(url, params={"ma_ho_so": "000.00.22.H34-250904-0002"})
    assert other.status_code == 503  # nothing cached for it: the failure is told


def test_the_breaker_is_the_one_of_pushes(
    build_hub: Any, hub_api: Any, ministries: Ministries
) -> None:
    hub = build_hub(connectors=ministries.connectors())
    client = hub_api(hub)
    circuit = hub.worker.circuits["vantai"]
    for _ in range(hub.settings.worker.circuit.failure_threshold):
        circuit.record(False, time.monotonic())  # pushes failed: the breaker is open
    before = ministries.requests("vantai")
    response = client.get("/api/v1/lookups/vantai/tra_cuu_ho_so", params={"ma_ho_so": FIRST})
    assert response.status_code == 503 and response.json()["errors"][0]["type"] == "circuit_open"
    assert ministries.requests("vantai") == before


def test_failures_of_lookups_open_the_breaker(
    build_hub: Any, hub_api: Any, ministries: Ministries
) -> None:
    hub = build_hub(connectors=ministries.connectors())
    client = hub_api(hub)
    ministries.fault("dkdn", "http_500")
    for n in range(hub.settings.worker.circuit.failure_threshold):
        msdn = ["6100234563", "6100456781", "6100789011", "4300567894", "6101122333"][n % 5]
        client.get("/api/v1/lookups/dkdn/chi_tiet_doanh_nghiep", params={"msdn": msdn})
    assert hub.worker.circuits["dkdn"].state == "open"


def test_rate_limit_per_connector(api: Callable[..., httpx.Client]) -> None:
    client = api(lookups=LookupSettings(rate_per_minute=1, burst=2))
    codes = [
        client.get("/api/v1/lookups/vantai/tra_cuu_ho_so", params={"ma_ho_so": code}).status_code
        for code in (FIRST, "000.00.22.H34-250904-0002", "000.00.22.H34-251007-0003")
    ]
    assert codes == [200, 200, 429]
    again = client.get("/api/v1/lookups/vantai/tra_cuu_ho_so", params={"ma_ho_so": FIRST})
    assert again.status_code == 200 and again.json()["cached"] is True  # the cache still answers
    other = client.get("/api/v1/lookups/dkdn/chi_tiet_doanh_nghiep", params={"msdn": "6100234563"})
    assert other.status_code == 200  # another ministry has its own limit


def test_a_connector_with_fetch_answers_tra_cuu_ho_so(
    build_hub: Any, hub_api: Any, serve_app: Callable[[Any], Any]
) -> None:
    from connectors.molisa.connector import MolisaConnector
    from connectors.molisa.settings import MolisaSettings
    from mocks.molisa.app import create_app as molisa_mock

    mock = serve_app(molisa_mock(MockConfig(accept_key=KEY)))
    code = "000.00.22.H34-250915-0042"
    record = {
        "ma_ho_so": code, "trang_thai": 4, "updated_at": "2025-09-16T09:00:00+07:00",
        "history": [
            {"buoc": "Tiếp nhận", "trang_thai": 2, "bat_dau": "2025-09-15T08:00:00"},
            {"buoc": "Thẩm định", "trang_thai": 4, "bat_dau": "2025-09-16T09:00:00"},
        ],
    }  # fmt: skip
    httpx.post(f"{mock.url}/_mock/records", json={"records": [record]}).raise_for_status()
    molisa = MolisaConnector(MolisaSettings(base_url=mock.url, accept_key=KEY))
    client = hub_api(build_hub(connectors={"molisa": molisa}))
    listed = client.get("/api/v1/lookups").json()["connectors"]
    assert [q["name"] for q in listed[0]["queries"]] == ["tra_cuu_ho_so"]
    body = client.get("/api/v1/lookups/molisa/tra_cuu_ho_so", params={"ma_ho_so": code}).json()
    assert [r["buoc"] for r in body["items"]] == ["Tiếp nhận", "Thẩm định"]
    assert body["items"][0]["trang_thai"] == "Đang xử lý"
    missing = client.get(
        "/api/v1/lookups/molisa/tra_cuu_ho_so", params={"ma_ho_so": "000.00.22.H34-250101-9999"}
    )
    assert missing.status_code == 404


def test_people_in_answers_are_masked_for_a_viewer(
    build_hub: Any, hub_api: Any, ministries: Ministries, tmp_path: Any
) -> None:
    """The owner of a dossier and a business's representative are personal data: a viewer
    reads their initials, a payload-viewer the whole name (docs/personal-data.md)."""
    from hub.auth import hash_key
    from hub.masking import mask_name
    from hub.settings import ApiKeySetting, HubSettings

    keys = [
        ApiKeySetting(name=role, sha256=hash_key(f"k-{role}"), roles=[role])
        for role in ("viewer", "payload-viewer")
    ]
    hub = build_hub(
        HubSettings(database_url=f"sqlite:///{tmp_path / 'hub.db'}", api_keys=keys),
        connectors=ministries.connectors(),
    )
    client = hub_api(hub)
    asked = {
        ("vantai", "tra_cuu_ho_so"): "chu_ho_so",
        ("dkdn", "chi_tiet_doanh_nghiep"): "dai_dien",
    }
    for (connector, query), column in asked.items():
        url = f"/api/v1/lookups/{connector}/{query}"
        params = QUERIES[connector][query]
        whole = client.get(url, params=params, headers={"Authorization": "Bearer k-payload-viewer"})
        name = whole.json()["items"][0][column]
        assert name and len(name.split()) > 1, whole.text
        seen = client.get(url, params=params, headers={"Authorization": "Bearer k-viewer"})
        assert seen.status_code == 200
        row = seen.json()["items"][0]
        assert row[column] == mask_name(name) and name not in seen.text
        assert row["ma_so" if connector == "dkdn" else "ma_ho_so"] == params.get("msdn", FIRST)
