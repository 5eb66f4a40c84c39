"""The derived values of a user's history (metrics.add_derived over the whole history),
kept per process for the API's requests, keyed by (user id, data revision) as the pages'
cache is (ui/context.py): every write of a user's data bumps the revision in its own
transaction, so a frame is never served after the data it was computed from changed, in
this process or any other replica.

The revision is read before the history, in the request's transaction: the frame is at
least as new as its key. Only ever from a transaction that wrote nothing: a write bumps
the revision, and a frame computed before its commit would be cached under a number that
a failed commit never made and a later write would reuse (api/fillups.py reads after the
write's commit). Frames are shared between requests and threads and never modified
(callers select from them, which copies).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

import pandas as pd

from fueltracker import metrics
from fueltracker.services import history, revision

if TYPE_CHECKING:  # the services' session, passed through: no query is made here
    from sqlalchemy.orm import Session

# Users whose frames stay in memory (least recently used first out); a 20,000-row history
# is a few MB.
MAX_FRAMES = 32


class DerivedFrames:
    """A small LRU of derived frames keyed by (user id, data revision)."""

    def __init__(self, size: int = MAX_FRAMES) -> None:
        self._size = size
        self._frames: OrderedDict[tuple[int, int], pd.DataFrame] = OrderedDict()
        self._lock = threading.Lock()

    def frame(self, session: Session, user_id: int) -> pd.DataFrame:
        """The user's derived frame as of the revision this transaction reads."""
        key = (user_id, revision.data_revision(session, user_id))
        with self._lock:
            cached = self._frames.get(key)
            if cached is not None:
                self._frames.move_to_end(key)
                return cached
        frame = metrics.add_derived(history.load_entries_frame(session, user_id))
        with self._lock:
            # An older revision of this user is never asked for again.
            for stale in [k for k in self._frames if k[0] == user_id and k != key]:
                del self._frames[stale]
            self._frames[key] = frame
            while len(self._frames) > self._size:
                self._frames.popitem(last=False)
        return frame

    def clear(self) -> None:
        """Forget every frame (tests)."""
        with self._lock:
            self._frames.clear()


frames = DerivedFrames()
