"""The hub's errors.

::

    HubError                 every error the hub raises on purpose
      x TransientError       retry later: timeout, connection, 429, 5xx, "busy" fault
      x PermanentError       dead-letter; .reason tells a person what to fix
        + MappingError       our dossier lacks what the ministry requires
        + RejectedError      the ministry refused (its code and message kept)
        + ContractError      the reply breaks contract/
      x ConfigError          bad settings at start-up; never reaches a job
      x IngestError          an event the hub cannot accept (4xx on the API)
      x ActionRefused        an operator action the rules refuse (4xx on the API)
      x RequestRefused       a request the API refuses: unknown id, missing key or role

Each class carries the HTTP status the API answers with (``http_status``, refined
per ``code`` by ``status_by_code``; an instance's ``status`` is the one to use): a
client's mistake is a 4xx, a ministry's failure a 502 or 503, the hub's own a 500.

Every error carries ``system`` (the connector), ``code`` (a short machine class:
``timeout``, ``http_503``, ``mapping``, ...) and a ``reason`` in words a person
can act on. Reasons never contain a CCCD, phone number, birth date or name:
they are masked on construction as a second line of defence.

The API's JSON error body is built in one place, :func:`error_body`, from the errors
themselves (``{"errors": [{"loc", "type", "message_vi", "message_en"}]}``);
``hub.routes.error_response`` answers with it and the error's status. A route (a
plugin's too) raises one of these and the API's handler answers.

Connectors raise these from their client module; :func:`ministry_errors` maps
httpx's exceptions to them so each connector only adds its fault-code table.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar

import httpx

from hub.masking import mask_text
from hub.messages import Message

#: What an error's reason may be: coded words (hub.messages) or plain text. Plain text
#: is for a ministry's own words and for code outside hub/ and connectors/ only
#: (tests/unit/test_messages.py refuses a plain-text reason there).
Reason = str | Message

__all__ = [
    "ActionRefused",
    "ConfigError",
    "ContractError",
    "EventConflict",
    "HubError",
    "IngestError",
    "MappingError",
    "PermanentError",
    "RejectedError",
    "RequestRefused",
    "TransientError",
    "error_body",
    "error_entry",
    "ministry_errors",
    "remote_error",
]


class HubError(Exception):
    """Base of the hub's errors."""

    default_code = "error"
    #: The HTTP status the API answers with, unless ``status_by_code`` names the code.
    http_status: ClassVar[int] = 500
    status_by_code: ClassVar[dict[str, int]] = {}
    #: Vietnamese words per ``code`` for the error body; else hub.i18n's, else the reason.
    messages_vi: ClassVar[dict[str, str]] = {}

    def __init__(
        self,
        reason: Reason,
        *,
        system: str | None = None,
        code: str | None = None,
        status: int | None = None,
        loc: str | None = None,
    ) -> None:
        #: The coded reason (plain text is kept as the code ``text``).
        self.message = reason if isinstance(reason, Message) else _text(reason)
        self.system = system
        self.code = code or self.default_code
        #: The HTTP status for this error (see :func:`hub.routes.error_response`).
        self.status = status or self.status_by_code.get(self.code, self.http_status)
        #: Where in the request the fault is (``events[3].snapshot.ma_tthc``), if anywhere.
        self.loc = loc
        super().__init__(self.message.en)

    @property
    def reason(self) -> str:
        """The reason in the reader's language (``TTHC_HUB_LANG``), masked."""
        return self.message.render()

    def stored(self) -> str:
        """The coded reason as the database keeps it (hub.messages.render_stored)."""
        return self.message.dumps()

    def __str__(self) -> str:
        """In English, for logs and tracebacks; :meth:`describe` for a reader."""
        where = f"[{self.system}] " if self.system else ""
        return f"{where}{self.code}: {self.message.en}"

    def describe(self, language: str | None = None) -> str:
        """The error for a reader: ``[system] class: reason`` in ``language``."""
        from hub.i18n import error_class_words

        where = f"[{self.system}] " if self.system else ""
        words = error_class_words(self.code, language)
        return f"{where}{words}: {self.message.render(language)}"


class TransientError(HubError):
    """The call may succeed later: the job is retried with backoff."""

    default_code = "transient"
    http_status = 503

    def __init__(
        self,
        reason: Reason,
        *,
        system: str | None = None,
        code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(reason, system=system, code=code)
        self.retry_after = retry_after


class PermanentError(HubError):
    """Retrying cannot help: the job goes to ``dead`` with this reason."""

    default_code = "permanent"
    http_status = 502  # a ministry's refusal, passed on as a bad gateway


class MappingError(PermanentError):
    """The dossier lacks something the ministry requires; ``field`` says where."""

    default_code = "mapping"

    def __init__(self, reason: Reason, *, field: str, system: str | None = None) -> None:
        from hub.reasons import FIELD

        what = reason if isinstance(reason, Message) else _text(reason)
        super().__init__(FIELD(reason=what, field=field), system=system)
        self.field = field


class RejectedError(PermanentError):
    """The ministry refused the request; its own code and message are kept."""

    default_code = "rejected"

    def __init__(
        self,
        reason: Reason,
        *,
        system: str | None = None,
        remote_code: str | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(reason, system=system)
        self.remote_code = remote_code
        #: The ministry's HTTP status (kept in the attempts log); not the status the
        #: hub's API answers with, which is the class's ``http_status``.
        self.remote_http_status = http_status


class ContractError(PermanentError):
    """The ministry's reply does not follow the contract (malformed, wrong shape)."""

    default_code = "contract"


class ConfigError(HubError):
    """Bad configuration, found at start-up."""

    default_code = "config"


class IngestError(HubError):
    """An event the hub refuses to accept; ``status`` is the HTTP status to answer."""

    default_code = "ingest"
    http_status = 422

    def __init__(
        self, reason: Reason, *, code: str, status: int = 422, loc: str | None = None
    ) -> None:
        super().__init__(reason, code=code, status=status, loc=loc)


class EventConflict(IngestError):
    """Event ids received before (or twice in the batch) with a different body: nothing
    of the batch is kept. ``conflicts``: (index in the batch, event id)."""

    def __init__(self, conflicts: list[tuple[int, str]]) -> None:
        ids = ", ".join(event_id for _, event_id in conflicts)
        super().__init__(
            f"event ids received before with a different body: {ids}",
            code="event_id_conflict",
            status=409,
        )
        self.conflicts = conflicts


class ActionRefused(HubError):
    """An operator action that the rules refuse; the reason says why and what to do."""

    default_code = "refused"
    http_status = 409
    status_by_code: ClassVar[dict[str, int]] = {
        "not_found": 404,
        "bad_sort": 422,
        "bad_action": 422,
        "reason_required": 422,
        "invalid": 422,
    }


class RequestRefused(HubError):
    """A request the API refuses before any rule is applied: an unknown id, a missing or
    wrong API key, a missing role, a bad parameter. Its status follows ``code``."""

    default_code = "invalid"
    http_status = 422
    status_by_code: ClassVar[dict[str, int]] = {
        "bad_request": 400,
        "unauthorized": 401,
        "forbidden": 403,
        "not_found": 404,
        "method_not_allowed": 405,
        "replayed": 409,
        "body_too_large": 413,
        "unavailable": 503,
    }
    #: The status → code of the HTTP errors FastAPI raises itself (auth, routing).
    code_by_status: ClassVar[dict[int, str]] = {v: k for k, v in status_by_code.items()}


def error_entry(
    loc: str, code: str, message_en: str, message_vi: str | None = None
) -> dict[str, str]:
    """One item of an error body: where, what kind, and the words in both languages."""
    from hub.i18n import error_messages

    words = error_messages(code, message_en)
    if message_vi:
        words["message_vi"] = message_vi
    return {"loc": loc, "type": code, **words}


def error_body(*errors: HubError | Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """THE JSON error body of the hub's API, for every endpoint:
    ``{"errors": [{"loc", "type", "message_vi", "message_en"}, ...]}``.

    Each error is a :class:`HubError` (its ``loc``, ``code`` and masked ``reason``) or
    an item already made by :func:`error_entry` (a validation error of the request).
    The offending value is never echoed: it may be personal data.
    """
    items: list[dict[str, Any]] = []
    for error in errors:
        if isinstance(error, HubError) and error.message.code != "text":
            words = {"message_vi": error.message.vi, "message_en": error.message.en}
            items.append({"loc": error.loc or "", "type": error.code, **words})
        elif isinstance(error, HubError):
            vi = error.messages_vi.get(error.code)
            items.append(error_entry(error.loc or "", error.code, error.message.en, vi))
        else:
            items.append(dict(error))
    return {"errors": items}


@contextmanager
def ministry_errors(system: str) -> Iterator[None]:
    """Map transport and HTTP failures of a call to a ministry to hub errors.

    Use around each call in a connector's ``client.py``::

        with ministry_errors("molisa"):
            response = await self._http.post(url, json=body)
            response.raise_for_status()

    Timeouts, connection failures, dropped connections, 408/425/429, 5xx and a
    body that is not valid JSON are transient; other 4xx are permanent rejections.
    """
    from hub import reasons as R

    try:
        yield
    except HubError:
        raise
    except httpx.TimeoutException as exc:
        raise TransientError(
            R.TIMEOUT(system=system, kind=type(exc).__name__), system=system, code="timeout"
        ) from exc
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        raise TransientError(R.CONNECT(system=system), system=system, code="connection") from exc
    except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
        raise TransientError(
            R.RESET(system=system), system=system, code="connection_reset"
        ) from exc
    except httpx.HTTPStatusError as exc:
        status = exc.response.status_code
        if status in (408, 425, 429) or status >= 500:
            retry_after = _retry_after(exc.response)
            raise TransientError(
                R.HTTP_TRANSIENT(system=system, status=status),
                system=system,
                code=f"http_{status}",
                retry_after=retry_after,
            ) from exc
        raise RejectedError(
            R.HTTP_REFUSED(system=system, status=status, excerpt=_excerpt(exc.response)),
            system=system,
            http_status=status,
        ) from exc
    except httpx.TransportError as exc:
        raise TransientError(
            R.TRANSPORT(system=system, kind=type(exc).__name__),
            system=system,
            code="transport",
        ) from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        # A garbled body usually comes from a proxy or an overloaded gateway; we cannot
        # know whether the ministry took the request, and a re-send is idempotent.
        raise TransientError(R.NOT_JSON(system=system), system=system, code="malformed") from exc


def remote_error(
    system: str,
    operation: str,
    meaning: Message,
    detail: str = "",
    *,
    transient: bool = False,
    code: str | None = None,
    remote_code: str | None = None,
    field: str | None = None,
    retry_after: float | None = None,
) -> HubError:
    """The error for a ministry's own error code: ``operation: meaning (field f): detail``,
    where ``meaning`` is a coded message (hub.messages) and ``detail`` the ministry's own
    words (masked, at most 300 characters). Transient ones are retried (``code``, by
    default ``remote_<remote_code>``); others are a :class:`RejectedError`."""
    from hub import reasons as R

    where = R.WHERE_FIELD(field=field) if field else R.NOWHERE()
    words = R.REMOTE_FAULT(
        operation=operation, meaning=meaning, where=where, detail=mask_text(detail)[:300]
    )
    if transient:
        error_code = code or f"remote_{remote_code}"
        return TransientError(words, system=system, code=error_code, retry_after=retry_after)
    return RejectedError(words, system=system, remote_code=remote_code)


def _text(text: str) -> Message:
    from hub.reasons import TEXT

    return TEXT(text=mask_text(text))


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _excerpt(response: httpx.Response, limit: int = 300) -> str:
    try:
        text = response.text
    except Exception:  # a body we cannot decode is not worth a second error
        return "…"
    return mask_text(text[:limit])
