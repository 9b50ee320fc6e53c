"""The sample data is deterministic, realistic and valid."""

from __future__ import annotations

import hashlib
import itertools
import random
from datetime import date

import pytest

from hub.models import Dossier, DossierEvent, EventType, Status, transition_allowed
from hub.testing.samples import (
    AGENCY_CODE,
    COMMUNES,
    FAMILY_NAMES,
    PROVINCE_CODE,
    sample_batch,
    sample_dossier,
    sample_event,
    sample_file_content,
    sample_lifecycle,
)

SEEDS = range(40)
MOBILE_PREFIXES = {"03", "05", "07", "08", "09"}


def all_parties(dossier: Dossier) -> list:
    return [p for p in (dossier.chu_ho_so, dossier.nguoi_nop) if p is not None]


def test_same_seed_same_data() -> None:
    assert sample_dossier(7) == sample_dossier(7)
    assert sample_dossier(random.Random(7)) == sample_dossier(7)
    assert sample_batch(3, seed=5) == sample_batch(3, seed=5)
    assert sample_dossier(7) != sample_dossier(8)


@pytest.mark.parametrize("status", list(Status), ids=lambda s: s.name)
def test_every_status_validates(status: Status) -> None:
    for seed in SEEDS:
        dossier = sample_dossier(seed, status=status)
        assert Dossier.model_validate_json(dossier.model_dump_json()) == dossier
        assert dossier.trang_thai is status


def test_cccd_agrees_with_birth_date_and_gender() -> None:
    for seed in SEEDS:
        for party in all_parties(sample_dossier(seed)):
            cccd, birth = party.so_giay_to, party.ngay_sinh
            assert cccd is not None and birth is not None and len(cccd) == 12 and cccd.isdigit()
            assert cccd[:3] in {"062", "051", "001", "079", "052", "049"}
            century = 0 if birth.year < 2000 else 1
            assert int(cccd[3]) == 2 * century + (party.gioi_tinh - 1)
            assert cccd[4:6] == f"{birth.year % 100:02d}"


def test_names_phones_and_birth_dates_are_plausible() -> None:
    with_diacritics = 0
    for seed in SEEDS:
        dossier = sample_dossier(seed)
        for party in all_parties(dossier):
            words = party.ho_ten.split()
            assert words[0] in FAMILY_NAMES and 3 <= len(words) <= 4
            with_diacritics += any(ord(c) > 127 for c in party.ho_ten)
            assert party.so_dien_thoai is not None and len(party.so_dien_thoai) == 10
            assert party.so_dien_thoai[:2] in MOBILE_PREFIXES
            assert date(1930, 1, 1) <= party.ngay_sinh <= date(2022, 12, 31)
    assert with_diacritics > len(SEEDS) // 2


def test_addresses_use_real_unit_codes() -> None:
    vp = pytest.importorskip("vietnam_provinces")
    for commune in COMMUNES:
        ward = vp.Ward.from_code(vp.WardCode(int(commune.code)))
        assert ward.name == commune.name
        assert int(ward.province_code) == int(PROVINCE_CODE)
    for seed in SEEDS:
        address = sample_dossier(seed).chu_ho_so.dia_chi
        assert address is not None and address.ma_tinh == PROVINCE_CODE
        assert address.ma_xa in {c.code for c in COMMUNES}


def test_codes_follow_the_national_formats() -> None:
    for seed in SEEDS:
        dossier = sample_dossier(seed, status=Status.DA_TRA_KET_QUA)
        agency, day, number = dossier.ma_ho_so.rsplit("-", 2)
        assert agency == AGENCY_CODE and len(number) == 4
        assert day == f"{dossier.ngay_nop:%y%m%d}"
        assert dossier.ma_tthc_quoc_gia in {"1.001776", "1.001731"}
        assert dossier.ten_tthc


def test_attachment_hashes_are_real() -> None:
    dossier = sample_dossier(3, status=Status.DA_XU_LY_XONG)
    assert dossier.ket_qua is not None
    files = [*dossier.thanh_phan, *dossier.ket_qua.files]
    assert len(files) >= 3
    for item in files:
        content = sample_file_content(item.file_ref)
        assert item.sha256 == hashlib.sha256(content).hexdigest()
        assert item.size == len(content)
        assert content.startswith(b"%PDF-")


def test_lifecycle_is_consistent() -> None:
    for seed in SEEDS:
        events = sample_lifecycle(seed)
        assert [e.type for e in events] == [
            EventType.RECEIVED, EventType.PROGRESS, EventType.RESULT, EventType.RETURNED,
        ]  # fmt: skip
        statuses = [e.snapshot.trang_thai for e in events]
        assert statuses == [2, 4, 9, 10]
        assert all(transition_allowed(a, b) for a, b in itertools.pairwise(statuses))
        assert [e.sequence for e in events] == [1, 2, 3, 4]
        assert len({e.id for e in events}) == 4
        times = [e.occurred_at for e in events]
        assert times == sorted(times)
        assert len({e.ma_ho_so for e in events}) == 1
        assert all(e.snapshot.chu_ho_so == events[0].snapshot.chu_ho_so for e in events)
        received, progress, result, returned = (e.snapshot for e in events)
        assert not received.qua_trinh and progress.qua_trinh and progress.ket_qua is None
        assert result.ket_qua is not None and result.ket_qua.files
        assert returned.ngay_tra is not None and result.ngay_tra is None
        assert returned.ngay_tra.date() >= result.ket_qua.ngay_ky
        for event in events:
            DossierEvent.model_validate_json(event.model_dump_json())


def test_batch_has_unique_codes_and_ids() -> None:
    batch = sample_batch(50, seed=1)
    assert len({events[0].ma_ho_so for events in batch}) == 50
    assert len({e.id for events in batch for e in events}) == 200


def test_sample_event_ids_are_unique_per_sequence() -> None:
    dossier = sample_dossier(1)
    ids = {sample_event(dossier, EventType.UPDATED, seq=n).id for n in range(1, 20)}
    assert len(ids) == 19
