"""The command line, run as a real process against the test database."""

import csv
import io
import os
import subprocess
import sys

from tests.conftest import ROOT
from tests.factories import WORKED_EXAMPLE_CSV


def cli(*args, stdin="", env_extra=None, database_url):
    env = os.environ | {"FUELTRACKER_DATABASE_URL": database_url} | (env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "fueltracker", *args],
        input=stdin,
        text=True,
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )


def test_worked_example_through_the_cli(database_url, tmp_path, unique_name):
    made = cli(
        "create-user",
        unique_name,
        "--password-stdin",
        "--name",
        "CLI user",
        stdin="a long enough password\n",
        database_url=database_url,
    )
    assert made.returncode == 0, made.stderr
    source = tmp_path / "example.csv"
    source.write_text(WORKED_EXAMPLE_CSV)
    imported = cli(
        "import", unique_name, str(source), "--format", "native", database_url=database_url
    )
    assert imported.returncode == 0, imported.stderr
    assert "Imported 6 fill-ups" in imported.stdout
    exported = cli("export", unique_name, database_url=database_url)
    assert exported.returncode == 0, exported.stderr
    figures = [r["consumption_l_per_100km"] for r in csv.DictReader(io.StringIO(exported.stdout))]
    assert figures == ["", "", "5.25", "5.8333", "", "5.5"]
    out = tmp_path / "out.csv"
    assert cli("export", unique_name, "-o", str(out), database_url=database_url).returncode == 0
    assert out.read_text() == exported.stdout
    again = cli("import", unique_name, str(source), database_url=database_url)
    assert "Imported 0 fill-ups, skipped 6 already present" in again.stdout


def test_import_failure_lists_rows_and_exits_nonzero(database_url, tmp_path, unique_name):
    cli(
        "create-user",
        unique_name,
        "--password-stdin",
        stdin="a long enough password\n",
        database_url=database_url,
    )
    source = tmp_path / "bad.csv"
    source.write_text(
        WORKED_EXAMPLE_CSV + "Example car,2024-05-01,100,30,50,true,false\n"
        "Example car,2024-05-02,abc,30,50,true,false\n"
    )
    result = cli("import", unique_name, str(source), database_url=database_url)
    assert result.returncode == 1
    assert "row 8: odometer_km: 'abc' is not a number" in result.stderr
    exported = cli("export", unique_name, database_url=database_url)
    assert exported.stdout.count("\n") == 1  # header only: nothing was written


def test_create_user_rejects_weak_password_and_duplicates(database_url, unique_name):
    weak = cli(
        "create-user", unique_name, "--password-stdin", stdin="short\n", database_url=database_url
    )
    assert weak.returncode == 1 and "at least 12" in weak.stderr
    ok = cli(
        "create-user",
        unique_name,
        "--password-stdin",
        stdin="a long enough password\n",
        database_url=database_url,
    )
    assert ok.returncode == 0
    dup = cli(
        "create-user",
        unique_name.upper(),
        "--password-stdin",
        stdin="a long enough password\n",
        database_url=database_url,
    )
    assert dup.returncode == 1 and "already taken" in dup.stderr


def test_demo_refused_on_an_external_database(database_url):
    result = cli("demo", database_url=database_url)
    assert result.returncode == 2 and "only created in the embedded database" in result.stderr


def test_unknown_user(database_url):
    result = cli("export", "no-such-user-anywhere", database_url=database_url)
    assert result.returncode == 1 and "not found" in result.stderr


def test_reset_password_by_the_admin(database_url, unique_name):
    cli(
        "create-user",
        unique_name,
        "--password-stdin",
        stdin="a long enough password\n",
        database_url=database_url,
    )
    reset = cli(
        "reset-password",
        unique_name,
        "--password-stdin",
        stdin=" another secret phrase \n",
        database_url=database_url,
    )
    assert reset.returncode == 0, reset.stderr
    assert "another secret phrase" not in reset.stdout + reset.stderr
    from fueltracker.db import session_scope
    from fueltracker.services import users

    with session_scope() as session:
        assert users.authenticate(session, unique_name, " another secret phrase ") is not None
    weak = cli(
        "reset-password",
        unique_name,
        "--password-stdin",
        stdin="short\n",
        database_url=database_url,
    )
    assert weak.returncode == 1 and "at least 12" in weak.stderr
    unknown = cli(
        "reset-password",
        "nobody-at-all-here",
        "--password-stdin",
        stdin="a long enough password\n",
        database_url=database_url,
    )
    assert unknown.returncode == 1 and "not found" in unknown.stderr


def test_data_zip_imports_through_the_cli(database_url, tmp_path, unique_name):
    from fueltracker.db import session_scope
    from fueltracker.services import transfer, users

    source = tmp_path / "example.csv"
    source.write_text(WORKED_EXAMPLE_CSV)
    for name in (unique_name, unique_name + "b"):
        cli(
            "create-user",
            name,
            "--password-stdin",
            stdin="a long enough password\n",
            database_url=database_url,
        )
    cli("import", unique_name, str(source), database_url=database_url)
    with session_scope() as session:
        archive = transfer.export_archive(session, users.find_user_id(session, unique_name))
    zipped = tmp_path / "all.zip"
    zipped.write_bytes(archive)
    result = cli("import", unique_name + "b", str(zipped), database_url=database_url)
    assert result.returncode == 0, result.stderr
    assert "Imported 6 fill-ups" in result.stdout
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\xff\xd8\xff\xe0 not text")
    refused = cli("import", unique_name, str(binary), database_url=database_url)
    assert refused.returncode == 1 and "not a UTF-8 CSV" in refused.stderr
