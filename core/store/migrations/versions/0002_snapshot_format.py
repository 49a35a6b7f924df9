"""Snapshots record the state format of the code that wrote them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("snapshots") as batch:
        batch.add_column(sa.Column("format", sa.String(80), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("snapshots") as batch:
        batch.drop_column("format")
