"""Pure security helpers: the client address the throttle counts (X-Forwarded-For trusted
only as far as configured) and what a log may say about a typed username."""

from __future__ import annotations

import pytest

from fueltracker import security


@pytest.mark.parametrize(
    ("peer", "forwarded", "hops", "expected"),
    [
        ("198.51.100.7", [], 0, "198.51.100.7"),
        (None, [], 0, "local"),  # localhost: no address
        ("198.51.100.7", ["6.6.6.6"], 0, "198.51.100.7"),  # header ignored: forgeable
        ("10.0.0.2", ["6.6.6.6, 203.0.113.9"], 1, "203.0.113.9"),  # the proxy's entry
        ("10.0.0.2", ["6.6.6.6", "203.0.113.9"], 1, "203.0.113.9"),  # several header lines
        ("10.0.0.2", ["6.6.6.6, 203.0.113.9, 10.0.0.1"], 2, "203.0.113.9"),
        ("198.51.100.7", [], 1, "198.51.100.7"),  # came around the proxy
        ("10.0.0.2", ["2001:db8:1:2:aaaa::1"], 1, "2001:db8:1:2::/64"),
        ("10.0.0.2", ["2001:db8:1:2:bbbb::9"], 1, "2001:db8:1:2::/64"),  # same subscriber
        ("::ffff:198.51.100.7", [], 0, "198.51.100.7"),
        ("10.0.0.2", ["not-an-address"], 1, security.UNKNOWN_CLIENT),
    ],
)
def test_client_key(peer, forwarded, hops, expected):
    assert security.client_key(peer, forwarded, hops) == expected


def test_typed_username_logs_only_accounts_names():
    assert security.typed_username("Alice", True) == "Alice"
    hashed = security.typed_username("correct horse battery", False)
    assert hashed.startswith("sha256:") and "horse" not in hashed
    assert hashed == security.typed_username("  Correct Horse Battery ", False)
