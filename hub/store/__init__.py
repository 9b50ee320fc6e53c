"""The store: SQLAlchemy Core tables, migrations and named queries."""
