"""The worker's start-up warm-up (hub.attempt.warm_up): connectors' optional
``warm_up()`` run in one thread off the event loop; a failing one is logged, not raised."""

from __future__ import annotations

import threading

from structlog.testing import capture_logs

from hub import addresses
from hub.addresses import AddressForm, load_address_tables
from hub.attempt import warm_up


class _Warmed:
    def __init__(self, fail: bool = False) -> None:
        self.thread: str | None = None
        self.fail = fail

    def warm_up(self) -> None:
        self.thread = threading.current_thread().name
        if self.fail:
            raise RuntimeError("table missing for 079201001234")


def test_hooks_run_in_a_thread_of_their_own_and_failures_are_logged() -> None:
    failing, ok = _Warmed(fail=True), _Warmed()
    with capture_logs() as logs:
        thread = warm_up([failing, object(), ok])  # a connector without warm_up is skipped
        assert thread is not None
        thread.join(timeout=30)
    assert not thread.is_alive()
    assert failing.thread == ok.thread == "hub-warm-up"
    assert ok.thread != threading.current_thread().name
    [line] = [x for x in logs if x["event"] == "connector_warm_up_failed"]
    assert line["log_level"] == "warning"
    assert "RuntimeError" in line["error"]
    assert "079201001234" not in line["error"]  # the reason is masked


def test_nothing_to_warm_starts_no_thread() -> None:
    assert warm_up([object()]) is None


def test_two_tier_tables_are_loaded_three_tier_loads_nothing() -> None:
    addresses._provinces.cache_clear()
    addresses._wards.cache_clear()
    load_address_tables(AddressForm.BA_CAP)
    assert addresses._provinces.cache_info().currsize == 0
    load_address_tables(AddressForm.HAI_CAP)
    assert addresses._provinces.cache_info().currsize == 1
    assert addresses._wards.cache_info().currsize == 1
