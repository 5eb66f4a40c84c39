"""Drivvo's sectioned export, read by position; translated sections and flags."""

import datetime as dt
from decimal import Decimal

from fueltracker.errors import RowError
from fueltracker.importers.drivvo import parse_drivvo

PADDING = ",".join([""] * 10)  # columns 7..16


def refuel(odometer, date, fuel, price, total, volume, full, station="", notes=""):
    """One refuelling line with the station at column 17 and notes at 19."""
    return (
        f"{odometer},{date},{fuel},{price},{total},{volume},{full},{PADDING},{station},,{notes}\n"
    )


ENGLISH = (
    "##Refuelling\n"
    "Odometer,Date,Fuel,Price,Total cost,Volume,Full tank?,a,b,c,d,e,f,g,h,i,j,"
    "Gas station,Reason,Notes\n"
    + refuel("1000", "2024-01-02 10:00:00", "Gasoline", "1.50", "45.00", "30", "Yes", "Shell", "n1")
    + refuel("1400", "2024-01-09 10:00:00", "Gasoline", "1.60", "", "20", "No")
    + "\n##Service\nOdometer,Date,Cost\n1200,2024-01-05 10:00:00,150\n"
    + "##Vehicle\nName,Model\nCar,Civic\n"
)
PORTUGUESE = (
    "##Abastecimento\n"
    "Odômetro,Data,Combustível,Preço,Valor total,Litros,Tanque cheio,a,b,c,d,e,f,g,h,i,j,"
    "Posto,Motivo,Obs\n"
    + refuel("1000", "2024-01-02 10:00:00", "Gasolina", '"5,49"', '"164,70"', '"30,00"', "Sim")
    + refuel("1400", "2024-01-09 10:00:00", "Gasolina", '"5,59"', '"111,80"', '"20,00"', "Não")
)


def test_english_file():
    parsed = parse_drivvo(ENGLISH, vehicle="Car")
    assert parsed.errors == []
    first, second = parsed.rows
    assert (first.date, first.odometer_km, first.volume_l) == (
        dt.date(2024, 1, 2),
        Decimal(1000),
        Decimal(30),
    )
    assert (first.total_amount, first.station, first.grade, first.notes) == (
        Decimal("45.00"),
        "Shell",
        "Gasoline",
        "n1",
    )
    assert first.is_full and not second.is_full
    assert second.total_amount == Decimal("32.00")  # no total: unit price × volume
    assert parsed.source_consumption == {} and parsed.vehicles == [{"name": "Car"}]


def test_translated_file_with_decimal_commas_and_units():
    parsed = parse_drivvo(
        PORTUGUESE.encode(), vehicle="Carro", distance_unit="mi", volume_unit="gal_uk"
    )
    assert parsed.errors == []
    assert parsed.units == {"distance": "mi", "volume": "gal_uk"}
    first, second = parsed.rows
    assert first.total_amount == Decimal("164.70")
    assert first.volume_l == Decimal(30) * Decimal("4.54609")
    assert first.odometer_km == Decimal("1609.344")
    assert first.is_full and not second.is_full


def test_consumption_in_the_station_column_is_not_a_station():
    text = "##Refuelling\nh\n" + refuel(
        "1000", "2024-01-02 10:00:00", "", "1", "30", "30", "Yes", '"6,414 L/100km"'
    )
    assert parse_drivvo(text, vehicle="Car").rows[0].station is None


def test_bad_rows():
    text = ENGLISH.replace("1400,2024-01-09", "1400,2024-02-30") + ""
    text = text.replace(
        "##Service", refuel("x", "2024-01-10 10:00:00", "", "1", "2", "2", "Yes") + "##Service"
    )
    parsed = parse_drivvo(text, vehicle="Car")
    assert len(parsed.rows) == 1
    assert parsed.errors == [
        RowError(2, "date", "'2024-02-30 10:00:00' is not a valid date"),
        RowError(4, "odometer", "'x' is not a number (decimal mark: a dot)"),
    ]


def test_not_a_drivvo_file():
    assert parse_drivvo("a,b\n1,2\n").errors == [
        RowError(0, "file", "not a Drivvo file: no ##Refuelling section with a header")
    ]
