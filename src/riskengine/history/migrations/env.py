"""Alembic environment: migrations run online on the connection that open_store hands over."""

from __future__ import annotations

from alembic import context

from riskengine.history.tables import METADATA

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=METADATA)
with context.begin_transaction():
    context.run_migrations()
