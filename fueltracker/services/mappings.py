"""Remembered column mappings of generic CSV imports, per user and file header."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from fueltracker.db import user_scoped
from fueltracker.models import ImportMapping


def mapping_key(header: list[str]) -> str:
    """A stable key of a header: the same columns (case and spaces aside) give the same key."""
    normalised = "\x1f".join(name.strip().lower() for name in header)
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


@user_scoped
def remember_mapping(
    session: Session, user_id: int, header: list[str], mapping: dict[str, str]
) -> None:
    """Keep the mapping used for files with this header (the last one wins)."""
    statement = insert(ImportMapping).values(
        user_id=user_id, header_key=mapping_key(header), mapping=mapping
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[ImportMapping.user_id, ImportMapping.header_key],
            set_={
                "mapping": statement.excluded.mapping,
                "updated_at": statement.excluded.updated_at,
            },
        )
    )


@user_scoped
def recall_mapping(session: Session, user_id: int, header: list[str]) -> dict[str, str] | None:
    """The mapping last used for a file with this header, if any."""
    return session.scalar(
        select(ImportMapping.mapping).where(
            ImportMapping.user_id == user_id, ImportMapping.header_key == mapping_key(header)
        )
    )
