"""The write locks every service that changes a user's data takes, in one order.

Lock order, the same in every write path so two of them can never wait on each other:
1. the user's row (lock_user, FOR NO KEY UPDATE): taken first by every write of that user's
   vehicles and fill-ups, so those writes run one after the other. Account deletion and
   preference changes start by writing that row too, so they fit the same order;
2. the vehicle rows involved (lock_vehicles, FOR UPDATE, ascending id);
3. the fill-up rows written; last, the user's row again by revision.bump_revision (already
   held).
Validation then reads the vehicle's other fill-ups inside the transaction holding these
locks, so what it checked is still true at commit (READ COMMITTED is enough: no other
writer of this user can commit in between).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from fueltracker.errors import NotFoundError
from fueltracker.models import User, Vehicle


def lock_user(session: Session, user_id: int) -> User:
    """Lock the user's row for this transaction (step 1 of the lock order above) and return
    it freshly read; NotFoundError when the account is gone (deleted meanwhile).

    FOR NO KEY UPDATE: it excludes the other writers of this user, not the foreign-key
    checks of rows pointing at the user, nor sign-in reads.
    """
    user = session.scalar(
        select(User)
        .where(User.id == user_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    if user is None:
        raise NotFoundError("User")
    return user


def lock_vehicles(session: Session, user_id: int, vehicle_ids: Iterable[int]) -> dict[int, Vehicle]:
    """Lock these vehicles of the user (FOR UPDATE, ascending id: step 2 of the lock order)
    and return them by id, freshly read; NotFoundError if one is not the user's (or gone).

    Call lock_user first. FOR UPDATE also holds back any insert of a fill-up for these
    vehicles (its foreign-key check needs a share lock) and their deletion.
    """
    wanted = sorted(set(vehicle_ids))
    if not wanted:
        return {}
    locked = {
        vehicle.id: vehicle
        for vehicle in session.scalars(
            select(Vehicle)
            .where(Vehicle.user_id == user_id, Vehicle.id.in_(wanted))
            # Rows are locked in the ORDER BY order (the lock step runs after the sort).
            .order_by(Vehicle.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    }
    if len(locked) != len(wanted):
        raise NotFoundError("Vehicle")
    return locked
