"""The procedure catalog: the shipped environment-sector decision, lookups, load errors."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from hub.catalog import Level, fold, load_catalog, parse_catalog_file
from hub.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
#: A slice of the source data of scripts/convert_monre_catalog.py, kept in the repository.
SAMPLE = ROOT / "tests/data/monre_procedures_sample.json"


def _monre() -> list:
    text = resources.files("hub.data.catalog").joinpath("tai_nguyen_moi_truong.json").read_text()
    return parse_catalog_file(text, "tai_nguyen_moi_truong.json")


def test_the_environment_decision_is_all_there() -> None:
    procedures = _monre()
    assert len(procedures) == 26
    assert sum(len(p.quy_trinh) for p in procedures) == 55
    assert {p.linh_vuc for p in procedures} == {"Tài nguyên nước", "Khoáng sản", "Đất đai"}
    assert {p.cap for p in procedures} == {Level.TINH}
    first = procedures[0]
    assert first.ma_tthc == "1.011516.H34" and first.thoi_han_ngay_lam_viec == 10
    assert [c.value for c in first.kenh or []] == ["truc_tiep", "truc_tuyen", "buu_chinh"]
    assert first.le_phi == "Không quy định"
    # the printed code "1004211.000.00.00.H34" is kept beside the normalised one
    assert {p.ma_tthc_in for p in procedures} - {None} == {"1004211.000.00.00.H34"}


def test_mismatches_are_shown_not_fixed() -> None:
    found = {
        (p.code, m.variant, m.step, m.stated, m.computed)
        for p in _monre()
        for m in p.step_total_mismatch
    }
    assert found == {
        ("1.004223", None, "07", 11, 10),
        ("1.004211", None, "07", 10, 9),
        ("1.004179", None, "07", 11, 10),
        ("1.004167", None, "07", 10, 9),
        ("1.000824", "10.2", "07", 7, 6.5),
        ("1.001740", "11.1", "07", 11, 10.5),
        ("1.001740", "11.2", "07", 17, 16),
        ("1.004446", "15.2", "7", 10, 9),
    }
    step = next(s for s in _monre()[5].quy_trinh[0].buoc if s.nhan == "07")
    assert step.so_ngay == 11  # the document's figure is kept


def test_lookups_by_national_or_local_code_and_search() -> None:
    catalog = load_catalog()
    assert catalog.get("1.001776.H34") is catalog.get("1.001776")
    assert "1.004227.000.00.00.H34" in catalog and "9.999999" not in catalog
    assert len(catalog) == len(list(catalog)) >= 28
    assert {p.code for p in catalog.search(text="GIAY PHEP KHAI THAC KHOANG SAN")} == {"1.004446"}
    assert len(catalog.search(sector="dat dai")) == 11
    assert len(catalog.search(sector="Tài nguyên và Môi trường")) == 26
    assert fold("Đăng ký đất đai") == "dang ky dat dai"


def test_rows_that_stop_the_clock() -> None:
    p = next(p for p in _monre() if p.code == "1.002273")
    process = p.process("23.2")
    assert process is not None
    assert [s.nhan for s in process.buoc if s.stops_clock] == ["05"]
    assert process.step_days == process.tong_ngay == 15


def _write(tmp_path: Path, data: object, name: str = "nganh.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


GOOD = {
    "nganh": "Xây dựng",
    "thu_tuc": [
        {
            "ma_tthc": "1.009972.H34",
            "ten": "Cấp giấy phép xây dựng",
            "linh_vuc": "Hoạt động xây dựng",
            "cap": "tinh",
            "quy_trinh": [{"tong_ngay": 1, "buoc": [{"so": 1, "nhan": "01", "so_ngay": 1}]}],
        }
    ],
}


def test_an_extra_file_adds_a_sector(tmp_path: Path) -> None:
    catalog = load_catalog([_write(tmp_path, GOOD)])
    assert catalog.get("1.009972").nganh == "Xây dựng"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        # a negative duration, deep inside: the path names the step
        (
            lambda d: d["thu_tuc"][0]["quy_trinh"][0]["buoc"][0].update(so_ngay=-1),
            "thu_tuc[0].quy_trinh[0].buoc[0].so_ngay",
        ),
        # a code that is no mã TTHC
        (lambda d: d["thu_tuc"][0].update(ma_tthc="1.97"), "thu_tuc[0].ma_tthc"),
        # an unknown key (a typo) is refused, not ignored
        (lambda d: d["thu_tuc"][0].update(thoi_han=3), "thu_tuc[0].thoi_han"),
        # a level outside tinh/huyen/xa
        (lambda d: d["thu_tuc"][0].update(cap="bo"), "thu_tuc[0].cap"),
        # the same code twice
        (lambda d: d["thu_tuc"].append(d["thu_tuc"][0]), "repeats mã TTHC 1.009972"),
        # the sector is required
        (lambda d: d.pop("nganh"), "nganh"),
    ],
    ids=["negative-days", "bad-code", "unknown-key", "bad-level", "duplicate", "no-sector"],
)
def test_a_malformed_file_names_file_and_field(tmp_path: Path, mutate, expected: str) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(json.dumps(GOOD))
    mutate(data)
    path = _write(tmp_path, data)
    with pytest.raises(ConfigError) as info:
        load_catalog([path])
    assert str(path) in info.value.reason and expected in info.value.reason


def test_invalid_json_and_missing_files(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"broken\.json"):
        load_catalog([broken])
    with pytest.raises(ConfigError, match="cannot be read"):
        load_catalog([tmp_path / "missing.json"])


def test_an_extra_file_replaces_a_shipped_procedure(tmp_path: Path) -> None:
    data = json.loads(json.dumps(GOOD))
    data["thu_tuc"][0]["ma_tthc"] = "1.001776.H34"
    catalog = load_catalog([_write(tmp_path, data)])
    assert catalog.get("1.001776").ten == "Cấp giấy phép xây dựng"  # type: ignore[union-attr]
    with pytest.raises(ConfigError, match="also in"):
        load_catalog([_write(tmp_path, data, "a.json"), _write(tmp_path, data, "b.json")])


def test_the_converter_reproduces_the_shipped_file(tmp_path: Path) -> None:
    """A slice of the decision as data (tests/data: the two procedures of Phụ lục 01, a
    multi-process one, and the process the text ends inside), converted, is exactly what
    the shipped file holds for those procedures."""
    out = tmp_path / "out.json"
    script = ROOT / "scripts/convert_monre_catalog.py"
    subprocess.run(
        [sys.executable, str(script), str(SAMPLE), "--out", str(out)],
        check=True,
        capture_output=True,
    )
    converted = json.loads(out.read_text(encoding="utf-8"))
    shipped = json.loads(
        (ROOT / "hub/data/catalog/tai_nguyen_moi_truong.json").read_text(encoding="utf-8")
    )
    assert {k: v for k, v in converted.items() if k != "thu_tuc"} == {
        k: v for k, v in shipped.items() if k != "thu_tuc"
    }
    by_code = {p["ma_tthc"]: p for p in shipped["thu_tuc"]}
    assert len(converted["thu_tuc"]) == 5
    for procedure in converted["thu_tuc"]:
        assert procedure == by_code[procedure["ma_tthc"]]
    order = [p["ma_tthc"] for p in shipped["thu_tuc"]]
    positions = [order.index(p["ma_tthc"]) for p in converted["thu_tuc"]]
    assert positions == sorted(positions)


def test_routing_by_sector_and_level() -> None:
    from hub.routing import Router
    from hub.settings import RouteRule
    from hub.testing.samples import sample_lifecycle

    catalog = load_catalog()
    rules = [
        RouteRule(connector="monre", sectors=["dat dai"], levels=["tinh"]),
        RouteRule(connector="molisa", sectors=["Bảo trợ xã hội"], levels=["xa"]),
        RouteRule(connector="nowhere", levels=["huyen"]),
    ]
    router = Router(rules, ["monre", "molisa", "nowhere"], catalog)
    event = sample_lifecycle(1)[0]
    assert router.targets(event) == ["molisa"]  # the samples are 1.001776 (BTXH, cấp xã)
    land = event.model_copy(
        update={"snapshot": event.snapshot.model_copy(update={"ma_tthc": "1.004227.000.00.00.H34"})}
    )
    assert router.targets(land) == ["monre"]
    with pytest.raises(ConfigError, match="no catalog"):
        Router(rules, ["monre", "molisa", "nowhere"])
    with pytest.raises(ConfigError, match="unknown level"):
        Router([RouteRule(connector="monre", levels=["bo"])], ["monre"], catalog)
