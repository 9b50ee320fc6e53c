"""The procedure catalog: which mã TTHC the hub knows, with their names and sectors.

Procedures are loaded from JSON files: the ones shipped in ``hub/data/catalog/``
and any named in ``catalog_files`` of the settings, so provincial IT can add a
sector without code. Each file::

    {"sector": "...", "sector_code": "...", "procedures": [
        {"ma_tthc": "1.001776", "ten": "...", "linh_vuc": "...", "ma_linh_vuc": "...",
         "cap": "tinh|huyen|xa", "thoi_han_ngay_lam_viec": 22, "kenh": ["truc_tiep"]}]}

Lookups are by national code, so a local code (``1.001776.H34``) finds its procedure.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from hub.errors import ConfigError
from hub.models import Channel, national_ma_tthc

__all__ = ["Catalog", "Procedure", "load_catalog"]


class Procedure(BaseModel):
    ma_tthc: str = Field(pattern=r"^\d\.\d{6}$")
    ten: str = Field(min_length=1)
    linh_vuc: str
    ma_linh_vuc: str | None = None
    sector: str | None = None
    cap: str | None = None
    thoi_han_ngay_lam_viec: float | None = Field(default=None, ge=0)
    kenh: list[Channel] = Field(default_factory=list)


class _CatalogFile(BaseModel):
    sector: str
    sector_code: str | None = None
    source: str | None = None
    procedures: list[Procedure]


class Catalog:
    """Procedures by national mã TTHC."""

    def __init__(self, procedures: Iterable[Procedure]) -> None:
        self._by_code: dict[str, Procedure] = {}
        for p in procedures:
            self._by_code[p.ma_tthc] = p

    def get(self, ma_tthc: str) -> Procedure | None:
        return self._by_code.get(national_ma_tthc(ma_tthc))

    def __contains__(self, ma_tthc: object) -> bool:
        return isinstance(ma_tthc, str) and self.get(ma_tthc) is not None

    def __len__(self) -> int:
        return len(self._by_code)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._by_code.values())


def _parse(text: str, where: str) -> list[Procedure]:
    try:
        data = _CatalogFile.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors(include_input=False)[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"catalog file {where}: {loc}: {first['msg']}") from exc
    return [p.model_copy(update={"sector": p.sector or data.sector}) for p in data.procedures]


def load_catalog(extra_files: Iterable[Path] = ()) -> Catalog:
    """The shipped catalog plus ``extra_files``; a bad file raises ConfigError naming it."""
    procedures: list[Procedure] = []
    for entry in sorted(resources.files("hub.data.catalog").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            procedures += _parse(entry.read_text(encoding="utf-8"), entry.name)
    for path in extra_files:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"catalog file {path} cannot be read: {exc}") from exc
        procedures += _parse(text, str(path))
    return Catalog(procedures)
