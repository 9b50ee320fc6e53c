"""Addresses across the 2025 reform: each ministry gets the form it declares, converted
from the old units where that is all there is; a retired or unknown code is a mapping
error naming the field, refused before anything is sent."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from connectors.molisa import MolisaConnector, MolisaSettings
from hub.addresses import AddressForm, address_for, convert_old_units
from hub.errors import MappingError
from hub.models import Address, EventType, OldUnits, Status
from hub.testing.mock.admin import MockConfig
from hub.testing.samples import sample_dossier, sample_event
from mocks.molisa.app import create_app

KEY = "address-key"
#: Thị trấn Đắk Hà, huyện Đắk Hà, tỉnh Kon Tum before 1 July 2025 (GSO codes 62/615/23500):
#: since then Xã Đăk Hà (23500), tỉnh Quảng Ngãi (51).
OLD = OldUnits(
    ma_tinh="62",
    ma_huyen="615",
    ma_xa="23500",
    ten_tinh="Kon Tum",
    ten_huyen="Huyện Đắk Hà",
    ten_xa="Thị trấn Đắk Hà",
)


def test_two_tier_codes_are_checked() -> None:
    good = Address(ma_tinh="51", ma_huyen="608", ma_xa="23293", chi_tiet="Tổ 3")
    sent = address_for(good, AddressForm.HAI_CAP, field="dia_chi")
    assert sent == Address(ma_tinh="51", ma_xa="23293", chi_tiet="Tổ 3")  # no district
    cases = [
        (Address(ma_tinh="62", ma_xa="23293"), "dia_chi.ma_tinh"),  # Kon Tum: retired
        (Address(ma_tinh="51", ma_xa="99999"), "dia_chi.ma_xa"),  # unknown commune
        (Address(ma_tinh="01", ma_xa="23293"), "dia_chi.ma_xa"),  # not of that province
    ]
    for address, field in cases:
        with pytest.raises(MappingError) as err:
            address_for(address, AddressForm.HAI_CAP, field="dia_chi", system="x")
        assert err.value.field == field


def test_three_tier_takes_the_old_units_or_refuses() -> None:
    address = Address(ma_tinh="51", ma_xa="23500", don_vi_cu=OLD)
    sent = address_for(address, AddressForm.BA_CAP, field="dia_chi")
    assert sent is not None and (sent.ma_tinh, sent.ma_huyen, sent.ma_xa) == ("62", "615", "23500")
    with pytest.raises(MappingError) as err:
        address_for(Address(ma_tinh="51", ma_xa="23500"), AddressForm.BA_CAP, field="dia_chi")
    assert err.value.field == "dia_chi.don_vi_cu"


def test_old_units_alone_are_converted_to_the_two_tier_codes() -> None:
    assert convert_old_units("Kon Tum", "Huyện Đắk Hà", "Thị trấn Đắk Hà") == ("51", "23500")
    assert convert_old_units("Kon Tum", "Thành phố Kon Tum", "Phường Quyết Thắng") == (
        "51",
        "23293",
    )
    unknown = Address(don_vi_cu=OLD.model_copy(update={"ten_xa": "Xã Không Có"}))
    with pytest.raises(MappingError) as err:
        address_for(unknown, AddressForm.HAI_CAP, field="dia_chi")
    assert err.value.field == "dia_chi.don_vi_cu"


def _push(url: str, dossier: Any, **settings: Any) -> None:
    async def main() -> None:
        connector = MolisaConnector(
            MolisaSettings(base_url=url, accept_key=KEY, timeout_seconds=5, **settings)
        )
        try:
            event = sample_event(dossier, EventType.RECEIVED, seq=1)
            await connector.push(event, event.snapshot)
        finally:
            await connector.aclose()

    asyncio.run(main())


@pytest.mark.parametrize(
    ("form", "expected"),
    [("hai_cap", ("51", "", "23500")), ("ba_cap", ("62", "615", "23500"))],
)
def test_an_old_address_reaches_molisa_in_its_declared_form(
    serve_app: Any, form: str, expected: tuple[str, str, str]
) -> None:
    url = str(serve_app(create_app(MockConfig(accept_key=KEY))).url)
    d = sample_dossier(5, status=Status.DUOC_TIEP_NHAN, seq=77, ma_tthc="1.001776")
    old_only = Address(chi_tiet="Thôn 4", don_vi_cu=OLD)
    owner = d.chu_ho_so.model_copy(update={"dia_chi": old_only})
    _push(url, d.model_copy(update={"chu_ho_so": owner}), address_form=form)
    record = httpx.get(f"{url}/_mock/records/{d.ma_ho_so}", timeout=10).json()["record"]
    for prefix in ("HKTT_", "NOHT_"):
        got = (record[f"{prefix}MaTinh"], record[f"{prefix}MaHuyen"], record[f"{prefix}MaXa"])
        assert got == expected


def test_a_retired_code_is_refused_before_sending(serve_app: Any) -> None:
    url = str(serve_app(create_app(MockConfig(accept_key=KEY))).url)
    d = sample_dossier(6, status=Status.DUOC_TIEP_NHAN, seq=78, ma_tthc="1.001776")
    retired = Address(ma_tinh="62", ma_huyen="608", ma_xa="23293")  # Kon Tum's old code
    owner = d.chu_ho_so.model_copy(update={"dia_chi": retired})
    with pytest.raises(MappingError) as err:
        _push(url, d.model_copy(update={"chu_ho_so": owner}))
    assert err.value.field == "chu_ho_so.dia_chi.ma_tinh"
    stats = httpx.get(f"{url}/_mock/stats", timeout=10).json()
    assert stats["records"] == 0
