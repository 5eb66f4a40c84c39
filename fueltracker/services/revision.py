"""The user's data revision: the key of every cache of the user's data.

Every write of a user's vehicles, fill-ups or preferences bumps it in its own transaction
(the user's row is already locked by then: step 4 of the lock order in services/locks.py),
and the UI re-reads the user row on every run, so a cache keyed by (user id, revision) is
never stale, in any process or replica.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fueltracker.db import user_scoped
from fueltracker.errors import NotFoundError
from fueltracker.models import User


@user_scoped
def bump_revision(session: Session, user_id: int) -> None:
    """Mark the user's data as changed (same transaction as the write): caches key on it."""
    session.execute(
        update(User).where(User.id == user_id).values(data_revision=User.data_revision + 1)
    )


@user_scoped
def data_revision(session: Session, user_id: int) -> int:
    """The user's current data revision (0 for a new account)."""
    revision = session.scalar(select(User.data_revision).where(User.id == user_id))
    if revision is None:
        raise NotFoundError("User")
    return revision
