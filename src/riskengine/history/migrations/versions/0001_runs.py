"""The table of recorded assessment runs.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``esecuzioni``: one row per assess run, with its complete result."""
    op.create_table(
        "esecuzioni",
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
    )
    op.create_index("ix_esecuzioni_ente_anno", "esecuzioni", ["ente", "anno"])


def downgrade() -> None:
    """Drop ``esecuzioni``."""
    op.drop_index("ix_esecuzioni_ente_anno", "esecuzioni")
    op.drop_table("esecuzioni")
