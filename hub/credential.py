"""A token or session that a connector's concurrent calls share.

A ministry that wants a login (a session id, a bearer token) sees every call of the
hub's worker at once: up to ``max_connections`` senders, and the API's own loop beside
them. Each caller that found no token and logged in by itself would open as many
sessions as there are senders, and on a system that keeps one session per account
each login would end the one before it: the callers would refuse each other's tokens
in turn. :class:`SharedCredential` keeps one value for all of them:

* :meth:`~SharedCredential.get` returns the current value, or starts one fetch that
  every caller of the same event loop waits for: they all get its value, or all get
  its error (one failed login is not tried again by each waiting caller in turn);
* a value may carry a deadline (``time.monotonic()``) after which it is fetched anew;
* :meth:`~SharedCredential.refused` forgets the value a call was refused with, only
  if it is still the current one: a caller whose call was refused with an old token,
  after another caller had already fetched a new one, does not throw the new one away.
  It also says whether the refused call should be sent again with a fresh value: after
  its first refusal, always; after a later one, only for an ordinary expiry (the value
  had served a call, see :meth:`~SharedCredential.served`, was handed to other calls
  too, or was already replaced), at most :data:`MAX_RENEWALS` times in all. Many
  senders sharing a session that the system ends after so many calls can find the one
  they were renewed with already used up. A system refusing the very values it issues
  (an account problem) is reported after one renewal by a call that held the value
  alone, and after at most :data:`MAX_RENEWALS` by calls that shared it.

Callers cancelled while waiting do not cancel the fetch: the others still get it.
Loops are separate: two loops that both find no value fetch once each (a fetch, like
any I/O, runs in one loop); the value itself is shared by all.
"""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

__all__ = ["MAX_RENEWALS", "Fetch", "SharedCredential"]

#: Renewals of one call at most (module doc).
MAX_RENEWALS = 3

#: Fetch a fresh value: ``(value, deadline)``, the deadline a ``time.monotonic()`` after
#: which the value must be fetched again, or None when it is good until refused.
Fetch = Callable[[], Awaitable[tuple[str, float | None]]]


@dataclass(slots=True)
class _Held:
    """The current value and what is known of it."""

    value: str
    deadline: float | None
    uses: int = 0  #: calls it was handed to
    served: bool = False  #: a call was accepted with it


class SharedCredential:
    """One value (token, session) fetched once for all concurrent callers (module doc).

    Thread-safe: the API's loop and the worker's share one; its state changes under a
    lock never held across an ``await``."""

    def __init__(self, fetch: Fetch) -> None:
        self._fetch = fetch
        self._held: _Held | None = None
        self._lock = threading.Lock()
        self._inflight: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task[str]] = (
            weakref.WeakKeyDictionary()
        )
        #: Fetches started (each one, whatever its outcome).
        self.fetches = 0

    def _live(self) -> _Held | None:
        held = self._held
        if held is None or (held.deadline is not None and time.monotonic() >= held.deadline):
            return None
        return held

    @property
    def value(self) -> str | None:
        """The current value, if one is held and its deadline has not passed."""
        held = self._live()
        return None if held is None else held.value

    async def get(self) -> str:
        """The current value, or the one a fetch brings (shared with concurrent callers).

        :raises Exception: whatever the fetch raised, to every caller that waited for it.
        """
        with self._lock:
            held = self._live()
            if held is not None:
                held.uses += 1
                return held.value
        loop = asyncio.get_running_loop()
        task = self._inflight.get(loop)
        if task is None:
            task = loop.create_task(self._run())
            self._inflight[loop] = task
            task.add_done_callback(self._fetched)
        # shield: a caller cancelled while waiting leaves the fetch to the others.
        value = await asyncio.shield(task)
        with self._lock:
            if self._held is not None and self._held.value == value:
                self._held.uses += 1
        return value

    def served(self, sent: str) -> None:
        """A call was accepted with ``sent``: the system takes the values it issues."""
        with self._lock:
            if self._held is not None and self._held.value == sent:
                self._held.served = True

    def refused(self, sent: str, renewed: int = 0) -> bool:
        """The system refused ``sent``: forget it, unless it was already replaced.

        :param renewed: how many times this call was already sent again after a refusal.
        :returns: whether to send the call again (with :meth:`get`'s next value): after
            its first refusal, yes; after a later one, only for an ordinary expiry, and
            fewer than :data:`MAX_RENEWALS` times in all. Ordinary: ``sent`` was already
            replaced, or it had served a call, or it was handed to other calls too (a
            shared session used up by the others; their answers may not be in yet).
            No when ``sent`` is the current value, handed to this call alone and never
            accepted: the system refuses the values it issues.
        """
        with self._lock:
            held = self._held
            if held is None or held.value != sent:
                ordinary = True
            else:
                ordinary = held.served or held.uses > 1
                self._held = None
        return renewed == 0 or (ordinary and renewed < MAX_RENEWALS)

    def clear(self) -> None:
        """Forget the value: the next :meth:`get` fetches a fresh one."""
        with self._lock:
            self._held = None

    async def _run(self) -> str:
        with self._lock:
            self.fetches += 1
        value, deadline = await self._fetch()
        with self._lock:
            self._held = _Held(value, deadline)
        return value

    def _fetched(self, task: asyncio.Task[str]) -> None:
        loop = task.get_loop()
        if self._inflight.get(loop) is task:
            del self._inflight[loop]
        if not task.cancelled():
            task.exception()  # read here too: every waiter may have been cancelled
