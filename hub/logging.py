"""structlog set-up: JSON lines when not on a terminal, personal data masked in every line."""

from __future__ import annotations

import logging
import sys
from typing import Literal, TextIO

import structlog

from hub.masking import structlog_processor

__all__ = ["get_logger", "setup_logging"]


def setup_logging(
    fmt: Literal["auto", "json", "console"] = "auto",
    level: str = "INFO",
    stream: TextIO | None = None,
) -> None:
    """Configure structlog: one line per event on ``stream`` (default stderr)."""
    stream = stream or sys.stderr
    as_json = fmt == "json" or (fmt == "auto" and not stream.isatty())
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if as_json
        else structlog.dev.ConsoleRenderer(colors=stream.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.format_exc_info,
            # Masking runs on every key before rendering, after exceptions became text.
            structlog_processor,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=stream),
        cache_logger_on_first_use=False,
    )


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    return structlog.get_logger(name)
