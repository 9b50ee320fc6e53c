"""A step's deadline and office from the catalog, when the province did not send them.

The environment-sector procedures have internal processes with a duration and a
responsible office per step (``hub/data/catalog/tai_nguyen_moi_truong.json``);
:func:`hub.sdk.deadline_plan` turns them into working-time deadlines from the
reception. ``CapNhatTienDo`` requires ``HanXuLy`` and ``PhongBan``: when the step
lacks them, the planned ones are sent. Pure: the catalog is passed in.
"""

from __future__ import annotations

import re

from hub.sdk import Catalog, DeadlineError, Dossier, ProcessStep, StepDeadline, deadline_plan, fold

__all__ = ["match_step", "planned_step"]

_LABEL = re.compile(r"^(?:buoc\s*)?(\d+(?:\.\d+)*)\b")


def _flatten(steps: list[StepDeadline] | tuple[StepDeadline, ...]) -> list[StepDeadline]:
    out: list[StepDeadline] = []
    for step in steps:
        out.append(step)
        out.extend(_flatten(step.sub_steps))
    return out


def _label(text: str) -> str:
    return ".".join(part.lstrip("0") or "0" for part in text.split("."))


def match_step(steps: list[StepDeadline], buoc: str) -> StepDeadline | None:
    """The planned step named by ``buoc``: its label (``03``, ``3``, ``Bước 3``) or its name."""
    key = fold(buoc.strip())
    m = _LABEL.match(key)
    for step in _flatten(steps):
        if m is not None and _label(m.group(1)) == _label(step.label):
            return step
        if step.name and fold(step.name.strip()) == key:
            return step
    return None


def planned_step(catalog: Catalog, dossier: Dossier, step: ProcessStep) -> StepDeadline | None:
    """The catalog's plan for ``step`` of ``dossier``, or None when there is none.

    The variant of a procedure with several processes is read from
    ``dossier.extra["bien_the"]``; without it (or without a reception time) there is
    no plan.
    """
    procedure = catalog.get(dossier.ma_tthc)
    if procedure is None or dossier.ngay_tiep_nhan is None:
        return None
    variant = dossier.extra.get("bien_the")
    try:
        plan = deadline_plan(
            procedure, dossier.ngay_tiep_nhan, variant if isinstance(variant, str) else None
        )
    except (DeadlineError, ValueError):
        return None
    return match_step(plan.steps, step.buoc)
