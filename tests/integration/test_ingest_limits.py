"""Ingest refuses at the door what the hub cannot carry (issue #23): each kind of bad
value is a 422 naming the field, over real HTTP, with no value echoed; what is accepted
at the edges is read back from the database (the worker's path) on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import httpx
import pytest

from hub.api import create_app
from hub.fields import INT64_MAX, JSON_MAX_DEPTH
from hub.models import DossierEvent
from hub.service import Hub
from hub.settings import ApiSettings, HubSettings, RouteRule
from hub.testing.samples import sample_lifecycle

from .recording import RecordingConnector

CCCD_IN_NAME = "079201001234"


def make_hub(database_url: str) -> Hub:
    settings = HubSettings(
        database_url=database_url,
        api=ApiSettings(max_body_bytes=1024 * 1024, max_batch_events=50),
        routes=[RouteRule(connector="rec", ma_tthc=["1.001776", "1.001731"])],
    )
    return Hub(settings, connectors={"rec": RecordingConnector()})


@pytest.fixture
def api(tmp_path, serve_app):  # type: ignore[no-untyped-def]
    hub = make_hub(f"sqlite:///{tmp_path / 'api.db'}")
    server = serve_app(create_app(hub))
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield hub, client
    hub.engine.dispose()


def received(seed: str) -> dict[str, Any]:
    """The first event of a lifecycle (dossier received), as the province sends it."""
    return sample_lifecycle(seed)[0].model_dump(mode="json", exclude={"sequence"})


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


def post(client: httpx.Client, body: dict[str, Any]) -> httpx.Response:
    # json.dumps writes NaN/Infinity as the bare words, like a careless client would
    return client.post(
        "/api/v1/events",
        content=json.dumps(body, ensure_ascii=False).encode(),
        headers={"content-type": "application/json"},
    )


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node: Any = data
    for p in parents:
        node = node[int(p)] if p.isdigit() else node[p]
    node[last] = value


CASES = [
    # (what, field path, value, error type)
    ("CCCD in fullwidth digits", "snapshot.chu_ho_so.so_giay_to", "０７９２０１００１２３４",
     "id_number_format"),
    ("CCCD in Arabic-Indic digits", "snapshot.chu_ho_so.so_giay_to", "٠٧٩٢٠١٠٠١٢٣٤",
     "id_number_format"),
    ("CCCD all zeros", "snapshot.chu_ho_so.so_giay_to", "000000000000", "id_number_zero"),
    ("CCCD of no province", "snapshot.chu_ho_so.so_giay_to", "098201001234",
     "id_number_province"),
    ("NUL in a name", "snapshot.chu_ho_so.ho_ten", "Nguyễn\x00Văn An", "text_character"),
    ("control character in a name", "snapshot.chu_ho_so.ho_ten", "Nguyễn\x07Văn An",
     "text_character"),
    ("bidi override in a name", "snapshot.chu_ho_so.ho_ten", "Nguyễn\u202eVăn An",
     "text_character"),
    ("zero-width space in a name", "snapshot.chu_ho_so.ho_ten", "Nguyễn\u200bVăn An",
     "text_character"),
    ("NUL in free text", "snapshot.trich_yeu", "Xin cấp\x00", "text_character"),
    ("year 1 with +14:00", "occurred_at", "0001-01-01T00:00:00+14:00", "date_range"),
    ("year 9999 appointment", "snapshot.ngay_hen_tra", "9999-12-31T10:00:00+07:00",
     "date_range"),
    ("year 1 reception", "snapshot.ngay_tiep_nhan", "0001-01-01T00:00:00+07:00", "date_range"),
    ("birth in 1850", "snapshot.chu_ho_so.ngay_sinh", "1850-01-01", "birth_date_range"),
    ("extra nested 250 deep", "snapshot.extra", nested(250), "json_too_deep"),
    ("extra nested 33 deep", "snapshot.extra", nested(JSON_MAX_DEPTH + 1), "json_too_deep"),
    ("NaN in extra", "snapshot.extra", {"x": float("nan")}, "json_not_finite"),
    ("Infinity in extra", "snapshot.extra", {"x": [float("inf")]}, "json_not_finite"),
    ("integer past 64 bits in extra", "snapshot.extra", {"x": 2**64}, "json_int_range"),
    ("name too long", "snapshot.chu_ho_so.ho_ten", "A" * 201, "string_too_long"),
    ("fee past BIGINT", "snapshot.le_phi", [{"ten": "Lệ phí", "so_tien": INT64_MAX + 1}],
     "less_than_equal"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("path", "value", "kind"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_value_is_422_naming_the_field(api, path: str, value: Any, kind: str) -> None:  # type: ignore[no-untyped-def]
    hub, client = api
    body = received(f"limits-{kind}-{path}")
    set_path(body, path, value)
    r = post(client, body)
    assert r.status_code == 422, r.text
    errors = r.json()["errors"]
    assert len(errors) == 1, errors
    [error] = errors
    expected_loc = path + (".0.so_tien" if path == "snapshot.le_phi" else "")
    assert error["loc"] == expected_loc.replace(".0.", "[0].")
    assert error["type"] == kind
    assert error["message_vi"] and error["message_en"]
    if isinstance(value, str) and len(value) < 100:
        assert value not in r.text  # no value echoed
    assert hub.store.list_jobs() == []  # nothing of it stored


def test_a_cccd_in_an_extra_key_is_not_echoed(api) -> None:  # type: ignore[no-untyped-def]
    _hub, client = api
    body = received("limits-key")
    body["snapshot"]["extra"] = {f"so {CCCD_IN_NAME}": {"x": float("nan")}}
    r = post(client, body)
    assert r.status_code == 422 and CCCD_IN_NAME not in r.text
    assert r.json()["errors"][0]["loc"] == "snapshot.extra"


def test_nan_sent_as_bare_json_word_is_422(api) -> None:  # type: ignore[no-untyped-def]
    _hub, client = api
    raw = json.dumps(received("limits-nan")).replace('"extra": {}', '"extra": {"v": NaN}')
    assert "NaN" in raw
    r = client.post(
        "/api/v1/events", content=raw.encode(), headers={"content-type": "application/json"}
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["loc"] == "snapshot.extra"
    assert r.json()["errors"][0]["type"] == "json_not_finite"


def test_nfd_text_is_stored_as_nfc(api) -> None:  # type: ignore[no-untyped-def]
    hub, client = api
    body = received("limits-nfc")
    name = "Nguyễn Thị Hồng Nhung"
    body["snapshot"]["chu_ho_so"]["ho_ten"] = unicodedata.normalize("NFD", name)
    assert post(client, body).status_code == 202
    [event] = hub.store.load_events([body["id"]]).values()
    assert event.snapshot.chu_ho_so.ho_ten == name


def test_values_at_the_edges_are_carried_and_read_back(db_url: str) -> None:
    """What ingest accepts at its limits, the worker reads back on both databases."""
    hub = make_hub(db_url)
    body = received("limits-edges")
    body["occurred_at"] = "1900-01-01T00:00:00+14:00"
    body["snapshot"]["ngay_hen_tra"] = "2100-12-31T23:59:59-12:00"
    body["snapshot"]["extra"] = {"deep": nested(JSON_MAX_DEPTH - 1), "big": INT64_MAX}
    body["snapshot"]["le_phi"] = [{"ten": "Lệ phí", "so_tien": INT64_MAX}]
    body["snapshot"]["trich_yeu"] = "Dòng một\nDòng hai\tcột"
    event = DossierEvent.model_validate(body)
    try:
        hub.store.ingest([event], hub.router.targets)
        [back] = hub.store.load_events([event.id]).values()
    finally:
        hub.engine.dispose()
    # occurred_at is read back (the same instant on both databases is the UTC test of #23)
    assert back.occurred_at.tzinfo is not None
    assert back.snapshot.ngay_hen_tra == event.snapshot.ngay_hen_tra
    assert back.snapshot.extra == event.snapshot.extra
    assert back.snapshot.le_phi[0].so_tien == INT64_MAX
    assert back.snapshot.trich_yeu == "Dòng một\nDòng hai\tcột"
