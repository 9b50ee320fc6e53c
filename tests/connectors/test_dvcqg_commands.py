"""``tthc-hub dvcqg check-catalog`` and ``backfill`` through the CLI, against the mock."""

from __future__ import annotations

import json

import pytest
import structlog
from typer.testing import CliRunner

from hub.cli import app as cli
from hub.models import DossierEvent, EventType
from hub.service import Hub
from hub.settings import HubSettings
from hub.testing.mock import MockConfig
from hub.testing.samples import sample_dossier
from mocks.dvcqg.app import create_app

KEY = "cli-key"


@pytest.fixture
def config(tmp_path, serve_app):  # type: ignore[no-untyped-def]
    server = serve_app(create_app(MockConfig(accept_key=KEY)))
    path = tmp_path / "tthc-hub.toml"
    path.write_text(
        f'database_url = "sqlite:///{tmp_path / "hub.db"}"\n'
        "[connectors.dvcqg]\n"
        f'base_url = "{server.url}"\nusername = "u"\npassword = "{KEY}"\n'
        'dstcode = "H34"\nmadonvi = "000.00.00.H34"\n'
    )
    saved = structlog.get_config()
    yield path
    structlog.configure(**saved)


def test_check_catalog_lists_the_codes_the_portal_lacks(config, tmp_path) -> None:  # type: ignore[no-untyped-def]
    dossier = sample_dossier(7).model_copy(update={"ma_tthc": "9.999999.H34"})
    event = DossierEvent(id="cc-1", type=EventType.RECEIVED, occurred_at=dossier.ngay_nop,
                         ma_ho_so=dossier.ma_ho_so, snapshot=dossier)  # fmt: skip
    hub = Hub(HubSettings(database_url=f"sqlite:///{tmp_path / 'hub.db'}"), connectors={})
    hub.store.ingest([event], hub.router.targets)
    hub.engine.dispose()
    done = CliRunner().invoke(cli, ["dvcqg", "check-catalog", "--json", "--config", str(config)])
    assert done.exit_code == 1, done.output
    unknown = {r["ma_tthc"]: r["sources"] for r in json.loads(done.output)["unknown"]}
    assert unknown["9.999999"] == ["mirror"]
    assert "1.001776" not in unknown  # the portal knows it


def test_backfill_refuses_a_reversed_period_and_runs_a_clean_one(config) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    bad = runner.invoke(cli, ["dvcqg", "backfill", "--from", "2025-02-02", "--to", "2025-02-01",
                              "--config", str(config)])  # fmt: skip
    assert bad.exit_code == 2 and "--to is before --from" in bad.output
    ok = runner.invoke(cli, ["dvcqg", "backfill", "--from", "2025-02-01", "--to", "2025-02-02",
                             "--config", str(config)])  # fmt: skip
    assert ok.exit_code == 0, ok.output
    result = json.loads(ok.output[ok.output.index("{\n") :])["backfill"]  # after the log line
    assert result["differences"] == 0 and result["counts"] == {}
