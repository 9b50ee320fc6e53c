"""The province's own codes come from settings ([province] or the connector's section),
never from a default naming one province; ma_tinh is a code in force since July 2025."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from connectors.hotich.settings import HotichSettings
from connectors.monre.settings import MonreSettings
from hub.connector_settings import connector_settings
from hub.errors import ConfigError
from hub.province import ProvinceSettings, current_province_name
from hub.settings import HubSettings


@pytest.fixture(autouse=True)
def _no_test_province(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TTHC_HUB_PROVINCE__MA_DON_VI", raising=False)
    monkeypatch.delenv("TTHC_HUB_PROVINCE__MA_TINH", raising=False)


SECTION = {"base_url": "http://127.0.0.1:1", "api_key": "k"}


def test_a_connector_needing_the_codes_without_them_is_a_config_error() -> None:
    settings = HubSettings(connectors={"hotich": SECTION})
    with pytest.raises(ConfigError) as err:
        connector_settings(settings, "hotich", HotichSettings)
    assert "ma_don_vi" in str(err.value) and "[province] ma_don_vi" in str(err.value)
    assert "[province] ma_tinh" in str(err.value)


def test_the_province_section_fills_what_a_connector_leaves_out() -> None:
    province = ProvinceSettings(ma_don_vi="000.00.22.H35", ma_tinh="51")
    settings = HubSettings(
        province=province,
        connectors={
            "hotich": SECTION,
            "monre": {"base_url": "http://127.0.0.1:1", "access_key": "k", "ma_don_vi": "X.1"},
        },
    )
    hotich = connector_settings(settings, "hotich", HotichSettings)
    assert hotich is not None and (hotich.ma_don_vi, hotich.ma_tinh) == ("000.00.22.H35", "51")
    monre = connector_settings(settings, "monre", MonreSettings)
    assert monre is not None and monre.ma_don_vi == "X.1"  # its own section wins


@pytest.mark.parametrize("code", ["62", "99", "00"])
def test_a_retired_or_unknown_province_code_is_refused(code: str) -> None:
    # Kon Tum (62) is part of Quảng Ngãi (51) since 1 July 2025.
    with pytest.raises(ValidationError, match="1 July 2025"):
        ProvinceSettings(ma_tinh=code)
    assert current_province_name("51") == "Quảng Ngãi"
    assert current_province_name(code) is None
