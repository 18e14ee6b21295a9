"""The store's table as SQLAlchemy metadata: what the migrations create, for Alembic to compare with.

The store itself reads and writes with plain SQL (:mod:`riskengine.history.store`), so that recording a
run on SQLite needs no SQLAlchemy import; this declaration and ``migrations/`` are used only to create
or upgrade a schema.
"""

from __future__ import annotations

import sqlalchemy as sa

METADATA = sa.MetaData()
RUNS = sa.Table(
    "esecuzioni", METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ente", sa.String(200), nullable=False),
    sa.Column("anno", sa.Integer, nullable=False),
    sa.Column("eseguita_il", sa.DateTime(timezone=True), nullable=False),
    sa.Column("metodo", sa.String(200), nullable=False),
    sa.Column("versione_metodo", sa.String(100), nullable=False),
    sa.Column("riskengine", sa.String(50), nullable=False),
    sa.Column("digest_input", sa.Text, nullable=False),
    sa.Column("digest_regole", sa.Text, nullable=False),
    sa.Column("risultato", sa.Text, nullable=False),
    sa.Index("ix_esecuzioni_ente_anno", "ente", "anno"),
)
