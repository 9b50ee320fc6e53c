"""hub.session_client.SessionClient against a small session + envelope server over real
loopback HTTP: one login for many calls, an expired session renewed once per call, the
system's codes mapped by its table, answers that break the envelope refused, and
concurrent calls sharing one session (one login for all; one more when it expires)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from fastapi import FastAPI, Request
from pydantic import SecretStr

from hub.connector_settings import ConnectorSettings
from hub.errors import ContractError, RejectedError, TransientError
from hub.messages import define_message, message
from hub.session_client import SessionClient

PASSWORD = "mat-khau-bi-mat"
UNKNOWN = define_message("test_session.unknown", vi="mã lạ {code}", en="odd code {code}")


class Settings(ConnectorSettings):
    password: SecretStr


class Ministry:
    """The server's state: what it answers next, and what it was sent."""

    def __init__(self) -> None:
        self.logins: list[tuple[dict[str, Any], dict[str, str]]] = []
        self.calls: list[tuple[dict[str, Any], dict[str, str]]] = []
        self.login_answer: dict[str, Any] | None = None
        self.answers: list[dict[str, Any]] = []  #: the next call answers, then {"error_code": 0}
        #: Like a system that keeps one session per account: a login ends the one before
        #: it, and a call with an ended session is answered "expired".
        self.one_session = False
        self.ended: set[str] = set()  #: sessions ended by the ministry itself
        self.login_seconds = 0.0  #: how long a login takes (so concurrent callers meet)
        self.max_calls: int | None = None  #: calls a session serves before it expires
        self.call_seconds = 0.0  #: how long a call takes ("expired" is answered at once)
        self.used: dict[str, int] = {}

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/api/login")
        async def login(request: Request) -> dict[str, Any]:
            self.logins.append((await request.json(), dict(request.headers)))
            session = f"s{len(self.logins)}"
            await asyncio.sleep(self.login_seconds)
            return self.login_answer or {"error_code": 0, "session": session}

        @app.post("/api/service")
        async def service(request: Request) -> Any:
            body = await request.json()
            self.calls.append((body, dict(request.headers)))
            current = f"s{len(self.logins)}"
            used = self.used[body["session"]] = self.used.get(body["session"], 0) + 1
            if (
                body["session"] in self.ended
                or (self.one_session and body["session"] != current)
                or (self.max_calls is not None and used > self.max_calls)
            ):
                return {"error_code": "-1", "message": "phiên đã hết hạn"}
            await asyncio.sleep(self.call_seconds)
            return self.answers.pop(0) if self.answers else {"error_code": "0", "result": 1}

        return app


@pytest.fixture
def ministry() -> Ministry:
    return Ministry()


@pytest.fixture
def client(ministry: Ministry, serve_app: Any) -> SessionClient:
    settings = Settings(
        base_url=str(serve_app(ministry.app()).url).rstrip("/"),
        password=SecretStr(PASSWORD),
        timeout_seconds=5,
    )
    return SessionClient(
        settings,
        "/api/",
        system="demo",
        login="login",
        login_headers={"dstcode": "H34"},
        credentials=lambda: {"username": "tinh", "password": settings.password.get_secret_value()},
        service="service",
        fields={"madonvi": "000.00.22.H34"},
        codes={
            "1": (False, message("rejected.credentials", system="demo", setting="password")),
            "99": (True, lambda: message("transient.busy", system="demo")),
        },
        unknown=lambda code: UNKNOWN(code=code),
    )


def run(client: SessionClient, call: Callable[[], Awaitable[Any]]) -> Any:
    async def scenario() -> Any:
        try:
            return await call()
        finally:
            await client.aclose()

    return asyncio.run(scenario())


def test_one_login_serves_many_calls_and_the_envelope_keeps_its_order(
    client: SessionClient, ministry: Ministry
) -> None:
    async def two() -> list[dict[str, Any]]:
        first = await client.call("TraCuu", {"mahoso": "H1"}, {"Idempotency-Key": "k1"})
        return [first, await client.call("TraCuu", {"mahoso": "H2"})]

    assert [a["result"] for a in run(client, two)] == [1, 1]
    assert len(ministry.logins) == 1 and client.renewals == 0
    body, headers = ministry.logins[0]
    assert body == {"username": "tinh", "password": PASSWORD}
    assert headers["dstcode"] == "H34"
    sent = [list(b) for b, _ in ministry.calls]
    assert sent == [["session", "madonvi", "service", "mahoso"]] * 2
    assert ministry.calls[0][0]["session"] == "s1" and ministry.calls[0][0]["service"] == "TraCuu"
    assert ministry.calls[0][1]["idempotency-key"] == "k1"
    assert "idempotency-key" not in ministry.calls[1][1] and "dstcode" not in ministry.calls[0][1]


def test_an_expired_session_is_renewed_once_and_the_call_re_sent(
    client: SessionClient, ministry: Ministry
) -> None:
    ministry.answers = [{"error_code": -1}]
    assert run(client, lambda: client.call("TraCuu", {}))["result"] == 1
    assert (len(ministry.logins), len(ministry.calls), client.renewals) == (2, 2, 1)
    assert ministry.calls[1][0]["session"] == "s2"


def test_a_second_expired_answer_is_not_renewed_again(
    client: SessionClient, ministry: Ministry
) -> None:
    ministry.answers = [{"error_code": "-1"}, {"error_code": " -1 ", "message": "hết phiên"}]
    with pytest.raises(RejectedError) as caught:
        run(client, lambda: client.call("TraCuu", {}))
    assert caught.value.remote_code == "-1" and "odd code -1" in str(caught.value)
    assert (len(ministry.logins), len(ministry.calls)) == (2, 2)


@pytest.mark.parametrize(
    ("answer", "error", "words"),
    [
        ({"error_code": 99}, TransientError, "busy"),
        ({"error_code": "7", "message": "không rõ"}, RejectedError, "odd code 7"),
        ({"result": 1}, ContractError, "error_code"),
        (["not", "an", "object"], ContractError, "error_code"),
    ],
    ids=["table-transient", "unknown-code", "no-code", "not-an-object"],
)
def test_answers_map_to_the_error_classes(
    client: SessionClient, ministry: Ministry, answer: Any, error: type, words: str
) -> None:
    ministry.answers = [answer]
    with pytest.raises(error, match=words):
        run(client, lambda: client.call("TraCuu", {}))


def test_find_gives_none_for_the_not_found_code(client: SessionClient, ministry: Ministry) -> None:
    ministry.answers = [{"error_code": "3"}]
    assert run(client, lambda: client.find("TraCuu", {}, not_found="3")) is None
    ministry.answers = [{"error_code": "3"}]
    with pytest.raises(RejectedError, match="odd code 3"):
        run(client, lambda: client.find("TraCuu", {}, not_found="4"))


def test_a_refused_login_is_mapped_by_the_table(client: SessionClient, ministry: Ministry) -> None:
    ministry.login_answer = {"error_code": 1, "message": "sai mật khẩu"}
    with pytest.raises(RejectedError) as caught:
        run(client, lambda: client.call("TraCuu", {}))
    assert caught.value.remote_code == "1" and "login" in str(caught.value)
    assert ministry.calls == [], "nothing is sent without a session"


def test_a_login_without_a_session_breaks_the_contract(
    client: SessionClient, ministry: Ministry
) -> None:
    ministry.login_answer = {"error_code": 0}
    with pytest.raises(ContractError, match="session"):
        run(client, lambda: client.call("TraCuu", {}))


def test_concurrent_calls_share_one_login_and_one_renewal(
    client: SessionClient, ministry: Ministry
) -> None:
    """Eight calls at once on a system with one session per account: had each caller
    logged in by itself, every login would end the session of the caller before it."""
    ministry.one_session, ministry.login_seconds = True, 0.05

    async def wave() -> list[dict[str, Any]]:
        return list(await asyncio.gather(*(client.call("TraCuu", {"i": i}) for i in range(8))))

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        first = await wave()
        ministry.ended.add("s1")  # the ministry ends the session: all eight are told so
        return first, await wave()

    first, second = run(client, scenario)
    assert [a["error_code"] for a in first + second] == ["0"] * 16
    assert len(ministry.logins) == 2 == client.logins
    assert client.renewals == 8, "each call of the second wave was renewed once"
    sessions = [b["session"] for b, _ in ministry.calls]
    assert sessions[:8] == ["s1"] * 8 and sessions[8:16] == ["s1"] * 8
    assert sessions[16:] == ["s2"] * 8


async def waves_of_eight(client: SessionClient, waves: int) -> list[dict[str, Any]]:
    """``waves`` times, eight calls at once (the worker's senders); their answers."""
    answers: list[dict[str, Any]] = []
    for _ in range(waves):
        answers += await asyncio.gather(*(client.call("TraCuu", {}) for _ in range(8)))
    return answers


def test_a_shared_session_used_up_by_other_calls_is_renewed_again(
    client: SessionClient, ministry: Ministry
) -> None:
    """Sessions that end after three calls, eight senders sharing each: a call may find
    the session it was renewed with already used up by the others. That session had
    served calls, so the call renews again (the account is fine); no call fails."""
    ministry.max_calls, ministry.login_seconds = 3, 0.01
    answers = run(client, lambda: waves_of_eight(client, 4))
    assert [a["error_code"] for a in answers] == ["0"] * 32
    expired = sum(max(0, n - 3) for n in ministry.used.values())
    assert client.renewals == expired and len(ministry.calls) == 32 + expired
    assert len(ministry.logins) == client.logins >= 11  # a session serves 3 of the 32


def test_a_refusal_that_arrives_before_the_others_answers_is_renewed_too(
    client: SessionClient, ministry: Ministry
) -> None:
    """The ministry answers "expired" at once but takes a while over a real call: a call
    refused with a session shared by others hears so before any of them is answered.
    The session was handed to other calls too, so it is an ordinary expiry."""
    ministry.max_calls, ministry.call_seconds = 3, 0.03
    answers = run(client, lambda: waves_of_eight(client, 3))
    assert [a["error_code"] for a in answers] == ["0"] * 24
