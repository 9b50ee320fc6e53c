"""The hộ tịch connector passes the shared conformance suite against its mock."""

from __future__ import annotations

from typing import Any

from connectors.hotich.connector import HotichConnector
from connectors.hotich.settings import HotichSettings
from hub.errors import TransientError
from hub.models import Dossier
from hub.testing import FaultCase, SuiteConfig, conformance_tests
from hub.testing.conformance import DEFAULT_FAULTS
from hub.testing.mock.admin import MockConfig
from hub.testing.samples_hotich import sample_ho_tich_lifecycle
from mocks.hotich.app import create_app

API_KEY = "conformance-key"


def make_connector(base_url: str, timeout_seconds: float = 10.0) -> HotichConnector:
    return HotichConnector(
        HotichSettings(
            base_url=base_url,
            api_key=API_KEY,
            timeout_seconds=timeout_seconds,
            ma_don_vi="000.00.22.H34",
            ma_tinh="51",
        )
    )


def make_fast_connector(base_url: str) -> HotichConnector:
    return make_connector(base_url, timeout_seconds=0.5)


def make_mock() -> Any:
    # Each LayKetQua advances a dossier one step: the suite's single fetch after the
    # pushes sees it in processing (3), which is where the province's lifecycle ends.
    return create_app(MockConfig(accept_key=API_KEY), advance="poll")


def without_birth_date(dossier: Dossier) -> Dossier:
    """The issue's case: a dossier whose child (or deceased, or spouse) lacks a date."""
    ho_tich = dict(dossier.extra["ho_tich"])
    for part, name in (
        ("nguoi_duoc_khai_sinh", "ngay_sinh"),
        ("nguoi_chet", "ngay_chet"),
        ("chong", "ngay_sinh"),
    ):
        if part in ho_tich:
            ho_tich[part] = {k: v for k, v in ho_tich[part].items() if k != name}
    return dossier.model_copy(update={"extra": {**dossier.extra, "ho_tich": ho_tich}})


TestHotichConformance = conformance_tests(
    make_connector,
    mock_app=make_mock,
    config=SuiteConfig(
        # Received at the province, then handed to the hộ tịch system for processing.
        lifecycle=sample_ho_tich_lifecycle,
        # The ministry answers "busy" as status 0 / errorCode BUSY in an HTTP 200.
        faults=(*DEFAULT_FAULTS, FaultCase("busy", TransientError)),
        fast_timeout_factory=make_fast_connector,
        # LayKetQua tells the current step only, not the whole history.
        full_history=False,
        invalid_dossier=without_birth_date,
    ),
)
