"""The client of a session + service envelope: log in for a session, then send every call
as one envelope to one URL.

Many ministry systems speak it (dvcqg, vantai, the scaffold's ``rest-session`` style):

* log in: ``POST <login> {credentials}`` (with the ``login_headers``) answers
  ``{error_code: "0", session}``;
* every call: ``POST <service> {session, <fields>, service, ...parameters}`` (with the
  call's headers) answers ``{error_code, message, ...}``;
* an answer whose ``error_code`` says the session expired (or was revoked) logs in
  again and re-sends the call (:attr:`SessionClient.renewals` counts them): once per
  call, and again only while the session refused had served other calls before it
  expired (:meth:`hub.credential.SharedCredential.refused`), as a session shared by
  many senders on a system that ends sessions after so many calls does. A fresh
  session refused is the caller's to report (the account, not the session, is refused);
* concurrent calls share one session (:class:`~hub.credential.SharedCredential`):
  one login for all the callers that found none, and a call told that its session
  expired after another caller had already logged in again uses the new session
  instead of logging in once more (:attr:`SessionClient.logins` counts the logins).

Transport and HTTP failures are mapped by :func:`~hub.errors.ministry_errors`; an
answer that is not a JSON object with ``error_code`` is a
:class:`~hub.errors.ContractError`; the system's own codes by its table
(``code -> (worth a retry?, its words)``) through :func:`~hub.errors.remote_error`,
with the ministry's message masked and cut. The pool is a
:class:`~hub.http.ConnectorHttp` (one ``httpx.AsyncClient`` per running loop, replies
bounded by ``max_reply_bytes``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from hub.credential import SharedCredential
from hub.errors import ContractError, HubError, ministry_errors, remote_error
from hub.http import ConnectorHttp
from hub.messages import Message, message

if TYPE_CHECKING:
    from hub.connector_settings import ConnectorSettings

__all__ = ["ErrorCodes", "SessionClient", "answer_code"]

#: ``error_code`` -> (transient?, its meaning: a coded message, or a function making one).
ErrorCodes = Mapping[str, tuple[bool, Message | Callable[[], Message]]]


def answer_code(answer: Mapping[str, Any]) -> str:
    """An answer's ``error_code`` as text (``0`` and ``"0 "`` are both ``"0"``)."""
    return str(answer.get("error_code")).strip()


class SessionClient:
    """One pooled client, the current session, and the system's error codes."""

    def __init__(
        self,
        settings: ConnectorSettings,
        path: str,
        *,
        system: str,
        login: str,
        credentials: Callable[[], Mapping[str, Any]],
        service: str,
        codes: ErrorCodes,
        login_headers: Mapping[str, str] | None = None,
        fields: Mapping[str, Any] | None = None,
        unknown: Callable[[str], Message] | None = None,
        ok: str = "0",
        expired: str = "-1",
    ) -> None:
        """:param path: the API's path under ``settings.base_url`` (``"/api/"``).
        :param login: the login's path under ``path``; ``service``: the calls' path.
        :param credentials: the login's body, read at each login (secrets stay in the
            settings until then).
        :param fields: fields every envelope carries after ``session`` (a unit code).
        :param unknown: the meaning of a code not in ``codes`` (default: the hub's
            ``rejected.remote_code``); such a code is never retried.
        """
        self.system = system
        self.ok = ok
        self.expired = expired
        #: Sessions renewed after the system said the session had expired.
        self.renewals = 0
        self.pool = ConnectorHttp(settings, path, system=system)
        self._login_path = login
        self._credentials = credentials
        self._login_headers = dict(login_headers or {})
        self._service_path = service
        self._fields = dict(fields or {})
        self._codes = codes
        self._unknown = unknown
        self._session = SharedCredential(self._login)

    async def call(
        self, service: str, params: Mapping[str, Any], headers: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        """The answer to ``service`` when its ``error_code`` is OK.

        :raises TransientError: transport failure, 429/5xx, a body that is not JSON, a
            transient code (busy).
        :raises RejectedError: refused credentials or any other ``error_code``.
        :raises ContractError: an answer without ``error_code``, a login without session.
        """
        answer = await self.send(service, params, headers)
        code = answer_code(answer)
        if code != self.ok:
            raise self.error(service, code, answer)
        return answer

    async def find(
        self,
        service: str,
        params: Mapping[str, Any],
        headers: Mapping[str, str] | None = None,
        *,
        not_found: str,
    ) -> dict[str, Any] | None:
        """Like :meth:`call`, but None when the ``error_code`` is ``not_found``."""
        answer = await self.send(service, params, headers)
        code = answer_code(answer)
        if code == not_found:
            return None
        if code != self.ok:
            raise self.error(service, code, answer)
        return answer

    async def send(
        self, service: str, params: Mapping[str, Any], headers: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        """The answer to ``service``, whatever its ``error_code`` (an expired session is
        renewed as the module doc says; an "expired" not renewed is returned): for
        callers that read codes."""
        renewed = 0
        while True:
            session = await self._session.get()
            body = {"session": session, **self._fields, "service": service, **params}
            answer = await self._post(self._service_path, body, headers or {})
            if answer_code(answer) != self.expired:
                self._session.served(session)
                return answer
            if not self._session.refused(session, renewed):  # log in again (shared)
                return answer
            renewed += 1
            self.renewals += 1

    @property
    def logins(self) -> int:
        """Logins started (the first, and one per session found expired)."""
        return self._session.fetches

    def error(self, operation: str, code: str, answer: Mapping[str, Any]) -> HubError:
        """The hub error for ``code`` (the system's message masked, at most 300 chars)."""
        known = self._codes.get(code)
        if known is None:
            transient = False
            meaning = (
                self._unknown(code)
                if self._unknown is not None
                else message("rejected.remote_code", system=self.system, code=code)
            )
        else:
            transient, made = known
            meaning = made if isinstance(made, Message) else made()
        detail = str(answer.get("message") or "")
        return remote_error(
            self.system, operation, meaning, detail, transient=transient, remote_code=code
        )

    async def aclose(self) -> None:
        """Close the running loop's client (a later call opens a new one)."""
        await self.pool.aclose()

    async def _login(self) -> tuple[str, None]:
        operation = self._login_path
        answer = await self._post(operation, dict(self._credentials()), self._login_headers)
        code = answer_code(answer)
        if code != self.ok:
            raise self.error(operation, code, answer)
        if not answer.get("session"):
            raise ContractError(
                message("contract.missing", operation=operation, field="session"),
                system=self.system,
            )
        return str(answer["session"]), None  # good until the system says it expired

    async def _post(
        self, path: str, body: Mapping[str, Any], headers: Mapping[str, str]
    ) -> dict[str, Any]:
        with ministry_errors(self.system):
            response = await self.pool.client().post(path, json=body, headers=dict(headers))
            response.raise_for_status()
            answer = response.json()
        if not isinstance(answer, dict) or "error_code" not in answer:
            raise ContractError(
                message("contract.missing", operation=path, field="error_code"),
                system=self.system,
            )
        return answer
