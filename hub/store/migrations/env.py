"""Alembic environment: runs on the engine the hub hands over (``config.attributes``)."""

from __future__ import annotations

from alembic import context

from hub.store.tables import metadata

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # `alembic` run by hand: take the URL from the settings
    from hub.settings import HubSettings
    from hub.store.engine import make_engine

    engine = make_engine(HubSettings().database_url)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
