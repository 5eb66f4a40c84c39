"""Initial schema: users with preferences, vehicles, fill-ups (canonical km, litres, NUMERIC money).

Revision ID: 0001
Revises:
Create Date: 2026-11-26 11:16:20.510973
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("password_hash", sa.String(length=100), nullable=False),
        sa.Column("currency", sa.String(length=3), server_default="USD", nullable=False),
        sa.Column("distance_unit", sa.String(length=2), server_default="km", nullable=False),
        sa.Column("volume_unit", sa.String(length=6), server_default="L", nullable=False),
        sa.Column(
            "consumption_unit", sa.String(length=8), server_default="L/100km", nullable=False
        ),
        sa.Column("timezone", sa.String(length=64), server_default="UTC", nullable=False),
        sa.Column("data_revision", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column(
            "sessions_valid_after",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
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
            "consumption_unit IN ('L/100km', 'km/L', 'mpg_us', 'mpg_uk')",
            name=op.f("ck_users_consumption_unit"),
        ),
        sa.CheckConstraint("distance_unit IN ('km', 'mi')", name=op.f("ck_users_distance_unit")),
        sa.CheckConstraint(
            "volume_unit IN ('L', 'gal_us', 'gal_uk')", name=op.f("ck_users_volume_unit")
        ),
        sa.CheckConstraint(
            "char_length(username) BETWEEN 3 AND 64", name=op.f("ck_users_username_length")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    op.create_index(
        "uq_users_username_lower", "users", [sa.literal_column("lower(username)")], unique=True
    )
    op.create_table(
        "vehicles",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("make", sa.String(length=50), nullable=True),
        sa.Column("model", sa.String(length=50), nullable=True),
        sa.Column("year", sa.SmallInteger(), nullable=True),
        sa.Column("fuel_type", sa.String(length=30), nullable=True),
        sa.Column("tank_capacity_l", sa.Numeric(precision=8, scale=3), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
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
            "char_length(name) BETWEEN 1 AND 100", name=op.f("ck_vehicles_name_length")
        ),
        sa.CheckConstraint(
            "tank_capacity_l IS NULL OR (tank_capacity_l > 0 AND tank_capacity_l <= 2000)",
            name=op.f("ck_vehicles_tank_capacity"),
        ),
        sa.CheckConstraint(
            "year IS NULL OR year BETWEEN 1885 AND 2100", name=op.f("ck_vehicles_year_range")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_vehicles_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vehicles")),
        sa.UniqueConstraint("id", "user_id", name=op.f("uq_vehicles_id_user_id")),
    )
    op.create_index(op.f("ix_vehicles_user_id"), "vehicles", ["user_id"], unique=False)
    op.create_index(
        "uq_vehicles_user_id_name_lower",
        "vehicles",
        ["user_id", sa.literal_column("lower(name)")],
        unique=True,
    )
    op.create_table(
        "fuel_entries",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("vehicle_id", sa.BigInteger(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("odometer_km", sa.Numeric(precision=15, scale=6), nullable=False),
        sa.Column("volume_l", sa.Numeric(precision=16, scale=9), nullable=False),
        sa.Column("total_amount", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column("station", sa.String(length=100), nullable=True),
        sa.Column("brand", sa.String(length=50), nullable=True),
        sa.Column("grade", sa.String(length=20), nullable=True),
        sa.Column("notes", sa.String(length=500), nullable=True),
        sa.Column("is_full", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("missed_previous", sa.Boolean(), server_default="false", nullable=False),
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
        sa.CheckConstraint("date >= DATE '1900-01-01'", name=op.f("ck_fuel_entries_date_min")),
        sa.CheckConstraint(
            "notes IS NULL OR char_length(notes) <= 500", name=op.f("ck_fuel_entries_notes_length")
        ),
        sa.CheckConstraint("odometer_km >= 0", name=op.f("ck_fuel_entries_odometer_non_negative")),
        sa.CheckConstraint(
            "total_amount >= 0 AND total_amount <= 100000",
            name=op.f("ck_fuel_entries_amount_range"),
        ),
        sa.CheckConstraint(
            "volume_l > 0 AND volume_l <= 2000", name=op.f("ck_fuel_entries_volume_range")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_fuel_entries_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id", "user_id"],
            ["vehicles.id", "vehicles.user_id"],
            name="fk_fuel_entries_vehicle_user",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fuel_entries")),
        sa.UniqueConstraint(
            "vehicle_id",
            "date",
            "odometer_km",
            name=op.f("uq_fuel_entries_vehicle_id_date_odometer_km"),
        ),
    )
    op.create_index(
        "ix_fuel_entries_user_date",
        "fuel_entries",
        ["user_id", sa.literal_column("date DESC"), sa.literal_column("odometer_km DESC")],
        unique=False,
    )
    op.create_index(
        "ix_fuel_entries_vehicle_date",
        "fuel_entries",
        ["vehicle_id", sa.literal_column("date DESC")],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_fuel_entries_vehicle_date", table_name="fuel_entries")
    op.drop_index("ix_fuel_entries_user_date", table_name="fuel_entries")
    op.drop_table("fuel_entries")
    op.drop_index("uq_vehicles_user_id_name_lower", table_name="vehicles")
    op.drop_index(op.f("ix_vehicles_user_id"), table_name="vehicles")
    op.drop_table("vehicles")
    op.drop_index("uq_users_username_lower", table_name="users")
    op.drop_table("users")
