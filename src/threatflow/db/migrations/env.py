"""Alembic environment: runs migrations against the URL set by threatflow.db.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import pool

from threatflow.db.engine import make_engine
from threatflow.db.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url") or ""
engine = make_engine(url, poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
