"""Storage adapter: SQLAlchemy 2 tables, Alembic migrations, the unit of work."""
