"""The catalog says when a procedure's legal basis predates the Law on Water Resources
2023 or the Land Law 2024; the sample data's time limits are the catalog's."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from hub.catalog import load_catalog
from hub.catalog_laws import outdated_basis
from hub.cli import app
from hub.routes.catalog import procedure_json
from hub.testing.samples import PROCEDURES, VN_TZ, sample_dossier, working_days_after
from hub.testing.samples_hotich import sample_ho_tich_dossier


def test_water_and_land_procedures_of_2023_are_flagged() -> None:
    catalog = load_catalog()
    water = catalog.get("1.011516")
    assert water is not None
    (flag,) = outdated_basis(water)
    assert flag["luat"].startswith("Luật Tài nguyên nước 2023")
    assert flag["hieu_luc"] == "2024-07-01" and flag["trich_dan_luat_cu"] is True
    land = catalog.get("1.004199")
    assert land is not None
    (flag,) = outdated_basis(land)
    assert flag["luat"].startswith("Luật Đất đai 2024") and flag["nam_ban_hanh"] == 2023
    permit = catalog.get("1.009999")  # construction: no such law
    assert permit is not None and outdated_basis(permit) == []
    newer = land.model_copy(update={"nam_ban_hanh": 2025})
    assert outdated_basis(newer) == []
    (shown,) = procedure_json(land)["can_cu_truoc_luat_moi"]
    assert shown["luat_en"] == "Land Law 2024 (31/2024/QH15)"


def test_catalog_show_says_it() -> None:
    shown = CliRunner().invoke(app, ["catalog", "show", "1.004199"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert "Căn cứ pháp lý có trước Luật Đất đai 2024" in shown.output
    english = CliRunner().invoke(
        app, ["--lang", "en", "catalog", "show", "1.011516"], env={"COLUMNS": "200"}
    )
    assert "predates the Law on Water Resources 2023" in english.output


@pytest.mark.parametrize("procedure", PROCEDURES, ids=[p.ma_tthc for p in PROCEDURES])
def test_sample_durations_are_the_catalogs(procedure) -> None:  # type: ignore[no-untyped-def]
    entry = load_catalog().get(procedure.ma_tthc)
    assert entry is not None and entry.thoi_han_ngay_lam_viec == procedure.working_days
    d = sample_dossier(3, ma_tthc=procedure.ma_tthc)
    assert d.ngay_hen_tra is not None
    due = working_days_after(d.ngay_nop.astimezone(VN_TZ).date(), procedure.working_days)
    assert d.ngay_hen_tra.astimezone(VN_TZ).date() == due


@pytest.mark.parametrize("module", ["LTKS", "LTKT", "LTKH"])
def test_civil_status_samples_take_the_catalogs_one_working_day(module: str) -> None:
    for seed in range(12):
        d = sample_ho_tich_dossier(seed, module)
        entry = load_catalog().get(d.ma_tthc)
        assert entry is not None and entry.thoi_han_ngay_lam_viec == 1
        assert d.ngay_hen_tra is not None
        filed = d.ngay_nop.astimezone(VN_TZ).date()
        assert d.ngay_hen_tra.astimezone(VN_TZ).date() == working_days_after(filed, 1)
        assert d.ngay_hen_tra.weekday() < 5
