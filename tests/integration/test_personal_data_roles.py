"""Personal data in API answers follows the caller's role (docs/personal-data.md): the
CCCD, phone number, birth date and name of a citizen are masked for viewer,
province-ingest and operator keys and whole for payload-viewer and admin keys, on every
answer that carries a person — the dossier, the inbox, the updates feed, the jobs, the
tasks and the audit log. The province's own ingest answer carries no personal data at all."""

from __future__ import annotations

import json

import httpx
import pytest

from hub.auth import hash_key
from hub.connector import PulledDossier, RemoteDossier
from hub.masking import mask_name, mask_number
from hub.models import Dossier, ProcessStep, Status
from hub.service import Hub, _update_payload
from hub.settings import ApiKeySetting, RetrySettings, RouteRule, WorkerSettings
from hub.testing.samples import sample_dossier, sample_lifecycle

from .recording import RecordingConnector

ROLES = ("viewer", "province-ingest", "operator", "payload-viewer", "admin")
MASKED = {"viewer": True, "province-ingest": True, "operator": True}


def key_of(role: str) -> str:
    return f"k-{role}"


@pytest.fixture
def keyed(build_hub, db_url, hub_api):  # type: ignore[no-untyped-def]
    """A hub with one key per role on both databases, its API, and the people it holds."""
    hub: Hub = build_hub(
        db_url,
        connectors={"rec": RecordingConnector()},
        routes=[RouteRule(connector="rec")],
        worker=WorkerSettings(retry=RetrySettings(initial_seconds=0.01, max_attempts=1)),
        api_keys=[
            ApiKeySetting(name=f"{r}-key", sha256=hash_key(key_of(r)), roles=[r]) for r in ROLES
        ],
    )
    api = hub_api(hub)
    province = sample_lifecycle("roles-pd")
    body = [e.model_dump(mode="json", exclude={"sequence"}) for e in province]
    ingest = api.post("/api/v1/events", json=body, headers=auth("province-ingest"))
    assert ingest.status_code == 202
    filed = sample_dossier("roles-pd-inbox", status=Status.MOI_DANG_KY)
    hub.store.store_pulled("rec", [PulledDossier("R-1", filed)], cursor=None)
    official = "Trần Quốc Việt"
    step = ProcessStep(
        buoc="Thẩm định", trang_thai=Status.DANG_XU_LY, nguoi_xu_ly=official,
        bat_dau=province[-1].snapshot.ngay_tiep_nhan,
    )  # fmt: skip
    remote = RemoteDossier(province[0].ma_ho_so, Status.DANG_XU_LY, history=[step])
    hub.store.add_province_update(province[0].ma_ho_so, "status_changed", _update_payload(remote))
    return hub, api, ingest.json(), province[-1].snapshot, filed, official


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key_of(role)}"}


def assert_shown(text: str, person: Dossier, masked: bool) -> None:
    owner = person.chu_ho_so
    whole = [owner.ho_ten, owner.so_giay_to, owner.so_dien_thoai, owner.ngay_sinh.isoformat()]
    assert all(whole), "the sample must carry every kind of personal data"
    found = [value for value in whole if value and value in text]
    if masked:
        assert found == []
        assert mask_name(owner.ho_ten) in text and mask_number(owner.so_giay_to) in text
    else:
        assert found == whole


@pytest.mark.parametrize("role", ROLES)
def test_dossier_inbox_and_updates_by_role(keyed, role: str) -> None:  # type: ignore[no-untyped-def]
    _hub, api, _ingest, dossier, filed, official = keyed
    masked = MASKED.get(role, False)
    one = api.get(f"/api/v1/dossiers/{dossier.ma_ho_so}", headers=auth(role))
    assert one.status_code == 200
    assert_shown(one.text, dossier, masked)
    shown = one.json()["dossier"]
    # What a reader needs stays readable: the dates of the dossier, its files' digests.
    assert shown["snapshot"]["ngay_hen_tra"] == dossier.model_dump(mode="json")["ngay_hen_tra"]
    assert shown["ma_ho_so"] == dossier.ma_ho_so
    birth = shown["snapshot"]["chu_ho_so"]["ngay_sinh"]
    assert (birth == "**/**/****") is masked
    inbox = api.get("/api/v1/inbox", headers=auth(role))
    assert inbox.status_code == 200 and len(inbox.json()["items"]) == 1
    assert_shown(inbox.text, filed, masked)
    files = filed.model_dump(mode="json")["thanh_phan"]
    assert inbox.json()["items"][0]["dossier"]["thanh_phan"] == files  # digests kept
    updates = api.get("/api/v1/updates", headers=auth(role))
    assert updates.status_code == 200 and len(updates.json()["items"]) == 1
    assert (official in updates.text) is not masked
    assert (mask_name(official) in updates.text) is masked


def test_jobs_and_audit_by_role(keyed) -> None:  # type: ignore[no-untyped-def]
    _hub, api, _ingest, dossier, _filed, _official = keyed
    phone = dossier.chu_ho_so.so_dien_thoai
    assert phone
    job = api.get("/api/v1/jobs", headers=auth("viewer")).json()["items"][0]
    reason = f"công dân rút hồ sơ, đã gọi {phone}"
    done = api.post(
        f"/api/v1/jobs/{job['id']}/cancel", json={"reason": reason}, headers=auth("operator")
    )
    assert done.status_code == 200
    task = api.post(
        "/api/v1/operations",
        json={"kind": "skip", "state": "dead", "ma_ho_so": dossier.ma_ho_so, "reason": reason},
        headers=auth("operator"),
    )
    assert task.status_code == 202
    paths = ["/api/v1/audit", f"/api/v1/jobs/{job['id']}", "/api/v1/jobs", "/api/v1/operations"]
    paths.append(f"/api/v1/operations/{task.json()['id']}")
    for role in ("viewer", "operator", "payload-viewer", "admin"):
        masked = MASKED.get(role, False)
        for path in paths:
            answer = api.get(path, headers=auth(role))
            assert answer.status_code == 200, path
            assert (phone in answer.text) is not masked, (role, path)
            assert (mask_number(phone) in answer.text) is masked, (role, path)


def test_ingest_answer_carries_no_personal_data(keyed) -> None:  # type: ignore[no-untyped-def]
    _hub, _api, ingest, dossier, _filed, _official = keyed
    text = json.dumps(ingest, ensure_ascii=False)
    owner = dossier.chu_ho_so
    for value in (owner.ho_ten, owner.so_giay_to, owner.so_dien_thoai):
        assert value and value not in text
    assert {a["ma_ho_so"] for a in ingest["accepted"]} == {dossier.ma_ho_so}


def test_open_api_without_keys_is_unmasked(build_hub, hub_api) -> None:  # type: ignore[no-untyped-def]
    """No key configured: a developer on loopback (``serve`` refuses another address),
    who holds every role."""
    hub = build_hub(connectors={})
    api: httpx.Client = hub_api(hub)
    event = sample_lifecycle("open-pd")[0]
    assert api.post("/api/v1/events", json=event.model_dump(mode="json")).status_code == 202
    answer = api.get(f"/api/v1/dossiers/{event.ma_ho_so}")
    assert_shown(answer.text, event.snapshot, masked=False)
