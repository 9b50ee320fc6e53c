"""hub.credential.SharedCredential: one fetch for concurrent callers, its error to all of
them, a refused value dropped only while current, deadlines, cancelled waiters, loops."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from hub.credential import MAX_RENEWALS, SharedCredential


class Login:
    """A fetch that counts itself, takes a little while and can be told to fail."""

    def __init__(self, lifetime: float | None = None) -> None:
        self.calls = 0
        self.fail: Exception | None = None
        self.lifetime = lifetime

    async def __call__(self) -> tuple[str, float | None]:
        self.calls += 1
        n = self.calls
        await asyncio.sleep(0.02)
        if self.fail is not None:
            raise self.fail
        deadline = None if self.lifetime is None else time.monotonic() + self.lifetime
        return f"t{n}", deadline


def test_concurrent_callers_wait_for_one_fetch() -> None:
    login = Login()
    cred = SharedCredential(login)

    async def scenario() -> list[str]:
        got = await asyncio.gather(*(cred.get() for _ in range(10)))
        return [*got, await cred.get()]

    assert asyncio.run(scenario()) == ["t1"] * 11
    assert login.calls == cred.fetches == 1 and cred.value == "t1"


def test_a_failed_fetch_fails_every_waiter_once_and_the_next_call_fetches_again() -> None:
    login = Login()
    login.fail = ConnectionError("down")
    cred = SharedCredential(login)

    async def scenario() -> tuple[list[object], str]:
        got = await asyncio.gather(*(cred.get() for _ in range(5)), return_exceptions=True)
        login.fail = None
        return list(got), await cred.get()

    errors, after = asyncio.run(scenario())
    assert all(isinstance(e, ConnectionError) for e in errors)
    assert login.calls == 2, "one failed fetch for the five, then one that worked"
    assert after == "t2"


def test_a_refusal_drops_the_value_only_while_it_is_current() -> None:
    login = Login()
    cred = SharedCredential(login)

    async def scenario() -> list[str | None]:
        old = await cred.get()
        cred.refused(old)  # the first caller told its token is no good
        new = await cred.get()
        cred.refused(old)  # a slower caller, refused with the same old token
        kept = cred.value
        cred.refused(new)
        return [old, new, kept, cred.value, await cred.get()]

    assert asyncio.run(scenario()) == ["t1", "t2", "t2", None, "t3"]


def test_a_value_past_its_deadline_is_fetched_again() -> None:
    login = Login(lifetime=0.05)
    cred = SharedCredential(login)

    async def scenario() -> list[str]:
        first, again = await cred.get(), await cred.get()
        await asyncio.sleep(0.06)
        return [first, again, await cred.get()]

    assert asyncio.run(scenario()) == ["t1", "t1", "t2"]
    cred.clear()
    assert cred.value is None


def test_a_cancelled_waiter_leaves_the_fetch_to_the_others() -> None:
    login = Login()
    cred = SharedCredential(login)

    async def scenario() -> str:
        first = asyncio.create_task(cred.get())
        second = asyncio.create_task(cred.get())
        await asyncio.sleep(0.005)
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        return await second

    assert asyncio.run(scenario()) == "t1"
    assert login.calls == 1


def test_a_failed_fetch_nobody_waits_for_any_more_is_not_left_unread() -> None:
    """Every waiter cancelled, then the fetch fails: asyncio must not report an
    exception that was never retrieved (the done callback reads it)."""
    login = Login()
    login.fail = ConnectionError("down")
    cred = SharedCredential(login)
    reported: list[dict[str, object]] = []

    async def scenario() -> None:
        asyncio.get_running_loop().set_exception_handler(lambda _, ctx: reported.append(ctx))
        waiter = asyncio.create_task(cred.get())
        await asyncio.sleep(0.005)
        waiter.cancel()
        await asyncio.sleep(0.05)  # the fetch fails with no one left waiting

    asyncio.run(scenario())
    import gc

    gc.collect()
    assert login.calls == 1 and reported == []


def test_loops_share_the_value_and_fetch_apart_only_when_none_is_held() -> None:
    login = Login()
    cred = SharedCredential(login)
    got: list[str] = []

    def in_a_thread() -> None:
        got.append(asyncio.run(cred.get()))

    assert asyncio.run(cred.get()) == "t1"
    thread = threading.Thread(target=in_a_thread)
    thread.start()
    thread.join()
    assert got == ["t1"] and login.calls == 1


def test_how_often_a_refused_call_is_sent_again() -> None:
    """Always after its first refusal; after a later one only for an ordinary expiry
    (the value had served a call, was handed to other calls too, or was already
    replaced), and at most MAX_RENEWALS."""
    cred = SharedCredential(Login())

    async def scenario() -> list[bool]:
        answers = []
        fresh = await cred.get()
        answers.append(cred.refused(fresh, 0))  # first refusal: again
        fresh = await cred.get()
        answers.append(cred.refused(fresh, 1))  # a value just issued, refused again: no
        served = await cred.get()
        cred.served(served)
        answers.append(cred.refused(served, 1))  # it had served a call: again
        newer = await cred.get()
        answers.append(cred.refused(served, 2))  # already replaced by newer: again
        assert cred.value == newer
        cred.served(newer)
        answers.append(cred.refused(newer, MAX_RENEWALS))  # but not past the bound
        shared, _ = await cred.get(), await cred.get()  # handed to two calls
        answers.append(cred.refused(shared, 1))  # the other may have used it up: again
        return answers

    assert asyncio.run(scenario()) == [True, False, True, True, False, True]
