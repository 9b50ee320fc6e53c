"""Both Bộ Xây dựng connectors pass the shared conformance suite against their mocks.

The permit system runs it on construction-permit lifecycles (received, processing,
processed with the permit, ``dossier.permit_recorded``, returned), so the permit and
its file go through the round trip, the read-back and the listing checks too.
"""

from __future__ import annotations

from functools import partial

from connectors.xaydung.connector import CapPhepConnector, QuyHoachConnector
from connectors.xaydung.samples import construction_lifecycle
from connectors.xaydung.settings import CapPhepSettings, QuyHoachSettings
from hub.errors import TransientError
from hub.testing import FaultCase, SuiteConfig, conformance_tests
from hub.testing.conformance import DEFAULT_FAULTS
from hub.testing.mock.admin import MockConfig
from mocks.xaydung.app import create_app

UNIT = "000.00.00.H34"  # the province's unit code at Bộ Xây dựng
API_KEY = "conformance-key"


def make_capphep(base_url: str, timeout_seconds: float = 10.0) -> CapPhepConnector:
    return CapPhepConnector(
        CapPhepSettings(
            base_url=base_url,
            api_key=API_KEY,
            timeout_seconds=timeout_seconds,
            page_size=2,
            ma_don_vi=UNIT,
        )
    )


def make_quyhoach(base_url: str, timeout_seconds: float = 10.0) -> QuyHoachConnector:
    return QuyHoachConnector(
        QuyHoachSettings(
            base_url=base_url,
            api_key=API_KEY,
            timeout_seconds=timeout_seconds,
            page_size=2,
            ma_don_vi=UNIT,
        )
    )


def _config(system: str, fast: object) -> SuiteConfig:
    return SuiteConfig(
        lifecycle=partial(construction_lifecycle, system=system),
        # "busy" is error_code 99 in an HTTP 200 (client.ERROR_CODES): transient too.
        faults=(*DEFAULT_FAULTS, FaultCase("busy", TransientError)),
        fast_timeout_factory=fast,  # type: ignore[arg-type]
        list_page_size=2,  # the connectors list 2 a page: LIST is checked over pages
    )


TestCapPhepConformance = conformance_tests(
    make_capphep,
    mock_app=lambda: create_app(MockConfig(accept_key=API_KEY), system="capphep"),
    config=_config("capphep", partial(make_capphep, timeout_seconds=0.5)),
)

TestQuyHoachConformance = conformance_tests(
    make_quyhoach,
    mock_app=lambda: create_app(MockConfig(accept_key=API_KEY), system="quyhoach"),
    config=_config("quyhoach", partial(make_quyhoach, timeout_seconds=0.5)),
)
