"""The bcci connector (VNPost) passes the shared conformance suite (PUSH) against its
mock: orders written once per event, faults and a refused secret raising the right
error, no personal data in logs or errors, a dossier without a phone refused before
anything is sent."""

from __future__ import annotations

from typing import Any

from connectors.bcci.connector import BcciConnector
from connectors.bcci.samples import postal_lifecycle
from connectors.bcci.settings import BcciSettings
from hub.errors import MappingError, TransientError
from hub.models import Dossier
from hub.testing import FaultCase, SuiteConfig, conformance_tests
from hub.testing.conformance import DEFAULT_FAULTS
from hub.testing.mock import MockConfig
from mocks.bcci.app import create_app

SECRET = "conformance-secret"


def settings(base_url: str, **extra: Any) -> BcciSettings:
    fields: dict[str, Any] = dict(
        base_url=base_url,
        consumer_key="ubnd-quang-ngai",
        consumer_secret=SECRET,
        customer_code="C0051001",
        office_name="Trung tâm Phục vụ hành chính công tỉnh Quảng Ngãi",
        office_address="Số 96 Phan Đình Phùng, phường Kon Tum",
        office_tel="02553822555",
        office_province="51",
        office_commune="23293",
    )
    return BcciSettings(**(fields | extra))


def make_connector(base_url: str, timeout_seconds: float = 10.0) -> BcciConnector:
    return BcciConnector(settings(base_url, timeout_seconds=timeout_seconds, page_size=2))


def make_fast_connector(base_url: str) -> BcciConnector:
    return make_connector(base_url, timeout_seconds=0.5)


def make_mock() -> Any:
    return create_app(MockConfig(accept_key=SECRET))


def without_phone(dossier: Dossier) -> Dossier:
    """VNPost cannot collect from, or deliver to, a citizen it cannot call."""
    owner = dossier.chu_ho_so.model_copy(update={"so_dien_thoai": None})
    submitter = (
        dossier.nguoi_nop.model_copy(update={"so_dien_thoai": None}) if dossier.nguoi_nop else None
    )
    return dossier.model_copy(update={"chu_ho_so": owner, "nguoi_nop": submitter})


TestBcciConformance = conformance_tests(
    make_connector,
    mock_app=make_mock,
    config=SuiteConfig(
        lifecycle=postal_lifecycle,
        faults=(*DEFAULT_FAULTS, FaultCase("busy", TransientError)),
        fast_timeout_factory=make_fast_connector,
        invalid_dossier=without_phone,
        invalid_error=MappingError,
    ),
)
