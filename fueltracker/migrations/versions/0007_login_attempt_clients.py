"""Sign-in attempts remember the client they came from, so the throttle counts per account
and client address (a stranger's failures no longer lock the owner out), and an index on
their time keeps the purge of old attempts cheap.

Revision ID: 0007
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Attempts made before this revision have no address: '' is a client of its own.
    op.add_column(
        "login_attempts",
        sa.Column("client_key", sa.String(length=64), server_default="", nullable=False),
    )
    op.create_index(
        "ix_login_attempts_attempted_at", "login_attempts", ["attempted_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_login_attempts_attempted_at", table_name="login_attempts")
    op.drop_column("login_attempts", "client_key")
