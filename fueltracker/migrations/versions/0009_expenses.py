"""Expenses: the running costs of a vehicle other than energy (service, repairs, insurance,
tax, parking...), with an optional coverage period, behind the same row-level security as
the fill-ups. The composite foreign key (vehicle_id, user_id) keeps an expense on a vehicle
of its own user; deleting the vehicle or the account deletes its expenses.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

APP_ROLE = "fueltracker_app"
USER_ID = "NULLIF(current_setting('app.user_id', true), '')::bigint"
CATEGORIES = (
    "service",
    "repair",
    "tyres",
    "insurance",
    "tax",
    "parking",
    "tolls",
    "cleaning",
    "fines",
    "accessories",
    "other",
)


def upgrade() -> None:
    op.create_table(
        "expenses",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("vehicle_id", sa.BigInteger(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("odometer_km", sa.Numeric(precision=15, scale=6), nullable=True),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("vendor", sa.String(length=100), nullable=True),
        sa.Column("notes", sa.String(length=500), nullable=True),
        sa.Column("coverage_from", sa.Date(), nullable=True),
        sa.Column("coverage_to", sa.Date(), nullable=True),
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
            "category IN (" + ", ".join(f"'{c}'" for c in CATEGORIES) + ")",
            name=op.f("ck_expenses_category"),
        ),
        sa.CheckConstraint(
            "amount >= 0 AND amount <= 1000000", name=op.f("ck_expenses_amount_range")
        ),
        sa.CheckConstraint(
            "odometer_km IS NULL OR odometer_km >= 0",
            name=op.f("ck_expenses_odometer_non_negative"),
        ),
        sa.CheckConstraint("date >= DATE '1900-01-01'", name=op.f("ck_expenses_date_min")),
        sa.CheckConstraint(
            "char_length(description) BETWEEN 1 AND 200",
            name=op.f("ck_expenses_description_length"),
        ),
        sa.CheckConstraint(
            "notes IS NULL OR char_length(notes) <= 500", name=op.f("ck_expenses_notes_length")
        ),
        sa.CheckConstraint(
            "(coverage_from IS NULL) = (coverage_to IS NULL)",
            name=op.f("ck_expenses_coverage_both_or_neither"),
        ),
        sa.CheckConstraint(
            "coverage_from IS NULL OR coverage_from <= coverage_to",
            name=op.f("ck_expenses_coverage_order"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_expenses_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id", "user_id"],
            ["vehicles.id", "vehicles.user_id"],
            name="fk_expenses_vehicle_user",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expenses")),
    )
    op.create_index(
        "ix_expenses_user_date",
        "expenses",
        ["user_id", sa.literal_column("date DESC"), sa.literal_column("id DESC")],
        unique=False,
    )
    op.create_index("ix_expenses_vehicle_date", "expenses", ["vehicle_id", "date"], unique=False)
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON expenses TO {APP_ROLE}")
    op.execute(f"GRANT USAGE, SELECT ON SEQUENCE expenses_id_seq TO {APP_ROLE}")
    op.execute("ALTER TABLE expenses ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE expenses FORCE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY expenses_owner ON expenses "
        f"USING (user_id = {USER_ID}) WITH CHECK (user_id = {USER_ID})"
    )


def downgrade() -> None:
    op.drop_table("expenses")  # its policy, indexes and grants go with it
