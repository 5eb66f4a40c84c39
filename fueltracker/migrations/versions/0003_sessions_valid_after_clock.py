"""sessions_valid_after defaults to the wall clock (clock_timestamp), not the transaction
start, so a re-registered username never honours a cookie of the deleted account.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("users", "sessions_valid_after", server_default=sa.text("clock_timestamp()"))


def downgrade() -> None:
    op.alter_column("users", "sessions_valid_after", server_default=sa.text("now()"))
