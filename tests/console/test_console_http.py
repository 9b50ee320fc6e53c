"""The console over HTTP (no browser): sign-in and cookie flags, CSRF refusals, role
checks on the server, the language switch, and an action audited with who and why."""

from __future__ import annotations

import re

import httpx

from hub.ops import JobFilter, Operations
from hub.service import Hub

from .conftest import KEYS, csrf_of, make_dead_jobs, sign_in


def _cookie_header(response: httpx.Response, name: str) -> str:
    found = [v for v in response.headers.get_list("set-cookie") if v.startswith(name + "=")]
    assert found, f"no {name} cookie set"
    return found[0].lower()


def test_sign_in_sets_a_strict_httponly_cookie_secure_only_over_https(
    console_hub: Hub, hub_api
) -> None:  # type: ignore[no-untyped-def]
    base = str(hub_api(console_hub).base_url).rstrip("/")
    with httpx.Client(base_url=base) as plain:
        cookie = _cookie_header(sign_in(plain, KEYS["viewer"]), "thub_session")
        assert "httponly" in cookie and "samesite=strict" in cookie and "path=/console" in cookie
        assert "secure" not in cookie.replace("samesite", "")
    # Behind a TLS proxy that says so (uvicorn trusts loopback's X-Forwarded-Proto).
    # httpx keeps a Secure cookie from a plain-http client: carry the pre-session one by hand.
    tls = {"X-Forwarded-Proto": "https"}
    form = httpx.get(base + "/console/signin", headers=tls)
    pre = _cookie_header(form, "thub_pre")
    assert "; secure" in pre and "httponly" in pre
    response = httpx.post(
        base + "/console/signin",
        data={"csrf": csrf_of(form.text), "key": KEYS["viewer"]},
        headers=tls | {"Cookie": "thub_pre=" + form.cookies["thub_pre"]},
    )
    assert response.status_code == 303
    assert "; secure" in _cookie_header(response, "thub_session")


def test_unknown_key_is_refused_and_pages_need_a_session(console_hub: Hub, hub_api) -> None:  # type: ignore[no-untyped-def]
    base = hub_api(console_hub).base_url
    with httpx.Client(base_url=base) as client:
        page = client.get("/console/jobs?state=dead")
        assert page.status_code == 303
        assert page.headers["location"].startswith("/console/signin?next=%2Fconsole%2Fjobs")
        refused = sign_in(client, "thub_not-a-key")
        assert refused.status_code == 303 and "error=1" in refused.headers["location"]
        assert "thub_session" not in client.cookies
        # A forged session cookie (any signature but ours) is no session.
        client.cookies.set("thub_session", "eyJuIjoiYWRtaW4tcGVyc29uIn0.00", path="/console")
        assert client.get("/console/overview").status_code == 303


def test_sign_in_without_its_form_token_is_refused(console_hub: Hub, hub_api) -> None:  # type: ignore[no-untyped-def]
    base = hub_api(console_hub).base_url
    with httpx.Client(base_url=base) as client:
        client.get("/console/signin")
        response = client.post("/console/signin", data={"key": KEYS["admin"], "csrf": "x" * 40})
        assert response.status_code == 403
        assert "thub_session" not in client.cookies


def test_every_form_post_needs_the_sessions_csrf_token(console_hub: Hub, signed_in) -> None:  # type: ignore[no-untyped-def]
    (code,) = make_dead_jobs(console_hub, ["csrf"])
    (dead,), _ = Operations(console_hub.store).list_jobs(JobFilter(state="dead"))
    operator = signed_in("operator")
    other = signed_in("operator")  # another session of the same key: its token is not ours
    form = {"kind": "retry", "reason": "Bộ đã sửa", "mode": "as_was"}
    for token in (None, "", csrf_of(other.get("/console/overview").text)):
        data = form | ({"csrf": token} if token is not None else {})
        response = operator.post(f"/console/jobs/{dead['id']}/act", data=data)
        assert response.status_code == 403, token
    for path in ("/console/jobs/preview", "/console/tasks", "/console/signout"):
        assert operator.post(path, data={"kind": "retry", "reason": "x"}).status_code == 403
    assert Operations(console_hub.store).show_job(dead["id"])["job"]["state"] == "dead"
    assert code


def test_roles_are_checked_on_the_server(console_hub: Hub, signed_in) -> None:  # type: ignore[no-untyped-def]
    make_dead_jobs(console_hub, ["roles"])
    (dead,), _ = Operations(console_hub.store).list_jobs(JobFilter(state="dead"))
    viewer = signed_in("viewer")
    page = viewer.get(f"/console/jobs/{dead['id']}")
    assert page.status_code == 200 and 'id="act"' not in page.text
    assert 'name="job_id"' not in viewer.get("/console/jobs").text  # no selection either
    token = csrf_of(page.text)  # the sign-out form's: a valid token of this session
    forged = viewer.post(
        f"/console/jobs/{dead['id']}/act",
        data={"csrf": token, "kind": "retry", "reason": "forged", "mode": "as_was"},
    )
    assert forged.status_code == 403
    bulk = viewer.post(
        "/console/tasks", data={"csrf": token, "kind": "retry", "reason": "forged", "state": "dead"}
    )
    assert bulk.status_code == 403
    assert Operations(console_hub.store).list_tasks() == []
    assert viewer.get("/console/keys").status_code == 403
    assert signed_in("operator").get("/console/keys").status_code == 403
    admin_keys = signed_in("admin").get("/console/keys")
    assert admin_keys.status_code == 200 and "operator-person" in admin_keys.text
    assert KEYS["admin"] not in admin_keys.text  # only names and hash prefixes


def test_an_operator_rerun_is_audited_with_who_and_why(console_hub: Hub, signed_in) -> None:  # type: ignore[no-untyped-def]
    (code,) = make_dead_jobs(console_hub, ["audited"])
    operator = signed_in("operator")
    found = operator.get("/console/jobs", params={"ma_ho_so": code, "state": "dead"})
    (job_id,) = set(re.findall(r'href="/console/jobs/(\d+)"', found.text))
    page = operator.get(f"/console/jobs/{job_id}")
    assert 'id="why"' in page.text and "Bộ, ngành đã từ chối" in page.text
    no_reason = operator.post(
        f"/console/jobs/{job_id}/act",
        data={"csrf": csrf_of(page.text), "kind": "retry", "reason": " ", "mode": "as_was"},
    )
    assert no_reason.status_code == 422 and "Cần nhập lý do" in no_reason.text
    done = operator.post(
        f"/console/jobs/{job_id}/act",
        data={"csrf": csrf_of(page.text), "kind": "retry", "reason": "Bộ đã sửa"}
        | {"mode": "current"},
    )
    assert done.status_code == 303
    job = Operations(console_hub.store).show_job(int(job_id))["job"]
    assert job["state"] == "pending" and job["use_current_state"]
    (entry, *_) = Operations(console_hub.store).audit(action="retry")
    assert (entry["actor"], entry["reason"], entry["count"]) == ("operator-person", "Bộ đã sửa", 1)
    signins = Operations(console_hub.store).audit(action="console_signin")
    assert signins[0]["actor"] == "operator-person"


def test_vietnamese_by_default_english_by_the_switch(console_hub: Hub, signed_in) -> None:  # type: ignore[no-untyped-def]
    viewer = signed_in("viewer")
    page = viewer.get("/console/overview")
    assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert 'lang="vi"' in page.text and "Tổng quan" in page.text and "Đăng xuất" in page.text
    switched = viewer.get("/console/lang", params={"to": "en", "next": "/console/jobs"})
    assert switched.status_code == 303 and switched.headers["location"] == "/console/jobs"
    page = viewer.get("/console/jobs")
    assert 'lang="en"' in page.text and "Sync jobs" in page.text and "Sign out" in page.text
    # Only console paths are followed after a switch or a sign-in (no open redirect).
    away = viewer.get("/console/lang", params={"to": "vi", "next": "https://evil.example/"})
    assert away.headers["location"] == "/console/overview"


def test_sign_out_ends_the_session_even_if_the_cookie_is_replayed(signed_in) -> None:  # type: ignore[no-untyped-def]
    viewer = signed_in("viewer")
    stolen = viewer.cookies.get("thub_session")
    page = viewer.get("/console/overview")
    out = viewer.post("/console/signout", data={"csrf": csrf_of(page.text)})
    assert out.status_code == 303
    viewer.cookies.set("thub_session", stolen, path="/console")
    assert viewer.get("/console/overview").status_code == 303


def test_dates_are_province_time_dd_mm_yyyy() -> None:
    from datetime import UTC, datetime

    from hub.console.views import fmt_dt

    assert fmt_dt(datetime(2025, 12, 31, 17, 30, tzinfo=UTC)) == "01/01/2026 00:30"
    assert fmt_dt(datetime(2025, 3, 4, 1, 2)) == "04/03/2025 08:02"  # naive = UTC
    assert fmt_dt(None) == "—"


_RAW_KEY = re.compile(
    r"\b(?:nav|ov|jobs|act|preview|task|detail|rec|inbox|dl|keys|signin|state|reconcile|audit"
    r"|status|job)\.[a-z_]+(?:\.[a-z_]+)?\b"
)


def test_every_page_renders_in_both_languages_without_a_raw_key(
    console_hub: Hub, signed_in
) -> None:  # type: ignore[no-untyped-def]
    make_dead_jobs(console_hub, ["pages-1", "pages-2"])
    ops = Operations(console_hub.store)
    (dead, *_), _ = ops.list_jobs(JobFilter(state="dead"))
    op_id = ops.create_task("retry", JobFilter(state="dead"), actor="t", reason="r")
    admin = signed_in("admin")
    pages = [
        "/console/overview",
        "/console/jobs",
        "/console/jobs?state=dead",
        f"/console/jobs/{dead['id']}",
        "/console/tasks",
        f"/console/tasks/{op_id}",
        "/console/reconcile",
        "/console/inbox",
        "/console/deadlines",
        "/console/audit",
        "/console/keys",
    ]
    for language in ("vi", "en"):
        admin.get("/console/lang", params={"to": language})
        for path in pages:
            page = admin.get(path)
            assert page.status_code == 200, (language, path)
            assert f'lang="{language}"' in page.text
            text = re.sub(r"<[^>]+>", " ", page.text)  # the words shown, not attributes
            assert not _RAW_KEY.findall(text), (language, path, _RAW_KEY.findall(text))
    progress = admin.get(f"/console/tasks/{op_id}/progress").json()
    assert progress["state"] == "queued" and progress["processed"] == 0


def test_a_bulk_action_by_filter_is_previewed_then_queued_as_a_task(
    console_hub: Hub, signed_in
) -> None:  # type: ignore[no-untyped-def]
    make_dead_jobs(console_hub, [f"bulk-{i}" for i in range(7)])
    operator = signed_in("operator")
    token = csrf_of(operator.get("/console/jobs?state=dead").text)
    form = {"csrf": token, "state": "dead", "scope": "filter", "kind": "retry"}
    preview = operator.post("/console/jobs/preview", data=form)
    assert preview.status_code == 200 and 'id="preview-count">7<' in preview.text
    assert Operations(console_hub.store).list_tasks() == []  # a preview changes nothing
    # A criterion typed wrong is refused, never dropped (which would widen the action).
    bad = operator.post("/console/jobs/preview", data=form | {"since": "31/12/2025"})
    assert bad.status_code == 422
    no_reason = operator.post("/console/tasks", data=form | {"reason": ""})
    assert no_reason.status_code == 422
    queued = operator.post("/console/tasks", data=form | {"reason": "Bộ đã hoạt động lại"})
    assert queued.status_code == 303
    (task,) = Operations(console_hub.store).list_tasks()
    assert queued.headers["location"] == f"/console/tasks/{task['id']}"
    assert (task["kind"], task["actor"], task["reason"]) == (
        "retry",
        "operator-person",
        "Bộ đã hoạt động lại",
    )
    assert task["filter"] == {"state": "dead"}
    paused = operator.post(f"/console/tasks/{task['id']}/pause", data={"csrf": token})
    assert paused.status_code == 303
    assert Operations(console_hub.store).task(task["id"])["state"] == "paused"


def test_excerpts_only_for_the_payload_viewer_and_always_masked(
    console_hub: Hub, signed_in
) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    make_dead_jobs(console_hub, ["excerpts"])
    ops = Operations(console_hub.store)
    (dead,), _ = ops.list_jobs(JobFilter(state="dead"))
    ops.act("retry", dead["id"], actor="t", reason="again")
    asyncio.run(console_hub.worker.run_until_idle(timeout=60))
    shown = ops.show_job(dead["id"], with_payloads=True)
    excerpt = next(a["request_excerpt"] for a in shown["attempts"] if a["request_excerpt"])
    event_id = shown["event"]["id"]
    assert event_id in excerpt  # the recording connector's excerpt: {"id": <event id>}
    path = f"/console/jobs/{dead['id']}"
    pre = re.findall(r"<pre>(.*?)</pre>", signed_in("payload-viewer").get(path).text, re.S)
    assert any(event_id in block for block in pre)
    viewer_page = signed_in("viewer").get(path).text
    assert "<pre>" not in viewer_page and event_id not in viewer_page
    assert "payload-viewer" in viewer_page  # it says who may see them


def test_removing_a_key_from_the_settings_ends_its_sessions(console_hub: Hub, signed_in) -> None:  # type: ignore[no-untyped-def]
    operator = signed_in("operator")
    assert operator.get("/console/overview").status_code == 200
    console_hub.settings.api_keys[:] = [
        k for k in console_hub.settings.api_keys if k.name != "operator-person"
    ]
    assert operator.get("/console/overview").status_code == 303
    assert signed_in("viewer").get("/console/overview").status_code == 200
