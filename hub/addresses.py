"""Addresses across the 2025 reform: the form each ministry takes, converted, checked.

Since 1 July 2025 local government has two tiers: 34 provinces and their communes
(xã, phường, đặc khu), no districts; Kon Tum is part of Quảng Ngãi. The canonical
:class:`~hub.models.Address` carries the two-tier codes (``ma_tinh``, ``ma_xa``, the
GSO codes of ``vietnam-provinces``) and, where known, the old three-tier units in
``don_vi_cu`` (codes and names, before 1 July 2025).

Each connector declares the form its ministry takes (:class:`AddressForm`, a setting
``address_form``) and its mapping asks :func:`address_for` for the address in that
form:

* ``hai_cap`` (two-tier): the new codes, checked with ``vietnam-provinces``: a
  province or commune code not in force (a retired one such as Kon Tum's 62, or an
  unknown one) is a :class:`MappingError` naming the field, refused before sending.
  An address given only in the old units is converted with
  ``vietnam-address-converter`` (old tỉnh/huyện/xã names to the new province and
  commune), then looked up in ``vietnam-provinces`` for the codes. The converter
  has its own code scheme, not the GSO codes, so it is asked by name.
* ``ba_cap`` (three-tier): the old codes from ``don_vi_cu``; an address without
  them is a MappingError (a new commune may come from several old ones, so the
  old units cannot be derived from the new).

The converter loads its mapping table (~10 MB of Python data, 0.3 s) on first use,
once per process: the hub converts only addresses given in the old units alone.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from enum import StrEnum
from functools import cache, partial
from typing import Any

from hub.errors import MappingError
from hub.models import Address

__all__ = ["AddressForm", "address_for", "convert_old_units", "load_address_tables"]

_PREFIXES = ("thanh pho ", "tinh ", "phuong ", "xa ", "thi tran ", "dac khu ")


class AddressForm(StrEnum):
    """The administrative units a ministry's interface takes."""

    HAI_CAP = "hai_cap"  #: two tiers since 1 July 2025: tỉnh, xã (no huyện)
    BA_CAP = "ba_cap"  #: the three tiers before: tỉnh, huyện, xã


def _key(name: str) -> str:
    text = unicodedata.normalize("NFD", name.replace("Đ", "D").replace("đ", "d"))
    folded = " ".join("".join(c for c in text if unicodedata.category(c) != "Mn").lower().split())
    for prefix in _PREFIXES:
        if folded.startswith(prefix):
            return folded[len(prefix) :]
    return folded


@cache
def _provinces() -> dict[str, Any]:
    from vietnam_provinces import Province

    return {str(int(p.code)).zfill(2): p for p in Province.iter_all()}


@cache
def _wards() -> dict[str, Any]:
    from vietnam_provinces import Ward

    return {str(int(w.code)).zfill(5): w for w in Ward.iter_all()}


def load_address_tables(form: AddressForm) -> None:
    """Load now what :func:`address_for` in ``form`` loads on its first call: for the
    two-tier form, ``vietnam-provinces`` and its province and commune tables (150-300 ms
    of CPU, once per process). The worker calls it from a thread when it starts, through
    a connector's ``warm_up``, so the first job does not wait for it on the event loop.
    The old-unit converter (used only for addresses given in the old units alone) is
    left to its first use."""
    if form is AddressForm.HAI_CAP:
        _provinces()
        _wards()


def _error(text: str, field: str, system: str | None) -> MappingError:
    return MappingError(text, field=field, system=system)


def _check_two_tier(ma_tinh: str | None, ma_xa: str | None, field: str, system: str | None) -> None:
    if ma_tinh is not None and ma_tinh.zfill(2) not in _provinces():
        raise _error(
            "the province code is not one in force since 1 July 2025 (retired or unknown)",
            f"{field}.ma_tinh",
            system,
        )
    if ma_xa is not None:
        ward = _wards().get(ma_xa.zfill(5))
        if ward is None:
            raise _error(
                "the commune code is not one in force since 1 July 2025 (retired or unknown)",
                f"{field}.ma_xa",
                system,
            )
        if ma_tinh is not None and int(ward.province_code) != int(ma_tinh):
            raise _error(
                "the commune code is not a commune of this province", f"{field}.ma_xa", system
            )


@cache
def _converter() -> Callable[[dict[str, str]], dict[str, Any]]:
    # The converter object (create_converter) also builds the indexes of its free-text
    # parser, 17 s of CPU on a 2-core machine, which the hub never uses: the conversion
    # by names is this function of the library over its data table (0.3 s to load).
    from vietnam_address_converter.conversion import convert_old_to_new
    from vietnam_address_converter.data import DEFAULT_DATA

    return partial(convert_old_to_new, options=None, data=DEFAULT_DATA)


@cache
def _codes_by_name() -> dict[tuple[str, str], tuple[str, str]]:
    """(province name, commune name), folded as :func:`_key` does, to their codes."""
    provinces = {int(p.code): (code, _key(p.name)) for code, p in _provinces().items()}
    index: dict[tuple[str, str], tuple[str, str]] = {}
    for ward_code, w in _wards().items():
        province = provinces.get(int(w.province_code))
        if province is not None:
            index.setdefault((province[1], _key(w.name)), (province[0], ward_code))
    return index


def convert_old_units(ten_tinh: str, ten_huyen: str, ten_xa: str) -> tuple[str, str] | None:
    """(ma_tinh, ma_xa) since 1 July 2025 of an old tỉnh/huyện/xã, by name; None when the
    converter finds no single commune, or ``vietnam-provinces`` does not know it."""
    answer = _converter()(
        {"province_name": ten_tinh, "district_name": ten_huyen, "ward_name": ten_xa}
    )
    result = answer.get("result") if answer.get("status") == "matched" else None
    if not result:
        return None
    province = _key(result["new_province"]["name"])
    ward = _key(result["new_ward"]["name"])
    return _codes_by_name().get((province, ward))


def address_for(
    address: Address | None, form: AddressForm, *, field: str, system: str | None = None
) -> Address | None:
    """``address`` in ``form``, converted and checked; MappingError names the field."""
    if address is None:
        return None
    chi_tiet, ma_thon = address.chi_tiet, address.ma_thon
    old = address.don_vi_cu
    if form is AddressForm.BA_CAP:
        if old is None or not (old.ma_tinh and old.ma_xa):
            raise _error(
                "this ministry still takes the old three-tier codes (tỉnh, huyện, xã "
                "before 1 July 2025)",
                f"{field}.don_vi_cu",
                system,
            )
        return Address(
            ma_tinh=old.ma_tinh,
            ma_huyen=old.ma_huyen,
            ma_xa=old.ma_xa,
            chi_tiet=chi_tiet,
            ma_thon=ma_thon,
        )
    if address.ma_tinh is None and address.ma_xa is None and old is not None:
        if not (old.ten_tinh and old.ten_huyen and old.ten_xa):
            raise _error(
                "the old units need their names (tỉnh, huyện, xã) to be converted",
                f"{field}.don_vi_cu",
                system,
            )
        codes = convert_old_units(old.ten_tinh, old.ten_huyen, old.ten_xa)
        if codes is None:
            raise _error(
                "the old units match no single commune since 1 July 2025",
                f"{field}.don_vi_cu",
                system,
            )
        return Address(ma_tinh=codes[0], ma_xa=codes[1], chi_tiet=chi_tiet, ma_thon=ma_thon)
    _check_two_tier(address.ma_tinh, address.ma_xa, field, system)
    return Address(ma_tinh=address.ma_tinh, ma_xa=address.ma_xa, chi_tiet=chi_tiet, ma_thon=ma_thon)
