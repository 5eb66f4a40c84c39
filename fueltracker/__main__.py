"""Command line: `python -m fueltracker <command>` (migrate, create-user, reset-password,
import, export, demo, backup, restore, token create).

Every command uses FUELTRACKER_DATABASE_URL when set, else the embedded database under data/.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from fueltracker import security, units
from fueltracker.config import get_settings
from fueltracker.errors import FuelTrackerError, ImportRejected
from fueltracker.logging_setup import configure_logging, start_run


def _migrate(_: argparse.Namespace) -> int:
    from fueltracker.db import database_url
    from fueltracker.migrate import upgrade_to_head

    upgrade_to_head(database_url())
    print("Database schema is up to date.")
    return 0


def _create_user(args: argparse.Namespace) -> int:
    from fueltracker.db import session_scope
    from fueltracker.schemas import UserCreate, parse
    from fueltracker.services.users import register_user

    if not args.password_stdin:
        print("error: pass --password-stdin and the password on standard input", file=sys.stderr)
        return 2
    password = _read_password()
    data = parse(
        UserCreate,
        username=args.username,
        display_name=args.name or args.username,
        email=args.email,
        password=password,
    )
    with session_scope() as session:
        user = register_user(session, data)
    print(f"Created user {user.username} (id {user.id}).")
    return 0


def _reset_password(args: argparse.Namespace) -> int:
    from fueltracker.db import session_scope
    from fueltracker.services.users import find_user_id, set_password

    if not args.password_stdin:
        print("error: pass --password-stdin and the password on standard input", file=sys.stderr)
        return 2
    password = _read_password()
    with session_scope() as session:
        user_id = find_user_id(session, args.username)
        set_password(session, user_id, password)
    security.event("password_reset", user_id=user_id, via="cli")
    print(f"Password of {args.username} reset; every signed-in browser of it is signed out.")
    return 0


def _read_password() -> str:
    # The first line of standard input, as typed: spaces are part of a password.
    return sys.stdin.readline().removesuffix("\n").removesuffix("\r")


def _import(args: argparse.Namespace) -> int:
    from fueltracker.db import session_scope
    from fueltracker.importers import registry
    from fueltracker.importers.common import is_zip
    from fueltracker.importers.detect import detect_format
    from fueltracker.services.transfer import import_rows
    from fueltracker.services.users import find_user_id

    data = Path(args.file).read_bytes()
    # Undetected text is read as native, whose header check names what is missing.
    file_format = (
        registry.get(args.format)
        if args.format
        else registry.detected(detect_format(data)) or registry.get(registry.NATIVE)
    )
    if file_format.name == registry.NATIVE and not is_zip(data) and not _is_utf8(data):
        print(f"error: {args.file} is not a UTF-8 CSV file or our ZIP", file=sys.stderr)
        return 1
    if file_format.asks_vehicle and not args.vehicle:
        print(
            f"error: a {file_format.name} file holds one vehicle and does not name it; "
            "pass --vehicle NAME",
            file=sys.stderr,
        )
        return 2
    parsed = file_format.parse(
        data,
        registry.Choices(
            vehicle=args.vehicle,
            distance_unit=args.distance_unit,
            volume_unit=args.volume_unit,
            decimal_comma={",": True, ".": False}.get(args.decimal_mark or ""),
            day_first={"dmy": True, "mdy": False}.get(args.date_order or ""),
        ),
    )
    if parsed.errors:
        raise ImportRejected(parsed.errors)
    # A one-vehicle file's rows carry their vehicle's name (--vehicle went to the parser);
    # otherwise --vehicle sends every row to that existing vehicle.
    vehicle_name = None if file_format.one_vehicle else args.vehicle
    vehicles = None
    if file_format.one_vehicle or not args.vehicle or file_format.restores_vehicles:
        # Created, with the details the file gives, when the account has none of that name.
        vehicles = [v for v in parsed.vehicles if v.get("name")] or None
    with session_scope() as session:
        user_id = find_user_id(session, args.username)
        result = import_rows(
            session, user_id, parsed.rows, vehicle_name=vehicle_name, vehicles=vehicles
        )
    security.event("import", user_id=user_id, rows=result.imported, via="cli")
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    created = (
        f"; created vehicles: {', '.join(result.vehicles_created)}"
        if result.vehicles_created
        else ""
    )
    print(
        f"Imported {units.format_count(result.imported, 'fill-up')}, skipped "
        f"{result.duplicates} already present{created}."
    )
    return 0


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return True


def _export(args: argparse.Namespace) -> int:
    from fueltracker.db import session_scope
    from fueltracker.services.transfer import export_native
    from fueltracker.services.users import find_user_id

    with session_scope() as session:
        user_id = find_user_id(session, args.username)
        text = export_native(session, user_id)
    security.event("export", user_id=user_id, via="cli")
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _demo(_: argparse.Namespace) -> int:
    from fueltracker.db import session_scope
    from fueltracker.demo import DEMO_PASSWORD, DEMO_USERNAME, seed_demo

    if not get_settings().embedded:
        print(
            "error: the demo account is only created in the embedded database "
            "(FUELTRACKER_DATABASE_URL is set)",
            file=sys.stderr,
        )
        return 2
    with session_scope() as session:
        created = seed_demo(session)
    state = "created" if created else "already present"
    print(f"Demo account {state}: username '{DEMO_USERNAME}', password '{DEMO_PASSWORD}'.")
    return 0


def _backup_url() -> str:
    """The login of backup and restore: FUELTRACKER_BACKUP_DATABASE_URL (a role with
    BYPASSRLS, as the compose stack has), else the app's own URL."""
    from fueltracker.config import get_settings
    from fueltracker.db import database_url

    return get_settings().backup_database_url or database_url()


def _backup(args: argparse.Namespace) -> int:
    from fueltracker.backup import backup_to_file

    if args.output == "-":
        return _backup_to_stdout()
    summary = backup_to_file(_backup_url(), Path(args.output), force=args.force)
    security.event("backup", rows=summary.rows, users=summary.tables.get("users"), via="cli")
    print(
        f"Backed up {summary.describe()} (schema revision {summary.schema_revision}) "
        f"to {args.output}."
    )
    return 0


def _backup_to_stdout() -> int:
    from fueltracker.backup import backup_to_stream

    if sys.stdout.isatty():
        print("error: standard output is a terminal; redirect it to a file", file=sys.stderr)
        return 2
    # The backup keeps the real standard output to itself: file descriptor 1 points at
    # standard error until the process ends, so log lines, messages and any child process
    # (the embedded server) can write neither into nor after the compressed stream.
    sys.stdout.flush()
    backup_fd = os.dup(1)
    os.dup2(2, 1)
    with os.fdopen(backup_fd, "wb") as stream:
        summary = backup_to_stream(_backup_url(), stream)
    security.event("backup", rows=summary.rows, users=summary.tables.get("users"), via="cli")
    print(
        f"Backed up {summary.describe()} (schema revision {summary.schema_revision}) "
        "to standard output."
    )
    return 0


def _restore(args: argparse.Namespace) -> int:
    from fueltracker.backup import restore_from_file

    summary = restore_from_file(_backup_url(), None if args.file == "-" else Path(args.file))
    security.event("restore", rows=summary.rows, users=summary.tables.get("users"), via="cli")
    print(f"Restored {summary.describe()} (schema revision {summary.schema_revision}).")
    return 0


def _token_create(args: argparse.Namespace) -> int:
    import datetime as dt

    from fueltracker.db import session_scope
    from fueltracker.schemas import TokenCreate, parse
    from fueltracker.services.tokens import create_token
    from fueltracker.services.users import find_user_id

    try:
        expires_on = dt.date.fromisoformat(args.expires) if args.expires else None
    except ValueError:
        print(f"error: --expires {args.expires!r} is not a date like 2027-12-31", file=sys.stderr)
        return 2
    data = parse(TokenCreate, name=args.name, scope=args.scope, expires_on=expires_on)
    with session_scope() as session:
        user_id = find_user_id(session, args.username)
        created = create_token(session, user_id, data)
    security.event(
        "api_token_created",
        user_id=user_id,
        token_id=created.token.id,
        scope=created.token.scope,
        via="cli",
    )
    # The token alone on stdout (scripts capture it); how to use it on stderr.
    print(created.secret)
    print(
        f"API token '{created.token.name}' ({created.token.scope}) for {args.username}: "
        "shown once, store it now. Send it as 'Authorization: Bearer <token>'.",
        file=sys.stderr,
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command (also used by the tests)."""
    parser = argparse.ArgumentParser(prog="python -m fueltracker", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("migrate", help="apply database migrations").set_defaults(func=_migrate)

    create = commands.add_parser("create-user", help="create an account")
    create.add_argument("username")
    create.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input",
    )
    create.add_argument("--name", help="display name (default: the username)")
    create.add_argument("--email")
    create.set_defaults(func=_create_user)

    reset = commands.add_parser("reset-password", help="set a new password for an account (admin)")
    reset.add_argument("username")
    reset.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the new password from the first line of standard input",
    )
    reset.set_defaults(func=_reset_password)

    imp = commands.add_parser(
        "import",
        help="import fill-ups from a native CSV, our data "
        "ZIP, or a Fuelly, Fuelio, LubeLogger or Drivvo export "
        "(all rows or none)",
    )
    imp.add_argument("username")
    imp.add_argument("file")
    imp.add_argument(
        "--format",
        choices=_import_format_names(),
        default=None,
        help="the app that wrote the file (default: detected from its content)",
    )
    imp.add_argument(
        "--vehicle",
        help="put every row on this vehicle (native, Fuelly: an existing "
        "one; LubeLogger and Drivvo, required: created when missing; Fuelio: "
        "instead of the file's name)",
    )
    imp.add_argument(
        "--distance-unit",
        choices=["km", "mi"],
        default="km",
        help="odometer unit of a LubeLogger or Drivvo file (default km)",
    )
    imp.add_argument(
        "--volume-unit",
        choices=["L", "gal_us", "gal_uk"],
        default="L",
        help="volume unit of a LubeLogger or Drivvo file (default L)",
    )
    imp.add_argument(
        "--date-order",
        choices=["dmy", "mdy"],
        default=None,
        help="order of a/b/yyyy dates (default: inferred from the file)",
    )
    imp.add_argument(
        "--decimal-mark",
        choices=[",", "."],
        default=None,
        help="decimal mark of LubeLogger/Drivvo numbers (default: inferred)",
    )
    imp.set_defaults(func=_import)

    exp = commands.add_parser("export", help="export all fill-ups as native CSV")
    exp.add_argument("username")
    exp.add_argument("-o", "--output", help="file to write (default: standard output)")
    exp.set_defaults(func=_export)

    commands.add_parser("demo", help="seed the demo account (embedded database only)").set_defaults(
        func=_demo
    )

    backup = commands.add_parser(
        "backup",
        help="write a consistent snapshot of the whole "
        "instance, password hashes included (docs/backup.md)",
    )
    backup.add_argument(
        "-o",
        "--output",
        required=True,
        help="file to write, mode 0600 (gzip JSON Lines, e.g. "
        "fueltracker-2026-01-31.jsonl.gz); '-' for standard output",
    )
    backup.add_argument("--force", action="store_true", help="replace an existing file")
    backup.set_defaults(func=_backup)

    restore = commands.add_parser(
        "restore",
        help="load a backup into an EMPTY instance "
        "(all or nothing; a database without schema is migrated)",
    )
    restore.add_argument("file", help="the backup file; '-' for standard input")
    restore.set_defaults(func=_restore)

    token = commands.add_parser("token", help="personal access tokens of the JSON API")
    token_commands = token.add_subparsers(dest="token_command", required=True)
    token_create = token_commands.add_parser(
        "create", help="make an API token for an account and print it once (docs/api.md)"
    )
    token_create.add_argument("username")
    token_create.add_argument("--name", required=True, help="what the token is for")
    token_create.add_argument(
        "--scope",
        choices=["read", "read+write"],
        default="read",
        help="read, or read+write (default read)",
    )
    token_create.add_argument(
        "--expires",
        metavar="YYYY-MM-DD",
        help="the last day it works (the account's local date); default: no expiry",
    )
    token_create.set_defaults(func=_token_create)
    return parser


def _import_format_names() -> list[str]:
    from fueltracker.importers.registry import cli_formats

    return [file_format.name for file_format in cli_formats()]


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the process exit code (non-zero on failure)."""
    configure_logging()
    start_run()
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ImportRejected as exc:
        print(f"error: {exc}", file=sys.stderr)
        for error in exc.errors:
            print(f"  row {error.row_number}: {error.column}: {error.reason}", file=sys.stderr)
        return 1
    except FuelTrackerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
