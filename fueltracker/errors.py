"""Typed domain errors raised by services and shown by the UI next to the field they name,
and the two conditions that are no user's mistake: a session ended elsewhere
(SessionRevoked) and a database that cannot be reached (DatabaseUnavailable)."""

from __future__ import annotations

from dataclasses import dataclass, field


class FuelTrackerError(Exception):
    """Base class of every error the domain raises on purpose."""


class NotFoundError(FuelTrackerError):
    """The object does not exist *for this user* (another user's id looks exactly the same)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} not found")
        self.what = what


class ValidationError(FuelTrackerError):
    """A value was rejected; `field` names the input, `reason` says why in plain words."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


class DuplicateError(ValidationError):
    """The value collides with an existing row (same username, vehicle name, fill-up ...)."""


class PasswordRejected(ValidationError):
    """A wrong current password, or too many of them. The service recorded the failed
    attempt (the throttle counts it) and wrote nothing else before the check, so
    db.session_scope commits the transaction before letting this through."""


@dataclass(frozen=True)
class RowError:
    """One rejected row of an imported file (1-based data row number, column, reason)."""

    row_number: int
    column: str
    reason: str


@dataclass
class ImportRejected(FuelTrackerError):
    """An import wrote nothing because these rows were invalid."""

    errors: list[RowError] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{len(self.errors)} invalid row(s); nothing was imported"


class SessionRevoked(Exception):
    """A signed-in browser session ended elsewhere: sign-out, a password change or an admin
    reset after it signed in, or the account was deleted (`account_deleted`). Deliberately
    no FuelTrackerError, so no form shows it as a field error: the UI's error boundary
    signs the session out instead, and nothing of the run that met it is written."""

    def __init__(self, account_deleted: bool = False) -> None:
        super().__init__("account deleted" if account_deleted else "signed out elsewhere")
        self.account_deleted = account_deleted


class DatabaseUnavailable(Exception):
    """The database cannot be reached: no connection could be made, or the one in use
    broke (db.session_scope raises it in place of the driver's error, which stays its
    __cause__). `cause` is one line for the log: the driver's error type and first line,
    never the statement. Deliberately no FuelTrackerError either: no form shows it as a
    field error; the UI shows one plain message and keeps what was typed."""

    def __init__(self, cause: str) -> None:
        super().__init__(cause)
        self.cause = cause
