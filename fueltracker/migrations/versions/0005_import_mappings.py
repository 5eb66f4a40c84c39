"""Import mappings: a user's generic-CSV column mapping per file header, behind the same
row-level security as the other user tables.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

USER_ID = "NULLIF(current_setting('app.user_id', true), '')::bigint"


def upgrade() -> None:
    op.create_table(
        "import_mappings",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("header_key", sa.String(length=64), nullable=False),
        sa.Column("mapping", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_import_mappings_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_mappings")),
        sa.UniqueConstraint(
            "user_id", "header_key", name=op.f("uq_import_mappings_user_id_header_key")
        ),
    )
    op.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON import_mappings TO fueltracker_app")
    op.execute("GRANT USAGE, SELECT ON SEQUENCE import_mappings_id_seq TO fueltracker_app")
    op.execute("ALTER TABLE import_mappings ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE import_mappings FORCE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY import_mappings_owner ON import_mappings "
        f"USING (user_id = {USER_ID}) WITH CHECK (user_id = {USER_ID})"
    )


def downgrade() -> None:
    op.drop_table("import_mappings")
