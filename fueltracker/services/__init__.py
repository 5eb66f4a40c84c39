"""Use cases. Every function takes the SQLAlchemy session (the caller owns the transaction)
and the signed-in user's id, and never sees or changes another user's rows."""
