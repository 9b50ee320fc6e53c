"""The conformance suite catches misbehaving connectors.

A tiny ministry ("toy") is defined here: a mock following the ``/_mock``
conventions (with the shared fault middleware) and a connector that conforms.
The whole suite passes for the good connector; each broken variant, a subclass
that makes one classic mistake, fails the check that is meant to catch it.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import date, datetime
from typing import Any

import httpx
import pytest
import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from hub.connector import (
    Capability,
    Health,
    Period,
    PullBatch,
    PulledDossier,
    PushResult,
    RemoteDossier,
    RemoteRecord,
    idempotency_key,
)
from hub.errors import HubError, MappingError, PermanentError, TransientError, ministry_errors
from hub.models import Dossier, DossierEvent, Origin, ProcessStep, Status
from hub.testing import SuiteConfig, conformance_tests
from hub.testing.conformance import CHECKS, SuiteContext, build_checks
from hub.testing.mock.faults import Fault, FaultInjector, FaultMiddleware
from hub.testing.mock.server import RunningServer
from hub.testing.samples import sample_dossier

log = structlog.get_logger("toy")

# --- the toy ministry ------------------------------------------------------------

_REQUIRED = {"ma_ho_so": str, "ma_tthc": str, "status": int, "id_number": str}


TOY_KEY = "toy-key"


def create_toy_app() -> Any:
    """A stateful toy ministry: push (idempotent by key), lookup, pull/ack, paged listing
    by period, an API key; and the ``/_mock`` admin API the suite drives."""
    app = FastAPI()
    state: dict[str, Any] = {}
    injector = FaultInjector()

    def reset() -> None:
        state.update(records={}, keys=set(), received=[], inbox={}, requests=0, dup=0, bad=[],
                     key=TOY_KEY)  # fmt: skip
        injector.reset()

    reset()

    @app.middleware("http")
    async def count(request: Request, call_next: Any) -> Any:
        if not request.url.path.startswith("/_mock/"):
            state["requests"] += 1
            if request.headers.get("X-Api-Key") != state["key"]:
                return JSONResponse({"error": "bad key"}, 401)
        return await call_next(request)

    @app.post("/push")
    async def push(request: Request) -> Any:
        body = await request.json()
        for key, kind in _REQUIRED.items():
            if not isinstance(body.get(key), kind):
                state["bad"].append({"path": "/push", "field": key})
        key = request.headers.get("Idempotency-Key")
        if key in state["keys"]:
            state["dup"] += 1
            return {"ok": True, "duplicate": True}
        state["keys"].add(key)
        record = state["records"].setdefault(body["ma_ho_so"], {"history": []})
        record.update(status=body["status"], ma_tthc=body.get("ma_tthc"),
                      updated_at=datetime.now().astimezone().isoformat())  # fmt: skip
        if body.get("step"):
            record["history"].append(body["step"])
        state["received"].append(
            {"seq": len(state["received"]) + 1, "operation": "push",
             "ma_ho_so": body["ma_ho_so"], "idempotency_key": key, "status_id": body["status"]}
        )  # fmt: skip
        return {"ok": True}

    @app.get("/records/{ma_ho_so}")
    async def lookup(ma_ho_so: str) -> Any:
        record = state["records"].get(ma_ho_so)
        return JSONResponse({"found": False}, 404) if record is None else record

    @app.post("/pull")
    async def pull(request: Request) -> Any:
        cursor = int((await request.json()).get("cursor") or 0)
        pending = sorted(state["inbox"])
        page = [k for k in pending if k > cursor][:2]
        return {
            "items": [{"id": k, "dossier": state["inbox"][k]} for k in page],
            "cursor": str(page[-1]) if page else str(cursor),
            "more": bool(page) and page[-1] < pending[-1],
        }

    @app.post("/ack")
    async def ack(request: Request) -> Any:
        for remote_id in (await request.json())["ids"]:
            state["inbox"].pop(int(remote_id), None)
        return {"ok": True}

    @app.get("/list")
    async def listing(start: date, end: date, page: int, size: int) -> Any:
        rows = [
            {"ma_ho_so": k, "status": v["status"]}
            for k, v in state["records"].items()
            if start <= datetime.fromisoformat(v["updated_at"]).date() <= end
        ]
        return {"total": len(rows), "rows": rows[(page - 1) * size : page * size]}

    @app.get("/health")
    async def health() -> Any:
        return {"ok": True}

    @app.post("/_mock/reset")
    async def mock_reset() -> Any:
        reset()
        return {"ok": True}

    @app.post("/_mock/faults")
    async def mock_faults(request: Request) -> Any:
        injector.set([Fault(**f) for f in (await request.json())["faults"]])
        return {"ok": True}

    @app.delete("/_mock/faults")
    async def mock_clear() -> Any:
        injector.clear()
        return {"ok": True}

    @app.get("/_mock/stats")
    async def mock_stats() -> Any:
        return {
            "requests": state["requests"], "accepted": len(state["received"]),
            "duplicates": state["dup"], "records": len(state["records"]),
            "contract_violations": state["bad"], "faults_injected": dict(injector.injected),
        }  # fmt: skip

    @app.get("/_mock/records/{ma_ho_so}")
    async def mock_record(ma_ho_so: str) -> Any:
        return await lookup(ma_ho_so)

    @app.post("/_mock/records")
    async def mock_put_records(request: Request) -> Any:
        for item in (await request.json())["records"]:
            state["records"][item["ma_ho_so"]] = {
                "status": item["trang_thai"], "ma_tthc": item["ma_tthc"],
                "history": item["history"], "updated_at": item["updated_at"],
            }  # fmt: skip
        return {"ok": True}

    @app.post("/_mock/credentials")
    async def mock_credentials(request: Request) -> Any:
        state["key"] = (await request.json())["accept_key"]
        return {"ok": True}

    @app.get("/_mock/received")
    async def mock_received() -> Any:
        return state["received"]

    @app.post("/_mock/seed")
    async def mock_seed(request: Request) -> Any:
        body = await request.json()
        codes = []
        for n in range(1, body["count"] + 1):
            dossier = sample_dossier(
                f"toy:{body['seed']}:{n}", status=Status.MOI_DANG_KY, seq=9000 + n,
                origin=Origin.MINISTRY,
            )  # fmt: skip
            state["inbox"][len(state["inbox"]) + 1000] = dossier.model_dump(mode="json")
            codes.append(dossier.ma_ho_so)
        return codes

    return FaultMiddleware(app, injector)


# --- a conforming toy connector --------------------------------------------------------


class ToyConnector:
    """Conforms: maps before sending, idempotent, masks, classifies faults with ministry_errors."""

    name = "toy"
    title = "Toy ministry"
    capabilities = frozenset({Capability.PUSH, Capability.PULL, Capability.FETCH, Capability.LIST})

    def __init__(self, base_url: str, timeout: float = 5.0) -> None:
        self._http = httpx.AsyncClient(
            base_url=base_url, timeout=timeout, trust_env=False, headers={"X-Api-Key": TOY_KEY}
        )

    def body(self, dossier: Dossier) -> dict[str, Any]:
        if dossier.chu_ho_so.so_giay_to is None:
            raise MappingError(
                "toy needs số giấy tờ", field="chu_ho_so.so_giay_to", system=self.name
            )
        step = dossier.qua_trinh[-1].model_dump(mode="json") if dossier.qua_trinh else None
        return {
            "ma_ho_so": dossier.ma_ho_so, "ma_tthc": dossier.ma_tthc,
            "status": int(dossier.trang_thai), "id_number": dossier.chu_ho_so.so_giay_to,
            "step": step,
        }  # fmt: skip

    def key(self, event: DossierEvent) -> str:
        return idempotency_key(self.name, event)

    async def call(self, method: str, url: str, **kwargs: Any) -> Any:
        with ministry_errors(self.name):
            response = await self._http.request(method, url, **kwargs)
            if response.status_code == 404:
                return None
            response.raise_for_status()
            return response.json()

    async def push(self, event: DossierEvent, dossier: Dossier) -> PushResult:
        body = self.body(dossier)
        log.info("toy_push", ma_ho_so=dossier.ma_ho_so, status=int(dossier.trang_thai))
        answer = await self.call(
            "POST", "/push", json=body, headers={"Idempotency-Key": self.key(event)}
        )
        return PushResult(remote_code="ok", request_excerpt=body, response_excerpt=answer)

    async def pull(self, since: str | None) -> PullBatch:
        answer = await self.call("POST", "/pull", json={"cursor": since})
        items = [
            PulledDossier(remote_id=str(i["id"]), dossier=Dossier.model_validate(i["dossier"]))
            for i in answer["items"]
        ]
        return PullBatch(items=items, cursor=answer["cursor"], more=answer["more"])

    async def acknowledge(self, remote_ids: list[str]) -> None:
        await self.call("POST", "/ack", json={"ids": remote_ids})

    async def fetch(self, ma_ho_so: str) -> RemoteDossier | None:
        record = await self.call("GET", f"/records/{ma_ho_so}")
        if record is None:
            return None
        history = [ProcessStep.model_validate(s) for s in record["history"]]
        return RemoteDossier(
            ma_ho_so=ma_ho_so, trang_thai=Status(record["status"]), history=history
        )

    async def list_remote(self, period: Period) -> AsyncIterator[RemoteRecord]:
        page = 1
        while True:
            params = {"start": period.start.isoformat(), "end": period.end.isoformat(),
                      "page": page, "size": 2}  # fmt: skip
            answer = await self.call("GET", "/list", params=params)
            for row in answer["rows"]:
                yield RemoteRecord(row["ma_ho_so"], None, Status(row["status"]))
            if page * 2 >= answer["total"]:
                return
            page += 1

    async def health(self) -> Health:
        try:
            await self.call("GET", "/health")
        except HubError as exc:
            return Health(ok=False, detail=str(exc))
        return Health(ok=True)

    async def aclose(self) -> None:
        await self._http.aclose()


def fast_toy(base_url: str) -> ToyConnector:
    return ToyConnector(base_url, timeout=0.5)


TOY_CONFIG = SuiteConfig(fast_timeout_factory=fast_toy, list_page_size=2)

#: The whole suite, against the conforming toy connector: every check passes.
TestToyConformance = conformance_tests(ToyConnector, mock_app=create_toy_app, config=TOY_CONFIG)


# --- broken connectors, one mistake each --------------------------------------------


class ServerErrorIsPermanent(ToyConnector):
    """Dead-letters a 500 instead of retrying it."""

    async def call(self, method: str, url: str, **kwargs: Any) -> Any:
        try:
            return await super().call(method, url, **kwargs)
        except TransientError as exc:
            if exc.code == "http_500":
                raise PermanentError("toy failed", system=self.name) from exc
            raise


class LogsTheName(ToyConnector):
    """Logs the citizen's name under a key masking does not know."""

    async def push(self, event: DossierEvent, dossier: Dossier) -> PushResult:
        log.info("toy_push_for", owner=dossier.chu_ho_so.ho_ten)
        return await super().push(event, dossier)


class LogsTheCccd(ToyConnector):
    """Logs the CCCD under a personal key: masked when rendered, but still put in the log call."""

    async def push(self, event: DossierEvent, dossier: Dossier) -> PushResult:
        log.info("toy_push_for", so_giay_to=dossier.chu_ho_so.so_giay_to)
        return await super().push(event, dossier)


class NewKeyEachTime(ToyConnector):
    """Sends a fresh idempotency key on every push: a re-send creates a second write."""

    def key(self, event: DossierEvent) -> str:
        return uuid.uuid4().hex


class SendsBeforeMapping(ToyConnector):
    """Sends the request, then discovers the dossier cannot be mapped."""

    def body(self, dossier: Dossier) -> dict[str, Any]:
        return {"ma_ho_so": dossier.ma_ho_so, "status": int(dossier.trang_thai)}

    async def push(self, event: DossierEvent, dossier: Dossier) -> PushResult:
        result = await super().push(event, dossier)
        super().body(dossier)
        return result


class NameInTheError(ToyConnector):
    """Puts the citizen's name in the error reason (masking cannot catch names by shape)."""

    async def push(self, event: DossierEvent, dossier: Dossier) -> PushResult:
        try:
            return await super().push(event, dossier)
        except TransientError as exc:
            raise TransientError(
                f"toy failed for {dossier.chu_ho_so.ho_ten}", system=self.name
            ) from exc


class BreaksTheContract(ToyConnector):
    """Leaves out a field the contract requires."""

    def body(self, dossier: Dossier) -> dict[str, Any]:
        body = super().body(dossier)
        del body["ma_tthc"]
        return body


class NeverAcknowledges(ToyConnector):
    """Forgets to acknowledge: pulled dossiers come back on every pull."""

    async def acknowledge(self, remote_ids: list[str]) -> None:
        return None


class WrongFinalStatus(ToyConnector):
    """Reads the status off by one."""

    async def fetch(self, ma_ho_so: str) -> RemoteDossier | None:
        remote = await super().fetch(ma_ho_so)
        if remote is None or remote.trang_thai is None:
            return remote
        return RemoteDossier(ma_ho_so, Status(remote.trang_thai - 1), remote.history)


class ListsAList(ToyConnector):
    """``list_remote`` returns a list, not an async iterator."""

    def list_remote(self, period: Period) -> Any:  # type: ignore[override]
        return []


class ListsPages(ToyConnector):
    """Lists a page at a time as well, rightly: the same records in the same order."""

    async def list_remote_pages(self, period: Period) -> AsyncIterator[list[RemoteRecord]]:
        page: list[RemoteRecord] = []
        async for record in self.list_remote(period):
            page.append(record)
            if len(page) == 2:
                yield page
                page = []
        if page:
            yield page


class PagesLoseTheLast(ListsPages):
    """``list_remote_pages`` drops the last page's last record (a short page mishandled)."""

    async def list_remote_pages(self, period: Period) -> AsyncIterator[list[RemoteRecord]]:
        pages = [page async for page in super().list_remote_pages(period)]
        pages[-1] = pages[-1][:-1]
        for page in pages:
            yield page


class PagesInAnotherOrder(ListsPages):
    """``list_remote_pages`` yields its pages last first."""

    async def list_remote_pages(self, period: Period) -> AsyncIterator[list[RemoteRecord]]:
        pages = [page async for page in super().list_remote_pages(period)]
        for page in reversed(pages):
            yield page


class PushOnly(ToyConnector):
    """Declares only PUSH: the pull, fetch and list checks are skipped."""

    capabilities = frozenset({Capability.PUSH})


@pytest.fixture(scope="module")
def toy_server() -> Iterator[RunningServer]:
    from hub.testing.mock.server import start_server

    server = start_server(create_toy_app())
    yield server
    server.stop()


@pytest.fixture
def run_check(toy_server: RunningServer) -> Iterator[Callable[[str, Any], None]]:
    contexts: list[SuiteContext] = []

    def _run(name: str, factory: Any) -> None:
        ctx = SuiteContext(toy_server.url, factory, TOY_CONFIG)
        contexts.append(ctx)
        ctx.reset()
        check = next(c for c in build_checks(TOY_CONFIG) if c.name == name)
        ctx.require(check.requires)
        check.check(ctx)

    yield _run
    for ctx in contexts:
        ctx.close()


@pytest.mark.parametrize(
    ("connector", "check", "message"),
    [
        # a 500 must be retried, not dead-lettered
        (ServerErrorIsPermanent, "fault_http_500", "raised PermanentError, expected Transient"),
        # capture_logs sees what the connector put in the call, before masking
        (LogsTheName, "logs", "full name of chủ hồ sơ"),
        (LogsTheCccd, "logs", "CCCD of chủ hồ sơ"),
        # a re-send with another key is written twice
        (NewKeyEachTime, "idempotent_repush", "not idempotency_key"),
        # the mapping must fail before anything is sent
        (SendsBeforeMapping, "invalid_dossier", "a request was sent"),
        # error reasons are masked by shape only: a name gets through
        (NameInTheError, "fault_http_503", "full name of chủ hồ sơ"),
        # the mock validates every request against the contract
        (BreaksTheContract, "contract", "broke the contract"),
        (NeverAcknowledges, "pull_acknowledge", "acknowledged dossiers came back"),
        (WrongFinalStatus, "fetch_after_push", "fetch says status"),
        (ListsAList, "list_remote", "async iterator"),
        # a reconciliation reads list_remote_pages: it must list what list_remote does
        (PagesLoseTheLast, "list_period", "same records in the same order"),
        (PagesInAnotherOrder, "list_period", "same records in the same order"),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else (v if v in CHECKS else "msg"),
)
def test_suite_catches(
    run_check: Callable[[str, Any], None], connector: type, check: str, message: str
) -> None:
    with pytest.raises(AssertionError, match=message):
        run_check(check, connector)


def test_pages_that_agree_with_list_remote_pass(run_check: Callable[[str, Any], None]) -> None:
    run_check("list_period", ListsPages)


@pytest.mark.parametrize("check", ["pull_acknowledge", "fetch_after_push", "list_remote"])
def test_undeclared_capability_is_skipped_with_reason(
    run_check: Callable[[str, Any], None], check: str
) -> None:
    with pytest.raises(pytest.skip.Exception, match="toy does not declare"):
        run_check(check, PushOnly)


def test_one_check_per_configured_fault() -> None:
    names = [c.name for c in build_checks(TOY_CONFIG)]
    assert len(names) == len(set(names))
    assert {"fault_http_500", "fault_timeout", "fault_reset", "fault_malformed"} <= set(CHECKS)
