"""API tokens: personal access tokens of the JSON API, stored as a SHA-256 hash only,
behind row-level security like the other user tables.

The API finds a token by its hash before it knows whose it is, as sign-in finds an account
by its name: the policy shows a row to its owner (`app.user_id`) or to the transaction that
set `app.token_hash` to exactly that row's hash, and nothing else (services/tokens.py).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

USER_ID = "NULLIF(current_setting('app.user_id', true), '')::bigint"
TOKEN_HASH = "NULLIF(current_setting('app.token_hash', true), '')"


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rate_window", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rate_count", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint("scope IN ('read', 'read+write')", name=op.f("ck_api_tokens_scope")),
        sa.CheckConstraint(
            "char_length(name) BETWEEN 1 AND 100", name=op.f("ck_api_tokens_name_length")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index(op.f("ix_api_tokens_user_id"), "api_tokens", ["user_id"], unique=False)
    op.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON api_tokens TO fueltracker_app")
    op.execute("GRANT USAGE, SELECT ON SEQUENCE api_tokens_id_seq TO fueltracker_app")
    op.execute("ALTER TABLE api_tokens ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE api_tokens FORCE ROW LEVEL SECURITY")
    visible = f"(user_id = {USER_ID} OR token_hash = {TOKEN_HASH})"
    # Inserting needs the owner's scope: a token is only ever made for the signed-in user.
    op.execute(
        f"CREATE POLICY api_tokens_owner ON api_tokens USING {visible} "
        f"WITH CHECK (user_id = {USER_ID})"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_api_tokens_user_id"), table_name="api_tokens")
    op.drop_table("api_tokens")
