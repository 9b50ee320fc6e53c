"""The console in a real browser (Chromium via Playwright) against the MOLISA mock over
loopback: an operator finds a dead sync by mã hồ sơ, reads why, re-runs it and sees it
succeed; a viewer has no action and a forged POST gets 403; a bulk re-run of 200 jobs
shows its progress to the end; a reconciliation run's chart and table render."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx
import pytest

from hub.auth import hash_key
from hub.ops import JobFilter, Operations
from hub.reconcile import Reconciler
from hub.service import Hub
from hub.settings import (
    ApiKeySetting,
    CircuitSettings,
    HubSettings,
    RetrySettings,
    RouteRule,
    WorkerSettings,
)
from hub.testing.samples import sample_batch, sample_lifecycle
from mocks.molisa.app import create_app as create_mock

from .conftest import run_async, sign_in

expect = pytest.importorskip("playwright.sync_api").expect

OPERATOR, VIEWER = "thub_browser-operator", "thub_browser-viewer"


def settings(db_url: str, mock_url: str) -> HubSettings:
    return HubSettings(
        database_url=db_url,
        worker=WorkerSettings(
            poll_seconds=0.02,
            retry=RetrySettings(initial_seconds=0.01, max_attempts=1),
            circuit=CircuitSettings(failure_threshold=100_000),
        ),
        routes=[RouteRule(connector="molisa", ma_tthc=["1.001776", "1.001731"])],
        connectors={"molisa": {"base_url": mock_url, "accept_key": "test-key"}},
        api_keys=[
            ApiKeySetting(
                name="Nguyễn Văn Vận Hành", sha256=hash_key(OPERATOR), roles=["operator"]
            ),
            ApiKeySetting(name="viewer-so-tttt", sha256=hash_key(VIEWER), roles=["viewer"]),
        ],
    )


@pytest.fixture
def molisa(serve_app: Any, tmp_path: Any) -> Any:
    mock = serve_app(create_mock())
    admin = httpx.Client(base_url=mock.url, timeout=30)
    yield mock.url, admin, f"sqlite:///{tmp_path / 'console.db'}"
    admin.close()


def dead_jobs(db_url: str, mock_url: str, admin: httpx.Client, n: int) -> list[str]:
    """``n`` dossiers received and sent while the ministry answers 503: ``n`` dead jobs.
    The ministry is healthy again afterwards. Prepared by a hub of its own, closed after."""
    prep = Hub(settings(db_url, mock_url))
    events = [sample_lifecycle(f"console-{i}", seq=i + 1)[0] for i in range(n)]
    prep.store.ingest(events, prep.router.targets)
    admin.post("/_mock/faults", json={"faults": [{"kind": "http_503", "rate": 1.0}]})

    async def run() -> None:
        try:
            stats = await prep.worker.run_until_idle(timeout=300)
            assert stats.dead == n
        finally:
            await prep.aclose()

    run_async(run())
    admin.delete("/_mock/faults")
    return [e.ma_ho_so for e in events]


def test_operator_finds_a_dead_job_reads_why_and_reruns_it(
    molisa, page, shot, console_server
) -> None:  # type: ignore[no-untyped-def]
    mock_url, admin, db_url = molisa
    codes = dead_jobs(db_url, mock_url, admin, 3)
    base = console_server(Hub(settings(db_url, mock_url)))
    sign_in(page, base, OPERATOR)
    page.goto(base + "/console/overview")
    expect(page.locator("#c-molisa")).to_be_visible()
    expect(page.locator("#dead-by-reason")).to_contain_text("http_503")
    shot(page, "overview")

    page.goto(base + "/console/jobs")
    page.fill("#f-ma_ho_so", codes[1])
    page.select_option("select[name=state]", "dead")
    page.click("#apply-filter")
    links = page.locator("a.job-link")
    expect(links).to_have_count(1)
    shot(page, "jobs")
    links.first.click()
    expect(page.locator("#why-text")).to_contain_text("Hệ thống của Bộ đang gặp lỗi")
    expect(page.locator("#fix-text")).to_contain_text("gửi lại")
    expect(page.locator("#job-state")).to_have_attribute("data-state", "dead")
    shot(page, "job-dead")

    page.select_option("#act select[name=kind]", "retry")
    page.click("#act-submit")  # no reason yet: the browser's own check stops it
    assert "done=" not in page.url
    page.fill("#act input[name=reason]", "Bộ đã khắc phục sự cố 503")
    page.click("#act-submit")
    expect(page.locator("#done")).to_be_visible()
    for _ in range(100):  # the worker sends it to the mock; reload until it says so
        if page.locator("#job-state").get_attribute("data-state") == "succeeded":
            break
        page.wait_for_timeout(200)
        page.reload()
    expect(page.locator("#job-state")).to_have_attribute("data-state", "succeeded")
    expect(page.locator("#attempts tr.o-ok")).to_have_count(1)
    shot(page, "job-succeeded")

    page.goto(base + "/console/audit")
    row = page.locator("#audit tr", has_text="Bộ đã khắc phục sự cố 503")
    expect(row).to_contain_text("Nguyễn Văn Vận Hành")
    stats = admin.get("/_mock/stats").json()
    assert stats, "the mock saw the re-run"


def test_a_viewer_sees_no_action_and_a_forged_post_is_refused(
    molisa, page, shot, console_server
) -> None:  # type: ignore[no-untyped-def]
    mock_url, admin, db_url = molisa
    dead_jobs(db_url, mock_url, admin, 1)
    hub = Hub(settings(db_url, mock_url))
    (job,), _ = Operations(hub.store).list_jobs(JobFilter(state="dead"))
    base = console_server(hub)
    sign_in(page, base, VIEWER)
    expect(page.locator("input.pick")).to_have_count(0)
    expect(page.locator("#bulk-actions")).to_have_count(0)
    page.goto(f"{base}/console/jobs/{job['id']}")
    expect(page.locator("#why")).to_be_visible()
    expect(page.locator("#act")).to_have_count(0)
    expect(page.locator("#act-submit")).to_have_count(0)
    shot(page, "job-viewer")
    token = page.locator("input[name=csrf]").first.get_attribute("value")
    forged = page.request.post(
        f"{base}/console/jobs/{job['id']}/act",
        form={"csrf": token, "kind": "retry", "reason": "forged", "mode": "as_was"},
        max_redirects=0,
    )
    assert forged.status == 403
    page.goto(f"{base}/console/jobs/{job['id']}")
    expect(page.locator("#job-state")).to_have_attribute("data-state", "dead")


def test_a_bulk_rerun_of_200_jobs_shows_progress_to_the_end(
    molisa, page, shot, console_server
) -> None:  # type: ignore[no-untyped-def]
    mock_url, admin, db_url = molisa
    dead_jobs(db_url, mock_url, admin, 200)
    base = console_server(Hub(settings(db_url, mock_url)))
    sign_in(page, base, OPERATOR)
    page.goto(base + "/console/jobs?state=dead&connector=molisa")
    expect(page.locator("a.job-link")).to_have_count(50)  # the first keyset page
    page.check("#scope-filter")
    page.select_option("#bulk-kind", "retry")
    page.click("#preview")
    expect(page.locator("#preview-count")).to_have_text("200")
    shot(page, "bulk-preview")
    page.fill("#bulk-reason", "Bộ đã hoạt động lại")
    page.click("#run-task")
    page.wait_for_url(re.compile(r".*/console/tasks/\d+$"))
    expect(page.locator("#task-processed")).to_have_text("200", timeout=120_000)
    expect(page.locator("#task-applied")).to_have_text("200")
    expect(page.locator("#task-state")).to_have_text("Hoàn thành")
    assert page.locator("#task-bar").evaluate("b => b.value === b.max")
    shot(page, "bulk-task")


def test_a_reconciliation_runs_chart_and_table_render(molisa, page, shot, console_server) -> None:  # type: ignore[no-untyped-def]
    mock_url, admin, db_url = molisa
    prep = Hub(settings(db_url, mock_url))
    batch = sample_batch(6, seed="console-rec")
    prep.store.ingest([e for life in batch for e in life], prep.router.targets)
    codes = [life[0].ma_ho_so for life in batch]

    async def reconcile() -> int:
        try:
            await prep.worker.run_until_idle(timeout=120)
            admin.post(
                "/_mock/plant",
                json={"remove": [codes[0]], "alter": [{"MaHoSo": codes[1], "StatusId": "4"}]},
            )
            rec = Reconciler(prep, stale_after=timedelta(hours=1))
            return await rec.run("molisa", actor="test")
        finally:
            await prep.aclose()

    run_id = run_async(reconcile())
    base = console_server(Hub(settings(db_url, mock_url)))
    sign_in(page, base, VIEWER)
    page.goto(f"{base}/console/reconcile")
    page.click(f"#runs a[href='/console/reconcile/{run_id}']")
    chart = page.locator("#rec-chart svg")
    expect(chart).to_be_visible()
    expect(chart.locator("rect")).to_have_count(5)  # one bar per kind of difference
    expect(page.locator("#findings tr")).to_have_count(3)  # header + two findings
    expect(page.locator("#findings")).to_contain_text(codes[0])
    expect(page.locator("#findings")).to_contain_text("Chỉ có ở tỉnh")
    expect(page.locator("#findings")).to_contain_text("Lệch trạng thái")
    shot(page, "reconciliation")
    with page.expect_download() as download:
        page.click("#dl-csv")
    assert codes[1] in download.value.path().read_text(encoding="utf-8-sig")
    page.select_option("#kind-filter select", "only_province")
    page.click("#kind-filter button")
    expect(page.locator("#findings tr")).to_have_count(2)
    # An operator repairs: a dry run first (nothing changes), then the real one.
    page.click("#signout")
    sign_in(page, base, OPERATOR)
    page.goto(f"{base}/console/reconcile/{run_id}")
    expect(page.locator("#repair-apply")).to_have_count(0)  # only after a dry run
    page.click("#repair-dry")
    expect(page.locator("#repair-result")).to_contain_text("would_")
    page.click("#repair-apply")
    expect(page.locator("#repair-result")).to_contain_text("enqueued")
    shot(page, "reconciliation-repaired")
    page.goto(f"{base}/console/reconcile")
    page.click("#run-now button")
    page.wait_for_url(re.compile(r".*/console/reconcile/\d+$"))
    assert not page.url.endswith(f"/reconcile/{run_id}")
    expect(page.locator("#rec-chart svg")).to_be_visible()
