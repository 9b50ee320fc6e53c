"""CLI command groups, one module per feature, each exposing ``app`` (a ``typer.Typer``).

``hub.cli`` mounts them. Import heavy modules inside the commands, not at the top:
``tthc-hub --help`` imports every group.
"""
