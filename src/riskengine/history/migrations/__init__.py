"""Alembic migrations of the history store (run by :func:`riskengine.history.store.open_store`)."""
