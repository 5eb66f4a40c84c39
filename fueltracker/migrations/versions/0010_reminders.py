"""Reminders: per-vehicle jobs due by distance, by time or both ("Oil change every
15,000 km or 12 months"), on a vehicle of their own user (composite foreign key, as
fill-ups), behind the same forced row-level security as the other user tables.

Revision ID: 0010
Revises: 0009 (the expenses' migration; see down_revision below)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
# TEMPORARY: "0009" (expenses, issue 17) is on another branch; until they are merged this
# revision follows 0007 so this branch migrates on its own. Set it to "0009" at the merge.
down_revision = "0009"
branch_labels = None
depends_on = None

APP_ROLE = "fueltracker_app"
USER_ID = "NULLIF(current_setting('app.user_id', true), '')::bigint"


def upgrade() -> None:
    op.create_table(
        "reminders",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("vehicle_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("interval_km", sa.Numeric(precision=15, scale=6), nullable=True),
        sa.Column("interval_months", sa.SmallInteger(), nullable=True),
        sa.Column(
            "due_soon_km", sa.Numeric(precision=15, scale=6), server_default="1000", nullable=False
        ),
        sa.Column("due_soon_days", sa.SmallInteger(), server_default="30", nullable=False),
        sa.Column("last_done_on", sa.Date(), nullable=True),
        sa.Column("last_done_odometer_km", sa.Numeric(precision=15, scale=6), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "char_length(title) BETWEEN 1 AND 100", name=op.f("ck_reminders_title_length")
        ),
        sa.CheckConstraint(
            "interval_km IS NOT NULL OR interval_months IS NOT NULL",
            name=op.f("ck_reminders_some_interval"),
        ),
        sa.CheckConstraint(
            "interval_km IS NULL OR (interval_km > 0 AND interval_km <= 10000000)",
            name=op.f("ck_reminders_interval_km_range"),
        ),
        sa.CheckConstraint(
            "interval_months IS NULL OR interval_months BETWEEN 1 AND 1200",
            name=op.f("ck_reminders_interval_months_range"),
        ),
        sa.CheckConstraint(
            "due_soon_km >= 0 AND due_soon_km <= 10000000",
            name=op.f("ck_reminders_due_soon_km_range"),
        ),
        sa.CheckConstraint(
            "due_soon_days BETWEEN 0 AND 3650", name=op.f("ck_reminders_due_soon_days_range")
        ),
        sa.CheckConstraint(
            "last_done_on IS NULL OR last_done_on >= DATE '1900-01-01'",
            name=op.f("ck_reminders_last_done_on_min"),
        ),
        sa.CheckConstraint(
            "last_done_odometer_km IS NULL OR last_done_odometer_km >= 0",
            name=op.f("ck_reminders_last_done_odometer_non_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_reminders_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id", "user_id"],
            ["vehicles.id", "vehicles.user_id"],
            name="fk_reminders_vehicle_user",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
    )
    op.create_index(
        "ix_reminders_user_vehicle", "reminders", ["user_id", "vehicle_id"], unique=False
    )
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON reminders TO {APP_ROLE}")
    op.execute(f"GRANT USAGE, SELECT ON SEQUENCE reminders_id_seq TO {APP_ROLE}")
    op.execute("ALTER TABLE reminders ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE reminders FORCE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY reminders_owner ON reminders "
        f"USING (user_id = {USER_ID}) WITH CHECK (user_id = {USER_ID})"
    )


def downgrade() -> None:
    op.drop_table("reminders")
