"""Vehicle kind: car, motorbike, van (or pickup) or other, so each vehicle is shown with its
own icon (a motorbike had a car's). Existing vehicles become cars, the old implicit kind;
their owners can say otherwise in the vehicle form.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "vehicles", sa.Column("kind", sa.String(length=10), server_default="car", nullable=False)
    )
    op.create_check_constraint(
        op.f("ck_vehicles_kind"), "vehicles", "kind IN ('car', 'motorbike', 'van', 'other')"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_vehicles_kind"), "vehicles", type_="check")
    op.drop_column("vehicles", "kind")
