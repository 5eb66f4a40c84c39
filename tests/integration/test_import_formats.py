"""Other apps' files through the command line, detection included, against the test database."""

from tests.integration.test_cli import cli

LUBELOGGER = (
    "Date,Odometer,FuelConsumed,Cost,FuelEconomy,IsFillToFull,MissedFuelUp,Notes,Tags\n"
    '13/01/2024,10000,"40,5","70,10",0,True,False,first,\n'
    '20/01/2024,10500,"30,25","52,00","6,05",True,False,,\n'
)


def make_user(name, database_url):
    made = cli(
        "create-user",
        name,
        "--password-stdin",
        stdin="a long enough password\n",
        database_url=database_url,
    )
    assert made.returncode == 0, made.stderr


def test_fuelly_fixture_detected_and_imported_once(database_url, shared_fixtures, unique_name):
    make_user(unique_name, database_url)
    source = str(shared_fixtures / "fuelly_vstrom_metric.csv")
    first = cli("import", unique_name, source, database_url=database_url)
    assert first.returncode == 0, first.stderr
    assert (
        "Imported 23 fill-ups, skipped 0 already present; created vehicles: V-strom 2012"
        in first.stdout
    )
    again = cli("import", unique_name, source, database_url=database_url)
    assert again.returncode == 0, again.stderr
    assert "Imported 0 fill-ups, skipped 23 already present" in again.stdout

    from fueltracker.db import session_scope
    from fueltracker.services import users, vehicles

    with session_scope() as session:
        user_id = users.find_user_id(session, unique_name)
        (bike,) = vehicles.list_vehicles(session, user_id)
    assert (bike.name, bike.model) == ("V-strom 2012", "Suzuki DL650A V-Strom ABS")


def test_lubelogger_with_vehicle_and_units(database_url, tmp_path, unique_name):
    make_user(unique_name, database_url)
    source = tmp_path / "fuel.csv"
    source.write_text(LUBELOGGER)
    missing = cli(
        "import", unique_name, str(source), "--format", "lubelogger", database_url=database_url
    )
    assert missing.returncode == 2 and "--vehicle" in missing.stderr
    done = cli(
        "import",
        unique_name,
        str(source),
        "--format",
        "lubelogger",
        "--vehicle",
        "Golf",
        "--distance-unit",
        "mi",
        database_url=database_url,
    )
    assert done.returncode == 0, done.stderr
    assert "Imported 2 fill-ups" in done.stdout and "created vehicles: Golf" in done.stdout
    exported = cli("export", unique_name, database_url=database_url)
    lines = exported.stdout.splitlines()
    assert lines[1].startswith("Golf,2024-01-13,16093.44,40.5,70.1")
    # Detected without --format too; everything already there.
    again = cli(
        "import",
        unique_name,
        str(source),
        "--vehicle",
        "Golf",
        "--distance-unit",
        "mi",
        database_url=database_url,
    )
    assert "Imported 0 fill-ups, skipped 2 already present" in again.stdout, again.stderr


def test_bad_rows_of_another_format_reject_the_file(database_url, tmp_path, unique_name):
    make_user(unique_name, database_url)
    source = tmp_path / "fuel.csv"
    source.write_text(LUBELOGGER + "27/01/2024,abc,30,50,0,True,False,,\n")
    result = cli("import", unique_name, str(source), "--vehicle", "Golf", database_url=database_url)
    assert result.returncode == 1
    assert "row 3: Odometer: 'abc' is not a number (decimal mark: a comma)" in result.stderr
    exported = cli("export", unique_name, database_url=database_url)
    assert exported.stdout.count("\n") == 1  # header only: nothing was written
