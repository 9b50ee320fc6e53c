"""``tthc-hub lookup``: the named queries of every connector (:mod:`hub.lookups`).

``tthc-hub lookup`` lists them; ``tthc-hub lookup vantai tra_cuu_ho_so --param
mahoso=000.00.22.H34-250701-0001`` answers one as a Rich table (Vietnamese headers),
``--json`` as JSON and ``--xlsx FILE`` as a workbook. A statistics query ends with a
totals row. Parameters are validated before any call; the answer is cached for the
life of the process (the API's cache lives as long as the server).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from hub.lookup_service import LookupAnswer, LookupService

__all__ = ["lookup_command", "write_xlsx"]

ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="TOML settings file")]


def _params(pairs: list[str]) -> dict[str, str]:
    from hub import reasons_api as A
    from hub.errors import RequestRefused

    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise RequestRefused(
                A.BAD_PARAM(got=repr(key.strip())),
                loc="param",
            )
        out[key.strip()] = value
    return out


def lookup_command(
    connector: Annotated[str | None, typer.Argument(help="connector, e.g. vantai")] = None,
    query: Annotated[str | None, typer.Argument(help="query name, e.g. tra_cuu_ho_so")] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="NAME=VALUE, repeatable")
    ] = None,
    page: Annotated[int, typer.Option(help="page of a paged query", min=1, max=1_000_000)] = 1,
    page_size: Annotated[int, typer.Option(help="rows per page", min=1, max=500)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="write an XLSX workbook")] = None,
    config: ConfigOpt = None,
) -> None:
    """Look-ups at the ministries (Tra cứu): without arguments, list them all."""
    import asyncio

    from hub.cli import _hub
    from hub.routes.lookups import lookup_service

    hub = _hub(config)
    try:
        service = lookup_service(hub)
        if connector is None or query is None:
            _list(service, connector, as_json)
            return
        raw = _params(param or [])
        answer = asyncio.run(_run(hub, service, connector, query, raw, page, page_size))
    finally:
        hub.close_store()
    if xlsx is not None:
        write_xlsx(answer, xlsx)
        typer.echo(str(xlsx))
    elif as_json:
        typer.echo(json.dumps(answer.to_json(), ensure_ascii=False, default=str))
    else:
        _print(answer)


async def _run(
    hub: Any,
    service: LookupService,
    connector: str,
    query: str,
    raw: dict[str, str],
    page: int,
    page_size: int,
) -> LookupAnswer:
    try:
        return await service.run(connector, query, raw, page=page, page_size=page_size)
    finally:
        await hub.aclose()


def _list(service: LookupService, only: str | None, as_json: bool) -> None:
    from hub import reasons_api as A
    from hub.errors import RequestRefused

    catalog = [c for c in service.catalog() if only is None or c["connector"] == only]
    if only is not None and not catalog:
        raise RequestRefused(A.NO_LOOKUP_CONNECTOR(connector=only), code="not_found")
    if as_json:
        typer.echo(json.dumps({"connectors": catalog}, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    from hub.i18n import t

    table = Table(title=t("lookups.title"))
    for header in ("connector", "query", "name", "params", "kind"):
        table.add_column(t(f"lookups.{header}"))
    for c in catalog:
        for q in c["queries"]:
            params = ", ".join(p["name"] + ("" if p["required"] else "?") for p in q["parameters"])
            kind = "thống kê" if q["statistics"] else ("danh sách" if q["paged"] else "chi tiết")
            table.add_row(c["connector"], q["name"], q["title_vi"], params, kind)
    Console().print(table)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _print(answer: LookupAnswer) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    columns = answer.query.columns()
    title = f"{answer.query.title_vi} ({answer.connector})"
    query = answer.query
    if not query.paged and not query.statistics and len(answer.page.items) == 1:
        table = Table(title=title)  # one record: a line per field reads better
        table.add_column("Thông tin")
        table.add_column("Giá trị")
        row = answer.rows()[0]
        for name, header in columns:
            table.add_row(header, _cell(row.get(name)))
        console.print(table)
        _notice(console, answer)
        return
    table = Table(title=title, show_footer=answer.page.totals is not None)
    totals = answer.page.totals or {}
    for n, (name, header) in enumerate(columns):
        footer = "Tổng cộng" if n == 0 and name not in totals else _cell(totals.get(name))
        table.add_column(header, footer=footer)
    for row in answer.rows():
        table.add_row(*(_cell(row.get(name)) for name, _ in columns))
    console.print(table)
    page = answer.page
    if answer.query.paged:
        total = f" / {page.total}" if page.total is not None else ""
        console.print(f"Trang {page.page}, {len(page.items)} dòng{total}")
    _notice(console, answer)


def _notice(console: Any, answer: LookupAnswer) -> None:
    if answer.notice_vi:
        console.print(f"[yellow]{answer.notice_vi}[/yellow]")
    elif answer.cached:
        console.print(f"(kết quả lưu lúc {answer.fetched_at:%H:%M:%S})")


def write_xlsx(answer: LookupAnswer, path: Path) -> None:
    """The answer as one sheet: Vietnamese headers, the rows, a totals row for statistics."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    columns = answer.query.columns()
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = answer.query.name[:31]
    sheet.append([header for _, header in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in answer.rows():
        sheet.append(
            [
                _cell(row.get(name)) if isinstance(row.get(name), (list, dict)) else row.get(name)
                for name, _ in columns
            ]
        )
    if answer.page.totals is not None:
        totals = answer.page.totals
        sheet.append(
            [
                totals.get(name, "Tổng cộng" if n == 0 else None)
                for n, (name, _) in enumerate(columns)
            ]
        )
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    if answer.notice_vi:
        sheet.append([answer.notice_vi])
    book.save(path)
