"""The procedure catalog: mã TTHC with their processing times, fees, channels and internal steps.

Procedures are loaded from JSON files: the ones shipped in ``hub/data/catalog/``
and any named in ``catalog_files`` of the settings, so provincial IT can add
another sector's decision without code. The format is in ``docs/catalog.md``; in
short, one file per decision::

    {"dinh_dang": 1, "nganh": "...", "van_ban": {...}, "thu_tuc": [
        {"ma_tthc": "1.011516.H34", "ten": "...", "linh_vuc": "...", "cap": "tinh",
         "thoi_han_ngay_lam_viec": 10, "kenh": ["truc_tiep"], "le_phi": "...",
         "quy_trinh": [{"bien_the": null, "tong_ngay": 10, "buoc": [
             {"so": 1, "nhan": "01", "noi_dung": "...", "trach_nhiem": "...", "so_ngay": 0.5}]}]}]}

Each file is validated on load; an error names the file and the path inside it
(``thu_tuc[3].quy_trinh[0].buoc[2].so_ngay``). Lookups are by national code, so a
local code (``1.001776.H34``) finds its procedure.

The document's figures are kept as printed. Where the steps do not add up to the
stated total, or sub-steps to their step, :attr:`Procedure.step_total_mismatch`
lists the difference; nothing is corrected.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from hub.errors import ConfigError
from hub.messages import Message
from hub.models import Channel, MaTTHC, national_ma_tthc

__all__ = [
    "Catalog",
    "Level",
    "Mismatch",
    "Procedure",
    "Process",
    "Step",
    "fold",
    "load_catalog",
]

#: Durations are compared to the quarter day the decisions use; this absorbs float noise.
_EPS = 1e-6


def fold(text: str) -> str:
    """Lower-case without Vietnamese accents, for searching (``Đất đai`` -> ``dat dai``)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn").casefold()


class Level(StrEnum):
    """Cấp thực hiện: which level of government settles the procedure."""

    TINH = "tinh"  #: cấp tỉnh
    HUYEN = "huyen"  #: cấp huyện (until the 2025 reorganisation)
    XA = "xa"  #: cấp xã


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Row(_Model):
    """One row of a process table, as printed."""

    noi_dung: str | None = None
    trach_nhiem: str | None = Field(default=None, description="responsible role or office")
    so_ngay: float | None = Field(
        default=None, ge=0, description="working days; None when the row states none"
    )
    thoi_gian_text: str | None = Field(default=None, description="the duration as printed")
    ket_qua: str | None = None
    ghi_chu: str | None = None

    @property
    def stops_clock(self) -> bool:
        """The row is time the process does not count (citizen's obligations, supplements)."""
        text = fold(self.thoi_gian_text or "")
        return "khong tinh" in text or "dung tinh" in text or "khong ke" in text


class Step(Row):
    """A numbered step (bước): its first row, extra rows, and sub-steps (``07.1``...)."""

    so: int = Field(ge=0)
    nhan: str = Field(min_length=1, description="the printed label, e.g. 03 or 07.2")
    dong_them: list[Row] = Field(default_factory=list)
    buoc_con: list[Step] = Field(default_factory=list)

    @property
    def days(self) -> float | None:
        """The step's duration: the sum of its timed sub-steps, else of its own rows.

        Sub-steps first: they are the finer figures, and where a step row and its
        sub-steps disagree in the environment decision, the stated total agrees
        with the sub-steps. The disagreement is reported by
        :attr:`Procedure.step_total_mismatch`.
        """
        subs = self.sub_step_days
        if subs is not None:
            return subs
        own = [r.so_ngay for r in (self, *self.dong_them) if r.so_ngay is not None]
        return sum(own) if own else None

    @property
    def sub_step_days(self) -> float | None:
        subs = [s.days for s in self.buoc_con if s.days is not None]
        return sum(subs) if subs else None

    @property
    def stops_clock(self) -> bool:
        return any(Row.stops_clock.fget(r) for r in (self, *self.dong_them))  # type: ignore[attr-defined]


class Process(_Model):
    """An internal process (quy trình) of a procedure, or one variant of it."""

    so: int | None = Field(default=None, description="process number in the decision")
    bien_the: str | None = Field(default=None, description="variant, e.g. 16.1.2; None if only one")
    nhan_in: str | None = Field(
        default=None, description="the variant label as printed, if it differs"
    )
    ten: str | None = None
    tong_ngay: float | None = Field(default=None, ge=0, description="the stated total")
    tong_text: str | None = None
    ghi_chu_tong: str | None = None
    thieu_noi_dung: bool = Field(default=False, description="the decision's text is cut here")
    ghi_chu: str | None = None
    buoc: list[Step] = Field(default_factory=list)

    @property
    def step_days(self) -> float:
        return sum(s.days or 0.0 for s in self.buoc)


@dataclass(frozen=True)
class Mismatch:
    """A place where the document's figures do not add up."""

    variant: str | None
    step: str | None  #: the step label, or None for the process total
    stated: float
    computed: float

    @property
    def difference(self) -> float:
        return self.computed - self.stated

    def words(self) -> Message:
        """Where the figures disagree, in both languages (hub.messages)."""
        from hub import reasons_api as A

        where = A.WHERE_VARIANT(variant=self.variant) if self.variant else A.WHERE_PROCESS()
        days = {"computed": _fmt(self.computed), "stated": _fmt(self.stated)}
        if self.step is None:
            return A.MISMATCH_TOTAL(where=where, **days)
        return A.MISMATCH_STEP(where=where, step=self.step, **days)

    def describe(self, language: str | None = None) -> str:
        return self.words().render(language)


def _fmt(days: float) -> str:
    return f"{days:g}"


class Procedure(_Model):
    """A procedure (thủ tục hành chính) of the catalog."""

    ma_tthc: MaTTHC
    ma_tthc_in: str | None = Field(default=None, description="the code as printed, if it differs")
    ten: str = Field(min_length=1)
    ten_quy_trinh: str | None = Field(default=None, description="name in the process annex")
    nganh: str | None = Field(default=None, description="sector; defaults to the file's")
    linh_vuc: str = Field(min_length=1)
    ma_linh_vuc: str | None = None
    cap: Level | None = None
    thoi_han_ngay_lam_viec: float | None = Field(default=None, ge=0)
    thoi_han_text: str | None = None
    co_quan_thuc_hien: str | None = None
    le_phi: str | None = Field(default=None, description="fees as printed; None = not stated")
    kenh: list[Channel] | None = Field(default=None, description="None = not stated")
    can_cu_phap_ly: list[str] = Field(default_factory=list)
    loai_quy_trinh: str | None = None
    quy_trinh: list[Process] = Field(default_factory=list)
    nguon: str | None = Field(default=None, description="the decision; defaults to the file's")
    nam_ban_hanh: int | None = Field(default=None, description="the decision's year (the file's)")

    @model_validator(mode="after")
    def _check_variants(self) -> Procedure:
        seen: set[str | None] = set()
        for p in self.quy_trinh:
            if p.bien_the in seen:
                raise PydanticCustomError(
                    "variant_duplicate", "variant {variant} appears twice", {"variant": p.bien_the}
                )
            seen.add(p.bien_the)
        if len(self.quy_trinh) > 1 and None in seen:
            raise PydanticCustomError(
                "variant_missing", "a procedure with several processes must name each bien_the"
            )
        return self

    @property
    def code(self) -> str:
        """The national mã TTHC (``1.004227``)."""
        return national_ma_tthc(self.ma_tthc)

    @property
    def variants(self) -> list[str | None]:
        return [p.bien_the for p in self.quy_trinh]

    def process(self, variant: str | None = None) -> Process | None:
        """The process of ``variant``; with None, the only one (None if there are several)."""
        if variant is None:
            return self.quy_trinh[0] if len(self.quy_trinh) == 1 else None
        for p in self.quy_trinh:
            if p.bien_the == variant or p.nhan_in == variant:
                return p
        return None

    @property
    def step_total_mismatch(self) -> list[Mismatch]:
        """Where the steps do not add up: to the stated total, or to their parent step."""
        out: list[Mismatch] = []
        for p in self.quy_trinh:
            for s in p.buoc:
                subs = s.sub_step_days
                if s.so_ngay is not None and subs is not None and abs(subs - s.so_ngay) > _EPS:
                    out.append(Mismatch(p.bien_the, s.nhan, s.so_ngay, subs))
            if p.tong_ngay is not None and abs(p.step_days - p.tong_ngay) > _EPS:
                out.append(Mismatch(p.bien_the, None, p.tong_ngay, p.step_days))
        return out

    def matches(self, text: str) -> bool:
        """Accent-insensitive search in the code, name, field and sector."""
        needle = fold(text)
        hay = " ".join(
            x
            for x in (self.ma_tthc, self.ten, self.linh_vuc, self.nganh or "", self.ma_linh_vuc)
            if x
        )
        return needle in fold(hay)


class Decision(_Model):
    """The decision (văn bản) a catalog file transcribes."""

    so: str | None = Field(default=None, description="số hiệu, e.g. 123/QĐ-UBND")
    ghi_chu_so: str | None = None
    co_quan: str | None = None
    trich_yeu: str | None = None
    nam: int | None = None
    nguoi_ky: str | None = None


class CatalogFile(_Model):
    """One catalog file: the procedures of one decision (or one sector)."""

    dinh_dang: int = Field(default=1, ge=1, le=1, description="format version")
    nganh: str = Field(min_length=1, description="sector (ngành)")
    ma_nganh: str | None = None
    van_ban: Decision | None = None
    nguon: str | None = None
    ghi_chu: list[str] = Field(default_factory=list)
    thu_tuc: list[Procedure]

    @model_validator(mode="after")
    def _check_unique(self) -> CatalogFile:
        seen: dict[str, int] = {}
        for i, p in enumerate(self.thu_tuc):
            if p.code in seen:
                raise PydanticCustomError(
                    "ma_tthc_duplicate",
                    "thu_tuc[{i}] repeats mã TTHC {code} of thu_tuc[{j}]",
                    {"i": i, "j": seen[p.code], "code": p.code},
                )
            seen[p.code] = i
        return self


class Catalog:
    """Procedures by national mã TTHC."""

    def __init__(self, procedures: Iterable[Procedure]) -> None:
        self._by_code: dict[str, Procedure] = {}
        for p in procedures:
            self._by_code[p.code] = p

    def get(self, ma_tthc: str) -> Procedure | None:
        return self._by_code.get(national_ma_tthc(ma_tthc.strip()))

    def __contains__(self, ma_tthc: object) -> bool:
        return isinstance(ma_tthc, str) and self.get(ma_tthc) is not None

    def __len__(self) -> int:
        return len(self._by_code)

    def __iter__(self) -> Iterator[Procedure]:
        return iter(self._by_code.values())

    def sectors(self) -> list[str]:
        return sorted({p.nganh or "" for p in self} | {p.linh_vuc for p in self})

    def search(
        self, *, sector: str | None = None, text: str | None = None, level: str | None = None
    ) -> list[Procedure]:
        """Procedures of a sector or field (accent-insensitive), matching ``text``, at ``level``."""
        out = []
        for p in self:
            if sector and fold(sector) not in (fold(p.nganh or ""), fold(p.linh_vuc)):
                continue
            if level and (p.cap is None or p.cap.value != level):
                continue
            if text and not p.matches(text):
                continue
            out.append(p)
        return out


def _loc(parts: tuple[int | str, ...]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else ("." if out else "") + str(p)
    return out


def parse_catalog_file(text: str, where: str) -> list[Procedure]:
    """The procedures of one file; ConfigError naming ``where`` and the paths on any error."""
    try:
        data = CatalogFile.model_validate_json(text)
    except ValidationError as exc:
        errors = exc.errors(include_input=False, include_url=False)
        lines = [f"{_loc(e['loc']) or '(file)'}: {e['msg']}" for e in errors[:5]]
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        raise ConfigError(f"catalog file {where}: " + "; ".join(lines) + more) from None
    return [
        p.model_copy(
            update={
                "nganh": p.nganh or data.nganh,
                "nguon": p.nguon or _source(data),
                "nam_ban_hanh": p.nam_ban_hanh or (data.van_ban.nam if data.van_ban else None),
            }
        )
        for p in data.thu_tuc
    ]


def _source(data: CatalogFile) -> str | None:
    if data.van_ban and data.van_ban.so:
        return data.van_ban.so
    return data.nguon


def load_catalog(extra_files: Iterable[Path] = ()) -> Catalog:
    """The shipped catalog plus ``extra_files``; a bad file raises ConfigError naming it.

    A procedure in an extra file replaces a shipped one with the same national code
    (a province's own decision wins); the same code twice among the shipped files,
    or twice among the extra files, is an error.
    """
    shipped: dict[str, tuple[str, Procedure]] = {}
    for entry in sorted(resources.files("hub.data.catalog").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            _add(shipped, _parse_entry(entry.read_text(encoding="utf-8"), entry.name), entry.name)
    extra: dict[str, tuple[str, Procedure]] = {}
    for path in extra_files:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"catalog file {path} cannot be read: {exc}") from exc
        _add(extra, parse_catalog_file(text, str(path)), str(path))
    merged = {**shipped, **extra}
    return Catalog(p for _, p in merged.values())


def _parse_entry(text: str, name: str) -> list[Procedure]:
    return parse_catalog_file(text, f"hub/data/catalog/{name}")


def _add(into: dict[str, tuple[str, Procedure]], procs: list[Procedure], where: str) -> None:
    for p in procs:
        if p.code in into:
            raise ConfigError(
                f"catalog file {where}: mã TTHC {p.code} is also in {into[p.code][0]}"
            )
        into[p.code] = (where, p)
