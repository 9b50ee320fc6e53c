"""The PayGov connector passes the conformance suite against its mock."""

from __future__ import annotations

from typing import Any

from connectors.payment.connector import PaymentConnector
from connectors.payment.samples import owing_event
from connectors.payment.settings import PaymentSettings
from hub.models import Status
from hub.sdk import TransientError
from hub.testing import FaultCase, SuiteConfig, conformance_tests
from hub.testing.conformance import DEFAULT_FAULTS
from hub.testing.mock import MockConfig
from mocks.payment.app import create_app

TOKEN = "conformance-token"
SECRET = "conformance-secret"


def make_connector(base_url: str, timeout_seconds: float = 10.0) -> PaymentConnector:
    settings = PaymentSettings(
        base_url=base_url,
        token=TOKEN,
        secret=SECRET,
        ma_doi_tac="UBND-KONTUM",
        timeout_seconds=timeout_seconds,
    )
    return PaymentConnector(settings)


def make_fast_connector(base_url: str) -> PaymentConnector:
    return make_connector(base_url, timeout_seconds=0.5)


def make_mock() -> Any:
    return create_app(MockConfig(accept_key=TOKEN), secret=SECRET, ma_doi_tac="UBND-KONTUM")


TestPaymentConformance = conformance_tests(
    make_connector,
    mock_app=make_mock,
    config=SuiteConfig(
        lifecycle=lambda seed: [owing_event(seed)],
        # PayGov holds payments: a pending one reads as status 6, a paid one as 4, and
        # it tells the payment steps only, not the dossier's whole history.
        record_statuses=(Status.YEU_CAU_NGHIA_VU_TAI_CHINH, Status.DANG_XU_LY),
        full_history=False,
        # "busy" is error_code 99 in an HTTP 200 (client.ERROR_CODES): transient too.
        faults=(*DEFAULT_FAULTS, FaultCase("busy", TransientError)),
        fast_timeout_factory=make_fast_connector,
    ),
)
