"""``tthc-hub jobs …``: find, understand and re-run failed syncs (rules in hub/ops.py).
``status``, ``audit`` and ``keys`` live in their own modules."""

from __future__ import annotations

import getpass
import json
import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from hub.ops import Operations
    from hub.service import Hub

app = typer.Typer(help="Sync jobs (the outbox).", no_args_is_help=True)

ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="TOML settings file")]
State = Annotated[
    str | None, typer.Option(help="pending, running, failed, succeeded, dead, skipped, cancelled")
]
Connector = Annotated[str | None, typer.Option(help="connector name, e.g. molisa")]
MaHoSo = Annotated[str | None, typer.Option("--ma-ho-so", help="mã hồ sơ")]
MaTTHC = Annotated[str | None, typer.Option("--ma-tthc", help="mã TTHC (prefix match)")]
ErrorClass = Annotated[
    str | None, typer.Option("--error-class", help="timeout, http_503, mapping, ...")
]
Since = Annotated[
    datetime | None, typer.Option(help="last change at or after (YYYY-MM-DD[THH:MM])")
]
Until = Annotated[datetime | None, typer.Option(help="last change before")]
By = Annotated[
    str | None, typer.Option("--by", help="who acts (default: $TTHC_HUB_OPERATOR or the login)")
]
Reason = Annotated[str | None, typer.Option("--reason", help="why; required to skip or cancel")]
MAX_ID = 2**63 - 1  # hub.params.MAX_ID (BIGINT), without loading pydantic at start-up
#: An id on the command line: within the database's integers (an out-of-range one is a
#: usage error, not a traceback).
JobId = Annotated[int, typer.Argument(help="job id", min=1, max=MAX_ID)]
TaskId = Annotated[int, typer.Argument(help="task id", min=1, max=MAX_ID)]


def _ops(config: Path | None) -> tuple[Hub, Operations]:
    from hub.cli import _hub
    from hub.ops import Operations

    hub = _hub(config)
    return hub, Operations(hub.store, connectors=hub.connectors)


def _actor(by: str | None) -> str:
    return by or os.environ.get("TTHC_HUB_OPERATOR") or f"{getpass.getuser()}@cli"


def _filter(state, connector, ma_ho_so, ma_tthc, error_class, since, until):
    from hub.ops import JobFilter
    from hub.store.store import as_utc

    return JobFilter(
        state=state,
        connector=connector,
        ma_ho_so=ma_ho_so,
        ma_tthc=ma_tthc,
        error_class=error_class,
        since=as_utc(since),
        until=as_utc(until),
    )


def _fail(message: str) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(2)


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if isinstance(value, datetime) else ""


@app.command("list")
def list_jobs(
    config: ConfigOpt = None,
    state: State = None,
    connector: Connector = None,
    ma_ho_so: MaHoSo = None,
    ma_tthc: MaTTHC = None,
    error_class: ErrorClass = None,
    since: Since = None,
    until: Until = None,
    sort: Annotated[
        str, typer.Option(help="id, -id, updated_at, -updated_at, attempts, -attempts")
    ] = "-id",
    limit: Annotated[int, typer.Option(min=1, max=10000)] = 50,
    page: Annotated[int, typer.Option(min=1, max=MAX_ID // 10000)] = 1,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List sync jobs by state, connector, mã hồ sơ, mã TTHC, error class and time."""
    from rich.console import Console
    from rich.table import Table

    from hub.i18n import t
    from hub.ops import ActionRefused

    _hub, ops = _ops(config)
    flt = _filter(state, connector, ma_ho_so, ma_tthc, error_class, since, until)
    try:
        rows, total = ops.list_jobs(flt, sort=sort, limit=limit, offset=(page - 1) * limit)
    except ActionRefused as exc:
        _fail(exc.reason)
    if as_json:
        typer.echo(json.dumps({"items": rows, "total": total}, default=str, ensure_ascii=False))
        return
    table = Table(title=f"{t('jobs.title')} ({len(rows)}/{total})")
    for key in (
        "job.id",
        "job.connector",
        "job.ma_ho_so",
        "job.state",
        "job.attempts",
        "job.next_run_at",
        "job.error",
    ):
        table.add_column(t(key), overflow="fold")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["connector"],
            r["ma_ho_so"],
            t(f"state.{r['state']}"),
            str(r["attempts"]),
            _when(r["next_run_at"]) if r["state"] == "failed" else "",
            _error_words(r["error_class"], r["last_error"], 120),
        )
    Console().print(table)


def _error_words(error_class: str | None, reason: str | None, limit: int = 300) -> str:
    """``class: reason`` for a reader (the reason is already in the reader's words)."""
    from hub.i18n import error_class_words

    if not error_class and not reason:
        return ""
    return f"{error_class_words(error_class)}: {(reason or '')[:limit]}"


@app.command("show")
def show_job(
    job_id: JobId,
    config: ConfigOpt = None,
    payloads: Annotated[
        bool, typer.Option(help="show the masked request/response excerpts")
    ] = False,
) -> None:
    """One job: its dossier, event, every attempt, and the jobs it holds back."""
    from rich.console import Console
    from rich.table import Table

    from hub.i18n import error_class_words, t
    from hub.ops import ActionRefused

    _hub, ops = _ops(config)
    try:
        info = ops.show_job(job_id, with_payloads=payloads)
    except ActionRefused as exc:
        _fail(exc.reason)
    job, event = info["job"], info["event"]
    console = Console()
    console.print(
        f"[bold]{t('job.id')} {job['id']}[/]  {job['connector']}  {job['ma_ho_so']}  "
        f"{t('state.' + job['state'])}"
    )
    if event:
        console.print(
            f"{t('job.event')}: {event['type']} #{event['sequence']} "
            f"{_when(event['occurred_at'])} ({event['id']})"
        )
    if job["last_error"]:
        words = error_class_words(job["error_class"])
        console.print(f"{t('job.error')}: [red]{words}[/]: {job['last_error']}")
    if job["operator_reason"]:
        console.print(f"{t('job.operator')}: {job['operator_reason']}")
    table = Table(title=t("job.attempts_title"))
    for col in ("#", "attempt.time", "ms", "attempt.outcome", "HTTP", "job.error"):
        table.add_column(t(col, default=col), overflow="fold")
    for a in info["attempts"]:
        table.add_row(
            str(a["attempt"]),
            _when(a["started_at"]),
            f"{a['duration_ms']:.0f}",
            t(f"attempt.{a['outcome']}", default=a["outcome"]),
            str(a["http_status"] or ""),
            _error_words(a["error_class"], a["error"]),
        )
        if payloads:
            table.add_row("", "", "", "→", "", a.get("request_excerpt") or "")
            table.add_row("", "", "", "←", "", a.get("response_excerpt") or "")
    console.print(table)
    for key, items in (
        ("job.waits_for", info["waits_for"]),
        ("job.holds_back", info["holds_back"]),
    ):
        if items:
            listed = ", ".join(f"{i['id']} (#{i['sequence']} {i['state']})" for i in items)
            console.print(f"{t(key)}: {listed}")


def _act(
    kind: str,
    job_id: int | None,
    flt: Any,
    *,
    config: Path | None,
    by: str | None,
    reason: str | None,
    current_state: bool,
    dry_run: bool,
    yes: bool,
    wait: bool,
) -> None:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from hub.ops import ActionRefused, check_action

    hub, ops = _ops(config)
    actor = _actor(by)
    console = Console()
    try:
        check_action(kind, reason)
        if job_id is not None:
            if dry_run:
                console.print(ops.show_job(job_id)["job"])
                return
            ops.act(kind, job_id, actor=actor, reason=reason, use_current_state=current_state)
            console.print(f"job {job_id}: {kind} ✓")
            return
        if not flt.to_json():
            _fail("give a job id or at least one filter (--state, --connector, ...)")
        preview = ops.preview(kind, flt)
        console.print(f"{kind}: {preview['count']} job(s) match {flt.describe()}")
        for r in preview["sample"]:
            console.print(
                f"  {r['id']} {r['connector']} {r['ma_ho_so']} {r['state']} "
                f"{r['error_class'] or ''}"
            )
        if dry_run or preview["count"] == 0:
            return
        if not yes and not typer.confirm("go on?", default=False):
            raise typer.Exit(1)
        op_id = ops.create_task(
            kind, flt, actor=actor, reason=reason, use_current_state=current_state
        )
        console.print(f"task {op_id} queued")
        if not wait:
            return
        owner = f"cli:{os.getpid()}"
        with Progress(
            TextColumn(f"task {op_id}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[refused]} refused"),
            console=console,
        ) as bar:
            pid = bar.add_task("run", total=preview["count"], refused=0)

            def show(task: dict[str, Any]) -> None:
                bar.update(pid, completed=task["processed"], refused=task["refused"])

            # Run it here unless a server already took it; either way, follow it to the end.
            if ops.claim_task(owner) == op_id:
                ops.run_task(op_id, owner, progress=show)
            else:
                import time

                while (task := ops.task(op_id))["state"] in ("queued", "running"):
                    show(task)
                    time.sleep(0.5)
        task = ops.task(op_id)
        console.print(
            f"task {op_id}: {task['state']}, applied {task['applied']}, refused {task['refused']}"
        )
        for r in task["refusals"]:
            console.print(f"  refused {r['job_id']}: {r['reason']}")
    except ActionRefused as exc:
        _fail(exc.reason)
    finally:
        hub.close_store()


def _action_command(kind: str, help_text: str):
    def command(
        job_id: Annotated[
            int | None, typer.Argument(help="one job; or use filters", min=1, max=MAX_ID)
        ] = None,
        config: ConfigOpt = None,
        state: State = None,
        connector: Connector = None,
        ma_ho_so: MaHoSo = None,
        ma_tthc: MaTTHC = None,
        error_class: ErrorClass = None,
        since: Since = None,
        until: Until = None,
        by: By = None,
        reason: Reason = None,
        current_state: Annotated[
            bool,
            typer.Option(
                "--current-state", help="send the dossier as it is now, not as the event had it"
            ),
        ] = False,
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="show the count and a sample")
        ] = False,
        yes: Annotated[bool, typer.Option("--yes", "-y", help="do not ask")] = False,
        wait: Annotated[bool, typer.Option(help="follow the task (and run it here)")] = True,
    ) -> None:
        flt = _filter(state, connector, ma_ho_so, ma_tthc, error_class, since, until)
        _act(
            kind,
            job_id,
            flt,
            config=config,
            by=by,
            reason=reason,
            current_state=current_state,
            dry_run=dry_run,
            yes=yes,
            wait=wait,
        )

    command.__doc__ = help_text
    return command


app.command("retry")(
    _action_command(
        "retry", "Re-run one dead or failed job now, or every job a filter matches (as a task)."
    )
)
app.command("skip")(
    _action_command("skip", "Do not send a job (dead, failed or pending); --reason is required.")
)
app.command("cancel")(
    _action_command(
        "cancel", "Withdraw a pending or failed job before it is sent; --reason is required."
    )
)


@app.command("tasks")
def list_tasks(
    config: ConfigOpt = None, limit: Annotated[int, typer.Option(min=1, max=200)] = 20
) -> None:
    """Re-run/skip/cancel tasks and their progress."""
    from rich.console import Console
    from rich.table import Table

    _hub, ops = _ops(config)
    from hub.i18n import t

    table = Table(title=t("tasks.title"))
    for col in ("id", "kind", "state", "by", "filter", "done", "applied", "refused", "created"):
        table.add_column(t(f"tasks.{col}"), overflow="fold")
    for op in ops.list_tasks(limit):
        table.add_row(
            str(op["id"]),
            op["kind"],
            op["state"],
            op["actor"],
            json.dumps(op["filter"]),
            f"{op['processed']}/{op['total']}",
            str(op["applied"]),
            str(op["refused"]),
            _when(op["created_at"]),
        )
    Console().print(table)


def _set_task_state(op_id: int, state: str, config: Path | None, by: str | None) -> None:
    from hub.ops import ActionRefused

    _hub, ops = _ops(config)
    try:
        typer.echo(ops.set_task_state(op_id, state, actor=_actor(by))["state"])
    except ActionRefused as exc:
        _fail(exc.reason)


@app.command("pause")
def pause_task(op_id: TaskId, config: ConfigOpt = None, by: By = None) -> None:
    """Pause a task between chunks."""
    _set_task_state(op_id, "paused", config, by)


@app.command("resume")
def resume_task(op_id: TaskId, config: ConfigOpt = None, by: By = None) -> None:
    """Queue a paused task again; the server (or `jobs retry --wait`) runs it on."""
    _set_task_state(op_id, "queued", config, by)


@app.command("cull")
def cull(config: ConfigOpt = None) -> None:
    """Apply retention now: old excerpts and finished jobs; never failed or dead ones."""
    hub, _ = _ops(config)
    typer.echo(json.dumps(hub.cull()))
