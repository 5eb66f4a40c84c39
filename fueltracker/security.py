"""Security events as structured log records: sign-in success and failure, sign-out,
password change, export, import, account deletion. The event's fields travel as a dict on
the record (the JSON line's "security" object; key=value in the text form), never as text to
parse. Never a password or a cookie value: callers pass only ids, attempted usernames and
counts."""

from __future__ import annotations

import hashlib
import ipaddress
import logging
from collections.abc import Iterable

from fueltracker.logging_setup import SECURITY_FIELDS

log = logging.getLogger("fueltracker.security")


def event(
    name: str,
    *,
    user_id: int | None = None,
    username: str | None = None,
    **details: str | int | None,
) -> None:
    """Log one security event: its name, the user id or the attempted username, details.
    Time, correlation id and the session's user id are on every log line already."""
    fields = {
        "event": name,
        "user_id": user_id,
        # What someone typed: bounded; the formatters escape it, so it cannot forge lines.
        "username": None if username is None else username[:64],
        **details,
    }
    log.info("security %s", name, extra={SECURITY_FIELDS: fields})


def typed_username(username: str, account_exists: bool) -> str:
    """What a security event may say about a username someone typed: the name when it is
    an account's, else a short hash of it. People type their password into the username
    field; an unknown name is often exactly that, and a log is no place for it. The hash
    still groups the attempts of one typed name (password spraying shows)."""
    if account_exists:
        return username
    digest = hashlib.sha256(username.strip().lower().encode("utf-8")).hexdigest()
    return f"sha256:{digest[:12]}"


UNKNOWN_CLIENT = "unknown"


def client_key(peer: str | None, forwarded_for: Iterable[str], trusted_hops: int) -> str:
    """The address the sign-in throttle counts a client by.

    `peer` is the connection's address (None for a local one), `forwarded_for` the values
    of the request's X-Forwarded-For headers, `trusted_hops` how many reverse proxies of
    ours append to that header (FUELTRACKER_TRUSTED_PROXY_HOPS). With none, the header is
    ignored: any client can write it. With N, the client is the N-th address from the right
    (what our outermost proxy saw); entries left of it are the client's own claims; a
    shorter chain means the request did not come through our proxies, and the connection's
    address is the client's. An IPv6 client counts as its /64, which one subscriber
    usually holds whole."""
    address: str | None = peer
    if trusted_hops > 0:
        chain = [
            part.strip() for value in forwarded_for for part in value.split(",") if part.strip()
        ]
        if len(chain) >= trusted_hops:
            address = chain[-trusted_hops]
    if not address:
        return "local"
    try:
        parsed = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return UNKNOWN_CLIENT
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)
