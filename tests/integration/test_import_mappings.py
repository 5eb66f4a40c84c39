"""Remembered generic-CSV mappings: per user and header, last one wins, never shared."""

from fueltracker.services import mappings
from tests.factories import make_user


def test_remember_and_recall_per_user(db_session):
    alice, bob = make_user(db_session, "alice"), make_user(db_session, "bob")
    header = ["Date", "Km", "Litres", "Paid"]
    assert mappings.recall_mapping(db_session, alice.id, header) is None
    mappings.remember_mapping(db_session, alice.id, header, {"date": "Date", "odometer": "Km"})
    mappings.remember_mapping(
        db_session, alice.id, header, {"date": "Date", "odometer": "Km", "volume": "Litres"}
    )
    assert mappings.recall_mapping(db_session, alice.id, [" date", "KM", "Litres ", "paid"]) == {
        "date": "Date",
        "odometer": "Km",
        "volume": "Litres",
    }
    assert mappings.recall_mapping(db_session, bob.id, header) is None
    assert mappings.mapping_key(header) != mappings.mapping_key(["Date", "Km", "Litres"])
