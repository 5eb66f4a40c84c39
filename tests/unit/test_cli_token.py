"""The CLI's `token create` arguments (no database: what the parser accepts and refuses)."""

import pytest

from fueltracker.__main__ import build_parser


def test_token_create_arguments():
    args = build_parser().parse_args(
        [
            "token",
            "create",
            "anna",
            "--name",
            "HA",
            "--scope",
            "read+write",
            "--expires",
            "2030-01-31",
        ]
    )
    assert (args.username, args.name, args.scope, args.expires) == (
        "anna",
        "HA",
        "read+write",
        "2030-01-31",
    )
    default = build_parser().parse_args(["token", "create", "anna", "--name", "HA"])
    assert (default.scope, default.expires) == ("read", None)


@pytest.mark.parametrize(
    "argv",
    [
        ["token", "create", "anna"],  # no name
        ["token", "create", "anna", "--name", "x", "--scope", "write"],  # no such scope
        ["token"],  # no subcommand
    ],
)
def test_token_create_refuses(argv, capsys):
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(argv)
    assert exited.value.code == 2
