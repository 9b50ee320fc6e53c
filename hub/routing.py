"""Routing: which connectors receive an event. Configuration, not code.

Rules come from ``[[routes]]`` in the TOML settings::

    [[routes]]
    connector = "molisa"
    ma_tthc = ["1.001776", "1.001731"]      # national codes; local codes match too
    exclude_ma_tthc = []                    # never these (e.g. all but a few: ma_tthc = [])
    event_types = []                        # empty = every event type
    channels = []                           # empty = every channel
    sectors = ["Đất đai"]                   # catalog ngành or lĩnh vực (accents optional)
    levels = ["tinh"]                       # catalog cấp: tinh, huyen, xa

An event goes to every connector with at least one matching rule, once. A
dossier filed at a ministry is never echoed back to it as "created": that
ministry already holds it; its reception and later events are sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from hub.errors import ConfigError
from hub.models import DossierEvent, EventType, Origin, national_ma_tthc
from hub.settings import RouteRule

if TYPE_CHECKING:
    from hub.catalog import Catalog

__all__ = ["Router"]

_EVENT_TYPES = {t.value for t in EventType}


class Router:
    def __init__(
        self,
        rules: Iterable[RouteRule],
        connectors: Iterable[str],
        catalog: Catalog | None = None,
    ) -> None:
        from hub.catalog import Level, fold

        self.rules = list(rules)
        self.catalog = catalog
        known = set(connectors)
        for i, rule in enumerate(self.rules):
            where = f"routes[{i}]"
            if rule.connector not in known:
                raise ConfigError(
                    f"{where} names connector {rule.connector!r}, which is not installed "
                    f"or not configured (known: {', '.join(sorted(known)) or 'none'})"
                )
            bad = [t for t in rule.event_types if t not in _EVENT_TYPES]
            if bad:
                raise ConfigError(f"{where}.event_types: unknown event type(s) {bad}")
            if (rule.sectors or rule.levels) and catalog is None:
                raise ConfigError(f"{where} selects by sector or level but there is no catalog")
            bad = [lv for lv in rule.levels if lv not in {x.value for x in Level}]
            if bad:
                raise ConfigError(f"{where}.levels: unknown level(s) {bad}; use tinh, huyen, xa")
        self._sectors = [frozenset(fold(s) for s in r.sectors) for r in self.rules]
        self._codes = [frozenset(national_ma_tthc(c) for c in r.ma_tthc) for r in self.rules]
        self._excluded = [
            frozenset(national_ma_tthc(c) for c in r.exclude_ma_tthc) for r in self.rules
        ]

    def targets(self, event: DossierEvent) -> list[str]:
        """The connectors this event must be sent to, in rule order."""
        dossier = event.snapshot
        code = national_ma_tthc(dossier.ma_tthc)
        out: list[str] = []
        rows = zip(self.rules, self._codes, self._excluded, self._sectors, strict=True)
        for rule, codes, excluded, sectors in rows:
            if rule.connector in out:
                continue
            if (codes and code not in codes) or code in excluded:
                continue
            if rule.event_types and event.type.value not in rule.event_types:
                continue
            if rule.channels and dossier.kenh.value not in rule.channels:
                continue
            if rule.with_fees is not None and bool(dossier.le_phi) != rule.with_fees:
                continue
            if not self._catalog_matches(rule, sectors, code):
                continue
            if (
                event.type is EventType.CREATED
                and dossier.origin is Origin.MINISTRY
                and dossier.origin_system == rule.connector
            ):
                continue
            out.append(rule.connector)
        return out

    def _catalog_matches(self, rule: RouteRule, sectors: frozenset[str], code: str) -> bool:
        """The rule's sector and level criteria, looked up in the catalog by mã TTHC."""
        if not (sectors or rule.levels):
            return True
        from hub.catalog import fold

        procedure = self.catalog.get(code) if self.catalog is not None else None
        if procedure is None:
            return False
        if sectors and not {fold(procedure.nganh or ""), fold(procedure.linh_vuc)} & sectors:
            return False
        return not rule.levels or (procedure.cap is not None and procedure.cap.value in rule.levels)

    def known_codes(self) -> set[str]:
        """Every mã TTHC some rule names (national form)."""
        return {c for codes in self._codes for c in codes}
